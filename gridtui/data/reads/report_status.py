"""Where a day's daily reports stand, read from the database for the overview, the
wall and the reports API (the rules are :class:`~gridtui.domain.reports.ReportSchedule`'s):
who is missing, and the day's reports as filed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridtui.data.sources.records import DailyReports, Named, ReportRow
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


def daily_reports(
    session: Session, schedule: ReportSchedule, at: datetime, day: date
) -> DailyReports:
    """The reports filed for ``day`` (by worker code) and who is missing as of ``at``
    (:func:`report_status`)."""
    rows = session.execute(
        select(DailyReportRow, Worker.code, Worker.name)
        .join(Worker, Worker.id == DailyReportRow.worker_id)
        .where(DailyReportRow.day == day)
        .order_by(Worker.code)
    )
    filed = [
        ReportRow(r.worker_id, Named(code, name), r.day, r.at, r.kind, r.events, r.note)
        for r, code, name in rows
    ]
    active = int(session.scalar(select(func.count()).where(Worker.active.is_(True))) or 0)
    status, missing = report_status(session, schedule, at, day)
    return DailyReports(day, filed, missing, active, status.due_at, status.past_due)
