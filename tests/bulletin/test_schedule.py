"""When a week's and a month's bulletin fall due (Shanghai, and New York across its
daylight-saving changes), the last due and the next, and the bulletins' file names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from gridtui.domain.assessment.config import DEFAULT_ASSESSMENT, BulletinSchedule
from gridtui.domain.assessment.schedule import (
    bulletin_name,
    last_due,
    next_due,
    parse_bulletin_name,
    period_due,
)
from gridtui.domain.scoring.engine import ScoringEngine
from gridtui.domain.scoring.rules import ScoringConfig


def _schedule(**values: object) -> BulletinSchedule:
    """The default schedule with ``values`` changed."""
    return replace(DEFAULT_ASSESSMENT.schedule, **values)  # type: ignore[arg-type]


SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY_9 = _schedule(week_day=1, week_time=time(9, 0), month_day=3,
                            month_time=time(8, 30))  # fmt: skip


def _engine(tz: str, week_starts: str = "monday") -> ScoringEngine:
    return ScoringEngine(ScoringConfig(timezone=tz, week_starts=week_starts))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_week_is_due_on_its_day_after_it_closes() -> None:
    windows = _engine("Asia/Shanghai")
    at = utc(2026, 11, 24, 2)  # a Tuesday; the week runs Mon 23 to Mon 30 (local)
    week = period_due(MONDAY_9, windows, SHANGHAI, "week", at)
    assert (week.key, week.due) == ("2026-W48", utc(2026, 11, 30, 1))  # Mon 09:00 local
    wednesday = _schedule(week_day=3, week_time=time(17, 0))
    assert period_due(wednesday, windows, SHANGHAI, "week", at).due == utc(2026, 12, 2, 9)
    # due at the very moment it closes
    midnight = _schedule(week_day=1, week_time=time(0, 0))
    assert period_due(midnight, windows, SHANGHAI, "week", at).due == week.end
    # weeks that start on Sunday close on Sunday: due the Monday after
    sunday = period_due(MONDAY_9, _engine("Asia/Shanghai", "sunday"), SHANGHAI, "week", at)
    assert sunday.due == utc(2026, 11, 30, 1) and sunday.end == utc(2026, 11, 28, 16)


def test_a_month_is_due_on_its_day_of_the_next_month() -> None:
    windows = _engine("Asia/Shanghai")
    nov = period_due(MONDAY_9, windows, SHANGHAI, "month", utc(2026, 11, 24))
    assert (nov.key, nov.due) == ("2026-11", utc(2026, 12, 3, 0, 30))
    dec = period_due(MONDAY_9, windows, SHANGHAI, "month", utc(2026, 12, 20))
    assert (dec.key, dec.due) == ("2026-12", utc(2027, 1, 3, 0, 30))
    # the last due and the next, on either side of the due moment
    assert last_due(MONDAY_9, windows, SHANGHAI, "month", utc(2026, 12, 3, 0, 29)).key == "2026-10"
    assert last_due(MONDAY_9, windows, SHANGHAI, "month", utc(2026, 12, 3, 0, 30)).key == "2026-11"
    assert next_due(MONDAY_9, windows, SHANGHAI, "month", utc(2026, 12, 3, 0, 29)).key == "2026-11"
    assert next_due(MONDAY_9, windows, SHANGHAI, "month", utc(2026, 12, 3, 0, 30)).key == "2026-12"
    assert last_due(MONDAY_9, windows, SHANGHAI, "week", utc(2026, 11, 30, 1)).key == "2026-W48"
    assert last_due(MONDAY_9, windows, SHANGHAI, "week", utc(2026, 11, 30, 0)).key == "2026-W47"
    assert nov.inside < nov.end and windows.period_key(nov.inside, "month") == "2026-11"


def test_due_times_follow_daylight_saving() -> None:
    windows = _engine("America/New_York")
    # the week after the clocks went forward: Monday 09:00 is 13:00 UTC, not 14:00
    spring = period_due(MONDAY_9, windows, NEW_YORK, "week", utc(2026, 3, 10, 12))
    assert spring.due == utc(2026, 3, 16, 13)
    before = period_due(MONDAY_9, windows, NEW_YORK, "week", utc(2026, 3, 3, 12))
    assert before.due == utc(2026, 3, 9, 13) and before.end == utc(2026, 3, 9, 4)
    # 02:30 on the night the clocks go forward does not exist: an hour later by the wall
    gap = _schedule(week_day=7, week_time=time(2, 30))
    assert period_due(gap, windows, NEW_YORK, "week", utc(2026, 2, 25, 12)).due == utc(
        2026, 3, 8, 7, 30
    )
    # 01:30 on the night they go back happens twice: the first one
    twice = _schedule(week_day=7, week_time=time(1, 30))
    assert period_due(twice, windows, NEW_YORK, "week", utc(2026, 10, 21, 12)).due == utc(
        2026, 11, 1, 5, 30
    )
    # a month closing in winter time
    nov = period_due(MONDAY_9, windows, NEW_YORK, "month", utc(2026, 11, 15))
    assert nov.due == utc(2026, 12, 3, 13, 30)


def test_file_names_are_made_of_checked_parts() -> None:
    assert bulletin_name("month", "2026-11", "zh", "docx") == "bulletin-month-2026-11.zh.docx"
    assert bulletin_name("week", "2026-W48", "en", "xlsx") == "bulletin-week-2026-W48.en.xlsx"
    assert bulletin_name("year", "2026", "zh", "md") == "bulletin-year-2026.zh.md"
    for bad in [("month", "2026-W48", "zh", "md"), ("week", "../x", "zh", "md"),
                ("day", "2026-11-24", "zh", "md"), ("month", "2026-11", "fr", "md"),
                ("month", "2026-11", "zh", "pdf")]:  # fmt: skip
        with pytest.raises(ValueError):
            bulletin_name(*bad)
    parsed = parse_bulletin_name("bulletin-week-2026-W48.en.xlsx")
    assert parsed is not None and (parsed.period, parsed.key, parsed.lang, parsed.format) == (
        "week", "2026-W48", "en", "xlsx",
    )  # fmt: skip


@pytest.mark.parametrize(
    "name",
    [
        "../bulletin-month-2026-11.zh.md", "bulletin-month-2026-11.zh.md/", "/etc/passwd",
        "bulletin-month-2026-13.zh.md", "bulletin-week-2026-11.zh.md",
        "bulletin-month-2026-W48.zh.md", "bulletin-month-２０２６-11.zh.md",
        "bulletin-month-2026-11.zh.docx.tmp", ".bulletin-month-2026-11.zh.docx.lock",
        "BULLETIN-month-2026-11.zh.md", "bulletin-month-2026-11.zh.md\n",
        "bulletin-month-2026-11.zh",
        "bulletin-month-2026-11..zh.md", "",
    ],
)  # fmt: skip
def test_other_names_are_not_bulletins(name: str) -> None:
    assert parse_bulletin_name(name) is None
