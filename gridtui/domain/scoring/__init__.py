"""Points-based assessment (积分、加减分考核): rules, the append-only ledger, rankings.

Every task the platform records generates points automatically, and an item stops
accumulating once it reaches its maximum (达到最高分值后不再累加). The rules come from
a TOML file (see ``fixtures/scoring.toml`` and :func:`parse_scoring_config`):

* ``[[rule]]`` earns points (positive) when an event is recorded, capped per period;
* ``[[penalty]]`` deducts points (negative); uncapped unless it names a ``cap``, in
  which case ``cap`` bounds the total *deducted* by that penalty per period;
* ``[adjustment]`` bounds the manual additions/deductions after spot checks (抽查、督查);
* ``[alerts]`` sets the targets below which a figure is drawn as an alert (告警):
  ``on_time_rate`` (按期率, default 0.8), decided by :meth:`AlertPolicy.on_time_alert`.

Events are :class:`~gridtui.domain.lifecycle.Action` values (``open``, ``accept``,
``arrive``, ``resolve``, ``verify``, ``reject``, ``reopen`` …) plus the :class:`Event`
values (``daily_report`` and the system-detected triggers ``late_arrival``,
``sla_breach`` — emitted once per breached clock — and ``missing_daily_report``).

Points are kept to hundredths and all cap arithmetic is done in integer hundredths,
so totals are exact. A cap is applied in one place, :func:`capped_award`, given what
the rule already credited in the period: the live service counts that in the
database (:meth:`ScoringEngine.award_with`), the seed keeps running counters, and
:meth:`ScoringEngine.award` scans a history. Periods (day, week, month, year) are
computed in the config's time zone. Nothing here reads a clock or does I/O: time is
always passed in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridtui.domain.channels import Channel
from gridtui.domain.lifecycle import Action
from gridtui.domain.tomlconf import ConfigError, ConfTable

ADJUSTMENT = "adjustment"  #: the ledger code of a manual adjustment
SYSTEM = "system"  #: the author of automatic entries
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class SubjectKind(StrEnum):
    """Who is scored: a grid worker or a department."""

    WORKER = "worker"
    DEPARTMENT = "department"


class Period(StrEnum):
    """A scoring period (周督查、月通报、年总评), in the centre's time zone."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Event(StrEnum):
    """Scorable events that are not ticket actions."""

    DAILY_REPORT = "daily_report"  # 日报告 / 零报告 filed
    LATE_ARRIVAL = "late_arrival"  # the arrival clock was breached
    SLA_BREACH = "sla_breach"  # a clock was breached (once per clock)
    MISSING_DAILY_REPORT = "missing_daily_report"  # no daily report for a day


#: triggers only penalties may listen to
PENALTY_TRIGGERS = frozenset({Event.LATE_ARRIVAL, Event.SLA_BREACH, Event.MISSING_DAILY_REPORT})
#: every event name a rule may listen to and :meth:`ScoringEngine.award` accepts
EVENTS: frozenset[str] = frozenset({a.value for a in Action} | {e.value for e in Event})


class ScoringError(ValueError):
    """A scoring request that the rules refuse (bad adjustment, unknown event …)."""


class ScoringConfigError(ConfigError, ScoringError):
    """A broken scoring config, naming the file, line, table path and expectation."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One scoring rule (``points > 0``) or penalty (``points < 0``)."""

    code: str
    label_zh: str
    label_en: str
    subject: SubjectKind
    on: frozenset[str]
    points: float
    channels: frozenset[Channel] | None = None
    on_time: bool | None = None
    cap: float | None = None
    cap_period: Period | None = None

    @property
    def is_penalty(self) -> bool:
        """True for a deduction."""
        return self.points < 0

    def label(self, lang: str) -> str:
        """The name in ``lang`` ("zh" or "en")."""
        return self.label_zh if lang.startswith("zh") else self.label_en

    def matches(
        self, kind: SubjectKind, event: str, channel: Channel | None, on_time: bool | None
    ) -> bool:
        """Whether ``event`` for a subject of ``kind`` earns this rule.

        A channel filter needs a matching channel; an ``on_time`` filter needs the
        caller to state the clock's outcome (``None`` matches no filtered rule).
        """
        if kind is not self.subject or event not in self.on:
            return False
        if self.channels is not None and channel not in self.channels:
            return False
        return self.on_time is None or on_time is self.on_time


