"""Where a ticket's clock stands: :class:`ClockState`, the evaluated
:class:`ClockStatus`, and :func:`state_at`, which moves a counting clock along in time
between evaluations. Pure code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ClockState(StrEnum):
    """Where a clock stands."""

    PENDING = "pending"  # not started yet
    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    BREACHED = "breached"  # past its deadline (running, or stopped late)
    MET = "met"  # stopped on or before its deadline

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return _STATE_ZH[self]

    @property
    def en(self) -> str:
        """The English name."""
        return _STATE_EN[self]

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return self.zh if lang.startswith("zh") else self.en


_STATE_ZH = {
    ClockState.PENDING: "未开始",
    ClockState.OK: "正常",
    ClockState.WARNING: "预警",
    ClockState.CRITICAL: "临期",
    ClockState.BREACHED: "超时",
    ClockState.MET: "按时",
}
_STATE_EN = {
    ClockState.PENDING: "Pending",
    ClockState.OK: "OK",
    ClockState.WARNING: "Warning",
    ClockState.CRITICAL: "Critical",
    ClockState.BREACHED: "Breached",
    ClockState.MET: "Met",
}


@dataclass(frozen=True, slots=True)
class ClockStatus:
    """One clock of one ticket as of a moment.

    ``warning_at`` and ``critical_at`` are the instants a running clock turns warning
    and critical (``None`` when already past, stopped or paused), so a countdown can
    change colour between evaluations: :meth:`state_at` moves it along in time.
    ``holder`` is the key of the holder the clock belongs to
    (:class:`gridtui.domain.handling.Holder`); ``stops`` every time it stopped, with
    whether it was within its budget then (a resolution clock can stop, run again on
    ``reject`` and stop again).
    """

    name: str
    label_zh: str
    label_en: str
    state: ClockState
    duration: timedelta
    calendar: str
    started_at: datetime | None
    deadline: datetime | None
    stopped_at: datetime | None
    remaining: timedelta | None  # working time left; negative once overdue
    paused: bool = False
    escalate: bool = False
    resolution: bool = False
    holder: str = ""
    warning_at: datetime | None = None
    critical_at: datetime | None = None
    stops: tuple[tuple[datetime, bool], ...] = ()

    @property
    def running(self) -> bool:
        """Started and not stopped."""
        return self.started_at is not None and self.stopped_at is None

    @property
    def counting(self) -> bool:
        """Running and not standing still (paused, or the ticket in other hands)."""
        return self.running and not self.paused

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return self.label_zh if lang.startswith("zh") else self.label_en

    def state_at(self, now: datetime) -> ClockState:
        """The state as of ``now`` (after the evaluation): see :func:`state_at`."""
        return state_at(
            self.state, self.counting, self.deadline, self.warning_at, self.critical_at, now
        )


def state_at(
    state: ClockState,
    counting: bool,
    deadline: datetime | None,
    warning_at: datetime | None,
    critical_at: datetime | None,
    now: datetime,
) -> ClockState:
    """A clock's state as of ``now``, from the state it was evaluated in and the instants
    it turns warning, critical and breached: a counting clock moves ok → warning →
    critical → breached in time; stopped, pending and standing clocks stay put."""
    if not counting:
        return state
    if deadline is not None and now >= deadline:
        return ClockState.BREACHED
    if critical_at is not None and now >= critical_at:
        return ClockState.CRITICAL
    if warning_at is not None and now >= warning_at:
        return ClockState.WARNING if state is ClockState.OK else state
    return state
