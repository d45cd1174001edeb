"""The reads the ticket writes make inside their transaction: the ticket locked, its
timeline, and the workers and departments an action names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.storage.models import Department, Ticket, TicketEvent, Worker
from gridtui.data.writes.errors import ServiceError, StaleTicket, TicketNotFound
from gridtui.data.writes.sla_runtime import Step
from gridtui.domain.chain import BREACH_MARK
from gridtui.domain.lifecycle import Action
from gridtui.domain.scoring.rules import SubjectKind

#: the actor of what the rules themselves do (breach notes, reopenings, recolours)
SYSTEM = "system"
#: actor prefixes of people at the centre and API callers (never a worker's code)
CENTRE_ACTORS = ("duty:", "token:", "open311:")


def lock_ticket(session: Session, ticket_id: int, expected_version: int | None = None) -> Ticket:
    """The ticket, locked for the rest of the transaction (PostgreSQL: ``FOR UPDATE``).

    Raises:
        TicketNotFound: no such ticket.
        StaleTicket: ``expected_version`` is given and is not the ticket's version.
    """
    ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None:
        raise TicketNotFound(f"no ticket {ticket_id}")
    if expected_version is not None and ticket.version != expected_version:
        raise StaleTicket(
            f"ticket {ticket_id} is at version {ticket.version}, not "
            f"{expected_version}: someone else acted first; reload it"
        )
    return ticket


def timeline(session: Session, ticket_id: int) -> list[TicketEvent]:
    """The ticket's timeline, oldest first."""
    return list(
        session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
    )


def as_steps(events: Sequence[TicketEvent]) -> list[Step]:
    """The timeline as the steps the domain's chain and credit rules read."""
    return [Step(e.action, e.at, e.actor, e.target) for e in events]


def breach_marks(events: Sequence[TicketEvent]) -> list[str]:
    """The ``breach:<clock>`` marks of the clocks whose breach is already handled."""
    return [e.target for e in events if e.target and e.target.startswith(BREACH_MARK)]


def inspected(events: Sequence[TicketEvent]) -> bool:
    """An on-site inspection (arrive) since the ticket last came back for rework."""
    for e in reversed(events):
        if e.action == Action.ARRIVE.value:
            return True
        if e.action in (Action.REJECT.value, Action.REOPEN.value):
            return False
    return False


def worker_code(session: Session, ticket: Ticket) -> str | None:
    """The code of the ticket's worker, if it has one."""
    worker = session.get(Worker, ticket.worker_id)
    return worker.code if worker else None


def department(session: Session, target: str | None, what: str) -> Department:
    """The department ``target`` names (``dept:<code>`` or the bare code).

    Raises:
        ServiceError: no code given (``what`` names the action), or no such department.
    """
    code = (target or "").removeprefix("dept:").strip()
    if not code:
        raise ServiceError(f"{what} needs a department (dept:<code>)")
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise ServiceError(f"unknown department {code!r}")
    return dept


def subject_finder(session: Session) -> Callable[[str], tuple[SubjectKind, int] | None]:
    """Who earns or loses an actor's points: a worker or a department; ``None`` for the
    rules themselves, people at the centre and actors not found."""

    def subject_of(actor: str) -> tuple[SubjectKind, int] | None:
        if actor.startswith("dept:"):
            code = actor[5:]
            dept_id = session.scalar(select(Department.id).where(Department.code == code))
            return None if dept_id is None else (SubjectKind.DEPARTMENT, dept_id)
        if actor == SYSTEM or actor.startswith(CENTRE_ACTORS):
            return None  # people at the centre and the rules earn no points
        wid = session.scalar(select(Worker.id).where(Worker.code == actor))
        return None if wid is None else (SubjectKind.WORKER, wid)

    return subject_of
