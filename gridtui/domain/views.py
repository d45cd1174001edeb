"""The timeline as each holder lives it: the view its SLA clocks are evaluated over.

A holder's view (:func:`holder_views`) holds the steps in which it receives the
ticket, its own actions, the centre's actions while it leads, the callback and
acceptance while it leads, the ticket's closing, and ``pause``/``resume`` wherever
its clocks must stand still: while the ticket waits on the resident, or is in other
hands. Most tickets have one holder all along; they take a shortcut that a property
test holds equal to the step-by-step replay. Pure code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from gridtui.domain.handling import (
    CENTRE,
    DEPT,
    Handling,
    Holder,
    HolderKind,
    Replay,
    Step,
    Tenure,
)
from gridtui.domain.lifecycle import Action

# plain strings: enum ``.value`` look-ups dominated a million-ticket seed
_RECEIVED = frozenset({Action.OPEN.value, Action.IMPORT.value})
_DISPATCH, _ESCALATE, _ASSIST = Action.DISPATCH.value, Action.ESCALATE.value, Action.ASSIST.value
_REOPEN = Action.REOPEN.value
_CLOSING = frozenset({Action.VERIFY.value, Action.CANCEL.value, Action.MERGE.value})

#: actions the lead answers for, whoever records them (the centre's callback and acceptance)
_LEAD_WIDE = frozenset({Action.FEEDBACK.value, Action.REJECT.value, Action.REOPEN.value})
_PAUSE, _RESUME = Action.PAUSE.value, Action.RESUME.value


@dataclass(frozen=True, slots=True)
class ViewStep:
    """One step of a holder's view (what the SLA engine reads)."""

    action: str
    at: datetime
    actor: str = ""


def _one_holder(steps: Sequence[Step], holder_keys: set[str]) -> bool:
    """Whether one worker (or the centre) holds the ticket all along: no department,
    no rung up, at most one worker ever named, and named from the opening on (most
    tickets)."""
    if len(holder_keys) > 1 or any(k.startswith(DEPT) for k in holder_keys):
        return False
    for s in steps:
        action = s.action
        if action in (_ESCALATE, _ASSIST) or s.actor.startswith(DEPT):
            return False
        if action in _RECEIVED and holder_keys and s.target is None:
            return False  # the centre first, a worker later: two holders
    return True


def _alone(
    steps: Sequence[Step], holder_keys: set[str]
) -> tuple[Handling, Mapping[Holder, Sequence[ViewStep | Step]]]:
    """:func:`holder_views` of a ticket with one holder all along (:func:`_one_holder`):
    its view is the whole timeline (every step is the holder's own, the centre's for
    it, or the ticket's), standing still while the ticket waits or is closed. What
    the replay would do, without a replay: a property test holds them equal."""
    holder = Holder(HolderKind.WORKER, next(iter(holder_keys))) if holder_keys else CENTRE
    h = Handling()
    view: list[ViewStep | Step] = []
    paused = stopped = False
    since: datetime | None = None  # the open tenure's start
    for s in steps:
        action = s.action
        h.leads_before.append(h.lead)
        if action in (_PAUSE, _RESUME):
            paused = action == _PAUSE
        else:
            if action in _RECEIVED:
                h.lead = holder
                if since is None and not h.closed:
                    since = s.at
            elif action in _CLOSING:
                if since is not None:
                    h.tenures.append(Tenure(holder, True, since, s.at))
                    since = None
                h.closed = True
            elif action == _REOPEN and h.closed:
                h.closed = False
                if h.lead is not None:
                    since = s.at
            view.append(s)  # the step itself: what the clocks read of it is the same
        still = paused or h.closed
        if still != stopped and view:
            stopped = still
            view.append(ViewStep(_PAUSE if still else _RESUME, s.at, ""))
    if since is not None:
        h.tenures.append(Tenure(holder, True, since))
    return h, ({h.lead: view} if h.lead is not None else {})


def holder_views(
    steps: Sequence[Step],
) -> tuple[Handling, Mapping[Holder, Sequence[ViewStep | Step]]]:
    """The handling, and each holder's view of the timeline for its SLA clocks.

    A holder's view holds: the steps in which it receives the ticket; its own actions
    (the actor is its key); the actions of anyone who is not a holder (the centre, the
    rules) while it leads; the callback and acceptance while it leads; the ticket's
    closing; and ``pause``/``resume`` wherever its clocks must stand still: while the
    ticket waits on the resident, or is in other hands.
    """
    # who ever holds it (a worker is named by an open or dispatch; a department's actor
    # says what it is): the centre's actions are everyone else's
    holder_keys = {
        s.target for s in steps if s.target and (s.action in _RECEIVED or s.action == _DISPATCH)
    }
    if _one_holder(steps, holder_keys):
        return _alone(steps, holder_keys)
    return _apart(steps, holder_keys)


def _apart(
    steps: Sequence[Step], holder_keys: set[str]
) -> tuple[Handling, Mapping[Holder, Sequence[ViewStep | Step]]]:
    """:func:`holder_views` step by step, for any number of holders."""
    r = Replay()
    views: dict[Holder, list[ViewStep | Step]] = {}
    stopped: dict[Holder, bool] = {}  # whose clocks stand still now
    paused = False

    def emit(holder: Holder, action: str, at: datetime, actor: str) -> None:
        views.setdefault(holder, []).append(ViewStep(action, at, actor))

    def settle(at: datetime) -> None:
        for holder in list(views):
            still = paused or not r.h.holds(holder)
            if still != stopped.get(holder, False):
                stopped[holder] = still
                emit(holder, _PAUSE if still else _RESUME, at, "")

    for s in steps:
        action, at, actor = str(s.action), s.at, s.actor
        lead_before = r.h.lead
        r.h.leads_before.append(lead_before)
        held_before = set(r.open_holders)
        if action in (_PAUSE, _RESUME):
            paused = action == _PAUSE
            settle(at)
            continue
        r.apply(action, at, s.target)
        held_after = set(r.open_holders)
        for holder in held_after | held_before | set(views):
            receives = holder in held_after and (
                holder not in held_before or action == _DISPATCH or action in _RECEIVED
            )
            mine = actor == holder.key
            # the centre acts for the lead; under a centre's lead the grid worker does too
            on_behalf = not actor.startswith(DEPT) and (
                actor not in holder_keys or (lead_before is not None and not lead_before.is_person)
            )
            was_lead = holder == lead_before
            if (
                receives
                or mine
                or action in _CLOSING
                or (was_lead and (on_behalf or action in _LEAD_WIDE))
                or (holder in held_before and holder not in held_after)  # handed over
            ):
                if holder not in views:
                    views[holder] = []
                emit(holder, action, at, actor)
        settle(at)
    return r.h, views
