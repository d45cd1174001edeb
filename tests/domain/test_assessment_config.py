"""assessment.toml (gridtui.domain.assessment.config): the shipped file, the defaults,
per-level weights, and every refusal naming its line and key."""

from __future__ import annotations

from datetime import time

import pytest

from gridtui.domain.assessment.config import (
    DEFAULT_ASSESSMENT,
    INDICATORS,
    LEVELS,
    AssessmentConfigError,
    parse_assessment_config,
)
from gridtui.domain.tomlconf import ConfigError
from tests.conftest import FIXTURES

SHIPPED = (FIXTURES / "assessment.toml").read_text(encoding="utf-8")


def test_the_shipped_file_is_the_default() -> None:
    config = parse_assessment_config(SHIPPED)
    assert config == DEFAULT_ASSESSMENT
    assert parse_assessment_config("") == DEFAULT_ASSESSMENT  # no tables: the defaults
    assert set(config.weights) == set(LEVELS)
    for level, weights in config.weights.items():
        assert set(weights) == set(INDICATORS), level
        assert sum(weights.values()) == 100, level  # ours: they read as percentages
    # areas: closure and on time weigh most, then satisfaction; reports count
    street = config.weights["street"]
    assert street["closure"] == 25 and street["on_time"] == 20 and street["satisfaction"] == 15
    assert street["reports"] == 5
    assert config.weights["worker"]["reports"] == 10 and config.weights["worker"]["points"] == 10
    assert config.weights["department"]["reports"] == 0  # departments file no reports
    assert config.weights["department"]["on_time"] == 25
    assert config.adjustment_factor == 1
    s = config.schedule
    assert (s.week_day, s.week_time, s.month_day, s.month_time) == (1, time(9), 1, time(9))
    assert (s.lang, s.formats) == ("zh", ("md", "xlsx", "docx"))
    assert s.levels == ("street", "community", "department")
    b = config.bulletin
    assert (b.top, b.bottom, b.list_limit, b.full_table_max) == (3, 3, 50, 30)


def test_per_level_overrides_and_absent_indicators() -> None:
    text = """
adjustment_factor = 0.5
[weights]
closure = 60
on_time = 40
[weights.grid]
points = 20
[schedule]
week_day = 7
week_time = 18:30:00
month_time = "7:05"
formats = "md"
levels = ["worker"]
lang = "en"
"""
    config = parse_assessment_config(text)
    assert config.adjustment_factor == 0.5
    street = config.weights["street"]
    assert (street["closure"], street["on_time"], street["satisfaction"]) == (60, 40, 0)
    assert config.weights["grid"]["points"] == 20 and config.weights["grid"]["closure"] == 60
    assert config.weights["street"]["points"] == 0
    s = config.schedule
    assert (s.week_day, s.week_time, s.month_time) == (7, time(18, 30), time(7, 5))
    assert (s.formats, s.levels, s.lang) == (("md",), ("worker",), "en")
    assert config.bulletin == DEFAULT_ASSESSMENT.bulletin


def test_department_reports_are_left_out_even_when_the_default_weighs_them() -> None:
    config = parse_assessment_config("[weights]\nclosure = 1\nreports = 3\n")
    assert config.weights["department"]["reports"] == 0
    assert config.weights["worker"]["reports"] == 3
    zero = parse_assessment_config("[weights]\nclosure = 1\n[weights.department]\nreports = 0\n")
    assert zero.weights["department"]["reports"] == 0


