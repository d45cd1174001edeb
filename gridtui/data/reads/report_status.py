"""Where a day's daily reports stand, read from the database for the overview, the
wall and the reports API (the rules are :class:`~gridtui.domain.reports.ReportSchedule`'s).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.sources.records import Named
from gridtui.data.storage.models import DailyReportRow, Worker
from gridtui.domain.reports import ReportSchedule, ReportStatus, report_day


def report_status(
    session: Session, schedule: ReportSchedule, at: datetime, day: date | None = None
) -> tuple[ReportStatus, list[Named]]:
    """The reports of ``day`` (default: the local day of ``at``) as of ``at``, and the
    missing workers' names in code order (empty until the reports are due)."""
    active = session.execute(
        select(Worker.id, Worker.code, Worker.name)
        .where(Worker.active.is_(True))
        .order_by(Worker.code)
    ).all()
    day = day or report_day(at, schedule.tz)
    filed = session.scalars(select(DailyReportRow.worker_id).where(DailyReportRow.day == day))
    status = schedule.status(at, [w.id for w in active], filed, day)
    missing = set(status.missing)
    return status, [Named(w.code, w.name) for w in active if w.id in missing]
