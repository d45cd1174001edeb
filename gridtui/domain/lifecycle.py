"""The ticket lifecycle as an explicit state machine (the closed loop, 闭环).

new → dispatched → accepted (签收) → on_scene → resolved → feedback → closed (验收),
with escalation (吹哨), reopening when acceptance is rejected, merging and
cancelling. :func:`transition` is the only way a status changes; it returns the
new status or raises :class:`IllegalTransition`. Actions that do not move the
status (notes, pauses, mediation attempts) are legal in every open status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """Where a ticket stands."""

    NEW = "new"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    FEEDBACK = "feedback"
    CLOSED = "closed"
    ESCALATED = "escalated"
    REOPENED = "reopened"
    MERGED = "merged"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """Closed, merged and cancelled tickets take no more status changes but reopen."""
        return self in TERMINAL

    @property
    def is_open(self) -> bool:
        """Not terminal: the ticket still needs someone."""
        return self not in TERMINAL

    def label(self, lang: str) -> str:
        """The name in ``lang`` (``zh``: Chinese; any other: English)."""
        return _STATUS_NAMES[self][0 if lang == "zh" else 1]


#: each status's Chinese and English name
_STATUS_NAMES: dict[Status, tuple[str, str]] = {
    Status.NEW: ("待派单", "New"),
    Status.DISPATCHED: ("已派单", "Dispatched"),
    Status.ACCEPTED: ("已签收", "Accepted"),
    Status.ON_SCENE: ("已到场", "On scene"),
    Status.RESOLVED: ("已处置", "Resolved"),
    Status.FEEDBACK: ("已反馈", "Feedback"),
    Status.CLOSED: ("已办结", "Closed"),
    Status.ESCALATED: ("已吹哨", "Escalated"),
    Status.REOPENED: ("已退回", "Reopened"),
    Status.MERGED: ("已合并", "Merged"),
    Status.CANCELLED: ("已撤销", "Cancelled"),
}
TERMINAL = frozenset({Status.CLOSED, Status.MERGED, Status.CANCELLED})
OPEN_STATUSES = tuple(s for s in Status if s not in TERMINAL)


class Action(StrEnum):
    """Something a person (or the system) does to a ticket."""

    OPEN = "open"  # the ticket is created
    DISPATCH = "dispatch"  # 派单: to a worker or department
    ACCEPT = "accept"  # 签收
    ARRIVE = "arrive"  # 到场
    RESOLVE = "resolve"  # 处置完成
    FEEDBACK = "feedback"  # 反馈: the citizen has been told
    VERIFY = "verify"  # 验收: accepted and closed
    REJECT = "reject"  # 验收不通过: back to work
    ESCALATE = "escalate"  # 吹哨: to a department or one level up
    ASSIST = "assist"  # 协办: a further department handles the ticket jointly
    REOPEN = "reopen"  # a closed ticket is reopened by a supervisor
    MERGE = "merge"  # duplicate of another ticket
    CANCEL = "cancel"
    NOTE = "note"
    PAUSE = "pause"  # waiting on the citizen: SLA clocks stop
    RESUME = "resume"
    MEDIATION_FAILED = "mediation_failed"  # a dispute mediation attempt failed
    RECOLOUR = "recolour"  # risk colour changed (by a person or a rule)
    IMPORT = "import"  # created from an external export, status taken as given

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return _ZH[self]


_ZH = {
    Action.OPEN: "受理",
    Action.DISPATCH: "派单",
    Action.ACCEPT: "签收",
    Action.ARRIVE: "到场",
    Action.RESOLVE: "处置",
    Action.FEEDBACK: "反馈",
    Action.VERIFY: "验收",
    Action.REJECT: "验收不通过",
    Action.ESCALATE: "吹哨",
    Action.ASSIST: "协办",
    Action.REOPEN: "重新打开",
    Action.MERGE: "合并",
    Action.CANCEL: "撤销",
    Action.NOTE: "备注",
    Action.PAUSE: "挂起",
    Action.RESUME: "恢复",
    Action.MEDIATION_FAILED: "调解失败",
    Action.RECOLOUR: "调整颜色",
    Action.IMPORT: "导入",
}

_S = Status
#: action -> (statuses it may start from, status it leads to)
MOVES: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.DISPATCH: (frozenset({_S.NEW, _S.DISPATCHED, _S.REOPENED, _S.ESCALATED}), _S.DISPATCHED),
    Action.ACCEPT: (frozenset({_S.DISPATCHED, _S.ESCALATED}), _S.ACCEPTED),
    Action.ARRIVE: (frozenset({_S.ACCEPTED}), _S.ON_SCENE),
    Action.RESOLVE: (frozenset({_S.ACCEPTED, _S.ON_SCENE}), _S.RESOLVED),
    Action.FEEDBACK: (frozenset({_S.RESOLVED}), _S.FEEDBACK),
    Action.VERIFY: (frozenset({_S.FEEDBACK}), _S.CLOSED),
    Action.REJECT: (frozenset({_S.RESOLVED, _S.FEEDBACK}), _S.REOPENED),
    Action.ESCALATE: (
        frozenset({_S.NEW, _S.DISPATCHED, _S.ACCEPTED, _S.ON_SCENE, _S.REOPENED, _S.ESCALATED}),
        _S.ESCALATED,
    ),
    Action.REOPEN: (frozenset({_S.CLOSED}), _S.REOPENED),
    Action.MERGE: (frozenset(OPEN_STATUSES), _S.MERGED),
    Action.CANCEL: (frozenset(OPEN_STATUSES), _S.CANCELLED),
}
#: actions that never move the status; legal on every open ticket
STAYS = frozenset(
    {
        Action.NOTE,
        Action.PAUSE,
        Action.RESUME,
        Action.MEDIATION_FAILED,
        Action.RECOLOUR,
        Action.ASSIST,
    }
)


class IllegalTransition(ValueError):
    """An action that the ticket's current status does not allow."""

    def __init__(self, status: Status, action: Action) -> None:
        self.status = status
        self.action = action
        allowed = ", ".join(sorted(a.value for a in allowed_actions(status))) or "none"
        super().__init__(
            f"cannot {action.value} a ticket that is {status.value}; allowed here: {allowed}"
        )


def transition(status: Status, action: Action) -> Status:
    """The status after ``action``.

    Raises:
        IllegalTransition: the action is not allowed from ``status``.
    """
    if action in STAYS:
        if status.is_terminal and action is not Action.NOTE:
            raise IllegalTransition(status, action)
        return status
    move = MOVES.get(action)
    if move is None or status not in move[0]:
        raise IllegalTransition(status, action)
    return move[1]


def allowed_actions(status: Status) -> frozenset[Action]:
    """Every action that :func:`transition` accepts from ``status``."""
    moving = {a for a, (sources, _) in MOVES.items() if status in sources}
    staying = {Action.NOTE} if status.is_terminal else set(STAYS)
    return frozenset(moving | staying)


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One line of a ticket's timeline: who did what, when, from which status to which."""

    action: Action
    at: datetime
    actor: str
    from_status: Status | None
    to_status: Status
    note: str = ""
    target: str | None = None  # assignee, department, merged-into ticket, colour …
