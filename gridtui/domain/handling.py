"""Who holds a ticket: its handling level on the ladder, its lead and co-handlers.

"Small matters stay in the grid, big matters in the community, hard matters in the
street" (小事不出网格、大事不出社区、难事不出街道): a ticket is handled at a **level**
(grid → community → street → district) and held by a **lead** (the grid worker, a
department after 吹哨, or the community, street or district centre) with any number of
**co-handling departments** (协办: a yellow dispute needs several).

Everything here follows from the timeline alone (:func:`replay`), so the stored
columns can always be checked against it:

- ``open``: level grid; the lead is the grid worker named in the step's target, or
  the command centre itself when the grid has no worker;
- ``dispatch`` to a worker code or ``dept:<code>``: that holder leads;
- ``escalate`` to ``dept:<code>`` (吹哨): that department leads, the level stays;
- ``escalate`` up (``up`` or ``up:<level>``): one level up the ladder, refused at the
  top; the level's centre leads, unless a department leads (it keeps the ticket and
  the higher level supervises);
- ``assist`` to ``dept:<code>``: a co-handler joins;
- ``verify``, ``cancel``, ``merge`` end every holding; ``reopen`` gives it back.

Each holder's SLA clocks see the timeline as that holder lives it
(:func:`gridtui.domain.views.holder_views`): its own receipts and actions, the
centre's actions on behalf of the lead, and the ticket's pauses and closing; while
the ticket is in other hands its clocks stand still. Pure code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, Protocol

from gridtui.domain.lifecycle import Action, IllegalTransition, Status, transition


class Level(StrEnum):
    """A rung of the ladder."""

    GRID = "grid"
    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return (_LEVEL_ZH if lang.startswith("zh") else _LEVEL_EN)[self]

    def up(self) -> Level | None:
        """The next rung, or ``None`` at the top."""
        i = LADDER.index(self)
        return LADDER[i + 1] if i + 1 < len(LADDER) else None


LADDER = tuple(Level)
_LEVEL_ZH = {
    Level.GRID: "网格",
    Level.COMMUNITY: "社区",
    Level.STREET: "街道",
    Level.DISTRICT: "区",
}
_LEVEL_EN = {
    Level.GRID: "grid",
    Level.COMMUNITY: "community",
    Level.STREET: "street",
    Level.DISTRICT: "district",
}


class HolderKind(StrEnum):
    """What kind of holder: the ``assignee`` an SLA policy names."""

    WORKER = "worker"
    DEPARTMENT = "department"
    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"
    CENTRE = "centre"  # the command centre, before anyone else holds the ticket


_LEVEL_HOLDER = {
    Level.COMMUNITY: HolderKind.COMMUNITY,
    Level.STREET: HolderKind.STREET,
    Level.DISTRICT: HolderKind.DISTRICT,
}
#: the actor prefix of departments; a worker acts under their own code
DEPT = "dept:"
UP = "up"


class Holder(NamedTuple):
    """One holder: ``ref`` is a worker code, a department code or a level.

    A named tuple: holders are hashed at every step of every replay."""

    kind: HolderKind
    ref: str

    @property
    def key(self) -> str:
        """The holder as one string: the actor it acts as (``W0001``, ``dept:POLICE``),
        or ``level:<level>`` / ``centre`` for the centres."""
        if self.kind is HolderKind.WORKER:
            return self.ref
        if self.kind is HolderKind.DEPARTMENT:
            return DEPT + self.ref
        if self.kind is HolderKind.CENTRE:
            return "centre"
        return f"level:{self.ref}"

    @classmethod
    def from_key(cls, key: str) -> Holder:
        """The holder :attr:`key` names."""
        if key.startswith(DEPT):
            return cls(HolderKind.DEPARTMENT, key[len(DEPT) :])
        if key == "centre":
            return cls(HolderKind.CENTRE, "")
        if key.startswith("level:"):
            level = Level(key[6:])
            return cls(_LEVEL_HOLDER.get(level, HolderKind.CENTRE), level.value)
        return cls(HolderKind.WORKER, key)

    @property
    def is_person(self) -> bool:
        """A worker or a department: someone who earns and loses points."""
        return self.kind in (HolderKind.WORKER, HolderKind.DEPARTMENT)


CENTRE = Holder(HolderKind.CENTRE, "")


class HandlingRefused(ValueError):
    """A handling move the ladder or the holders refuse (at the top, already helping …)."""


class Step(Protocol):
    """What replay reads of a timeline entry."""

    @property
    def action(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    @property
    def actor(self) -> str: ...

    @property
    def target(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Tenure:
    """One stretch of time a holder held the ticket (``until`` None: still holds)."""

    holder: Holder
    lead: bool
    since: datetime
    until: datetime | None = None


@dataclass(slots=True)
class Handling:
    """Where a ticket stands on the ladder and who holds it."""

    level: Level = Level.GRID
    lead: Holder | None = None
    co: tuple[Holder, ...] = ()
    closed: bool = False
    tenures: list[Tenure] = field(default_factory=list)
    #: the lead just before each step replayed (filled by the holders' views)
    leads_before: list[Holder | None] = field(default_factory=list)

    @property
    def holders(self) -> tuple[Holder, ...]:
        """Everyone who ever held the ticket, in the order they first did."""
        seen: dict[Holder, None] = {}
        for t in self.tenures:
            seen.setdefault(t.holder, None)
        return tuple(seen)

    @property
    def lead_department(self) -> str | None:
        """The leading department's code, if a department leads."""
        lead = self.lead
        return lead.ref if lead is not None and lead.kind is HolderKind.DEPARTMENT else None

    def holds(self, holder: Holder) -> bool:
        """Whether ``holder`` holds the ticket now (as lead or co-handler)."""
        return not self.closed and (holder == self.lead or holder in self.co)


