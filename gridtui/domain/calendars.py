"""Working-time calendars for SLA clocks.

A clock counts either real time (:class:`RealTimeCalendar`: an urgent matter is urgent
at 3 a.m.) or office hours (:class:`BusinessCalendar`: working intervals per weekday
in local wall time, public holidays off, make-up working days (调休) on). Both answer
two questions, consistently: ``add(start, d)`` is the earliest instant by which ``d``
of working time has passed since ``start``, and ``elapsed(a, b)`` is the working time
between two instants, so that ``elapsed(s, add(s, d)) == d``.

Business days are built in local wall time and converted to UTC one interval at a
time, so daylight-saving changes never shift a working day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
#: how far ``add`` looks for working time before giving up (a calendar of only holidays)
_HORIZON_DAYS = 3660


class Calendar(Protocol):
    """What an SLA clock needs of a calendar."""

    @property
    def name(self) -> str: ...

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant with ``duration`` of working time after ``start``."""
        ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Working time between ``start`` and ``end`` (zero when ``end <= start``)."""
        ...


class CalendarError(ValueError):
    """A calendar that cannot work (no hours at all, overlapping intervals …)."""


def _utc(at: datetime) -> datetime:
    if at.tzinfo is UTC:
        return at
    if at.tzinfo is None or at.utcoffset() is None:
        raise CalendarError(f"datetime {at.isoformat()} has no time zone")
    return at.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class RealTimeCalendar:
    """Every second counts."""

    name: str = "realtime"

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """``start + duration`` in UTC."""
        return _utc(start) + max(duration, ZERO)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """``end - start``, never negative."""
        return max(_utc(end) - _utc(start), ZERO)


Interval = tuple[time, time]


@dataclass(frozen=True, eq=False)
class BusinessCalendar:
    """Office hours in a time zone, with holidays and make-up working days.

    Args:
        name: how policies refer to it.
        tz: the zone the hours are read in.
        hours: weekday (0 = Monday) -> working intervals, sorted, not overlapping.
        holidays: dates with no work.
        workdays: make-up working days (a Saturday worked for a holiday, 调休); they
            use Monday's hours (or the first weekday that has any).
    """

    name: str
    tz: ZoneInfo
    hours: Mapping[int, tuple[Interval, ...]]
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    _cache: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not any(self.hours.get(d) for d in range(7)):
            raise CalendarError(f"calendar {self.name!r} has no working hours on any weekday")
        for day, intervals in self.hours.items():
            if not 0 <= day <= 6:
                raise CalendarError(f"calendar {self.name!r}: weekday {day} is not 0..6")
            last = time.min
            for i, (a, b) in enumerate(intervals):
                if not a < b:
                    raise CalendarError(
                        f"calendar {self.name!r}: interval {a:%H:%M}-{b:%H:%M} "
                        "ends before it starts"
                    )
                if i and a < last:
                    raise CalendarError(
                        f"calendar {self.name!r}: intervals overlap or are unsorted at {a:%H:%M}"
                    )
                last = b

    def _make_up_hours(self) -> tuple[Interval, ...]:
        for d in range(7):
            if self.hours.get(d):
                return self.hours[d]
        return ()  # pragma: no cover - __post_init__ refuses this

    def day_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of a local ``day`` as UTC instants."""
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        if day in self.holidays:
            local: tuple[Interval, ...] = ()
        elif day in self.workdays:
            local = self._make_up_hours()
        else:
            local = self.hours.get(day.weekday(), ())
        out = []
        for a, b in local:
            start = datetime.combine(day, a, tzinfo=self.tz).astimezone(UTC)
            end = datetime.combine(day, b, tzinfo=self.tz).astimezone(UTC)
            if start < end:
                out.append((start, end))
        result = tuple(out)
        if len(self._cache) < 20_000:
            self._cache[day] = result
        return result

    def _local_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant ``t`` with ``elapsed(start, t) == duration``.

        Raises:
            CalendarError: no working time within ten years (only holidays).
        """
        at = _utc(start)
        left = max(duration, ZERO)
        if not left:
            return at
        day = self._local_day(at) - timedelta(days=1)
        for _ in range(_HORIZON_DAYS):
            for a, b in self.day_intervals(day):
                if b <= at:
                    continue
                begin = max(a, at)
                room = b - begin
                if left <= room:
                    return begin + left
                left -= room
            day += timedelta(days=1)
        raise CalendarError(f"calendar {self.name!r} has no working time after {start}")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two instants."""
        a, b = _utc(start), _utc(end)
        if b <= a:
            return ZERO
        total = ZERO
        day = self._local_day(a) - timedelta(days=1)
        last = self._local_day(b) + timedelta(days=1)
        while day <= last:
            for x, y in self.day_intervals(day):
                lo, hi = max(x, a), min(y, b)
                if lo < hi:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def is_working(self, at: datetime) -> bool:
        """Whether ``at`` falls inside working hours."""
        u = _utc(at)
        return any(a <= u < b for a, b in self.day_intervals(self._local_day(u)))
