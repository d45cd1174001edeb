"""Who earns (or loses) points for what happened on a ticket.

The scoring rules (:mod:`gridtui.domain.scoring`) say how many points an event is
worth; this module says which events a ticket's timeline and SLA clocks produce, and
for whom:

- an action earns for whoever did it, when that is the ticket's grid worker or a
  department (``dept:<id>``); the centre's own actions earn nobody anything;
- a rejected acceptance or a reopening counts against whoever was responsible: the
  grid worker, and the department too once the ticket was escalated to one;
- an action that stops an SLA clock carries the clock's outcome (``on_time``);
- a clock that breached triggers a penalty at its deadline: ``late_arrival`` for the
  worker's on-scene clock, ``sla_breach`` for any other clock, counted against the
  department when the ticket is with one.

Pure code: times come in, credits go out; :mod:`gridtui.data` applies the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gridtui.domain.lifecycle import Action
from gridtui.domain.scoring import Event, SubjectKind

#: a ticket event's actor -> the scored subject, or None for the centre, citizens …
SubjectOf = Callable[[str], tuple[SubjectKind, int] | None]


class _Step(Protocol):
    @property
    def action(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    @property
    def actor(self) -> str: ...


class _Clock(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def deadline(self) -> datetime | None: ...

    @property
    def stopped_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class Credit:
    """One scorable event for one subject."""

    subject_kind: SubjectKind
    subject_id: int
    event: str  # a ticket action or a penalty trigger
    at: datetime
    on_time: bool | None = None


_AGAINST_RESPONSIBLE = frozenset({Action.REJECT.value, Action.REOPEN.value})


def actor_subject(worker_codes: dict[str, int]) -> SubjectOf:
    """Map actors to subjects: worker codes via ``worker_codes``, ``dept:<id>`` to departments."""

    def subject_of(actor: str) -> tuple[SubjectKind, int] | None:
        if actor.startswith("dept:"):
            tail = actor[5:]
            return (SubjectKind.DEPARTMENT, int(tail)) if tail.isdigit() else None
        wid = worker_codes.get(actor)
        return None if wid is None else (SubjectKind.WORKER, wid)

    return subject_of


def ticket_credits(
    steps: Sequence[_Step],
    clocks: Iterable[_Clock],
    stops: dict[str, frozenset[str]],
    *,
    subject_of: SubjectOf,
    worker_id: int | None,
    department_id: int | None,
    now: datetime,
    breaches: bool = True,
) -> list[Credit]:
    """Every credit a ticket's whole history produces up to ``now``.

    Args:
        steps: the timeline, oldest first (action, at, actor).
        clocks: the ticket's SLA clock statuses at ``now``.
        stops: clock name -> the actions that stop it.
        subject_of: maps an actor to the subject it scores for.
        worker_id: the ticket's grid worker (responsible by default).
        department_id: the department the ticket is with, if any.
        now: nothing after ``now`` is credited.
        breaches: also the penalty triggers of clocks breached by ``now``.
    """
    clocks = list(clocks)
    outcomes = _outcomes(clocks, stops)
    out: list[Credit] = []
    for step in steps:
        if step.at > now:
            continue
        action = str(step.action)
        if action in _AGAINST_RESPONSIBLE:
            out.extend(
                Credit(kind, sid, action, step.at)
                for kind, sid in _responsible(worker_id, department_id)
            )
            continue
        subject = subject_of(step.actor)
        if subject is not None:
            on_time = outcomes.get((action, step.at))
            out.append(Credit(subject[0], subject[1], action, step.at, on_time))
    if breaches:
        out.extend(_breaches(clocks, stops, worker_id, department_id, now))
    return out


def step_credits(
    step: _Step,
    clocks: Iterable[_Clock],
    stops: dict[str, frozenset[str]],
    *,
    subject_of: SubjectOf,
    worker_id: int | None,
    department_id: int | None,
) -> list[Credit]:
    """The credits of one new step, its clock outcome read from ``clocks`` after it."""
    return ticket_credits(
        [step],
        clocks,
        stops,
        subject_of=subject_of,
        worker_id=worker_id,
        department_id=department_id,
        now=step.at,
        breaches=False,
    )


def breach_credits(
    clocks: Iterable[_Clock],
    stops: dict[str, frozenset[str]],
    *,
    worker_id: int | None,
    department_id: int | None,
    now: datetime,
) -> list[Credit]:
    """Penalty triggers for clocks that breached by ``now`` (one per clock)."""
    return _breaches(list(clocks), stops, worker_id, department_id, now)


def _outcomes(
    clocks: list[_Clock], stops: dict[str, frozenset[str]]
) -> dict[tuple[str, datetime], bool]:
    """(action, at) of each clock-stopping step -> whether every clock it stopped was met."""
    out: dict[tuple[str, datetime], bool] = {}
    for clock in clocks:
        if clock.stopped_at is None:
            continue
        met = str(clock.state) == "met"
        for action in stops.get(clock.name, frozenset()):
            key = (action, clock.stopped_at)
            out[key] = out.get(key, True) and met
    return out


def _responsible(worker_id: int | None, department_id: int | None) -> list[tuple[SubjectKind, int]]:
    out: list[tuple[SubjectKind, int]] = []
    if worker_id is not None:
        out.append((SubjectKind.WORKER, worker_id))
    if department_id is not None:
        out.append((SubjectKind.DEPARTMENT, department_id))
    return out


def _breaches(
    clocks: list[_Clock],
    stops: dict[str, frozenset[str]],
    worker_id: int | None,
    department_id: int | None,
    now: datetime,
) -> list[Credit]:
    out: list[Credit] = []
    for clock in clocks:
        if str(clock.state) != "breached" or clock.deadline is None or clock.deadline > now:
            continue
        arrival = Action.ARRIVE.value in stops.get(clock.name, frozenset())
        if department_id is not None:
            out.append(
                Credit(SubjectKind.DEPARTMENT, department_id, Event.SLA_BREACH, clock.deadline)
            )
        elif worker_id is not None:
            trigger = Event.LATE_ARRIVAL if arrival else Event.SLA_BREACH
            out.append(Credit(SubjectKind.WORKER, worker_id, trigger, clock.deadline))
    return out
