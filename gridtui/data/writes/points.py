"""Writes about people rather than tickets: spot-check points adjustments and daily
reports (日报告), each in the caller's transaction.

:meth:`~gridtui.data.writes.service.TicketService.adjust` and
:meth:`~gridtui.data.writes.service.TicketService.file_report` run these at most once
per idempotency key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import DailyReportRow, Department, Ticket, Worker
from gridtui.data.writes import ledger
from gridtui.data.writes.bookkeeping import award
from gridtui.data.writes.errors import ServiceError
from gridtui.data.writes.idempotency import AdjustResult, ReportResult
from gridtui.data.writes.loaded_rules import LoadedRules
from gridtui.domain.credits import Credit
from gridtui.domain.reports import DailyReport, ReportKind, validate_report
from gridtui.domain.scoring.rules import SubjectKind
from gridtui.domain.text import clean_text


def adjust_points(
    session: Session,
    rules: LoadedRules,
    kind: SubjectKind,
    subject_id: int,
    points: float,
    reason: str,
    author: str,
    at: datetime,
    ticket_id: int | None,
) -> AdjustResult:
    """A manual addition or deduction on the ledger, with its reason and author.

    Raises:
        ScoringError: the rules refuse it (bounds, empty reason or author …).
        ServiceError: no scoring rules loaded, or no such worker, department or ticket.
    """
    _, engine = rules.of(session)
    if engine is None:
        raise ServiceError("no scoring.toml loaded")
    model = Worker if kind is SubjectKind.WORKER else Department
    if session.get(model, subject_id) is None:
        raise ServiceError(f"no {kind.value} {subject_id}")
    if ticket_id is not None and session.get(Ticket, ticket_id) is None:
        raise ServiceError(f"no ticket {ticket_id} to adjust points for")
    entry = engine.adjust(
        kind, subject_id, points, clean_text(reason), clean_text(author, one_line=True),
        at, ticket_id,
    )  # fmt: skip
    session.add(ledger.ledger_row(entry))
    record_change(
        session,
        at=at,
        kind="score",
        op="adjust",
        entity_id=subject_id,
        data={"subject": kind.value, "points": entry.points},
    )
    return AdjustResult(kind.value, subject_id, entry.points)


def store_report(
    session: Session, rules: LoadedRules, report: DailyReport, now: datetime, timezone: str
) -> ReportResult:
    """File ``report`` (its points credited by the scoring rules).

    Raises:
        ReportError: the reporting rules refuse it (one per day, not in the future …).
        ServiceError: no such worker.
    """
    worker_id = report.worker_id
    if session.get(Worker, worker_id) is None:
        raise ServiceError(f"no worker {worker_id}")
    existing = [
        DailyReport(r.worker_id, r.day, r.at, ReportKind(r.kind), r.events, r.note)
        for r in session.scalars(
            select(DailyReportRow).where(
                DailyReportRow.worker_id == worker_id, DailyReportRow.day == report.day
            )
        )
    ]
    validate_report(report, existing, now, timezone)
    session.add(
        DailyReportRow(
            worker_id=worker_id,
            day=report.day,
            at=report.at,
            kind=report.kind.value,
            events=report.events,
            note=report.note,
        )
    )
    _, engine = rules.of(session)
    if engine is not None:
        credit = Credit(SubjectKind.WORKER, worker_id, "daily_report", report.at)
        award(session, engine, [credit], None)
    record_change(
        session, at=report.at, kind="report", op="file", entity_id=worker_id,
        data={"day": report.day.isoformat(), "kind": report.kind.value},
    )  # fmt: skip
    return ReportResult(
        worker_id, report.day, report.at, report.kind.value, report.events, report.note
    )


def workers_without_report(session: Session, day: date) -> list[tuple[int, str, str]]:
    """Active workers with no daily report for ``day``: (id, code, name), by code."""
    filed = select(DailyReportRow.worker_id).where(DailyReportRow.day == day)
    rows = session.execute(
        select(Worker.id, Worker.code, Worker.name)
        .where(Worker.active.is_(True), Worker.id.not_in(filed))
        .order_by(Worker.code)
    )
    return [(r.id, r.code, r.name) for r in rows]
