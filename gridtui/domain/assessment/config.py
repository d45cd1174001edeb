"""Parsing the assessment config (:func:`parse_assessment_config`; see
``fixtures/assessment.toml``):

* ``adjustment_factor``: how many score points one spot-check point (抽查、专项督查加减分)
  adds or deducts (default 1);
* ``[weights]``: the weight of each indicator (:data:`INDICATORS`) for every level;
  ``[weights.<level>]`` (street, community, grid, worker, department) overrides some of
  them for one level. An indicator absent from ``[weights]`` weighs 0; without a
  ``[weights]`` table the weights of :data:`DEFAULT_ASSESSMENT` apply. Departments file no
  daily reports: their ``reports`` weight is 0 (absent, or written as 0). Weights need
  not add up to 100: they are shared out over the indicators a subject has a value for
  (:mod:`gridtui.domain.assessment.engine`);
* ``[schedule]``: when the weekly and monthly bulletins (周督查、月通报) are due, in which
  language, formats and levels (:class:`BulletinSchedule`);
* ``[bulletin]``: how many first and last places a bulletin names, list lengths
  (:class:`BulletinLayout`).

Every refusal is an :class:`AssessmentConfigError` naming the file, the line and the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from gridtui.domain.tomlconf import ConfigError, ConfTable

#: what a score is made of, in the order parts are listed
INDICATORS: tuple[str, ...] = (
    "closure",
    "on_time",
    "overdue",
    "breaches",
    "reopen",
    "satisfaction",
    "reports",
    "points",
)
#: the assessed levels (the data layer's ``ASSESSMENT_LEVELS``, in the same order)
LEVELS: tuple[str, ...] = ("street", "community", "grid", "worker", "department")
#: the bulletin's file formats
FORMATS: tuple[str, ...] = ("md", "xlsx", "docx")
LANGS: tuple[str, ...] = ("zh", "en")
#: the weights when a file has no ``[weights]`` table: the shipped file's (a test keeps
#: ``fixtures/assessment.toml`` and :data:`DEFAULT_ASSESSMENT` equal)
_DEFAULT_WEIGHTS = """
[weights]
closure = 25
on_time = 20
overdue = 10
breaches = 10
reopen = 10
satisfaction = 15
reports = 5
points = 5
[weights.worker]
overdue = 5
breaches = 5
reports = 10
points = 10
[weights.department]
on_time = 25
"""
#: levels that file no daily reports: their ``reports`` weight is 0
NO_REPORTS: tuple[str, ...] = ("department",)

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class AssessmentConfigError(ConfigError):
    """A broken assessment config, naming the file, line, table path and expectation."""


@dataclass(frozen=True)
class BulletinSchedule:
    """When the scheduled bulletins are due (``[schedule]``)."""

    #: 1 = Monday … 7 = Sunday: the weekly bulletin is due that day after the week closes
    week_day: int
    #: local time of day (the centre's time zone)
    week_time: time
    #: 1..28: the monthly bulletin is due that day of the next month
    month_day: int
    month_time: time
    #: "zh" | "en"
    lang: str
    #: of "md", "xlsx", "docx"
    formats: tuple[str, ...]
    #: the ranking levels in the bulletin, of street|community|grid|worker|department
    levels: tuple[str, ...]


@dataclass(frozen=True)
class BulletinLayout:
    """How much a bulletin lists (``[bulletin]``)."""

    #: first places named / listed
    top: int
    #: last places named / listed
    bottom: int
    #: rows per list (overdue, reopened …)
    list_limit: int
    #: a ranking with at most this many rows is printed whole, else top + bottom
    full_table_max: int


@dataclass(frozen=True)
class AssessmentConfig:
    """The parsed ``assessment.toml``."""

    #: level -> indicator -> weight (every level and every indicator present; ≥ 0)
    weights: Mapping[str, Mapping[str, float]]
    #: score points per spot-check point
    adjustment_factor: float
    schedule: BulletinSchedule
    bulletin: BulletinLayout


_SCHEDULE_DEFAULTS: dict[str, Any] = {
    "week_day": 1,
    "week_time": "09:00",
    "month_day": 1,
    "month_time": "09:00",
    "lang": "zh",
    "formats": list(FORMATS),
    "levels": ["street", "community", "department"],
}
_BULLETIN_DEFAULTS: dict[str, int] = {
    "top": 3,
    "bottom": 3,
    "list_limit": 50,
    "full_table_max": 30,
}


def parse_assessment_config(text: str, source: str = "assessment.toml") -> AssessmentConfig:
    """Read an assessment config from TOML text (absent tables and keys take the
    defaults of :data:`DEFAULT_ASSESSMENT`).

    Raises:
        AssessmentConfigError: naming ``source``, the line where possible, the table
            path (``weights.department.reports``) and what was expected.
    """
    top = ConfTable.parse(text, source, AssessmentConfigError)
    top.only("adjustment_factor", "weights", "schedule", "bulletin")
    factor = top.number("adjustment_factor", 1.0)
    if factor < 0:
        top.fail(f"expected a number ≥ 0, got {factor:g}", "adjustment_factor")
    weights = _weights(top)
    schedule = _schedule(top.sub("schedule"))
    bulletin = _bulletin(top.sub("bulletin"))
    return AssessmentConfig(weights, factor, schedule, bulletin)


def _weight(t: ConfTable, key: str) -> float:
    if key not in INDICATORS:
        t.fail(f"unknown indicator; expected one of {', '.join(INDICATORS)}", key)
    value = t.number(key)
    if value < 0:
        t.fail(f"expected a weight ≥ 0, got {value:g}", key)
    return value


def _weights(top: ConfTable) -> dict[str, dict[str, float]]:
    if "weights" not in top.data:
        return {level: dict(w) for level, w in DEFAULT_ASSESSMENT.weights.items()}
    table = top.sub("weights")
    base = {key: 0.0 for key in INDICATORS}
    tables: dict[str, ConfTable] = {}
    for key, value in table.data.items():
        if isinstance(value, dict):
            if key not in LEVELS:
                table.sub(key).fail(f"unknown level; expected one of {', '.join(LEVELS)}")
            tables[key] = table.sub(key)
        else:
            base[key] = _weight(table, key)
    out: dict[str, dict[str, float]] = {}
    for level in LEVELS:
        weights = dict(base)
        if level in NO_REPORTS:
            weights["reports"] = 0.0
        sub = tables.get(level)
        for key in sub.data if sub is not None else ():
            assert sub is not None
            weights[key] = _weight(sub, key)
        if level in NO_REPORTS and weights["reports"] != 0:
            assert sub is not None
            sub.fail(f"{level}s file no daily reports: expected 0 or no reports weight", "reports")
        if not any(weights.values()):
            where = sub or (table if table.line(None) else next(iter(tables.values()), table))
            where.fail(f"every weight of the {level} level is 0: give one a positive weight")
        out[level] = weights
    return out


def _count(t: ConfTable, key: str, low: int, high: int | None, what: str) -> int:
    value = t.data.get(key, _SCHEDULE_DEFAULTS.get(key, _BULLETIN_DEFAULTS.get(key)))
    bad = isinstance(value, bool) or not isinstance(value, int)
    if bad or value < low or (high is not None and value > high):
        t.fail(f"expected {what}, got {value!r}", key)
    return int(value)


def _time(t: ConfTable, key: str) -> time:
    value = t.data.get(key, _SCHEDULE_DEFAULTS[key])
    if isinstance(value, time) and value.tzinfo is None:
        return value.replace(second=0, microsecond=0)
    found = _TIME.match(value) if isinstance(value, str) else None
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        t.fail(f"expected a time of day from 00:00 to 23:59 such as '09:00', got {value!r}", key)
    return time(int(found[1]), int(found[2]))


def _names(t: ConfTable, key: str, options: tuple[str, ...]) -> tuple[str, ...]:
    value = t.data.get(key, _SCHEDULE_DEFAULTS[key])
    names = [value] if isinstance(value, str) else value
    ok = isinstance(names, list) and names and all(isinstance(n, str) for n in names)
    if not ok:
        t.fail(f"expected a string or a non-empty list of strings, got {value!r}", key)
    for name in names:
        if name not in options:
            t.fail(f"expected one of {', '.join(options)}, got {name!r}", key)
    if len(set(names)) != len(names):
        t.fail(f"expected each at most once, got {value!r}", key)
    return tuple(names)


def _schedule(t: ConfTable) -> BulletinSchedule:
    t.only(*_SCHEDULE_DEFAULTS)
    week_day = _count(t, "week_day", 1, 7, "a day from 1 (Monday) to 7 (Sunday)")
    month_day = _count(t, "month_day", 1, 28, "a day of the month from 1 to 28")
    lang = t.choice("lang", LANGS, _SCHEDULE_DEFAULTS["lang"])
    formats = _names(t, "formats", FORMATS)
    levels = _names(t, "levels", LEVELS)
    week_time, month_time = _time(t, "week_time"), _time(t, "month_time")
    return BulletinSchedule(week_day, week_time, month_day, month_time, lang, formats, levels)


def _bulletin(t: ConfTable) -> BulletinLayout:
    t.only(*_BULLETIN_DEFAULTS)
    counts = [_count(t, key, 1, None, "a whole number ≥ 1") for key in _BULLETIN_DEFAULTS]
    return BulletinLayout(*counts)


#: what applies when a database has no ``assessment.toml`` (the shipped file's values)
DEFAULT_ASSESSMENT: AssessmentConfig = parse_assessment_config(_DEFAULT_WEIGHTS, "defaults")

__all__ = [
    "DEFAULT_ASSESSMENT",
    "FORMATS",
    "INDICATORS",
    "LANGS",
    "LEVELS",
    "AssessmentConfig",
    "AssessmentConfigError",
    "BulletinLayout",
    "BulletinSchedule",
    "parse_assessment_config",
]
