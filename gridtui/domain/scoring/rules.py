"""The vocabulary of points-based assessment (积分考核): who is scored, periods, the
events rules listen to, the rules and penalties themselves, the adjustment and alert
policies, the parsed :class:`ScoringConfig`, and the value checks the engine shares.

Events are :class:`~gridtui.domain.lifecycle.Action` values (``open``, ``accept``,
``arrive``, ``resolve``, ``verify``, ``reject``, ``reopen`` …) plus the :class:`Event`
values (``daily_report`` and the system-detected triggers ``late_arrival``,
``sla_breach`` — emitted once per breached clock — and ``missing_daily_report``).
Points are kept to hundredths (:func:`to_cents`). Pure code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from gridtui.domain.channels import Channel
from gridtui.domain.lifecycle import Action

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


def require_aware(at: datetime) -> None:
    """Refuse a naive ``at``.

    Raises:
        ScoringError: ``at`` has no time zone.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ScoringError(f"datetime {at.isoformat()} has no time zone")


def as_subject_kind(value: SubjectKind | str) -> SubjectKind:
    """``value`` as a subject kind (ScoringError when it is none)."""
    try:
        return SubjectKind(value)
    except ValueError:
        raise ScoringError(f"unknown subject {value!r}; expected worker or department") from None


def as_period(value: Period | str) -> Period:
    """``value`` as a period (ScoringError when it is none)."""
    try:
        return Period(value)
    except ValueError:
        raise ScoringError(f"unknown period {value!r}; expected day, week, month or year") from None


def to_cents(points: float) -> int:
    """``points`` in integer hundredths."""
    return round(points * 100)


def is_hundredths(value: float) -> bool:
    """Whether ``value`` has at most two decimals."""
    return abs(value * 100 - round(value * 100)) < 1e-6