def _dept(target: str | None) -> str | None:
    if target and target.startswith(DEPT) and len(target) > len(DEPT):
        return target[len(DEPT) :]
    return None


def up_target(level: Level) -> str:
    """The escalate target that moves a ticket at ``level`` one rung up.

    Raises:
        HandlingRefused: the ticket is at the top of the ladder.
    """
    nxt = level.up()
    if nxt is None:
        raise HandlingRefused(
            f"已在{level.label('zh')}级办理，无法再上报 / already handled at the "
            f"{level.label('en')} level, the top of the ladder: escalate to a department"
        )
    return f"{UP}:{nxt.value}"


def check_assist(handling: Handling, department: str) -> None:
    """Refuse a co-handler that already holds the ticket.

    Raises:
        HandlingRefused: the department leads or already helps.
    """
    holder = Holder(HolderKind.DEPARTMENT, department)
    if holder == handling.lead:
        raise HandlingRefused(f"{department} 已牵头办理 / {department} already leads this ticket")
    if holder in handling.co:
        raise HandlingRefused(f"{department} 已在协办 / {department} already helps")


# plain strings: enum ``.value`` look-ups dominated a million-ticket seed
_RECEIVED = frozenset({Action.OPEN.value, Action.IMPORT.value})
_DISPATCH, _ESCALATE, _ASSIST = Action.DISPATCH.value, Action.ESCALATE.value, Action.ASSIST.value
_REOPEN = Action.REOPEN.value
#: actions that concern the whole ticket, whoever records them
_CLOSING = frozenset({Action.VERIFY.value, Action.CANCEL.value, Action.MERGE.value})


