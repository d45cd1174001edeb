"""When a week's or a month's bulletin (周通报、月通报) is due, and what its file is called.

A period's bulletin is due once the period has closed, on the day and at the local
time of ``[schedule]`` in ``assessment.toml`` (:class:`BulletinSchedule`):

- a week's on the first ``week_day`` (1 = Monday … 7 = Sunday) on or after the day
  the week closes, at ``week_time``;
- a month's on day ``month_day`` of the next month, at ``month_time``;
- a year's (never scheduled, but named the same way) on January's ``month_day`` at
  ``month_time``.

Local times are read in the centre's time zone. A time that a daylight-saving change
skips (02:30 on the spring-forward night) falls the length of the gap later; one
that happens twice (the autumn night) is its first occurrence. The period windows
are the scoring engine's (:meth:`~gridtui.domain.scoring.engine.ScoringEngine.period_of`
and ``period_key``), passed in as :class:`PeriodWindows`.

A bulletin's file name is made of checked parts only, never of outside text:
``bulletin-month-2026-11.zh.docx``, ``bulletin-week-2026-W48.en.xlsx``,
``bulletin-year-2026.zh.md``. :func:`parse_bulletin_name` accepts exactly those names
(nothing with a path separator, a leading dot or another suffix). Pure code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol

from gridtui.domain.assessment.config import BulletinSchedule

#: the periods whose bulletins are written on a schedule
SCHEDULED = ("week", "month")
#: every period a bulletin can cover
PERIODS = ("week", "month", "year")
#: a bulletin's formats (the file suffix without its dot) and languages
FORMATS = ("md", "xlsx", "docx")
LANGS = ("zh", "en")

_ONE_MICROSECOND = timedelta(microseconds=1)
_KEY = {
    "week": re.compile(r"[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])"),
    "month": re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])"),
    "year": re.compile(r"[0-9]{4}"),
}
_NAME = re.compile(
    r"bulletin-(?P<period>week|month|year)-(?P<key>[0-9W-]{4,8})"
    r"\.(?P<lang>zh|en)\.(?P<format>md|xlsx|docx)"
)


class PeriodWindows(Protocol):
    """The period windows of the scoring engine (local midnights, aware)."""

    def period_of(self, at: datetime, period: str) -> tuple[datetime, datetime]:
        """The period containing ``at``: start inclusive, end exclusive."""
        ...

    def period_key(self, at: datetime, period: str) -> str:
        """The period's label: ``2026-W48``, ``2026-11``, ``2026``."""
        ...


@dataclass(frozen=True, slots=True)
class DuePeriod:
    """One period and the moment its bulletin is due (aware UTC)."""

    period: str
    key: str
    start: datetime
    end: datetime
    due: datetime

    @property
    def inside(self) -> datetime:
        """The period's last instant: the ``at`` that asks for the whole period."""
        return self.end - _ONE_MICROSECOND


@dataclass(frozen=True, slots=True)
class BulletinName:
    """The parts of a bulletin's file name."""

    name: str
    period: str
    key: str
    lang: str
    format: str


def local_moment(day: date, when: time, tz: tzinfo) -> datetime:
    """``when`` on ``day`` in ``tz``, as aware UTC (see the module on skipped and
    repeated times)."""
    naive = datetime.combine(day, when.replace(tzinfo=None))
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def due_time(schedule: BulletinSchedule, tz: tzinfo, period: str, end: datetime) -> datetime:
    """When the bulletin of the ``period`` (week, month, year) closing at ``end`` is due.

    Raises:
        ValueError: an unknown period.
    """
    closes = end.astimezone(tz).date()
    if period == "week":
        day = closes + timedelta(days=(schedule.week_day - closes.isoweekday()) % 7)
        return local_moment(day, schedule.week_time, tz)
    if period in ("month", "year"):
        return local_moment(closes.replace(day=schedule.month_day), schedule.month_time, tz)
    raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")


def period_due(
    schedule: BulletinSchedule, windows: PeriodWindows, tz: tzinfo, period: str, at: datetime
) -> DuePeriod:
    """The period containing ``at`` and when its bulletin is due."""
    start, end = windows.period_of(at, period)
    key = windows.period_key(at, period)
    return DuePeriod(period, key, start, end, due_time(schedule, tz, period, end))


def last_due(
    schedule: BulletinSchedule, windows: PeriodWindows, tz: tzinfo, period: str, now: datetime
) -> DuePeriod:
    """The most recent period whose bulletin is due by ``now``. (A bulletin is due
    within the period after its own, so it is the previous period or the one before.)"""
    start, _ = windows.period_of(now, period)
    previous = period_due(schedule, windows, tz, period, start - _ONE_MICROSECOND)
    if previous.due <= now:
        return previous
    return period_due(schedule, windows, tz, period, previous.start - _ONE_MICROSECOND)


def next_due(
    schedule: BulletinSchedule, windows: PeriodWindows, tz: tzinfo, period: str, now: datetime
) -> DuePeriod:
    """The first period whose bulletin falls due after ``now``."""
    start, _ = windows.period_of(now, period)
    previous = period_due(schedule, windows, tz, period, start - _ONE_MICROSECOND)
    if previous.due > now:
        return previous
    return period_due(schedule, windows, tz, period, now)


def bulletin_name(period: str, key: str, lang: str, fmt: str) -> str:
    """The file name of a period's bulletin.

    Raises:
        ValueError: a part that is not a period, a period key of that period, a
            language or a format.
    """
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")
    if not _KEY[period].fullmatch(key):
        raise ValueError(f"{key!r} is not the key of a {period}")
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected zh or en")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return f"bulletin-{period}-{key}.{lang}.{fmt}"


def parse_bulletin_name(name: str) -> BulletinName | None:
    """The parts of a bulletin's file name, or None for any other name."""
    found = _NAME.fullmatch(name)
    if found is None or not _KEY[found["period"]].fullmatch(found["key"]):
        return None
    return BulletinName(name, found["period"], found["key"], found["lang"], found["format"])
