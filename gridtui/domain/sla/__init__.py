"""The SLA engine: time-limit policies, several clocks per ticket, and their state.

Policies come from ``sla.toml`` (:func:`parse_sla_config`). A ticket gets the most
specific policy matching its colour, category, channel and assignee kind
(:meth:`SlaConfig.policy_for`). Each policy runs several clocks: for a grid worker
"on scene within 10 minutes of dispatch"; for a department the public promise of
on site in 3 h, solved in 24 h, feedback in 36 h, accepted in 48 h. A clock:

- starts at the first of its ``starts`` actions and stops at the first of its
  ``stops`` actions after that;
- counts working time on its calendar (real time, or office hours with holidays);
- does not count while the ticket waits on the citizen (``pause`` … ``resume``); a
  pause still open counts as if it ended now, so deadlines only ever move later;
- is the *resolution* clock when its deadline is the ticket's due date; a resolution
  clock that stopped runs again on ``reopen``/``reject`` with the budget it had left;
- is ``ok``, ``warning`` or ``critical`` by the share of its budget used (thresholds
  configurable per file and per clock), ``breached`` once past its deadline, ``met``
  when stopped in time; a breach can ask for escalation one level up.

Pure code: the timeline and ``now`` come in, statuses go out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridtui.domain.calendars import (
    ZERO,
    BusinessCalendar,
    Calendar,
    CalendarError,
    RealTimeCalendar,
)
from gridtui.domain.callback import LoopRules, parse_loop_rules
from gridtui.domain.channels import Channel
from gridtui.domain.colours import RiskColour
from gridtui.domain.lifecycle import Action
from gridtui.domain.reports import ReportRules, parse_report_rules
from gridtui.domain.tomlconf import ConfigError, ConfTable

#: holder kinds a policy's ``assignee`` may name (see :mod:`gridtui.domain.handling`)
ASSIGNEES = ("worker", "department", "community", "street", "district", "centre")
_RESTARTS = frozenset({Action.REOPEN.value, Action.REJECT.value})
_PAUSE, _RESUME = Action.PAUSE.value, Action.RESUME.value
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SlaConfigError(ConfigError):
    """A broken SLA config, naming the file, line, table path and expectation."""


class ClockState(StrEnum):
    """Where a clock stands."""

    PENDING = "pending"  # not started yet
    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    BREACHED = "breached"  # past its deadline (running, or stopped late)
    MET = "met"  # stopped on or before its deadline

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return _STATE_ZH[self]

    @property
    def en(self) -> str:
        """The English name."""
        return _STATE_EN[self]

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return self.zh if lang.startswith("zh") else self.en


_STATE_ZH = {
    ClockState.PENDING: "未开始",
    ClockState.OK: "正常",
    ClockState.WARNING: "预警",
    ClockState.CRITICAL: "临期",
    ClockState.BREACHED: "超时",
    ClockState.MET: "按时",
}
_STATE_EN = {
    ClockState.PENDING: "Pending",
    ClockState.OK: "OK",
    ClockState.WARNING: "Warning",
    ClockState.CRITICAL: "Critical",
    ClockState.BREACHED: "Breached",
    ClockState.MET: "Met",
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Shares of a clock's budget at which it turns warning and critical."""

    warning: float = 0.5
    critical: float = 0.8


@dataclass(frozen=True, slots=True)
class ClockSpec:
    """One clock of a policy."""

    name: str
    label_zh: str
    label_en: str
    duration: timedelta
    calendar: str
    starts: frozenset[str]
    stops: frozenset[str]
    thresholds: Thresholds
    escalate_on_breach: bool = False
    resolution: bool = False

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return self.label_zh if lang.startswith("zh") else self.label_en


@dataclass(frozen=True, slots=True)
class Policy:
    """A set of clocks and the tickets it applies to (``None``: any)."""

    name: str
    clocks: tuple[ClockSpec, ...]
    colours: frozenset[str] | None = None
    categories: tuple[str, ...] | None = None
    channels: frozenset[str] | None = None
    assignee: str | None = None

    @property
    def specificity(self) -> int:
        """How many match keys constrain this policy."""
        keys = (self.colours, self.categories, self.channels, self.assignee)
        return sum(k is not None for k in keys)

    @property
    def resolution_clock(self) -> ClockSpec | None:
        """The clock whose deadline is the ticket's due date."""
        return next((c for c in self.clocks if c.resolution), None)

    def matches(self, colour: str, category: str, channel: str, assignee: str | None) -> bool:
        """Whether a ticket of this kind falls under the policy."""
        if self.colours is not None and colour not in self.colours:
            return False
        if self.channels is not None and channel not in self.channels:
            return False
        if self.assignee is not None and assignee != self.assignee:
            return False
        if self.categories is not None:
            return any(_category_match(p, category) for p in self.categories)
        return True


