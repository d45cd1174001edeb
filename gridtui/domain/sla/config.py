"""Parsing ``sla.toml`` (:func:`parse_sla_config`; see ``fixtures/sla.toml`` for the
format) and durations such as ``1h30m`` (:func:`parse_duration`). Every mistake is an
:class:`SlaConfigError` naming the file, line, table path and what was expected.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridtui.domain.calendars import (
    ZERO,
    BusinessCalendar,
    Calendar,
    CalendarError,
    RealTimeCalendar,
)
from gridtui.domain.callback import parse_loop_rules
from gridtui.domain.channels import Channel
from gridtui.domain.colours import RiskColour
from gridtui.domain.lifecycle import Action
from gridtui.domain.reports import parse_report_rules
from gridtui.domain.sla.policy import ASSIGNEES, ClockSpec, Policy, SlaConfig, Thresholds
from gridtui.domain.tomlconf import ConfigError, ConfTable

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SlaConfigError(ConfigError):
    """A broken SLA config, naming the file, line, table path and expectation."""


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
