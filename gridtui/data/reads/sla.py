"""The SLA clocks as the screens read them: one ticket's detail with its clocks and
timeline, and the board of running clocks (the SLA board).

Clocks are evaluated by the domain's chain (:mod:`gridtui.domain.chain`) over the
stored timeline, with the rules as loaded (:mod:`gridtui.data.writes.loaded_rules`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.reads import queue as queue_pages
from gridtui.data.sources.records import ClockView, SlaRow, TicketDetail, TimelineEntry
from gridtui.data.storage.models import Ticket
from gridtui.data.writes.bookkeeping import clocks_of
from gridtui.data.writes.lookups import timeline
from gridtui.data.writes.sla_runtime import SlaRuntime, steps_of
from gridtui.domain.lifecycle import Status, allowed_actions
from gridtui.domain.sla.clocks import ClockStatus


def ticket_detail(s: Session, t: Ticket, sla: SlaRuntime, at: datetime) -> TicketDetail:
    """Everything about the ticket ``t``: its timeline, its clocks as of ``at``, the
    actions its status allows and who holds it."""
    events = timeline(s, t.id)
    tc = clocks_of(s, sla, t, at, events)
    return TicketDetail(
        row=queue_pages.row_of(t),
        description=t.description,
        address=t.address,
        source=t.source,
        external_id=t.external_id,
        sla_policy=t.sla_policy,
        mediation_failures=t.mediation_failures,
        reopen_count=t.reopen_count,
        merged_into=t.merged_into,
        timeline=[
            TimelineEntry(e.at, e.action, e.actor, e.from_status, e.to_status, e.note, e.target)
            for e in events
        ],
        clocks=[clock_view(t.id, c) for c in tc.clocks],
        actions=sorted(a.value for a in allowed_actions(Status(t.status))),
        lead=tc.lead_key,
        co_handlers=[h.key for h in tc.handling.co],
    )


def sla_board(s: Session, sla: SlaRuntime, at: datetime, limit: int) -> list[SlaRow]:
    """The current holders' running clocks of the ``limit`` open tickets with the
    nearest deadlines: breached first, then by deadline."""
    at = at.astimezone(UTC)
    rows = [
        queue_pages.to_row(r)
        for r in s.execute(
            select(*queue_pages.ROW_COLUMNS)
            .where(Ticket.closed_at.is_(None), Ticket.next_deadline.is_not(None))
            .order_by(Ticket.next_deadline, Ticket.id)
            .limit(limit)
        )
    ]
    steps = steps_of(s, [r.id for r in rows])
    out: list[SlaRow] = []
    for row in rows:
        tc = sla.ticket(row.colour, row.category, row.channel, steps.get(row.id, []), at)
        holding = {h.key for h in (tc.handling.lead, *tc.handling.co) if h is not None}
        for status in tc.clocks:
            # the current holders' running clocks (waiting on the resident shows as
            # paused); a former holder's clocks stand still and are not its business
            if status.running and status.holder in holding:
                out.append(SlaRow(row, clock_view(row.id, status)))
    out.sort(
        key=lambda r: (r.clock.state_at(at) != "breached", r.clock.deadline or at, r.ticket.id)
    )
    return out


def clock_view(ticket_id: int, c: ClockStatus) -> ClockView:
    """The record of a clock the domain evaluated (its instants included)."""
    return ClockView(
        ticket_id=ticket_id,
        name=c.name,
        label_zh=c.label_zh,
        label_en=c.label_en,
        state=c.state.value,
        started_at=c.started_at,
        deadline=c.deadline,
        stopped_at=c.stopped_at,
        warning_at=c.warning_at,
        critical_at=c.critical_at,
        paused=c.paused,
        remaining=c.remaining,
        resolution=c.resolution,
        holder=c.holder,
    )