def _category_match(pattern: str, category: str) -> bool:
    if pattern.endswith(".*"):
        return category.startswith(pattern[:-1])
    return category == pattern


@dataclass(frozen=True)
class SlaConfig:
    """A parsed ``sla.toml``."""

    thresholds: Thresholds
    calendars: dict[str, Calendar]
    policies: tuple[Policy, ...]
    daily_report: ReportRules = field(default_factory=ReportRules)
    loop: LoopRules = field(default_factory=LoopRules)
    _chosen: dict[tuple[str, str, str, str | None], Policy] = field(
        default_factory=dict, compare=False, repr=False
    )

    def policy_for(self, colour: str, category: str, channel: str, assignee: str | None) -> Policy:
        """The policy of a holder of kind ``assignee``: among the policies naming that
        kind, the most specific match; when none names it, the most specific match
        among the policies without ``assignee`` (ties: the first in the file)."""
        key = (colour, category, channel, assignee)
        chosen = self._chosen.get(key)
        if chosen is None:
            chosen = self._choose(colour, category, channel, assignee)
            if len(self._chosen) < 65_536:
                self._chosen[key] = chosen
        return chosen

    def _choose(self, colour: str, category: str, channel: str, assignee: str | None) -> Policy:
        for own in (True, False):
            best: Policy | None = None
            for policy in self.policies:
                if (policy.assignee is not None) != own:
                    continue
                if policy.matches(colour, category, channel, assignee) and (
                    best is None or policy.specificity > best.specificity
                ):
                    best = policy
            if best is not None:
                return best
        raise AssertionError("parse_sla_config guarantees a catch-all policy")


@dataclass(frozen=True, slots=True)
class ClockStatus:
    """One clock of one ticket as of a moment.

    ``warning_at`` and ``critical_at`` are the instants a running clock turns warning
    and critical (``None`` when already past, stopped or paused), so a countdown can
    change colour between evaluations: :meth:`state_at` moves it along in time.
    ``holder`` is the key of the holder the clock belongs to
    (:class:`gridtui.domain.handling.Holder`); ``stops`` every time it stopped, with
    whether it was within its budget then (a resolution clock can stop, run again on
    ``reject`` and stop again).
    """

    name: str
    label_zh: str
    label_en: str
    state: ClockState
    duration: timedelta
    calendar: str
    started_at: datetime | None
    deadline: datetime | None
    stopped_at: datetime | None
    remaining: timedelta | None  # working time left; negative once overdue
    paused: bool = False
    escalate: bool = False
    resolution: bool = False
    holder: str = ""
    warning_at: datetime | None = None
    critical_at: datetime | None = None
    stops: tuple[tuple[datetime, bool], ...] = ()

    @property
    def running(self) -> bool:
        """Started and not stopped."""
        return self.started_at is not None and self.stopped_at is None

    @property
    def counting(self) -> bool:
        """Running and not standing still (paused, or the ticket in other hands)."""
        return self.running and not self.paused

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return self.label_zh if lang.startswith("zh") else self.label_en

    def state_at(self, now: datetime) -> ClockState:
        """The state as of ``now`` (after the evaluation): see :func:`state_at`."""
        return state_at(
            self.state, self.counting, self.deadline, self.warning_at, self.critical_at, now
        )


def state_at(
    state: ClockState,
    counting: bool,
    deadline: datetime | None,
    warning_at: datetime | None,
    critical_at: datetime | None,
    now: datetime,
) -> ClockState:
    """A clock's state as of ``now``, from the state it was evaluated in and the instants
    it turns warning, critical and breached: a counting clock moves ok → warning →
    critical → breached in time; stopped, pending and standing clocks stay put."""
    if not counting:
        return state
    if deadline is not None and now >= deadline:
        return ClockState.BREACHED
    if critical_at is not None and now >= critical_at:
        return ClockState.CRITICAL
    if warning_at is not None and now >= warning_at:
        return ClockState.WARNING if state is ClockState.OK else state
    return state


