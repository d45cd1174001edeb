"""Key performance figures as of a moment: the numbers every screen and `gridtui stats` show.

Definitions (a ticket counts once it was opened at or before ``at``):

- ``open``: not yet left the queue at ``at`` (no ``closed_at``, or one after ``at``);
- ``closed``: verified and closed (status ``closed``) at or before ``at``; merged and
  cancelled tickets have left the queue but are neither open nor closed;
- ``overdue``: open at ``at`` and past its resolution deadline (``due_at < at``);
- ``closure_rate`` (办结率) = closed / total;
- ``on_time_closed``: closed on or before the resolution deadline, out of
  ``closed_with_deadline``; ``on_time_rate`` = on_time_closed / closed_with_deadline;
- ``by_status`` is the status each ticket had at ``at``, read from its timeline when it
  changed since; ``by_colour`` and ``by_channel`` count every ticket, and
  ``open_by_colour`` the open ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from gridtui.data.storage.models import Ticket, TicketEvent
from gridtui.domain.colours import RiskColour


@dataclass(frozen=True, slots=True)
class Stats:
    """The KPI set; see the module docstring for each definition."""

    at: datetime
    tickets_total: int
    open: int
    closed: int
    overdue: int
    closure_rate: float
    on_time_closed: int
    closed_with_deadline: int
    on_time_rate: float
    by_colour: dict[str, int] = field(default_factory=dict)
    open_by_colour: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``at`` as ISO 8601)."""
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return out


def _ratio(num: int, den: int) -> float:
    return round(num / den, 6) if den else 0.0


def open_at(at: datetime) -> ColumnElement[bool]:
    """Tickets in the queue at ``at``."""
    return and_(Ticket.opened_at <= at, or_(Ticket.closed_at.is_(None), Ticket.closed_at > at))


def compute_stats(session: Session, at: datetime) -> Stats:
    """The KPIs as of ``at`` (aware), in a handful of aggregate queries."""
    seen = Ticket.opened_at <= at
    is_open = or_(Ticket.closed_at.is_(None), Ticket.closed_at > at)
    closed = and_(Ticket.status == "closed", Ticket.closed_at <= at)
    with_deadline = and_(closed, Ticket.due_at.is_not(None))
    on_time = and_(with_deadline, Ticket.closed_at <= Ticket.due_at)
    overdue = and_(is_open, Ticket.due_at < at)

    def count_if(cond: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    row = session.execute(
        select(
            func.count(),
            count_if(is_open),
            count_if(closed),
            count_if(overdue),
            count_if(on_time),
            count_if(with_deadline),
        ).where(seen)
    ).one()
    total, n_open, n_closed, n_overdue, n_on_time, n_with_deadline = (int(v) for v in row)

    def grouped(col: Any, *extra: ColumnElement[bool]) -> dict[str, int]:
        rows = session.execute(select(col, func.count()).where(seen, *extra).group_by(col))
        return {str(k): int(n) for k, n in rows}

    by_colour = grouped(Ticket.colour)
    open_by_colour = grouped(Ticket.colour, is_open)
    order = [c.value for c in RiskColour.by_severity()]
    by_colour = {c: by_colour.get(c, 0) for c in order} | by_colour
    open_by_colour = {c: open_by_colour.get(c, 0) for c in order} | open_by_colour

    return Stats(
        at=at,
        tickets_total=total,
        open=n_open,
        closed=n_closed,
        overdue=n_overdue,
        closure_rate=_ratio(n_closed, total),
        on_time_closed=n_on_time,
        closed_with_deadline=n_with_deadline,
        on_time_rate=_ratio(n_on_time, n_with_deadline),
        by_colour=by_colour,
        open_by_colour=open_by_colour,
        by_status=_status_at(session, at),
        by_channel=grouped(Ticket.channel),
    )


def _status_at(session: Session, at: datetime) -> dict[str, int]:
    """Each ticket's status at ``at``: its current one unless it changed after ``at``."""
    unchanged = select(Ticket.status, func.count()).where(
        Ticket.opened_at <= at, Ticket.updated_at <= at
    )
    counts: dict[str, int] = {
        str(s): int(n) for s, n in session.execute(unchanged.group_by(Ticket.status))
    }
    # Tickets touched since: replay their timeline up to ``at``.
    last_event = (
        select(TicketEvent.to_status)
        .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.at <= at)
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(1)
        .correlate(Ticket)
        .scalar_subquery()
    )
    status_then = func.coalesce(last_event, Ticket.status)
    changed = (
        select(status_then, func.count())
        .where(Ticket.opened_at <= at, Ticket.updated_at > at)
        .group_by(status_then)
    )
    for s, n in session.execute(changed):
        counts[str(s)] = counts.get(str(s), 0) + int(n)
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
