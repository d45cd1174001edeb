"""Parsing the scoring config (:func:`parse_scoring_config`; see
``fixtures/scoring.toml``):

* ``[[rule]]`` earns points (positive) when an event is recorded, capped per period;
* ``[[penalty]]`` deducts points (negative); uncapped unless it names a ``cap``, in
  which case ``cap`` bounds the total *deducted* by that penalty per period;
* ``[adjustment]`` bounds the manual additions/deductions after spot checks (抽查、督查);
* ``[alerts]`` sets the targets below which a figure is drawn as an alert (告警):
  ``on_time_rate`` (按期率, default 0.8), decided by
  :meth:`~gridtui.domain.scoring.rules.AlertPolicy.on_time_alert`.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridtui.domain.channels import Channel
from gridtui.domain.scoring.rules import (
    ADJUSTMENT,
    EVENTS,
    PENALTY_TRIGGERS,
    WEEKDAYS,
    AdjustmentPolicy,
    AlertPolicy,
    Event,
    Period,
    Rule,
    ScoringConfig,
    ScoringError,
    SubjectKind,
)
from gridtui.domain.tomlconf import ConfigError, ConfTable


class ScoringConfigError(ConfigError, ScoringError):
    """A broken scoring config, naming the file, line, table path and expectation."""


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
