"""What one action does to a ticket besides moving its status: the closed loop's
checks, each action's effect on the ticket's fields, the resident's callback that
reopens, and the three-colour dispute rule.

:meth:`~gridtui.data.writes.service.TicketService.act` runs these in its transaction,
between the lifecycle rule (:func:`gridtui.domain.handling.status_after`) and the
bookkeeping (:func:`gridtui.data.writes.bookkeeping.settle`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.storage.models import Category, Ticket, TicketEvent, Worker
from gridtui.data.writes.bookkeeping import add_event
from gridtui.data.writes.errors import ServiceError
from gridtui.data.writes.loaded_rules import LoadedRules
from gridtui.data.writes.lookups import SYSTEM, department, inspected, worker_code
from gridtui.domain.callback import Satisfaction
from gridtui.domain.colours import RiskColour
from gridtui.domain.disputes import after_failed_mediation
from gridtui.domain.handling import Handling, HandlingRefused, check_assist, up_target
from gridtui.domain.lifecycle import Action, Status, transition


def check_loop_rules(
    session: Session,
    rules: LoadedRules,
    ticket: Ticket,
    act: Action,
    events: Sequence[TicketEvent],
) -> None:
    """The closed loop: no ``resolve`` without on-site inspection (查验) where the
    rules require it, no ``verify`` after a callback that found the resident not
    satisfied.

    Raises:
        ServiceError: the loop refuses the action.
    """
    if act is Action.RESOLVE:
        sla, _ = rules.of(session)
        category = session.get(Category, ticket.category)
        flag = category.inspection if category is not None else None
        if sla.config.loop.inspection_required(ticket.category, flag) and not inspected(events):
            raise ServiceError(
                "须先到场查验再处置 / this matter needs on-site inspection (arrive) "
                "before it can be resolved"
            )
    elif act is Action.VERIFY and ticket.satisfaction == Satisfaction.UNSATISFIED.value:
        raise ServiceError(
            "回访不满意，不能验收 / the resident's callback was 'not satisfied': the "
            "ticket cannot be accepted until a later callback is content"
        )


def apply_action(
    session: Session,
    ticket: Ticket,
    act: Action,
    target: str | None,
    note: str,
    handling: Handling,
) -> str | None:
    """Side effects of an action on the ticket's fields; returns the target to record.

    Raises:
        ServiceError: a bad target, or a missing note where one is required.
    """
    if act is Action.DISPATCH:
        return _assign(session, ticket, target)
    if act is Action.ESCALATE:
        return _escalate_to(session, ticket, target, handling)
    if act is Action.ASSIST:
        dept = department(session, target, "assist")
        try:
            check_assist(handling, dept.code)
        except HandlingRefused as exc:
            raise ServiceError(str(exc)) from None
        return f"dept:{dept.code}"
    if act is Action.FEEDBACK:
        try:
            return Satisfaction.parse(target).value
        except ValueError as exc:
            raise ServiceError(f"feedback (回访) needs the callback result: {exc}") from None
    if act is Action.MERGE:
        return _merge(session, ticket, target)
    if act is Action.RECOLOUR:
        try:
            colour = RiskColour.parse(target or "")
        except ValueError:
            raise ServiceError(f"recolour needs a colour, got {target!r}") from None
        if not note:
            raise ServiceError("a colour change needs a reason in the note")
        ticket.colour = colour.value
        return colour.value
    if act is Action.MEDIATION_FAILED:
        ticket.mediation_failures += 1
    elif act in (Action.REJECT, Action.REOPEN):
        ticket.reopen_count += 1
    if act in (Action.REJECT, Action.REOPEN, Action.CANCEL) and not note:
        raise ServiceError(f"{act.value} needs a reason in the note")
    return None


def _assign(session: Session, ticket: Ticket, target: str | None) -> str | None:
    if target is None:
        return None if ticket.worker_id is None else worker_code(session, ticket)
    if target.startswith("dept:"):
        return f"dept:{department(session, target, 'dispatch').code}"
    worker = session.scalar(select(Worker).where(Worker.code == target))
    if worker is None:
        raise ServiceError(f"unknown worker {target!r}")
    ticket.worker_id = worker.id
    return worker.code


def _merge(session: Session, ticket: Ticket, target: str | None) -> str:
    if target is None or not target.isdigit():
        raise ServiceError("merge needs the id of the ticket this one duplicates")
    other = session.get(Ticket, int(target))
    if other is None or other.id == ticket.id:
        raise ServiceError(f"cannot merge into ticket {target}: no such other ticket")
    ticket.merged_into = other.id
    return str(other.id)


def _escalate_to(session: Session, ticket: Ticket, target: str | None, handling: Handling) -> str:
    """The escalate target to record: ``dept:<code>`` (吹哨; default: the category's
    department) or ``up:<level>`` one rung up the ladder (refused at the top)."""
    code = target
    if code is None:
        category = session.get(Category, ticket.category)
        code = category.department_code if category else None
    if code is None or code == "up" or code.startswith("up:"):
        try:
            return up_target(handling.level)
        except HandlingRefused as exc:
            raise ServiceError(str(exc)) from None
    return f"dept:{department(session, code, 'escalate').code}"


def stamp_step(ticket: Ticket, before: Status, after: Status, at: datetime) -> None:
    """The ticket's ``closed_at`` set when it reaches a terminal status (cleared when it
    leaves one), its version moved on and ``updated_at`` set."""
    if after.is_terminal and not before.is_terminal:
        ticket.closed_at = at
    elif before.is_terminal and not after.is_terminal:
        ticket.closed_at = None
    ticket.version += 1
    ticket.updated_at = at


def record_callback(
    session: Session,
    rules: LoadedRules,
    ticket: Ticket,
    result: str,
    after: Status,
    at: datetime,
    steps: list[TicketEvent],
) -> Status:
    """The resident's callback (回访) ``result`` kept on the ticket; a resident not
    satisfied reopens it where the rules say so (a ``reject`` by the rules, appended to
    ``steps``). Returns the ticket's status after it."""
    ticket.satisfaction = result
    sla, _ = rules.of(session)
    if result != Satisfaction.UNSATISFIED.value or not sla.config.loop.unsatisfied_reopens:
        return after
    reopened = transition(after, Action.REJECT)
    steps.append(
        add_event(
            session, ticket, Action.REJECT, SYSTEM, at, after, reopened,
            "群众不满意，重新办理 / the resident is not satisfied: reopened", None,
        )
    )  # fmt: skip
    ticket.reopen_count += 1
    ticket.status = reopened.value
    return reopened


def apply_dispute_rule(
    session: Session, ticket: Ticket, status: Status, at: datetime, steps: list[TicketEvent]
) -> bool:
    """The three-colour dispute rule after a failed mediation: a dispute that failed
    mediation often enough is recoloured by the rules (a ``recolour`` appended to
    ``steps``). Returns whether it was."""
    category = session.get(Category, ticket.category)
    recolour = after_failed_mediation(
        RiskColour(ticket.colour),
        ticket.mediation_failures,
        is_dispute=bool(category and category.is_dispute),
    )
    if recolour is None:
        return False
    steps.append(
        add_event(
            session, ticket, Action.RECOLOUR, SYSTEM, at, status, status,
            f"{recolour.reason_zh} / {recolour.reason_en}", recolour.to.value,
        )
    )  # fmt: skip
    ticket.colour = recolour.to.value
    return True
