"""Who may do what: viewer, officer, supervisor (and admin for the server of issue 4).

- viewer: reads everything, changes nothing;
- officer (值班员): dispatch / assign, every working transition, notes, pauses,
  mediation results, recolouring with a reason, merging, escalation (吹哨);
- supervisor (督办): also verification and its rejection (验收 / 验收不通过),
  reopening, cancelling, and point adjustments after spot checks;
- admin: everything a supervisor may, plus managing tokens.
"""

from __future__ import annotations

from enum import StrEnum

from gridtui.domain.lifecycle import Action


class Role(StrEnum):
    """A user's role."""

    VIEWER = "viewer"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return _ZH[self]

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return self.zh if lang.startswith("zh") else self.value


_ZH = {Role.VIEWER: "只读", Role.OFFICER: "值班员", Role.SUPERVISOR: "督办员", Role.ADMIN: "管理员"}

#: what an officer may do to a ticket
OFFICER_ACTIONS = frozenset(
    {
        Action.DISPATCH,
        Action.ACCEPT,
        Action.ARRIVE,
        Action.RESOLVE,
        Action.FEEDBACK,
        Action.ESCALATE,
        Action.ASSIST,
        Action.MERGE,
        Action.NOTE,
        Action.PAUSE,
        Action.RESUME,
        Action.MEDIATION_FAILED,
        Action.RECOLOUR,
    }
)
#: what only a supervisor (or admin) may do
SUPERVISOR_ACTIONS = frozenset({Action.VERIFY, Action.REJECT, Action.REOPEN, Action.CANCEL})

#: the non-ticket powers
ADJUST_POINTS = "adjust_points"
OPEN_TICKET = "open_ticket"
FILE_REPORT = "file_report"  # a daily report filed for a worker (e.g. from the phone app)


class PermissionDenied(PermissionError):
    """The role does not allow the action; the message names both."""

    def __init__(self, role: Role, what: str) -> None:
        self.role = role
        self.what = what
        need = required_role(what)
        super().__init__(
            f"role {role.value} may not {what}"
            + (f"; it needs {need.value} or above" if need else "")
        )


def _rank(role: Role) -> int:
    return [Role.VIEWER, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN].index(role)


def required_role(what: str) -> Role | None:
    """The least role that may do ``what`` (an action name or a power), if any."""
    if what in SUPERVISOR_ACTIONS or what == ADJUST_POINTS:
        return Role.SUPERVISOR
    if what in OFFICER_ACTIONS or what in (OPEN_TICKET, FILE_REPORT):
        return Role.OFFICER
    return None


def may(role: Role | str, what: Action | str) -> bool:
    """Whether ``role`` may do ``what``."""
    need = required_role(str(what))
    return need is not None and _rank(Role(role)) >= _rank(need)


def check(role: Role | str, what: Action | str) -> None:
    """Raise :class:`PermissionDenied` unless ``role`` may do ``what``."""
    if not may(role, what):
        raise PermissionDenied(Role(role), str(what))
