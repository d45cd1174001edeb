"""Acting on a ticket from any screen: role check, status check, form, write, result.

The role is checked here for an immediate, clear refusal and again by the data
source (which is what really enforces it, locally and on the server).
"""

from __future__ import annotations

from typing import Any

from gridtui.data.sources.records import ActionOutcome, Reference, TicketRow
from gridtui.domain.lifecycle import Action, Status, allowed_actions
from gridtui.domain.roles import may, required_role
from gridtui.i18n import action_label, role_label, status_label, tr
from gridtui.screens.modals.forms import TARGETS, ActionForm, ActionMenu
from gridtui.widgets.pickers import (
    Choice,
    category_department,
    department_choices,
    grid_worker,
    worker_choices,
)

#: the actions a person can take (open/import are not actions on a ticket)
ACTIONS = [a.value for a in Action if a not in (Action.OPEN, Action.IMPORT)]


def refusal(app: Any, action: str, status: str) -> str | None:
    """Why ``action`` cannot be taken now (role first, then status), or None."""
    lang = app.lang
    if not may(app.role, action):
        need = required_role(action)
        return tr(
            "act.role_refused",
            lang,
            role=role_label(app.role, lang),
            action=action_label(action, lang),
            need=role_label(need.value, lang) if need else "—",
        )
    if Action(action) not in allowed_actions(Status(status)):
        return tr(
            "act.status_refused",
            lang,
            status=status_label(status, lang),
            action=action_label(action, lang),
        )
    return None


def start_action(screen: Any, ticket_id: int, version: int, status: str, action: str) -> None:
    """Refuse with the reason, or open the form; reload ``screen`` after success."""
    app = screen.app
    lang = app.lang
    why = refusal(app, action, status)
    if why is not None:
        app.notify(why, title=tr("act.refused", lang), severity="error")
        return

    def submit(note: str, target: str | None) -> ActionOutcome:
        return app.source.act(  # type: ignore[no-any-return]
            ticket_id,
            action,
            role=app.role,
            actor=app.actor,
            note=note,
            target=target,
            expected_version=version,
        )

    def done(outcome: ActionOutcome | None) -> None:
        if outcome is None:
            return
        app.notify(
            tr(
                "act.done",
                lang,
                action=action_label(action, lang),
                id=outcome.ticket_id,
                status=status_label(outcome.status, lang),
            )
        )
        screen.reload()

    hint_key = TARGETS.get(action)
    labels = {k: tr(f"act.{k}", lang) for k in ("note", "target", "submit", "cancel")}
    title = f"{tr('act.title', lang, id=ticket_id)}: {action_label(action, lang)}"
    hint = tr(hint_key, lang) if hint_key else None
    choices, default = target_choices(app, ticket_row(screen, ticket_id), action)
    if choices is not None:
        hint = tr("pick.worker" if action == "dispatch" else "pick.department", lang)
    form = ActionForm(
        title, labels, submit, target_hint=hint, target=default or "", choices=choices, lang=lang
    )
    app.push_screen(form, done)


def ticket_row(screen: Any, ticket_id: int) -> TicketRow | None:
    """The row of ``ticket_id`` the screen shows (the detail's, or the queue's)."""
    detail = getattr(screen, "detail", None)
    if detail is not None and detail.row.id == ticket_id:
        return detail.row  # type: ignore[no-any-return]
    selected = getattr(screen, "_selected_row", None)
    row = selected() if callable(selected) else None
    return row if isinstance(row, TicketRow) and row.id == ticket_id else None


def target_choices(
    app: Any, row: TicketRow | None, action: str
) -> tuple[list[Choice] | None, str | None]:
    """The choices of an action's target and the default: the grid's worker for
    dispatch, the category's department for escalate and assist."""
    if action not in ("dispatch", "escalate", "assist"):
        return None, None
    ref: Reference = app.source.reference()
    lang = app.lang
    if action == "dispatch":
        return worker_choices(ref, lang), grid_worker(ref, row)
    dept = category_department(ref, row)
    choices = department_choices(ref, lang, first=dept, up=action == "escalate")
    return choices, f"dept:{dept}" if dept else None


def open_menu(screen: Any, ticket_id: int, version: int, status: str) -> None:
    """The list of actions the status allows, locked ones marked; then the form."""
    app = screen.app
    lang = app.lang
    allowed = sorted(a.value for a in allowed_actions(Status(status)))
    choices = [(a, action_label(a, lang), may(app.role, a)) for a in allowed]

    def chosen(action: str | None) -> None:
        if action:
            start_action(screen, ticket_id, version, status, action)

    app.push_screen(
        ActionMenu(tr("act.title", lang, id=ticket_id), choices, tr("ticket.locked", lang)), chosen
    )