class TimelineStep(Protocol):
    """What the engine reads of a timeline entry."""

    @property
    def action(self) -> str: ...

    @property
    def at(self) -> datetime: ...


# -- evaluation ------------------------------------------------------------------------


def evaluate(
    policy: Policy,
    timeline: Iterable[TimelineStep],
    now: datetime,
    config: SlaConfig,
    holder: str = "",
) -> list[ClockStatus]:
    """Every clock of ``policy`` over ``timeline`` (oldest first) as of ``now``.

    Entries after ``now`` are ignored, so a history can be replayed to any moment.
    ``timeline`` is one holder's view (:func:`gridtui.domain.views.holder_views`);
    ``holder`` its key, carried on each status.
    """
    steps = [(str(s.action), s.at) for s in timeline if s.at <= now]
    return [
        _clock(spec, steps, now, config.calendars[spec.calendar], holder) for spec in policy.clocks
    ]


def _clock(
    spec: ClockSpec,
    steps: Sequence[tuple[str, datetime]],
    now: datetime,
    cal: Calendar,
    holder: str = "",
) -> ClockStatus:
    started: datetime | None = None
    stopped: datetime | None = None
    running = paused = False
    seg: datetime | None = None  # start of the current counting segment
    used = ZERO  # working time counted before ``seg``
    breach: datetime | None = None  # when the budget ran out, once it has
    frozen: datetime | None = None  # deadline as it stood when the clock stopped
    history: list[tuple[datetime, bool]] = []  # every stop, and whether it was in time

    def close(at: datetime) -> None:
        nonlocal used, seg, breach
        if seg is None:
            return
        more = cal.elapsed(seg, at)
        if breach is None and used + more > spec.duration:
            breach = cal.add(seg, spec.duration - used)
        used += more
        seg = None

    for action, at in steps:
        if action == _PAUSE:
            if not paused:
                close(at)
                paused = True
            continue
        if action == _RESUME:
            if paused:
                paused = False
                if running:
                    seg = at
            continue
        if started is None and action in spec.starts:
            started, running = at, True
            seg = None if paused else at
        elif running and action in spec.stops:
            frozen = _deadline(cal, spec, used, seg if seg is not None else at, breach)
            close(at)
            stopped, running = at, False
            history.append((at, used <= spec.duration))
        elif not running and stopped is not None and spec.resolution and action in _RESTARTS:
            stopped, running, frozen = None, True, None
            seg = None if paused else at

    done = tuple(history)
    if started is None:
        return _status(spec, ClockState.PENDING, started, None, None, None, paused, holder=holder)
    if not running:
        met = used <= spec.duration
        state = ClockState.MET if met else ClockState.BREACHED
        return _status(
            spec, state, started, frozen, stopped, spec.duration - used, paused,
            holder=holder, stops=done,
        )  # fmt: skip
    consumed = used + (cal.elapsed(seg, now) if seg is not None else ZERO)
    # a clock standing still (the resident awaited, the ticket in other hands) has no
    # deadline until it counts again, unless it had already run out
    deadline = _deadline(cal, spec, used, seg, breach) if seg is not None else breach
    remaining = spec.duration - consumed
    state = _running_state(spec, consumed, remaining)
    escalate = state is ClockState.BREACHED and spec.escalate_on_breach
    warning_at = critical_at = None
    if seg is not None:  # counting: the instants the state changes follow from time left
        warning_at = _turns_at(cal, spec, spec.thresholds.warning, remaining, now)
        critical_at = _turns_at(cal, spec, spec.thresholds.critical, remaining, now)
    return _status(
        spec, state, started, deadline, None, remaining, paused, escalate,
        holder=holder, warning_at=warning_at, critical_at=critical_at, stops=done,
    )  # fmt: skip


def _turns_at(
    cal: Calendar, spec: ClockSpec, share: float, remaining: timedelta, now: datetime
) -> datetime | None:
    """When a clock with ``remaining`` working time left at ``now`` has used ``share``
    of its budget (``None``: already has)."""
    left = remaining - spec.duration * (1 - share)
    return cal.add(now, left) if left > ZERO else None


