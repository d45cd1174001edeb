"""Daily report, zero report (日报告、零报告): local days, validation, missing lists,
compliance; the schedule (due instants, duty days, days that count, today's status)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridtui.domain.calendars import RealTimeCalendar
from gridtui.domain.reports import (
    DailyReport,
    ReportError,
    ReportKind,
    ReportRules,
    ReportSchedule,
    compliance,
    file_report,
    missing_reports,
    report_day,
    validate_report,
)
from gridtui.domain.scoring.config import parse_scoring_config
from gridtui.domain.scoring.engine import ScoringEngine
from gridtui.domain.sla.config import parse_sla_config

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
TODAY = date(2026, 11, 24)
SAFE, EVENTS = ReportKind.ALL_SAFE, ReportKind.EVENTS


def report(worker: int, day: date, kind: ReportKind = SAFE, events: int = 0) -> DailyReport:
    """A report filed at 09:00 local on its day (before NOW on TODAY)."""
    at = datetime(day.year, day.month, day.day, 9, tzinfo=SH)
    return DailyReport(worker, day, at, kind, events)


def test_report_day_is_the_local_day() -> None:
    assert report_day(datetime(2026, 11, 23, 16, 30, tzinfo=UTC), SH) == date(2026, 11, 24)
    assert report_day(datetime(2026, 11, 23, 15, 59, tzinfo=UTC), "Asia/Shanghai") == date(
        2026, 11, 23
    )
    assert report_day(datetime(2026, 11, 23, 15, 59, tzinfo=UTC), UTC) == date(2026, 11, 23)
    with pytest.raises(ReportError, match="no time zone"):
        report_day(datetime(2026, 11, 24, 10), SH)


def test_file_report_picks_the_kind_from_the_count() -> None:
    at = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 07:00 on the 24th in Shanghai
    zero = file_report(7, at, SH, note=" 无事 ")
    assert (zero.day, zero.kind, zero.events, zero.note) == (TODAY, SAFE, 0, "无事")
    busy = file_report(7, at, SH, events=3)
    assert (busy.kind, busy.events) == (EVENTS, 3)
    with pytest.raises(ReportError, match="negative"):
        file_report(7, at, SH, events=-1)


def test_kind_labels() -> None:
    assert (SAFE.zh, SAFE.label("en"), EVENTS.label("zh")) == ("平安", "All safe", "有事")


def test_valid_reports_pass() -> None:
    validate_report(report(1, TODAY), [], NOW, SH)
    validate_report(report(1, TODAY, EVENTS, 2), [report(2, TODAY)], NOW, SH)
    late = DailyReport(1, date(2026, 11, 20), NOW, SAFE)  # filed late for a past day
    validate_report(late, [report(1, date(2026, 11, 21))], NOW, SH)
    first_minute = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 00:00 on the 24th locally
    validate_report(DailyReport(1, TODAY, first_minute, SAFE), [], NOW, SH)


@pytest.mark.parametrize(
    ("bad", "existing", "message"),
    [
        (report(1, TODAY, SAFE, 2), [], "all-safe report .* cannot list 2 events"),
        (report(1, TODAY, EVENTS, 0), [], "needs at least one event"),
        (report(1, TODAY, EVENTS, -1), [], "negative"),
        (report(1, TODAY + timedelta(days=1)), [], "future"),
        (DailyReport(1, TODAY, NOW + timedelta(minutes=1), SAFE), [], "after now"),
        (DailyReport(1, TODAY, datetime(2026, 11, 23, 15, 59, tzinfo=UTC), SAFE), [], "before"),
        (report(1, TODAY, EVENTS, 1), [report(2, TODAY), report(1, TODAY)], "already reported"),
    ],
)
def test_invalid_reports_are_refused(
    bad: DailyReport, existing: list[DailyReport], message: str
) -> None:
    with pytest.raises(ReportError, match=message) as info:
        validate_report(bad, existing, NOW, SH)
    assert f"worker 1, {bad.day.isoformat()}" in str(info.value)


def test_future_day_is_judged_in_local_time() -> None:
    # 23:30 UTC on the 23rd is already the 24th in Shanghai: a report for the 24th is fine.
    now = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    validate_report(DailyReport(1, TODAY, now, SAFE), [], now, SH)
    with pytest.raises(ReportError, match="future"):
        validate_report(DailyReport(1, TODAY, now, SAFE), [], now, UTC)


def test_missing_reports() -> None:
    reports = [report(3, TODAY), report(1, TODAY, EVENTS, 1), report(2, TODAY - timedelta(1))]
    reports.append(report(99, TODAY))  # not on the list: ignored
    assert missing_reports([5, 4, 3, 2, 1, 4], reports, TODAY) == [2, 4, 5]
    assert missing_reports([1, 2], reports, TODAY - timedelta(1)) == [1]
    assert missing_reports([], reports, TODAY) == []
    assert missing_reports(iter([7, 8]), iter([]), TODAY) == [7, 8]


def test_compliance() -> None:
    start, end = date(2026, 11, 1), date(2026, 11, 7)
    days = [start + timedelta(n) for n in (0, 1, 2, 4, 6)]
    reports = [report(1, d) for d in days] + [report(1, days[0])]  # a duplicate counts once
    reports += [report(1, date(2026, 10, 31)), report(1, date(2026, 11, 8)), report(2, start)]
    assert compliance(1, reports, start, end) == pytest.approx(5 / 7)
    assert compliance(2, reports, start, end) == pytest.approx(1 / 7)
    assert compliance(3, reports, start, end) == 0
    assert compliance(1, reports, start, start) == 1
    assert compliance(1, reports, end, end) == 1
    with pytest.raises(ReportError, match="empty range"):
        compliance(1, reports, end, start)


@settings(deadline=None)
@given(
    st.sets(st.integers(0, 40)),
    st.integers(0, 30),
    st.integers(0, 30),
)
def test_compliance_is_a_share(offsets: set[int], a: int, b: int) -> None:
    base = date(2026, 1, 1)
    start, end = base + timedelta(min(a, b)), base + timedelta(max(a, b))
    reports = [report(1, base + timedelta(o)) for o in offsets]
    share = compliance(1, reports, start, end)
    inside = {o for o in offsets if min(a, b) <= o <= max(a, b)}
    assert 0 <= share <= 1
    assert share == len(inside) / (abs(a - b) + 1)


def test_missing_reports_feed_the_penalty() -> None:
    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "scoring.toml"
    engine = ScoringEngine(parse_scoring_config(fixture.read_text(encoding="utf-8")))
    end_of_day = datetime(2026, 11, 24, 23, 59, tzinfo=SH)
    missing = missing_reports([1, 2, 3], [report(2, TODAY)], TODAY)
    entries = [
        e
        for w in missing
        for e in engine.award([], "worker", w, "missing_daily_report", end_of_day)
    ]
    assert [(e.subject_id, e.code, e.points) for e in entries] == [
        (1, "missing_daily_report", -1),
        (3, "missing_daily_report", -1),
    ]
    [filed] = engine.award([], "worker", 2, "daily_report", report(2, TODAY).at)
    assert filed.points == 0.5


# -- the schedule: due instants, duty days, counted days, today's status -----------------

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
#: the rules as shipped: due 20:00 on the duty calendar (Spring Festival 2027-02-16..18 off)
SCHEDULE = ReportSchedule.of(
    parse_sla_config((FIXTURES / "sla.toml").read_text(encoding="utf-8")), "Asia/Shanghai"
)
EVERY_DAY = ReportSchedule(ReportRules(time(20, 0), "realtime"), RealTimeCalendar(), SH)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SH)


def test_the_shipped_rules_are_due_at_eight_on_the_duty_calendar() -> None:
    assert SCHEDULE.rules == ReportRules(time(20, 0), "duty")
    assert SCHEDULE.calendar.name == "duty"


def test_a_days_report_is_due_at_the_due_time_in_the_centres_zone() -> None:
    due = SCHEDULE.due_at(TODAY)
    assert due == datetime(2026, 11, 24, 12, 0, tzinfo=UTC) and due.tzinfo is UTC
    # a zone with summer time: 20:00 local is 18:00 UTC in summer, 19:00 in winter
    berlin = ReportSchedule(ReportRules(), RealTimeCalendar(), ZoneInfo("Europe/Berlin"))
    assert berlin.due_at(date(2026, 3, 29)) == datetime(2026, 3, 29, 18, 0, tzinfo=UTC)
    assert berlin.due_at(date(2026, 3, 28)) == datetime(2026, 3, 28, 19, 0, tzinfo=UTC)
    early = ReportSchedule(ReportRules(time(9, 30)), RealTimeCalendar(), SH)
    assert early.due_at(TODAY) == datetime(2026, 11, 24, 1, 30, tzinfo=UTC)


def test_duty_days_follow_the_duty_calendar() -> None:
    assert SCHEDULE.is_duty_day(TODAY)  # a Tuesday
    assert SCHEDULE.is_duty_day(date(2026, 11, 28))  # Saturday: one shift, a duty day
    assert SCHEDULE.is_duty_day(date(2027, 2, 15))
    for off in (date(2027, 2, 16), date(2027, 2, 17), date(2027, 2, 18)):  # 春节
        assert not SCHEDULE.is_duty_day(off)
    assert all(EVERY_DAY.is_duty_day(date(2027, 2, d)) for d in range(14, 20))


def test_counted_days_are_duty_days_already_due() -> None:
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    before_due = SCHEDULE.counted_days(start, end, local(TODAY, 19, 59))
    assert before_due == [start + timedelta(n) for n in range(23)]  # up to the 23rd
    at_due = SCHEDULE.counted_days(start, end, local(TODAY, 20, 0))
    assert at_due == [*before_due, TODAY]
    assert SCHEDULE.counted_days(start, end, NOW) == before_due  # 10:00 on the 24th
    assert SCHEDULE.counted_days(TODAY, TODAY, NOW) == []  # today not due yet: nothing counts
    assert SCHEDULE.counted_days(end, start, NOW) == []
    # the Spring Festival days owe no report and do not count
    festival = SCHEDULE.counted_days(
        date(2027, 2, 14), date(2027, 2, 20), local(date(2027, 3, 1), 8)
    )
    assert festival == [date(2027, 2, d) for d in (14, 15, 19, 20)]
    with pytest.raises(ReportError, match="no time zone"):
        SCHEDULE.counted_days(start, end, datetime(2026, 11, 24, 10))


def test_before_the_due_time_nobody_is_missing() -> None:
    status = SCHEDULE.status(local(TODAY, 7, 30), expected=[1, 2, 3, 4], filed=[2, 9])
    assert status.day == TODAY and status.due_at == SCHEDULE.due_at(TODAY)
    assert (status.filed, status.expected, status.past_due, status.missing) == (1, 4, False, ())
    just_before = SCHEDULE.status(local(TODAY, 19, 59), [1, 2, 3, 4], [2])
    assert not just_before.past_due and just_before.missing == ()


def test_after_the_due_time_the_missing_are_listed() -> None:
    status = SCHEDULE.status(local(TODAY, 20, 0), expected=[4, 3, 2, 1], filed=[2, 9])
    assert status.past_due and status.missing == (1, 3, 4)
    assert (status.filed, status.expected) == (1, 4)
    late = SCHEDULE.status(local(TODAY, 21, 0), [4, 3, 2, 1], [2, 3])  # 3 filed late
    assert late.missing == (1, 4)
    everyone = SCHEDULE.status(local(TODAY, 23, 0), [1, 2], [1, 2])
    assert everyone.past_due and everyone.missing == () and everyone.filed == 2
    # just after midnight it is a new day, not yet due
    assert not SCHEDULE.status(local(TODAY + timedelta(1), 0, 5), [1, 2], []).past_due


def test_an_earlier_day_is_past_due_and_a_day_off_owes_nothing() -> None:
    yesterday = SCHEDULE.status(NOW, [1, 2, 3], [2], day=TODAY - timedelta(1))
    assert yesterday.past_due and yesterday.missing == (1, 3)
    festival = local(date(2027, 2, 17), 21)
    off = SCHEDULE.status(festival, expected=[1, 2, 3], filed=[2])
    assert off.due_at is None and not off.past_due
    assert (off.filed, off.expected, off.missing) == (1, 0, ())
    with pytest.raises(ReportError, match="no time zone"):
        SCHEDULE.status(datetime(2026, 11, 24, 21), [1], [])


@settings(deadline=None)
@given(st.integers(0, 24 * 60 - 1), st.sets(st.integers(1, 8)), st.sets(st.integers(1, 10)))
def test_status_is_consistent_at_any_minute(
    minute: int, expected: set[int], filed: set[int]
) -> None:
    now = local(TODAY, minute // 60, minute % 60)
    status = SCHEDULE.status(now, expected, filed)
    assert status.past_due == (minute >= 20 * 60)
    assert status.filed == len(expected & filed) and status.expected == len(expected)
    assert set(status.missing) == ((expected - filed) if status.past_due else set())
    assert (TODAY in SCHEDULE.counted_days(TODAY, TODAY, now)) == status.past_due
