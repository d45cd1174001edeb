"""The SLA sweeper's work in one transaction: breached clocks get their penalty and
note once, and escalate one rung where the rules say so.

:mod:`gridtui.data.writes.sweeper` picks the tickets and paces the transactions;
:meth:`~gridtui.data.writes.service.TicketService.sweep_batch` runs :func:`sweep_batch`.
Tickets found with nothing to do are remembered as quiet (:data:`QuietTickets`), so a
round skips them until they or the rules change or their next deadline passes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import Ticket
from gridtui.data.writes.bookkeeping import (
    add_event,
    award,
    breach_note,
    clocks_of,
    store_clocks,
)
from gridtui.data.writes.loaded_rules import LoadedRules
from gridtui.data.writes.lookups import (
    SYSTEM,
    breach_marks,
    lock_ticket,
    subject_finder,
    timeline,
)
from gridtui.data.writes.sla_runtime import SlaRuntime
from gridtui.domain.chain import TicketClocks, breach_credits, unmarked_breaches
from gridtui.domain.handling import up_target
from gridtui.domain.lifecycle import Action, Status, allowed_actions

#: tickets the sweeper handles in one transaction at most
SWEEP_BATCH = 50
#: seconds of work after which a sweep transaction commits (fewer tickets then)
SWEEP_BUDGET = 0.05

#: tickets the sweeper found with nothing to do: id -> (version, rules, the next
#: deadline still ahead then); skipped until one of them changes or passes
QuietTickets = dict[int, tuple[int, SlaRuntime, datetime | None]]


def sweep_batch(
    factory: sessionmaker[Session],
    rules: LoadedRules,
    quiet: QuietTickets,
    ids: Sequence[int],
    at: datetime,
    budget: float = SWEEP_BUDGET,
) -> tuple[int, int, int]:
    """One transaction sweeping the tickets ``ids`` (ascending: two sweepers lock in the
    same order) until ``budget`` seconds have passed; (how many of the first ``ids``
    were done, breaches, escalated). At least one ticket is done. The change feed's
    lock is taken last, at commit, so that an officer's action is never kept waiting
    for it while this batch locks tickets."""
    started = time.monotonic()
    done = breaches = escalated = 0
    with factory.begin() as session:
        changes = []
        for ticket_id in ids:
            b, e, change = _sweep_ticket(session, rules, quiet, ticket_id, at)
            done, breaches, escalated = done + 1, breaches + b, escalated + e
            if change is not None:
                changes.append(change)
            if time.monotonic() - started > budget:
                break
        for ticket_id, data in changes:
            record_change(session, at=at, kind="ticket", op="breach",
                          entity_id=ticket_id, data=data)  # fmt: skip
    return done, breaches, escalated


def _sweep_ticket(
    session: Session, rules: LoadedRules, quiet: QuietTickets, ticket_id: int, at: datetime
) -> tuple[int, int, tuple[int, dict[str, Any]] | None]:
    """One ticket's fresh breaches handled in the caller's transaction: (breaches,
    escalated, the change to record)."""
    ticket = lock_ticket(session, ticket_id)
    status = Status(ticket.status)
    if not status.is_open:
        return 0, 0, None
    sla, engine = rules.of(session)
    events = timeline(session, ticket.id)
    tc = clocks_of(session, sla, ticket, at, events)
    fresh = unmarked_breaches(tc, breach_marks(events), at)
    if not fresh:
        store_clocks(session, ticket, tc)  # e.g. rules re-timed since: no re-sweep
        _remember_quiet(quiet, sla, ticket, tc, at)
        return 0, 0, None
    for clock in fresh:
        breach_note(session, ticket, clock, at)
    if engine is not None:
        award(session, engine, breach_credits(tc, fresh, subject_finder(session)), ticket)
    # one rung up, once per clock (its mark is written above), for the lead's clocks
    lead = tc.lead_key
    escalated = 0
    if (
        any(c.escalate and c.holder == lead for c in fresh)
        and Action.ESCALATE in allowed_actions(status)
        and tc.handling.level.up() is not None
    ):
        tgt = up_target(tc.handling.level)
        add_event(
            session, ticket, Action.ESCALATE, SYSTEM, at, status,
            Status.ESCALATED, "超时自动升级 / escalated on breach", tgt,
        )  # fmt: skip
        ticket.status = Status.ESCALATED.value
        escalated = 1
    ticket.version += 1
    ticket.updated_at = at
    session.flush()
    after = clocks_of(session, sla, ticket, at)
    store_clocks(session, ticket, after)
    _remember_quiet(quiet, sla, ticket, after, at)
    change = (ticket.id, {"status": ticket.status, "version": ticket.version})
    return len(fresh), escalated, change


def _remember_quiet(
    quiet: QuietTickets, sla: SlaRuntime, ticket: Ticket, tc: TicketClocks, at: datetime
) -> None:
    """Every clock of ``ticket`` that ran out by ``at`` is handled: until its next
    deadline still ahead (or a change of the ticket or of the rules) a sweep has
    nothing to do with it. An overdue ticket keeps its passed deadline for the
    queue's order, so without this every round would read it again."""
    ahead = [c.deadline for c in tc.clocks if c.counting and c.deadline and c.deadline > at]
    quiet[ticket.id] = (ticket.version, sla, min(ahead, default=None))


def is_quiet(
    quiet: QuietTickets, ticket_id: int, version: int, sla: SlaRuntime, at: datetime
) -> bool:
    """Whether a sweep at ``at`` has nothing to do with the ticket (see
    :func:`_remember_quiet`)."""
    known = quiet.get(ticket_id)
    if known is None or known[0] != version or known[1] is not sla:
        return False
    return known[2] is None or known[2] > at