def _deadline(
    cal: Calendar, spec: ClockSpec, used: timedelta, seg: datetime, breach: datetime | None
) -> datetime:
    if breach is not None:
        return breach
    if used > spec.duration:  # pragma: no cover - ``breach`` is set whenever this holds
        return seg
    return cal.add(seg, spec.duration - used)


def _running_state(spec: ClockSpec, consumed: timedelta, remaining: timedelta) -> ClockState:
    if remaining < ZERO:
        return ClockState.BREACHED
    share = consumed / spec.duration
    if share >= spec.thresholds.critical:
        return ClockState.CRITICAL
    if share >= spec.thresholds.warning:
        return ClockState.WARNING
    return ClockState.OK


def _status(
    spec: ClockSpec,
    state: ClockState,
    started: datetime | None,
    deadline: datetime | None,
    stopped: datetime | None,
    remaining: timedelta | None,
    paused: bool,
    escalate: bool = False,
    *,
    holder: str = "",
    warning_at: datetime | None = None,
    critical_at: datetime | None = None,
    stops: tuple[tuple[datetime, bool], ...] = (),
) -> ClockStatus:
    return ClockStatus(
        spec.name, spec.label_zh, spec.label_en, state, spec.duration, spec.calendar,
        started, deadline, stopped, remaining, paused, escalate, spec.resolution,
        holder, warning_at, critical_at, stops,
    )  # fmt: skip


# -- parsing ---------------------------------------------------------------------------


def parse_duration(text: str) -> timedelta:
    """``10m``, ``3h``, ``2d``, ``90s``, ``1h30m`` → a positive duration.

    Raises:
        ValueError: anything else.
    """
    found = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not found or not any(found.groups()):
        raise ValueError(f"{text!r} is not a duration like 10m, 3h, 2d or 1h30m")
    d, h, m, s = (int(g or 0) for g in found.groups())
    value = timedelta(days=d, hours=h, minutes=m, seconds=s)
    if value <= ZERO:
        raise ValueError(f"{text!r} is not a positive duration")
    return value


def parse_sla_config(text: str, source: str = "sla.toml") -> SlaConfig:
    """Read an SLA config from TOML text (see ``fixtures/sla.toml`` for the format).

    Raises:
        SlaConfigError: naming ``source``, the line, the key path and what was expected.
    """
    top = ConfTable.parse(text, source, SlaConfigError)
    top.only("thresholds", "calendars", "policy", "daily_report", "loop")
    th = top.sub("thresholds")
    th.only("warning", "critical")
    thresholds = _thresholds(th, Thresholds())
    calendars: dict[str, Calendar] = {"realtime": RealTimeCalendar()}
    cal_tables = top.sub("calendars")
    for name in cal_tables.data:
        calendars[name] = _calendar(cal_tables.sub(name), name)
    policies: list[Policy] = []
    clock_offset = 0
    names: set[str] = set()
    for table in top.array("policy"):
        policy = _policy(table, thresholds, calendars, clock_offset)
        clock_offset += len(policy.clocks)
        if policy.name in names:
            table.fail(f"duplicate policy name {policy.name!r}", "name")
        names.add(policy.name)
        policies.append(policy)
    if not any(p.specificity == 0 for p in policies):
        top.fail("expected a catch-all [[policy]] with no colours/categories/channels/assignee")
    reports = parse_report_rules(top.sub("daily_report"), calendars)
    loop = parse_loop_rules(top.sub("loop"))
    return SlaConfig(thresholds, calendars, tuple(policies), reports, loop)


def _thresholds(t: ConfTable, base: Thresholds, *, prefix: str = "") -> Thresholds:
    warning = _share(t, prefix + "warning", base.warning)
    critical = _share(t, prefix + "critical", base.critical)
    if not warning < critical:
        t.fail(f"expected warning < critical, got {warning:g} and {critical:g}", "critical")
    return Thresholds(warning, critical)


def _share(t: ConfTable, key: str, default: float) -> float:
    value = t.data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        t.fail(f"expected a share of the time limit between 0 and 1, got {value!r}", key)
    return float(value)


