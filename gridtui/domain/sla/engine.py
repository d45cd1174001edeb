"""The SLA engine: every clock of a policy replayed over one holder's timeline
(:func:`evaluate`).

A clock:

- starts at the first of its ``starts`` actions and stops at the first of its
  ``stops`` actions after that;
- counts working time on its calendar (real time, or office hours with holidays);
- does not count while the ticket waits on the citizen (``pause`` … ``resume``); a
  pause still open counts as if it ended now, so deadlines only ever move later;
- is the *resolution* clock when its deadline is the ticket's due date; a resolution
  clock that stopped runs again on ``reopen``/``reject`` with the budget it had left;
- is ``ok``, ``warning`` or ``critical`` by the share of its budget used (thresholds
  configurable per file and per clock), ``breached`` once past its deadline, ``met``
  when stopped in time; a breach can ask for escalation one level up.

Pure code: the timeline and ``now`` come in, statuses go out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from gridtui.domain.calendars import ZERO, Calendar
from gridtui.domain.lifecycle import Action
from gridtui.domain.sla.clocks import ClockState, ClockStatus
from gridtui.domain.sla.policy import ClockSpec, Policy, SlaConfig

_RESTARTS = frozenset({Action.REOPEN.value, Action.REJECT.value})
_PAUSE, _RESUME = Action.PAUSE.value, Action.RESUME.value


class TimelineStep(Protocol):
    """What the engine reads of a timeline entry."""

    @property
    def action(self) -> str: ...

    @property
    def at(self) -> datetime: ...


def evaluate(
    policy: Policy,
    timeline: Iterable[TimelineStep],
    now: datetime,
    config: SlaConfig,
    holder: str = "",
) -> list[ClockStatus]:
    """Every clock of ``policy`` over ``timeline`` (oldest first) as of ``now``.

    Entries after ``now`` are ignored, so a history can be replayed to any moment.
    ``timeline`` is one holder's view (:func:`gridtui.domain.views.holder_views`);
    ``holder`` its key, carried on each status.
    """
    steps = [(str(s.action), s.at) for s in timeline if s.at <= now]
    return [
        _replay_clock(spec, steps, now, config.calendars[spec.calendar], holder)
        for spec in policy.clocks
    ]


def _replay_clock(
    spec: ClockSpec,
    steps: Sequence[tuple[str, datetime]],
    now: datetime,
    cal: Calendar,
    holder: str = "",
) -> ClockStatus:
    """One clock of ``spec`` replayed over ``steps`` (action, time; oldest first)."""
    started: datetime | None = None
    stopped: datetime | None = None
    running = paused = False
    seg: datetime | None = None  # start of the current counting segment
    used = ZERO  # working time counted before ``seg``
    breach: datetime | None = None  # when the budget ran out, once it has
    frozen: datetime | None = None  # deadline as it stood when the clock stopped
    history: list[tuple[datetime, bool]] = []  # every stop, and whether it was in time

    def close(at: datetime) -> None:
        nonlocal used, seg, breach
        if seg is None:
            return
        more = cal.elapsed(seg, at)
        if breach is None and used + more > spec.duration:
            breach = cal.add(seg, spec.duration - used)
        used += more
        seg = None

    for action, at in steps:
        if action == _PAUSE:
            if not paused:
                close(at)
                paused = True
            continue
        if action == _RESUME:
            if paused:
                paused = False
                if running:
                    seg = at
            continue
        if started is None and action in spec.starts:
            started, running = at, True
            seg = None if paused else at
        elif running and action in spec.stops:
            frozen = _deadline(cal, spec, used, seg if seg is not None else at, breach)
            close(at)
            stopped, running = at, False
            history.append((at, used <= spec.duration))
        elif not running and stopped is not None and spec.resolution and action in _RESTARTS:
            stopped, running, frozen = None, True, None
            seg = None if paused else at

    done = tuple(history)
    if started is None:
        return _status(spec, ClockState.PENDING, started, None, None, None, paused, holder=holder)
    if not running:
        state = ClockState.MET if used <= spec.duration else ClockState.BREACHED
        return _status(
            spec, state, started, frozen, stopped, spec.duration - used, paused,
            holder=holder, stops=done,
        )  # fmt: skip
    return _running_status(
        spec, cal, now, started, used, seg, breach, paused, holder=holder, stops=done
    )


def _running_status(
    spec: ClockSpec,
    cal: Calendar,
    now: datetime,
    started: datetime,
    used: timedelta,
    seg: datetime | None,
    breach: datetime | None,
    paused: bool,
    *,
    holder: str,
    stops: tuple[tuple[datetime, bool], ...],
) -> ClockStatus:
    """A started clock still running at ``now``: ``used`` working time counted before
    the current counting segment, which began at ``seg`` (None: standing still), and
    ``breach`` when the budget ran out, if it has."""
    consumed = used + (cal.elapsed(seg, now) if seg is not None else ZERO)
    # a clock standing still (the resident awaited, the ticket in other hands) has no
    # deadline until it counts again, unless it had already run out
    deadline = _deadline(cal, spec, used, seg, breach) if seg is not None else breach
    remaining = spec.duration - consumed
    state = _running_state(spec, consumed, remaining)
    escalate = state is ClockState.BREACHED and spec.escalate_on_breach
    warning_at = critical_at = None
    if seg is not None:  # counting: the instants the state changes follow from time left
        warning_at = _turns_at(cal, spec, spec.thresholds.warning, remaining, now)
        critical_at = _turns_at(cal, spec, spec.thresholds.critical, remaining, now)
    return _status(
        spec, state, started, deadline, None, remaining, paused, escalate,
        holder=holder, warning_at=warning_at, critical_at=critical_at, stops=stops,
    )  # fmt: skip


def _turns_at(
    cal: Calendar, spec: ClockSpec, share: float, remaining: timedelta, now: datetime
) -> datetime | None:
    """When a clock with ``remaining`` working time left at ``now`` has used ``share``
    of its budget (``None``: already has)."""
    left = remaining - spec.duration * (1 - share)
    return cal.add(now, left) if left > ZERO else None


def _deadline(
    cal: Calendar, spec: ClockSpec, used: timedelta, seg: datetime, breach: datetime | None
) -> datetime:
    if breach is not None:
        return breach
    if used > spec.duration:  # pragma: no cover - ``breach`` is set whenever this holds
        return seg
    return cal.add(seg, spec.duration - used)


def _running_state(spec: ClockSpec, consumed: timedelta, remaining: timedelta) -> ClockState:
    if remaining < ZERO:
        return ClockState.BREACHED
    share = consumed / spec.duration
    if share >= spec.thresholds.critical:
        return ClockState.CRITICAL
    if share >= spec.thresholds.warning:
        return ClockState.WARNING
    return ClockState.OK


def _status(
    spec: ClockSpec,
    state: ClockState,
    started: datetime | None,
    deadline: datetime | None,
    stopped: datetime | None,
    remaining: timedelta | None,
    paused: bool,
    escalate: bool = False,
    *,
    holder: str = "",
    warning_at: datetime | None = None,
    critical_at: datetime | None = None,
    stops: tuple[tuple[datetime, bool], ...] = (),
) -> ClockStatus:
    return ClockStatus(
        spec.name, spec.label_zh, spec.label_en, state, spec.duration, spec.calendar,
        started, deadline, stopped, remaining, paused, escalate, spec.resolution,
        holder, warning_at, critical_at, stops,
    )  # fmt: skip