@dataclass(frozen=True, slots=True)
class AdjustmentPolicy:
    """Bounds of one manual adjustment (抽查、专项督查)."""

    min: float = -20.0
    max: float = 20.0


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """Targets below which a figure is drawn as an alert (告警), from ``[alerts]``."""

    on_time_rate: float = 0.8
    report_rate: float = 0.9
    satisfaction_rate: float = 0.9

    def on_time_alert(self, rate: float | None) -> bool:
        """Whether an on-time rate (按期率, 0..1) is below target.

        ``None`` (nothing with a deadline to rate) is no alert.
        """
        return rate is not None and rate < self.on_time_rate

    def report_alert(self, rate: float | None) -> bool:
        """Whether a daily-report rate (日报率) is below target (``None``: no alert)."""
        return rate is not None and rate < self.report_rate

    def satisfaction_alert(self, rate: float | None) -> bool:
        """Whether a satisfaction rate (满意率) is below target (``None``: no alert)."""
        return rate is not None and rate < self.satisfaction_rate


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    """The parsed scoring config."""

    timezone: str = "Asia/Shanghai"
    week_starts: str = "monday"
    rules: tuple[Rule, ...] = ()
    penalties: tuple[Rule, ...] = ()
    adjustment: AdjustmentPolicy = AdjustmentPolicy()
    alerts: AlertPolicy = AlertPolicy()

    @property
    def tz(self) -> ZoneInfo:
        """The centre's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        """Rules then penalties, in file order."""
        return self.rules + self.penalties

    def rule(self, code: str) -> Rule:
        """The rule or penalty called ``code`` (KeyError if none)."""
        for rule in self.all_rules:
            if rule.code == code:
                return rule
        raise KeyError(code)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One line of the append-only points ledger.

    ``raw_points`` is what the rule gives; ``points`` what was credited after the
    cap (0 or partial once the cap is reached, so the audit shows the capped award).
    """

    subject_kind: SubjectKind
    subject_id: int
    at: datetime
    code: str
    raw_points: float
    points: float
    reason: str
    author: str
    ticket_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject_kind", _subject_kind(self.subject_kind))
        _require_aware(self.at)

    @property
    def is_capped(self) -> bool:
        """True when the cap cut the award (fully or partly)."""
        return _cents(self.points) != _cents(self.raw_points)


class Award(NamedTuple):
    """What one award of a rule credits once its cap is applied (integer hundredths)."""

    raw: int  #: what the rule gives
    points: int  #: what is credited: ``raw``, or what was left of the cap
    reason: str  #: the ledger's reason text, saying so when the cap cut the award


def capped_award(rule: Rule, used: int, period_key: str) -> Award:
    """One award of ``rule``, capped: the only place a cap is applied.

    ``used`` is what ``rule`` has already credited the subject in the cap period that
    contains the award, in hundredths and as a magnitude (a penalty counts what it
    deducted); ``period_key`` names that period (:meth:`ScoringEngine.period_key`)
    for the reason text. A capped rule credits ``min(|points|, cap - used)`` with the
    rule's sign and never less than 0; an uncapped rule ignores both arguments.
    """
    raw, cap, reason = _award_base(rule)
    if cap is None or rule.cap_period is None:
        return Award(raw, raw, reason)
    room = max(0, cap - used)
    credited = int(math.copysign(min(abs(raw), room), raw))
    if credited != raw:
        reason += f" (cap {rule.cap:g} per {rule.cap_period.value} reached, {period_key})"
    return Award(raw, credited, reason)


