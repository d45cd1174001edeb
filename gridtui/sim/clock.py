"""The simulator's clocks: the published one for live runs, a manual one for stepping.

A live run publishes a :class:`~gridtui.data.sources.records.ClockSpec` (``speed`` simulated
seconds per real second) in the database, and every process showing the city
follows it; :class:`SpecClock` is that clock in the simulator itself. Tests and
benchmarks drive the event queue without waiting: :class:`ManualClock` is moved to
each event's time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gridtui.data.sources.records import ClockSpec


def real_now() -> datetime:
    """The real time (aware UTC)."""
    return datetime.now(UTC)


class SpecClock:
    """Simulated time from a published spec (real time until one is set)."""

    def __init__(self, spec: ClockSpec | None = None) -> None:
        self.spec = spec

    def now(self) -> datetime:
        """The simulated now (aware UTC, whole seconds, as the service stamps writes)."""
        real = real_now()
        return (self.spec.now(real) if self.spec else real).replace(microsecond=0)

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self.spec.speed if self.spec else 1.0

    def real_seconds(self, sim: timedelta) -> float:
        """How many real seconds ``sim`` of simulated time take."""
        return sim.total_seconds() / self.speed


class ManualClock:
    """A clock that stands still until it is moved (never backwards)."""

    speed = 1.0

    def __init__(self, start: datetime) -> None:
        if start.utcoffset() is None:
            raise ValueError(f"start {start.isoformat()} has no time zone")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Where the clock stands."""
        return self._now

    def set(self, at: datetime) -> None:
        """Move to ``at`` (earlier instants leave the clock where it is)."""
        if at > self._now:
            self._now = at

    def real_seconds(self, sim: timedelta) -> float:
        """Nothing waits for a manual clock."""
        return 0.0


__all__ = ["ManualClock", "SpecClock", "real_now"]