REFUSED = [
    # (text, line, path and message fragment)
    ("[weights]\nclosure = 1\nspeed = 2\n", 3, "weights.speed: unknown indicator"),
    ("[weights]\nclosure = 1\n[weights.city]\nclosure = 2\n", 3, "weights.city: unknown level"),
    (
        "[weights]\nclosure = 1\n\n[weights.worker]\nspeed = 1\n",
        5,
        "weights.worker.speed: unknown indicator",
    ),
    ("[weights]\nclosure = -5\n", 2, "weights.closure: expected a weight ≥ 0, got -5"),
    ("[weights]\nclosure = 'lots'\n", 2, "weights.closure: expected a number, got 'lots'"),
    ("[weights]\nclosure = true\n", 2, "weights.closure: expected a number, got True"),
    ("[weights]\nclosure = 0\nreports = 0\n", 1, "every weight of the street level is 0"),
    (
        "[weights]\nclosure = 1\n[weights.grid]\nclosure = 0\n",
        3,
        "weights.grid: every weight of the grid level is 0",
    ),
    (
        "[weights]\nclosure = 1\n[weights.department]\nreports = 2\n",
        4,
        "weights.department.reports: departments file no daily reports",
    ),
    ("adjustment_factor = -1\n", 1, "adjustment_factor: expected a number ≥ 0"),
    ("adjustment_factor = 'x'\n", 1, "adjustment_factor: expected a number"),
    ('[schedule]\nweek_time = "25:00"\n', 2, "schedule.week_time: expected a time of day"),
    ('[schedule]\nmonth_time = "9h"\n', 2, "schedule.month_time: expected a time of day"),
    ('[schedule]\nweek_time = "09:60"\n', 2, "schedule.week_time: expected a time of day"),
    ("[schedule]\nweek_day = 0\n", 2, "schedule.week_day: expected a day from 1 (Monday)"),
    ("[schedule]\nweek_day = 8\n", 2, "schedule.week_day: expected a day from 1 (Monday)"),
    ("[schedule]\nmonth_day = 29\n", 2, "schedule.month_day: expected a day of the month"),
    ("[schedule]\nmonth_day = 0\n", 2, "schedule.month_day: expected a day of the month"),
    ('[schedule]\nformats = ["pdf"]\n', 2, "schedule.formats: expected one of md, xlsx"),
    ("[schedule]\nformats = []\n", 2, "schedule.formats: expected a string or a non-empty"),
    ('[schedule]\nformats = ["md", "md"]\n', 2, "schedule.formats: expected each at"),
    ('[schedule]\nlevels = ["city"]\n', 2, "schedule.levels: expected one of street"),
    ('[schedule]\nlang = "fr"\n', 2, "schedule.lang: expected one of zh, en, got 'fr'"),
    ("[schedule]\nweekday = 1\n", 2, "schedule.weekday: unknown key"),
    ("[bulletin]\ntop = 0\n", 2, "bulletin.top: expected a whole number ≥ 1, got 0"),
    ("[bulletin]\nbottom = -2\n", 2, "bulletin.bottom: expected a whole number ≥ 1"),
    ("[bulletin]\nlist_limit = 2.5\n", 2, "bulletin.list_limit: expected a whole number"),
    ("[bulletin]\nfull_table_max = 0\n", 2, "bulletin.full_table_max: expected a whole"),
    ("weights = 3\n", 1, "weights: expected a table [weights]"),
    ("[weights\nclosure = 1\n", 1, "invalid TOML"),
    ('title = "x"\n', 1, "title: unknown key; expected one of adjustment_factor"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), REFUSED)
def test_a_broken_file_is_refused_naming_the_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(AssessmentConfigError) as info:
        parse_assessment_config(text)
    error = info.value
    assert isinstance(error, ConfigError)  # the config-problem path catches it
    assert error.line == line, str(error)
    assert str(error).startswith(f"assessment.toml:{line}: "), str(error)
    assert fragment in str(error)


def test_a_refusal_in_the_shipped_file_names_its_line() -> None:
    broken = SHIPPED.replace("week_day = 1 ", "week_day = 9 ", 1)
    line = SHIPPED[: SHIPPED.index("week_day = 1 ")].count("\n") + 1
    with pytest.raises(AssessmentConfigError, match=rf"^rules\.toml:{line}: schedule\.week_day"):
        parse_assessment_config(broken, "rules.toml")