_BASES: dict[int, tuple[Rule, tuple[int, int | None, str]]] = {}


def _award_base(rule: Rule) -> tuple[int, int | None, str]:
    """A rule's points and cap in hundredths and its reason text, worked out once per
    rule (a city-scale seed awards millions of times through a few dozen rules)."""
    found = _BASES.get(id(rule))
    if found is not None and found[0] is rule:
        return found[1]
    cap = _cents(rule.cap) if rule.cap is not None else None
    base = (_cents(rule.points), cap, f"{rule.label_zh} / {rule.label_en}")
    if len(_BASES) > 4096:  # rules of configs long replaced
        _BASES.clear()
    _BASES[id(rule)] = (rule, base)
    return base


#: what a rule already credited a subject in ``[start, end)`` (UTC), in hundredths,
#: as a magnitude: how :meth:`ScoringEngine.award_with` asks its caller
UsedPoints = Callable[[Rule, datetime, datetime], int]


@dataclass(frozen=True, slots=True)
class RankRow:
    """One row of a ranking: competition rank ("1224"), ties share a rank."""

    subject_id: int
    points: float
    rank: int
    entries: int


class ScoringEngine:
    """Applies a :class:`ScoringConfig`: awards, adjustments, periods, totals, rankings."""

    def __init__(self, config: ScoringConfig) -> None:
        self.config = config
        self._tz = config.tz
        self._week_start = WEEKDAYS.index(config.week_starts)

    # -- periods ---------------------------------------------------------------

    def period_of(self, at: datetime, period: Period | str) -> tuple[datetime, datetime]:
        """The period containing ``at``: (start inclusive, end exclusive), local midnights."""
        start, end = self._dates(self._local_date(at), _period(period))
        return self._midnight(start), self._midnight(end)

    def period_key(self, at: datetime, period: Period | str) -> str:
        """A label for the period: ``2026-11-24``, ``2026-W48``, ``2026-11``, ``2026``.

        Weeks are ISO weeks when they start on Monday; otherwise the week is named
        after the ISO week its days fall in once shifted to start on Monday.
        """
        p = _period(period)
        day = self._local_date(at)
        if p is Period.DAY:
            return day.isoformat()
        if p is Period.MONTH:
            return f"{day.year:04d}-{day.month:02d}"
        if p is Period.YEAR:
            return f"{day.year:04d}"
        start, _ = self._dates(day, p)
        iso = (start + timedelta(days=(7 - self._week_start) % 7)).isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"

    # -- awards ----------------------------------------------------------------

    def award(
        self,
        history: Sequence[LedgerEntry],
        subject_kind: SubjectKind | str,
        subject_id: int,
        action_or_trigger: str,
        at: datetime,
        ticket_id: int | None = None,
        channel: Channel | str | None = None,
        *,
        on_time: bool | None = None,
    ) -> list[LedgerEntry]:
        """The entries to append for one recorded event (zero or more rules match).

        ``history`` holds the subject's existing entries, at least those of the cap
        periods containing ``at``; see :meth:`award_with` for the rest.

        Raises:
            ScoringError: unknown event, subject or channel, or a naive ``at``.
        """
        kind = _subject_kind(subject_kind)

        def used(rule: Rule, start: datetime, end: datetime) -> int:
            return sum(
                abs(_cents(e.points))
                for e in history
                if e.code == rule.code
                and e.subject_kind is kind
                and e.subject_id == subject_id
                and _within(e.at, (start, end))
            )

        return self.award_with(
            used, kind, subject_id, action_or_trigger, at, ticket_id, channel, on_time=on_time
        )

    def award_with(
        self,
        used: UsedPoints,
        subject_kind: SubjectKind | str,
        subject_id: int,
        action_or_trigger: str,
        at: datetime,
        ticket_id: int | None = None,
        channel: Channel | str | None = None,
        *,
        on_time: bool | None = None,
    ) -> list[LedgerEntry]:
        """The entries to append for one recorded event, asking ``used`` for the caps.

        For each matching capped rule, ``used(rule, start, end)`` says what the rule
        already credited this subject in the cap period ``[start, end)`` (UTC) that
        contains ``at``; :func:`capped_award` does the rest. A capped award is still
        returned (``points`` 0, ``raw_points`` intact).

        Raises:
            ScoringError: unknown event, subject or channel, or a naive ``at``.
        """
        kind = _subject_kind(subject_kind)
        entries: list[LedgerEntry] = []
        for rule in self.matching(kind, action_or_trigger, at, channel, on_time=on_time):
            spent, key = 0, ""
            if rule.cap_period is not None:
                start, end = self._window(at, rule.cap_period)
                spent, key = used(rule, start, end), self.period_key(at, rule.cap_period)
            award = capped_award(rule, spent, key)
            raw, points = award.raw / 100, award.points / 100
            entries.append(
                LedgerEntry(
                    kind, subject_id, at, rule.code, raw, points, award.reason, SYSTEM, ticket_id
                )
            )
        return entries

    def matching(
        self,
        subject_kind: SubjectKind | str,
        action_or_trigger: str,
        at: datetime,
        channel: Channel | str | None = None,
        *,
        on_time: bool | None = None,
    ) -> list[Rule]:
        """The rules and penalties one recorded event earns, in file order.

        Raises:
            ScoringError: unknown event, subject or channel, or a naive ``at``.
        """
        kind = _subject_kind(subject_kind)
        event = str(action_or_trigger)
        if event not in EVENTS:
            raise ScoringError(
                f"unknown event {event!r}; expected a ticket action or one of "
                + ", ".join(e.value for e in Event)
            )
        try:
            chan = None if channel is None else Channel(channel)
        except ValueError:
            raise ScoringError(f"unknown channel {channel!r}") from None
        _require_aware(at)
        return [rule for rule in self.config.all_rules if rule.matches(kind, event, chan, on_time)]

    def adjust(
        self,
        subject_kind: SubjectKind | str,
        subject_id: int,
        points: float,
        reason: str,
        author: str,
        at: datetime,
        ticket_id: int | None = None,
    ) -> LedgerEntry:
        """A manual addition or deduction after a spot check (抽查、专项督查).

        Raises:
            ScoringError: empty reason or author, author "system", points zero, not in
                hundredths, or outside the config's ``[adjustment]`` bounds.
        """
        kind = _subject_kind(subject_kind)
        why, who = reason.strip(), author.strip()
        if not why:
            raise ScoringError("an adjustment needs a reason (the spot-check finding)")
        if not who:
            raise ScoringError("an adjustment needs an author (who made the spot check)")
        if who == SYSTEM:
            raise ScoringError(f"author {SYSTEM!r} is reserved for automatic entries")
        policy = self.config.adjustment
        if isinstance(points, bool) or not math.isfinite(points) or points == 0:
            raise ScoringError(f"adjustment points must be a non-zero number, got {points!r}")
        if not policy.min <= points <= policy.max:
            raise ScoringError(f"adjustment {points:g} is outside [{policy.min:g}, {policy.max:g}]")
        if not _is_hundredths(points):
            raise ScoringError(f"adjustment {points!r} has more than two decimals")
        _require_aware(at)
        value = _cents(points) / 100
        return LedgerEntry(kind, subject_id, at, ADJUSTMENT, value, value, why, who, ticket_id)

    # -- totals and rankings -----------------------------------------------------

    def totals(
        self, entries: Iterable[LedgerEntry], period: Period | str, at: datetime
    ) -> dict[tuple[SubjectKind, int], float]:
        """Credited points per (kind, id) over the period containing ``at``."""
        window = self._window(at, _period(period))
        sums: dict[tuple[SubjectKind, int], int] = {}
        for e in entries:
            if _within(e.at, window):
                key = (e.subject_kind, e.subject_id)
                sums[key] = sums.get(key, 0) + _cents(e.points)
        return {key: value / 100 for key, value in sums.items()}

    def rank(
        self,
        entries: Iterable[LedgerEntry],
        period: Period | str,
        at: datetime,
        subject_kind: SubjectKind | str,
        subjects: Iterable[int] = (),
    ) -> list[RankRow]:
        """Subjects of one kind by points in the period: desc, then subject_id asc.

        ``subjects`` adds subjects without entries (ranked with 0 points).
        """
        kind = _subject_kind(subject_kind)
        window = self._window(at, _period(period))
        sums = dict.fromkeys(subjects, 0)
        counts = dict.fromkeys(sums, 0)
        for e in entries:
            if e.subject_kind is kind and _within(e.at, window):
                sums[e.subject_id] = sums.get(e.subject_id, 0) + _cents(e.points)
                counts[e.subject_id] = counts.get(e.subject_id, 0) + 1
        rows: list[RankRow] = []
        for position, sid in enumerate(sorted(sums, key=lambda s: (-sums[s], s)), start=1):
            tied = bool(rows) and _cents(rows[-1].points) == sums[sid]
            rank = rows[-1].rank if tied else position
            rows.append(RankRow(sid, sums[sid] / 100, rank, counts[sid]))
        return rows

    # -- helpers -----------------------------------------------------------------

    def _local_date(self, at: datetime) -> date:
        _require_aware(at)
        return at.astimezone(self._tz).date()

    def _midnight(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=self._tz)

    def _dates(self, day: date, period: Period) -> tuple[date, date]:
        if period is Period.DAY:
            return day, day + timedelta(days=1)
        if period is Period.WEEK:
            start = day - timedelta(days=(day.weekday() - self._week_start) % 7)
            return start, start + timedelta(days=7)
        if period is Period.MONTH:
            start = day.replace(day=1)
            return start, (start + timedelta(days=32)).replace(day=1)
        return date(day.year, 1, 1), date(day.year + 1, 1, 1)

    def _window(self, at: datetime, period: Period) -> tuple[datetime, datetime]:
        start, end = self.period_of(at, period)
        return start.astimezone(UTC), end.astimezone(UTC)


