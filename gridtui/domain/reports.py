"""Daily report, zero report (日报告、零报告): 有事报事件，无事报平安.

Every grid worker files one report per day: "events" with the number of matters
found, or "all safe" when nothing happened. A missing daily report is itself an
alert (and a scoring penalty, ``missing_daily_report``). Days are local days in the
centre's time zone. Nothing here reads a clock: ``now`` is always passed in.

When a report is due and which days owe one is :class:`ReportSchedule`, the one
home of those rules: a day's report is due at the ``[daily_report]`` due time
(``sla.toml``, 20:00) on each day the duty calendar has working hours. Until then
nobody is missing for the day; from then on a worker without a report is, once
(the ``missing_daily_report`` penalty, dated at the due instant); and a report rate
counts only the duty days whose due time has passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from gridtui.domain.calendars import BusinessCalendar, Calendar
from gridtui.domain.tomlconf import ConfTable

if TYPE_CHECKING:  # sla/policy.py imports this module for ReportRules
    from gridtui.domain.sla.policy import SlaConfig


class ReportError(ValueError):
    """A daily report that cannot be accepted."""


class ReportKind(StrEnum):
    """What a daily report says."""

    ALL_SAFE = "all_safe"  # 无事报平安 (零报告)
    EVENTS = "events"  # 有事报事件

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return "平安" if self is ReportKind.ALL_SAFE else "有事"

    @property
    def en(self) -> str:
        """The English name."""
        return "All safe" if self is ReportKind.ALL_SAFE else "Events"

    def label(self, lang: str) -> str:
        """The name in ``lang`` ("zh" or "en")."""
        return self.zh if lang.startswith("zh") else self.en


@dataclass(frozen=True, slots=True)
class DailyReport:
    """One worker's report for one local day, filed at ``at``."""

    worker_id: int
    day: date
    at: datetime
    kind: ReportKind
    events: int = 0
    note: str = ""


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def report_day(at: datetime, tz: tzinfo | str) -> date:
    """The local day (in ``tz``, e.g. "Asia/Shanghai") that the instant ``at`` falls on.

    Raises:
        ReportError: ``at`` is naive.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ReportError(f"datetime {at.isoformat()} has no time zone")
    return at.astimezone(_zone(tz)).date()


def file_report(
    worker_id: int, at: datetime, tz: tzinfo | str, events: int = 0, note: str = ""
) -> DailyReport:
    """A report for the local day of ``at``: "events" when ``events > 0``, else "all safe"."""
    if events < 0:
        raise ReportError(f"events cannot be negative, got {events}")
    kind = ReportKind.EVENTS if events else ReportKind.ALL_SAFE
    return DailyReport(worker_id, report_day(at, tz), at, kind, events, note.strip())


def validate_report(
    report: DailyReport, existing: Iterable[DailyReport], now: datetime, tz: tzinfo | str
) -> None:
    """Check a new report against the rules and the reports already filed.

    Refused: a negative count; ``events > 0`` with kind all_safe, or ``events == 0``
    with kind events; a report filed after ``now`` or for a day after today (local);
    a report filed before its day began; a second report by the same worker for the
    same day. A report for a past day (filed late) is accepted.

    Raises:
        ReportError: naming the worker, the day and the rule broken.
    """
    who = f"worker {report.worker_id}, {report.day.isoformat()}"
    if report.events < 0:
        raise ReportError(f"{who}: events cannot be negative, got {report.events}")
    if report.kind is ReportKind.ALL_SAFE and report.events > 0:
        raise ReportError(
            f"{who}: an all-safe report (无事报平安) cannot list {report.events} events; "
            "file it as kind 'events'"
        )
    if report.kind is ReportKind.EVENTS and report.events == 0:
        raise ReportError(
            f"{who}: an events report (有事报事件) needs at least one event; "
            "file a zero report as kind 'all_safe'"
        )
    today = report_day(now, tz)
    if report.day > today:
        raise ReportError(f"{who}: the day is in the future (today is {today.isoformat()})")
    if report.at > now:
        raise ReportError(f"{who}: filed at {report.at.isoformat()}, after now")
    if report.day > report_day(report.at, tz):
        raise ReportError(f"{who}: filed at {report.at.isoformat()}, before the day began")
    for other in existing:
        if other.worker_id == report.worker_id and other.day == report.day:
            raise ReportError(
                f"{who}: already reported at {other.at.isoformat()}; one report per day"
            )


def missing_reports(
    worker_ids: Iterable[int], reports: Iterable[DailyReport], day: date
) -> list[int]:
    """The workers (sorted, without duplicates) who filed no report for ``day``."""
    filed = {r.worker_id for r in reports if r.day == day}
    return sorted(set(worker_ids) - filed)


def compliance(worker_id: int, reports: Iterable[DailyReport], start: date, end: date) -> float:
    """The share of days in ``[start, end]`` (both inclusive) with a report by the worker.

    Raises:
        ReportError: ``end`` is before ``start``.
    """
    if end < start:
        raise ReportError(f"empty range: {end.isoformat()} is before {start.isoformat()}")
    days = (end - start).days + 1
    covered = {r.day for r in reports if r.worker_id == worker_id and start <= r.day <= end}
    return len(covered) / days


@dataclass(frozen=True, slots=True)
class ReportRules:
    """When daily reports are due (``[daily_report]`` in ``sla.toml``).

    ``due``: the local time of day by which a day's report is due (default 20:00);
    ``calendar``: the duty calendar whose working days need a report (``realtime``:
    every day).
    """

    due: time = time(20, 0)
    calendar: str = "realtime"


def parse_report_rules(table: ConfTable, calendars: Iterable[str]) -> ReportRules:
    """The ``[daily_report]`` table of ``sla.toml`` (absent: due 20:00, every day).

    Raises:
        ConfigError: naming the key and what was expected.
    """
    table.only("due", "calendar")
    due_text = table.text("due", "20:00")
    try:
        due = time.fromisoformat(due_text)
    except ValueError:
        table.fail(f"expected a time of day like '20:00', got {due_text!r}", "due")
    calendar = table.text("calendar", "realtime")
    known = list(calendars)
    if calendar not in known:
        table.fail(f"unknown calendar {calendar!r}; defined: {', '.join(known)}", "calendar")
    return ReportRules(due, calendar)


@dataclass(frozen=True, slots=True)
class ReportStatus:
    """Where a day's reports stand as of a moment (see :meth:`ReportSchedule.status`).

    ``due_at`` is when the day's report is due (aware UTC), ``None`` when the day is
    not a duty day (no report expected). ``expected`` counts the workers who owe one
    (0 on a day off), ``filed`` those of them who have filed. ``missing`` (worker ids,
    sorted) is filled only once ``past_due``: before the due time nobody is missing,
    however few have filed yet.
    """

    day: date
    due_at: datetime | None
    filed: int
    expected: int
    past_due: bool
    missing: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReportSchedule:
    """The daily-report rules applied: due instants, duty days, days that count.

    ``rules`` come from ``[daily_report]`` in ``sla.toml``; ``calendar`` is the duty
    calendar they name (a business calendar: days with working hours are duty days;
    any other calendar, e.g. ``realtime``: every day); ``tz`` is the centre's zone,
    in which a day and its due time are read.
    """

    rules: ReportRules
    calendar: Calendar
    tz: tzinfo

    @classmethod
    def of(cls, config: SlaConfig, tz: tzinfo | str) -> ReportSchedule:
        """The schedule of a parsed ``sla.toml`` in the centre's zone ``tz``."""
        rules = config.daily_report
        return cls(rules, config.calendars[rules.calendar], _zone(tz))

    def due_at(self, day: date) -> datetime:
        """The instant (aware UTC) the report for local ``day`` is due: ``day`` at the
        due time of day in the centre's zone."""
        return datetime.combine(day, self.rules.due, tzinfo=self.tz).astimezone(UTC)

    def is_duty_day(self, day: date) -> bool:
        """Whether a report is owed for local ``day``: the duty calendar has working
        hours that day (always, for a calendar without office hours)."""
        if isinstance(self.calendar, BusinessCalendar):
            return bool(self.calendar.day_intervals(day))
        return True

    def counted_days(self, start: date, end: date, now: datetime) -> list[date]:
        """The days in ``[start, end]`` (both inclusive) that count for a report rate as
        of ``now``: duty days whose report was due at or before ``now``. Ascending;
        empty when ``end`` is before ``start``.

        Raises:
            ReportError: ``now`` is naive.
        """
        last = min(end, report_day(now, self.tz))
        days: list[date] = []
        day = start
        while day <= last:
            if self.is_duty_day(day) and self.due_at(day) <= now:
                days.append(day)
            day += timedelta(days=1)
        return days

    def status(
        self,
        now: datetime,
        expected: Iterable[int],
        filed: Iterable[int],
        day: date | None = None,
    ) -> ReportStatus:
        """The reports of ``day`` (default: today, the local day of ``now``) as of
        ``now``: ``expected`` are the workers who owe one (the active ones), ``filed``
        the workers with a report for that day.

        Before the due instant, the due time and how many have filed; from it on, also
        who has not (a report filed late takes a worker off the list). On a day off,
        nobody is expected and nobody is missing.

        Raises:
            ReportError: ``now`` is naive.
        """
        today = report_day(now, self.tz)  # (refuses a naive ``now`` first)
        day = day or today
        owing = set(expected)
        done = owing & set(filed)
        if not self.is_duty_day(day):
            return ReportStatus(day, None, len(done), 0, False)
        due = self.due_at(day)
        past = now >= due
        missing = tuple(sorted(owing - done)) if past else ()
        return ReportStatus(day, due, len(done), len(owing), past, missing)