def _calendar(t: ConfTable, name: str) -> Calendar:
    t.only("kind", "timezone", "hours", "holidays", "workdays")
    kind = t.choice("kind", ["realtime", "business"], "business")
    if kind == "realtime":
        return RealTimeCalendar(name)
    zone_name = t.text("timezone")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        t.fail(f"expected an IANA time zone such as 'Asia/Shanghai', got {zone_name!r}", "timezone")
    hours_t = t.sub("hours")
    hours_t.only(*_WEEKDAYS)
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for i, day in enumerate(_WEEKDAYS):
        if day in hours_t.data:
            hours[i] = tuple(_interval(hours_t, day, v) for v in _strings(hours_t, day))
    try:
        return BusinessCalendar(name, zone, hours, _dates(t, "holidays"), _dates(t, "workdays"))
    except CalendarError as exc:
        t.fail(str(exc), "hours")


def _strings(t: ConfTable, key: str) -> list[str]:
    value = t.data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        t.fail(f"expected a list of strings, got {value!r}", key)
    return [v.strip() for v in value]


def _interval(t: ConfTable, key: str, value: str) -> tuple[time, time]:
    try:
        a, b = (time.fromisoformat(p.strip()) for p in value.split("-"))
    except ValueError:
        t.fail(f"expected an interval like '08:30-12:00', got {value!r}", key)
    return a, b


def _dates(t: ConfTable, key: str) -> frozenset[date]:
    out = set()
    for value in _strings(t, key):
        try:
            out.add(date.fromisoformat(value))
        except ValueError:
            t.fail(f"expected a date like 2026-10-01, got {value!r}", key)
    return frozenset(out)


_ACTIONS = frozenset(a.value for a in Action)


def _actions(t: ConfTable, key: str) -> frozenset[str]:
    values = t.texts(key)
    for v in values:
        if v not in _ACTIONS:
            t.fail(f"expected ticket actions ({', '.join(sorted(_ACTIONS))}), got {v!r}", key)
    return frozenset(values)


def _policy(t: ConfTable, base: Thresholds, calendars: dict[str, Calendar], offset: int) -> Policy:
    t.only("name", "colours", "categories", "channels", "assignee", "clocks")
    name = t.text("name")
    colours = channels = None
    if "colours" in t.data:
        colours = frozenset(t.texts("colours"))
        if bad := colours - {c.value for c in RiskColour}:
            got = sorted(bad)[0]
            t.fail(f"expected colours red/orange/yellow/blue/green, got {got!r}", "colours")
    if "channels" in t.data:
        channels = frozenset(t.texts("channels"))
        if bad := channels - {c.value for c in Channel}:
            t.fail(f"expected one of {', '.join(Channel)}, got {sorted(bad)[0]!r}", "channels")
    categories = tuple(t.texts("categories")) if "categories" in t.data else None
    assignee = t.choice("assignee", ASSIGNEES) if "assignee" in t.data else None
    clocks = tuple(_clock_spec(c, base, calendars) for c in t.array("clocks", offset))
    if not clocks:
        t.fail("expected at least one [[policy.clocks]]", "clocks")
    if sum(c.resolution for c in clocks) != 1:
        t.fail("expected exactly one clock with resolution = true (the due date)", "clocks")
    if len({c.name for c in clocks}) != len(clocks):
        t.fail("clock names must be unique within a policy", "clocks")
    return Policy(name, clocks, colours, categories, channels, assignee)


def _clock_spec(t: ConfTable, base: Thresholds, calendars: dict[str, Calendar]) -> ClockSpec:
    t.only(
        "name", "label_zh", "label_en", "duration", "calendar", "starts", "stops",
        "warning", "critical", "escalate_on_breach", "resolution",
    )  # fmt: skip
    try:
        duration = parse_duration(t.text("duration"))
    except ValueError as exc:
        t.fail(str(exc), "duration")
    calendar = t.text("calendar", "realtime")
    if calendar not in calendars:
        t.fail(f"unknown calendar {calendar!r}; defined: {', '.join(calendars)}", "calendar")
    flags = {}
    for key in ("escalate_on_breach", "resolution"):
        value = t.data.get(key, False)
        if not isinstance(value, bool):
            t.fail(f"expected true or false, got {value!r}", key)
        flags[key] = value
    return ClockSpec(
        name=t.text("name"),
        label_zh=t.text("label_zh"),
        label_en=t.text("label_en"),
        duration=duration,
        calendar=calendar,
        starts=_actions(t, "starts"),
        stops=_actions(t, "stops"),
        thresholds=_thresholds(t, base),
        escalate_on_breach=flags["escalate_on_breach"],
        resolution=flags["resolution"],
    )