class Replay:
    """Applies steps one by one to a :class:`Handling` (:func:`replay` does them all)."""

    def __init__(self) -> None:
        self.h = Handling()
        self._open: dict[Holder, int] = {}  # holder -> index of its open tenure

    @property
    def open_holders(self) -> Iterable[Holder]:
        """Who holds the ticket now."""
        return self._open.keys()

    def _start(self, holder: Holder, lead: bool, at: datetime) -> None:
        i = self._open.get(holder)
        if i is not None:
            t = self.h.tenures[i]
            if t.lead != lead:  # a co-handler promoted to lead, or the reverse
                self.h.tenures[i] = Tenure(holder, t.lead, t.since, at)
                self._open.pop(holder)
            else:
                return
        self._open[holder] = len(self.h.tenures)
        self.h.tenures.append(Tenure(holder, lead, at))

    def _end(self, holder: Holder, at: datetime) -> None:
        i = self._open.pop(holder, None)
        if i is not None:
            t = self.h.tenures[i]
            self.h.tenures[i] = Tenure(holder, t.lead, t.since, at)

    def _lead(self, holder: Holder, at: datetime) -> None:
        old = self.h.lead
        if old is not None and old != holder:
            self._end(old, at)
        if holder in self.h.co:
            self.h.co = tuple(c for c in self.h.co if c != holder)
        self.h.lead = holder
        self._start(holder, True, at)

    def apply(self, action: str, at: datetime, target: str | None) -> None:
        h = self.h
        if action in _RECEIVED:
            self._lead(Holder(HolderKind.WORKER, target) if target else CENTRE, at)
        elif action == _DISPATCH:
            dept = _dept(target)
            if dept is not None:
                self._lead(Holder(HolderKind.DEPARTMENT, dept), at)
            elif target:
                self._lead(Holder(HolderKind.WORKER, target), at)
        elif action == _ESCALATE:
            dept = _dept(target)
            if dept is not None:
                self._lead(Holder(HolderKind.DEPARTMENT, dept), at)
            elif target is None or target == UP or target.startswith(UP + ":"):
                self._up(target, at)
        elif action == _ASSIST:
            dept = _dept(target)
            if dept is not None:
                holder = Holder(HolderKind.DEPARTMENT, dept)
                if holder != h.lead and holder not in h.co:
                    h.co = (*h.co, holder)
                    self._start(holder, False, at)
        elif action in _CLOSING:
            h.closed = True
            for holder in list(self._open):
                self._end(holder, at)
        elif action == _REOPEN and h.closed:
            h.closed = False
            if h.lead is not None:
                self._start(h.lead, True, at)
            for c in h.co:
                self._start(c, False, at)

    def _up(self, target: str | None, at: datetime) -> None:
        h = self.h
        named = target.split(":", 1)[1] if target and ":" in target else None
        try:
            nxt = Level(named) if named else h.level.up()
        except ValueError:
            nxt = h.level.up()
        if nxt is None:
            return  # at the top: recorded, but nothing moves
        h.level = nxt
        if h.lead is None or h.lead.kind is not HolderKind.DEPARTMENT:
            self._lead(Holder(_LEVEL_HOLDER[nxt], nxt.value), at)


def replay(steps: Iterable[Step]) -> Handling:
    """The handling after every step of a timeline (oldest first)."""
    r = Replay()
    for s in steps:
        r.apply(str(s.action), s.at, s.target)
    return r.h


def leads_before(steps: Iterable[Step]) -> list[Holder | None]:
    """The lead just before each step of a timeline."""
    r = Replay()
    out: list[Holder | None] = []
    for s in steps:
        out.append(r.h.lead)
        r.apply(str(s.action), s.at, s.target)
    return out


#: what a co-handling department does for its own part without moving the status
CO_ACTIONS = frozenset({Action.ACCEPT, Action.ARRIVE, Action.RESOLVE})


def status_after(status: Status, action: str, actor: str, handling: Handling) -> Status:
    """The status after ``actor`` does ``action``: a co-handling department's own part
    (:data:`CO_ACTIONS`) leaves it as it is; anything else follows the lifecycle.

    Raises:
        IllegalTransition: the lifecycle refuses the action from ``status``.
    """
    act = Action(action)
    if act in CO_ACTIONS and any(h.key == actor for h in handling.co):
        if status.is_terminal:
            raise IllegalTransition(status, act)
        return status
    return transition(status, act)
