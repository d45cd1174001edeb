"""What every ticket write does after its step: the timeline row, the clocks and the
columns stored from them, the points the step earns, and breach notes.

One rule computes the stored columns (``due_at``, ``next_deadline``, level, lead
department): the domain's chain (:mod:`gridtui.domain.chain`) over the ticket's
timeline. The points go through :mod:`gridtui.data.writes.ledger`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.storage.models import Department, Ticket, TicketEvent
from gridtui.data.writes import ledger
from gridtui.data.writes.loaded_rules import LoadedRules
from gridtui.data.writes.lookups import (
    SYSTEM,
    as_steps,
    breach_marks,
    subject_finder,
    timeline,
)
from gridtui.data.writes.sla_runtime import SlaRuntime
from gridtui.domain.chain import (
    TicketClocks,
    breach_credits,
    mark,
    step_credits,
    unmarked_breaches,
)
from gridtui.domain.credits import Credit
from gridtui.domain.handling import Holder, HolderKind
from gridtui.domain.lifecycle import Action, Status
from gridtui.domain.scoring.engine import ScoringEngine
from gridtui.domain.sla.clocks import ClockStatus
from gridtui.domain.text import clean_text


def add_event(
    session: Session,
    ticket: Ticket,
    act: Action,
    actor: str,
    at: datetime,
    before: Status | None,
    after: Status,
    note: str,
    target: str | None,
) -> TicketEvent:
    """Append one line to the ticket's timeline (the actor cleaned and cut to 80)."""
    row = TicketEvent(
        ticket_id=ticket.id,
        at=at,
        action=act.value,
        actor=clean_text(actor, one_line=True)[:80],
        from_status=before.value if before else None,
        to_status=after.value,
        note=note,
        target=target,
    )
    session.add(row)
    return row


def clocks_of(
    session: Session,
    sla: SlaRuntime,
    ticket: Ticket,
    now: datetime,
    events: Sequence[TicketEvent] | None = None,
) -> TicketClocks:
    """Every holder's clocks of the ticket as of ``now`` (``events``: its timeline,
    when the caller already read it)."""
    if events is None:
        events = timeline(session, ticket.id)
    return sla.ticket(ticket.colour, ticket.category, ticket.channel, as_steps(events), now)


def store_clocks(session: Session, ticket: Ticket, tc: TicketClocks) -> None:
    """The ticket's stored columns from its clocks and handling (one rule: the chain)."""
    policy = tc.policy
    ticket.sla_policy = policy.name if policy is not None else ""
    ticket.due_at, ticket.next_deadline = tc.due_at, tc.next_deadline
    ticket.level = tc.handling.level.value
    code = tc.handling.lead_department
    ticket.department_id = (
        session.scalar(select(Department.id).where(Department.code == code))
        if code is not None
        else None
    )


def settle(
    session: Session,
    rules: LoadedRules,
    ticket: Ticket,
    new_steps: Sequence[TicketEvent],
    at: datetime,
) -> None:
    """Recompute the stored columns, credit the new steps' points, and handle the
    breach of any clock that ran out and has stopped counting."""
    session.flush()
    sla, engine = rules.of(session)
    events = timeline(session, ticket.id)
    tc = clocks_of(session, sla, ticket, at, events)
    store_clocks(session, ticket, tc)
    if engine is None:
        return
    subject_of = subject_finder(session)
    new_ids = {e.id for e in new_steps}
    index = [i for i, e in enumerate(events) if e.id in new_ids]
    credits = step_credits(as_steps(events), index, tc, subject_of)
    # clocks that ran out and no longer count (stopped late, handed over, the ticket
    # waiting): handled now; the sweeper handles the counting ones, and escalates
    late = [c for c in unmarked_breaches(tc, breach_marks(events), at) if not c.counting]
    for clock in late:
        breach_note(session, ticket, clock, at)
    credits += breach_credits(tc, late, subject_of)
    award(session, engine, credits, ticket)


def breach_note(session: Session, ticket: Ticket, clock: ClockStatus, at: datetime) -> None:
    """The timeline note that marks ``clock``'s breach as handled (once per clock)."""
    status = Status(ticket.status)
    who = Holder.from_key(clock.holder)
    note = f"超时: {clock.label_zh} / breached: {clock.label_en}"
    if who.kind is HolderKind.DEPARTMENT:
        note += f" ({who.ref})"
    add_event(session, ticket, Action.NOTE, SYSTEM, at, status, status, note, mark(clock))


def award(
    session: Session, engine: ScoringEngine, credits: list[Credit], ticket: Ticket | None
) -> None:
    """Append the ledger lines of ``credits``, in order; the domain applies the caps."""
    ledger.award(
        session, engine, credits, ticket.id if ticket else None,
        ticket.channel if ticket else None,
    )  # fmt: skip
