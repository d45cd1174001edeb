"""Working-time calendars: real time, office hours with holidays and make-up days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridtui.domain.calendars import BusinessCalendar, CalendarError, RealTimeCalendar

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
DAY = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
OFFICE = BusinessCalendar(
    "office",
    SH,
    {d: DAY for d in range(5)},
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    workdays=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),
)
NY_OFFICE = BusinessCalendar("ny", NY, {d: ((time(9), time(17)),) for d in range(5)})


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def test_realtime_is_plain_arithmetic() -> None:
    cal = RealTimeCalendar()
    start = datetime(2026, 11, 24, 2, tzinfo=UTC)
    assert cal.add(start, timedelta(minutes=10)) == start + timedelta(minutes=10)
    assert cal.elapsed(start, start + timedelta(hours=3)) == timedelta(hours=3)
    assert cal.elapsed(start, start - timedelta(hours=3)) == timedelta(0)


def test_office_hours_skip_lunch_nights_and_weekends() -> None:
    # Friday 17:00 + 1 working hour: 30 min on Friday, the rest Monday 08:30-09:00
    assert OFFICE.add(sh(2026, 11, 20, 17, 0), timedelta(hours=1)) == sh(2026, 11, 23, 9, 0)
    # starting at lunch, the clock starts at 13:30
    assert OFFICE.add(sh(2026, 11, 24, 12, 15), timedelta(minutes=30)) == sh(2026, 11, 24, 14, 0)
    assert OFFICE.elapsed(sh(2026, 11, 24, 11, 0), sh(2026, 11, 24, 14, 0)) == timedelta(
        hours=1, minutes=30
    )
    assert OFFICE.elapsed(sh(2026, 11, 21, 9), sh(2026, 11, 22, 18)) == timedelta(0)  # weekend


def test_national_day_holidays_and_make_up_workday() -> None:
    # Wednesday 30 Sep 17:00 + 1 h: the Golden Week is off, back on Thursday 8 Oct
    assert OFFICE.add(sh(2026, 9, 30, 17, 0), timedelta(hours=1)) == sh(2026, 10, 8, 9, 0)
    # Saturday 10 Oct is a make-up working day (调休), Sunday 11 Oct is not
    assert OFFICE.is_working(sh(2026, 10, 10, 9, 0))
    assert not OFFICE.is_working(sh(2026, 10, 11, 9, 0))
    assert not OFFICE.is_working(sh(2026, 10, 5, 9, 0))
    worked = OFFICE.elapsed(sh(2026, 10, 10, 0), sh(2026, 10, 11, 0))
    assert worked == timedelta(hours=7, minutes=30)


def test_dst_day_keeps_local_office_hours() -> None:
    # 2026-03-08: New York springs forward; the office still opens 09:00 local
    start = datetime(2026, 3, 6, 16, 0, tzinfo=NY)  # Friday 16:00
    end = NY_OFFICE.add(start, timedelta(hours=2))
    assert end == datetime(2026, 3, 9, 10, 0, tzinfo=NY)
    assert end.utcoffset() is not None


def test_a_calendar_without_hours_is_refused() -> None:
    with pytest.raises(CalendarError, match="no working hours"):
        BusinessCalendar("none", SH, {})
    with pytest.raises(CalendarError, match="ends before it starts"):
        BusinessCalendar("bad", SH, {0: ((time(12), time(9)),)})


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
durations = st.integers(min_value=0, max_value=200 * 3600).map(lambda s: timedelta(seconds=s))


@settings(max_examples=150, deadline=None)
@given(start=instants, d=durations)
def test_add_and_elapsed_agree(start: datetime, d: timedelta) -> None:
    for cal in (OFFICE, NY_OFFICE, RealTimeCalendar()):
        end = cal.add(start, d)
        assert end >= start
        assert cal.elapsed(start, end) == d


@settings(max_examples=150, deadline=None)
@given(a=instants, b=instants, c=instants)
def test_elapsed_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    assert OFFICE.elapsed(a, c) == OFFICE.elapsed(a, b) + OFFICE.elapsed(b, c)
    assert NY_OFFICE.elapsed(a, c) == NY_OFFICE.elapsed(a, b) + NY_OFFICE.elapsed(b, c)


@settings(max_examples=150, deadline=None)
@given(s1=instants, s2=instants, d1=durations, d2=durations)
def test_add_is_monotone(s1: datetime, s2: datetime, d1: timedelta, d2: timedelta) -> None:
    s1, s2 = sorted((s1, s2))
    d1, d2 = sorted((d1, d2))
    assert OFFICE.add(s1, d1) <= OFFICE.add(s2, d1)
    assert OFFICE.add(s1, d1) <= OFFICE.add(s1, d2)


@settings(max_examples=100, deadline=None)
@given(start=instants, d=durations.filter(lambda d: d > timedelta(0)))
def test_deadlines_fall_in_working_time(start: datetime, d: timedelta) -> None:
    end = OFFICE.add(start, d)
    # the deadline is the end of a working second: just before it, the office is open
    assert OFFICE.is_working(end - timedelta(seconds=1))
