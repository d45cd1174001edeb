"""Daily report, zero report (日报告、零报告): local days, validation, missing lists,
compliance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridtui.domain.reports import (
    DailyReport,
    ReportError,
    ReportKind,
    compliance,
    file_report,
    missing_reports,
    report_day,
    validate_report,
)
from gridtui.domain.scoring import ScoringEngine, parse_scoring_config

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