def alert_policy(engine: ScoringEngine | None) -> AlertPolicy:
    """The alert targets of ``engine``'s config; the defaults when no rules are loaded."""
    return engine.config.alerts if engine is not None else AlertPolicy()


def _within(at: datetime, window: tuple[datetime, datetime]) -> bool:
    # Compare in UTC: aware datetimes sharing a tzinfo compare by wall clock.
    return window[0] <= at.astimezone(UTC) < window[1]


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ScoringError(f"datetime {at.isoformat()} has no time zone")


def _subject_kind(value: SubjectKind | str) -> SubjectKind:
    try:
        return SubjectKind(value)
    except ValueError:
        raise ScoringError(f"unknown subject {value!r}; expected worker or department") from None


def _period(value: Period | str) -> Period:
    try:
        return Period(value)
    except ValueError:
        raise ScoringError(f"unknown period {value!r}; expected day, week, month or year") from None


def _cents(points: float) -> int:
    return round(points * 100)


def _is_hundredths(value: float) -> bool:
    return abs(value * 100 - round(value * 100)) < 1e-6


# -- config parsing -----------------------------------------------------------------

_RULE_KEYS: tuple[str, ...] = ("code", "label_zh", "label_en", "subject", "on", "channel")
_RULE_KEYS += ("on_time", "points", "cap", "cap_period")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_scoring_config(text: str, source: str = "scoring.toml") -> ScoringConfig:
    """Read a scoring config from TOML text.

    Raises:
        ScoringConfigError: naming ``source``, the line where possible, the table
            path (``rule[3].cap``, 0-based) and what was expected.
    """
    top = ConfTable.parse(text, source, ScoringConfigError)
    top.only("timezone", "week_starts", "adjustment", "alerts", "rule", "penalty")
    timezone = top.text("timezone", "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        top.fail(
            f"expected an IANA time zone such as 'Asia/Shanghai', got {timezone!r}", "timezone"
        )
    week_starts = top.choice("week_starts", WEEKDAYS, "monday")
    adjustment = top.sub("adjustment")
    adjustment.only("min", "max")
    low, high = adjustment.number("min", -20.0), adjustment.number("max", 20.0)
    if low >= 0:
        adjustment.fail(f"expected a negative number (min < 0 < max), got {low:g}", "min")
    if high <= 0:
        adjustment.fail(f"expected a positive number (min < 0 < max), got {high:g}", "max")
    alerts = _alerts(top.sub("alerts"))
    groups: dict[str, list[Rule]] = {"rule": [], "penalty": []}
    seen: set[str] = set()
    for name, group in groups.items():
        for table in top.array(name):
            group.append(rule := _rule(table))
            if rule.code in seen:
                table.fail(f"duplicate code {rule.code!r}", "code")
            seen.add(rule.code)
    rules, penalties = tuple(groups["rule"]), tuple(groups["penalty"])
    adjust = AdjustmentPolicy(low, high)
    return ScoringConfig(timezone, week_starts, rules, penalties, adjust, alerts)


