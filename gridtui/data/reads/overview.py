"""The wall's figures: the overview as of a moment and the intake/closure trend.

Shaped for a million tickets: live figures read the partial indexes over open
tickets, and rates cover a rolling window of :data:`RATE_WINDOW_DAYS` instead of the
whole history.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from gridtui.data.reads import queue as queue_pages
from gridtui.data.reads.boards import by_levels
from gridtui.data.reads.report_status import report_status
from gridtui.data.sources.records import Overview, TicketRow, TrendPoint, TrendSpan
from gridtui.data.sources.source import AT_RISK, AT_RISK_MAX
from gridtui.data.storage.models import Ticket, Worker
from gridtui.domain.reports import ReportSchedule
from gridtui.domain.scoring.rules import AlertPolicy

#: rates on the overview cover tickets opened in this many days
RATE_WINDOW_DAYS = 30
MISSING_SHOWN = 50
#: open tickets in no grid listed on the overview (all of them are counted)
UNASSIGNED_SHOWN = 10
#: the colours of the overview's open tickets, most urgent first
COLOUR_ORDER = ("red", "orange", "yellow", "blue", "green")


def overview(
    s: Session,
    at: datetime,
    tz: tzinfo,
    schedule: ReportSchedule,
    alerts: AlertPolicy,
    at_risk: int = AT_RISK,
) -> Overview:
    """The overview as of ``at``: today's intake (local day in ``tz``), open and overdue
    tickets, the window's rates and channel mix, the tickets most at risk, and where
    the daily reports stand by ``schedule``; ``at_risk``: how many tickets nearest their
    deadlines (at most :data:`AT_RISK_MAX`)."""
    at = at.astimezone(UTC)
    local_midnight = datetime.combine(at.astimezone(tz).date(), datetime.min.time(), tz)
    since = at - timedelta(days=RATE_WINDOW_DAYS)
    is_open = Ticket.closed_at.is_(None)
    intake_today = int(
        s.scalar(select(func.count()).where(Ticket.opened_at >= local_midnight.astimezone(UTC)))
        or 0
    )
    open_by_colour = _counts_by(s, Ticket.colour, is_open)
    by_level = by_levels(s, [is_open])
    overdue = int(s.scalar(select(func.count()).where(is_open, Ticket.due_at < at)) or 0)
    total, n_closed, n_dl, n_on_time = _window_counts(s, since, at)
    on_time_rate = n_on_time / n_dl if n_dl else 0.0
    mix = _counts_by(s, Ticket.channel, Ticket.opened_at >= since, Ticket.opened_at <= at)
    nearest = _at_risk(s, at_risk)
    unassigned, unassigned_rows = _unassigned(s)
    active = int(s.scalar(select(func.count()).where(Worker.active.is_(True))) or 0)
    reports, missing = report_status(s, schedule, at)
    return Overview(
        at=at,
        intake_today=intake_today,
        open=sum(open_by_colour.values()),
        overdue=overdue,
        window_days=RATE_WINDOW_DAYS,
        closure_rate=n_closed / total if total else 0.0,
        on_time_rate=on_time_rate,
        open_by_colour={c: open_by_colour.get(c, 0) for c in COLOUR_ORDER},
        at_risk=nearest,
        channel_mix=dict(sorted(mix.items(), key=lambda kv: -kv[1])),
        missing_reports=missing[:MISSING_SHOWN],
        missing_count=len(reports.missing),
        workers_active=active,
        report_day=reports.day,
        report_due_at=reports.due_at,
        reports_filed=reports.filed,
        reports_expected=reports.expected,
        reports_past_due=reports.past_due,
        on_time_alert=alerts.on_time_alert(on_time_rate),
        open_by_level=by_level,
        unassigned=unassigned,
        unassigned_tickets=unassigned_rows,
    )


def _counts_by(s: Session, key: Any, *where: ColumnElement[bool]) -> dict[str, int]:
    """Tickets matching ``where`` counted by ``key`` (a column)."""
    rows = s.execute(select(key, func.count()).where(*where).group_by(key))
    return {str(k): int(n) for k, n in rows}


def _window_counts(s: Session, since: datetime, at: datetime) -> tuple[int, int, int, int]:
    """Tickets opened in (``since``, ``at``): all, closed, closed with a deadline, and
    closed on or before it."""
    closed = and_(Ticket.status == "closed", Ticket.closed_at.is_not(None))
    with_deadline = and_(closed, Ticket.due_at.is_not(None))
    on_time = and_(with_deadline, Ticket.closed_at <= Ticket.due_at)
    window = s.execute(
        select(func.count(), _count_if(closed), _count_if(with_deadline), _count_if(on_time)).where(
            Ticket.opened_at >= since, Ticket.opened_at <= at
        )
    ).one()
    total, n_closed, n_dl, n_on_time = (int(v) for v in window)
    return total, n_closed, n_dl, n_on_time


def _at_risk(s: Session, n: int) -> list[TicketRow]:
    """The ``n`` open tickets (at most :data:`AT_RISK_MAX`) with the nearest deadlines."""
    return [
        queue_pages.to_row(r)
        for r in s.execute(
            select(*queue_pages.ROW_COLUMNS)
            .where(Ticket.closed_at.is_(None), Ticket.next_deadline.is_not(None))
            .order_by(Ticket.next_deadline, Ticket.id)
            .limit(max(0, min(n, AT_RISK_MAX)))
        )
    ]


def _unassigned(s: Session) -> tuple[int, list[TicketRow]]:
    """How many open tickets are in no grid, and the first :data:`UNASSIGNED_SHOWN` of
    them, the longest waiting first (read from the open tickets' grid index)."""
    where = (Ticket.closed_at.is_(None), Ticket.grid_id.is_(None))
    n = int(s.scalar(select(func.count()).where(*where)) or 0)
    if not n:
        return 0, []
    rows = s.execute(
        select(*queue_pages.ROW_COLUMNS)
        .where(*where)
        .order_by(Ticket.opened_at, Ticket.id)
        .limit(UNASSIGNED_SHOWN)
    )
    return n, [queue_pages.to_row(r) for r in rows]


def trend(s: Session, span: TrendSpan, at: datetime, tz: tzinfo) -> list[TrendPoint]:
    """Intake and closures up to ``at``: 24 local hours, or 7 or 30 local days (in
    ``tz``)."""
    at = at.astimezone(UTC)
    local = at.astimezone(tz)
    if span == "24h":
        first = local.replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
        starts = [first + timedelta(hours=i) for i in range(24)]
    else:
        days = 7 if span == "7d" else 30
        today = local.replace(hour=0, minute=0, second=0, microsecond=0)
        starts = [
            datetime.combine((today - timedelta(days=days - 1 - i)).date(), datetime.min.time(), tz)
            for i in range(days)
        ]
    lo = starts[0].astimezone(UTC)
    opened = s.scalars(
        select(Ticket.opened_at).where(Ticket.opened_at >= lo, Ticket.opened_at <= at)
    ).all()
    closed = s.scalars(
        select(Ticket.closed_at).where(
            Ticket.closed_at >= lo, Ticket.closed_at <= at, Ticket.status == "closed"
        )
    ).all()
    bounds = [b.astimezone(UTC) for b in starts]
    intake = _bucket(bounds, opened)
    closures = _bucket(bounds, [c for c in closed if c is not None])
    return [TrendPoint(b, i, c) for b, i, c in zip(bounds, intake, closures, strict=True)]


def _count_if(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _bucket(bounds: list[datetime], values: Sequence[datetime]) -> list[int]:
    counts = [0] * len(bounds)
    for v in values:
        i = bisect_right(bounds, v) - 1
        if i >= 0:
            counts[i] += 1
    return counts