def _alerts(t: ConfTable) -> AlertPolicy:
    keys = ("on_time_rate", "report_rate", "satisfaction_rate")
    t.only(*keys)
    defaults = AlertPolicy()
    rates = []
    for key in keys:
        rate = t.data.get(key, getattr(defaults, key))
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            t.fail(f"expected a rate from 0 to 1 such as 0.8 (80%), got {rate!r}", key)
        rates.append(float(rate))
    return AlertPolicy(*rates)


def _rule(t: ConfTable) -> Rule:
    penalty = t.name == "penalty"
    t.only(*_RULE_KEYS)
    code = t.text("code")
    if not _CODE.match(code) or code == ADJUSTMENT:
        t.fail(f"expected a lower_snake_case code other than {ADJUSTMENT!r}, got {code!r}", "code")
    subject = SubjectKind(t.choice("subject", [k.value for k in SubjectKind]))
    on = t.texts("on")
    for event in on:
        if event not in EVENTS:
            t.fail(f"expected a ticket action or one of {', '.join(Event)}, got {event!r}", "on")
        if not penalty and event in PENALTY_TRIGGERS:
            t.fail(f"{event!r} is a penalty trigger: use it in a [[penalty]]", "on")
    channels = None
    if "channel" in t.data:
        names = t.texts("channel")
        if bad := [n for n in names if n not in {c.value for c in Channel}]:
            t.fail(f"expected one of {', '.join(Channel)}, got {bad[0]!r}", "channel")
        channels = frozenset(Channel(n) for n in names)
    on_time = t.data.get("on_time")
    if on_time is not None and not isinstance(on_time, bool):
        t.fail(f"expected true or false, got {on_time!r}", "on_time")
    points = t.number("points")
    if (points < 0) != penalty or points == 0:
        sign = "negative" if penalty else "positive"
        t.fail(f"expected a {sign} number, got {points:g}", "points")
    cap = t.number("cap") if "cap" in t.data else None
    if cap is not None and cap <= 0:
        t.fail(f"expected a positive number (the most points per period), got {cap:g}", "cap")
    period = None
    if "cap_period" in t.data:
        period = Period(t.choice("cap_period", [p.value for p in Period]))
    if cap is not None and period is None:
        t.fail("expected a cap_period (day, week, month or year) alongside cap", "cap")
    if cap is None and period is not None:
        t.fail("expected a cap (the most points per period) alongside cap_period", "cap_period")
    labels = t.text("label_zh"), t.text("label_en")
    return Rule(code, *labels, subject, frozenset(on), points, channels, on_time, cap, period)
