"""The SLA engine: policies from sla.toml, clocks, pauses, thresholds, breaches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridtui.domain.chain import ticket_clocks
from gridtui.domain.sla.clocks import ClockState, ClockStatus
from gridtui.domain.sla.config import SlaConfigError, parse_duration, parse_sla_config
from gridtui.domain.sla.engine import evaluate
from gridtui.domain.sla.policy import SlaConfig

SLA_TEXT = (Path(__file__).resolve().parents[2] / "fixtures" / "sla.toml").read_text("utf-8")
CONFIG = parse_sla_config(SLA_TEXT)
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
M = timedelta(minutes=1)
H = timedelta(hours=1)


@dataclass(frozen=True)
class S:
    action: str
    at: datetime
    actor: str = "duty:王敏"
    target: str | None = None


def clocks(
    policy_name: str, steps: list[tuple[str, timedelta]], now: timedelta
) -> dict[str, ClockStatus]:
    policy = next(p for p in CONFIG.policies if p.name == policy_name)
    out = evaluate(policy, [S(a, T0 + d) for a, d in steps], T0 + now, CONFIG)
    return {c.name: c for c in out}


# -- the file ---------------------------------------------------------------------------


def test_fixture_file_has_the_promises() -> None:
    worker = CONFIG.policy_for("blue", "order.parking", "patrol", "worker")
    assert worker.name == "worker"
    on_scene = next(c for c in worker.clocks if c.name == "on_scene")
    assert on_scene.duration == 10 * M and on_scene.escalate_on_breach
    dept = CONFIG.policy_for("yellow", "utility.water", "hotline", "department")
    durations = {c.name: c.duration for c in dept.clocks}
    assert durations == {
        "dept_on_site": 3 * H, "dept_solved": 24 * H, "feedback": 36 * H, "accepted": 48 * H,
    }  # fmt: skip
    assert dept.resolution_clock is not None and dept.resolution_clock.name == "dept_solved"


def test_holder_kind_first_then_the_most_specific_policy() -> None:
    # a red ticket in a department's hands has the department's clocks, red budgets
    assert CONFIG.policy_for("red", "hazard.fire", "patrol", "department").name == (
        "red-department"
    )
    assert CONFIG.policy_for("red", "hazard.fire", "patrol", "worker").name == "red"
    assert CONFIG.policy_for("blue", "order.stall", "patrol", "community").name == "community"
    # a kind with no policy of its own: the most specific policy without assignee
    assert CONFIG.policy_for("green", "info.collect", "patrol", "centre").name == "default"
    assert CONFIG.policy_for("orange", "utility.gas", "hotline", "department").name == (
        "orange-department"
    )
    assert CONFIG.policy_for("blue", "service.errand", "patrol", "worker").name == "service-office"
    assert CONFIG.policy_for("green", "info.collect", "patrol", "worker").name == "service-office"
    assert CONFIG.policy_for("yellow", "order.stall", "app", None).name == "default"


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("[[policy]]\nname = 'x'\n", "expected at least one [[policy.clocks]]"),
        ("[thresholds]\nwarning = 0.9\ncritical = 0.5\n", "warning < critical"),
        ("[thresholds]\nwarnig = 0.5\n", "thresholds.warnig: unknown key"),
        ("x = [", "invalid TOML"),
    ],
)
def test_config_errors_name_the_place(text: str, expect: str) -> None:
    with pytest.raises(SlaConfigError, match=expect.replace("[", r"\[").replace("]", r"\]")):
        parse_sla_config(text)


def _broken(old: str, new: str) -> str:
    assert old in SLA_TEXT
    return SLA_TEXT.replace(old, new, 1)


def test_bad_duration_names_line_and_path() -> None:
    text = _broken('duration = "5m"', 'duration = "5x"')
    line = text.splitlines().index('duration = "5x"') + 1
    with pytest.raises(SlaConfigError) as info:
        parse_sla_config(text, "sla.toml")
    msg = str(info.value)
    assert msg.startswith(f"sla.toml:{line}: policy[0].clocks[0].duration:")
    assert "'5x' is not a duration" in msg


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ('colours = ["red"]', 'colours = ["purple"]', "policy[0].colours"),
        ('calendar = "office"', 'calendar = "moon"', "unknown calendar 'moon'"),
        ('starts = "open"', 'starts = "teleport"', "starts: expected ticket actions"),
        ('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"', "calendars.office.timezone"),
        ('"2026-10-01",', '"2026-13-01",', "calendars.office.holidays"),
        ('name = "default"', 'name = "default"\ncolours = ["green"]', "catch-all"),
        ("resolution = true\n", "resolution = false\n", "exactly one clock with resolution"),
    ],
)
def test_each_broken_field_is_named(old: str, new: str, expect: str) -> None:
    with pytest.raises(SlaConfigError, match=expect.replace("[", r"\[").replace("]", r"\]")):
        parse_sla_config(_broken(old, new))


def test_durations() -> None:
    assert parse_duration("10m") == 10 * M
    assert parse_duration("1h30m") == 90 * M
    assert parse_duration("2d") == timedelta(days=2)
    for bad in ("", "10", "0m", "3x", "h"):
        with pytest.raises(ValueError):
            parse_duration(bad)


# -- clocks -------------------------------------------------------------------------------


def test_clock_waits_for_its_start_and_stops_on_time() -> None:
    c = clocks("worker", [("open", 0 * M)], 1 * M)
    assert c["on_scene"].state is ClockState.PENDING and c["on_scene"].deadline is None
    c = clocks("worker", [("open", 0 * M), ("dispatch", 2 * M), ("arrive", 9 * M)], 30 * M)
    assert c["on_scene"].state is ClockState.MET
    assert c["on_scene"].deadline == T0 + 12 * M
    assert c["on_scene"].stopped_at == T0 + 9 * M
    assert c["resolved"].state is ClockState.OK and c["resolved"].deadline == T0 + 24 * H


def test_late_arrival_is_breached_even_after_it_stops() -> None:
    c = clocks("worker", [("open", 0 * M), ("dispatch", 2 * M)], 13 * M)
    assert c["on_scene"].state is ClockState.BREACHED
    assert c["on_scene"].remaining == -1 * M
    assert c["on_scene"].escalate  # running, breached, escalates
    c = clocks("worker", [("open", 0 * M), ("dispatch", 2 * M), ("arrive", 15 * M)], 20 * M)
    assert c["on_scene"].state is ClockState.BREACHED and not c["on_scene"].escalate


def test_thresholds_turn_warning_then_critical() -> None:
    steps = [("open", 0 * M), ("dispatch", 0 * M)]
    assert clocks("worker", steps, 4 * M)["on_scene"].state is ClockState.OK
    assert clocks("worker", steps, 5 * M)["on_scene"].state is ClockState.WARNING
    assert clocks("worker", steps, 8 * M)["on_scene"].state is ClockState.CRITICAL
    assert clocks("worker", steps, 10 * M)["on_scene"].state is ClockState.CRITICAL
    assert clocks("worker", steps, 10 * M + timedelta(seconds=1))["on_scene"].state is (
        ClockState.BREACHED
    )


def test_pause_extends_the_deadline() -> None:
    steps = [("open", 0 * H), ("pause", 2 * H), ("resume", 5 * H)]
    c = clocks("worker", steps, 6 * H)
    assert c["resolved"].deadline == T0 + 27 * H
    assert c["resolved"].remaining == 24 * H - 3 * H


def test_a_clock_standing_still_has_no_deadline_and_never_breaches() -> None:
    steps = [("open", 0 * H), ("pause", 2 * H)]
    at_10 = clocks("worker", steps, 10 * H)["resolved"]
    at_30 = clocks("worker", steps, 30 * H)["resolved"]
    assert at_10.paused and at_10.deadline is None and at_10.remaining == 22 * H
    assert at_30.deadline is None and at_30.remaining == 22 * H  # still paused
    assert at_30.state is ClockState.OK
    resumed = clocks("worker", [*steps, ("resume", 30 * H)], 31 * H)["resolved"]
    assert resumed.deadline == T0 + 30 * H + 22 * H


def test_reopen_restarts_the_resolution_clock_with_what_was_left() -> None:
    steps = [("open", 0 * H), ("dispatch", 0 * H), ("accept", 0 * H), ("resolve", 4 * H)]
    c = clocks("worker", steps, 5 * H)
    assert c["resolved"].state is ClockState.MET
    steps += [("feedback", 5 * H), ("reject", 10 * H)]
    resolved = clocks("worker", steps, 11 * H)["resolved"]
    assert resolved.state is ClockState.OK and resolved.stopped_at is None
    assert resolved.deadline == T0 + 10 * H + 20 * H  # 20 h were left when it stopped
    timeline = [
        S(a, T0 + d, target="W0001" if a in ("open", "dispatch") else None) for a, d in steps
    ]
    tc = ticket_clocks(CONFIG, "blue", "order.parking", "patrol", timeline, T0 + 11 * H)
    assert tc.policy is not None and tc.policy.name == "worker"
    assert tc.due_at == resolved.deadline


def test_cancel_stops_every_clock() -> None:
    c = clocks("department", [("open", 0 * H), ("dispatch", 0 * H), ("cancel", 1 * H)], 60 * H)
    assert all(s.state is ClockState.MET for s in c.values())
    timeline = [
        S("open", T0, target="W1"),
        S("dispatch", T0, target="dept:POWER"),
        S("cancel", T0 + H),
    ]
    assert (
        ticket_clocks(
            CONFIG, "blue", "utility.power", "hotline", timeline, T0 + 60 * H
        ).next_deadline
        is None
    )


def test_business_hours_clock_across_the_holiday() -> None:
    # opened Wednesday 30 Sep 17:00 Shanghai: 3 working days run into mid-October
    start = datetime(2026, 9, 30, 9, 0, tzinfo=UTC)
    policy = CONFIG.policy_for("blue", "service.errand", "patrol", "worker")
    out = {c.name: c for c in evaluate(policy, [S("open", start)], start + M, CONFIG)}
    assert out["resolved"].deadline == datetime(2026, 10, 12, 1, 30, tzinfo=UTC)  # Mon 09:30


def test_next_deadline_is_the_earliest_running_clock() -> None:
    timeline = [S("open", T0, target="W1"), S("dispatch", T0 + 2 * M, target="W1")]
    tc = ticket_clocks(CONFIG, "blue", "order.parking", "patrol", timeline, T0 + 3 * M)
    assert tc.next_deadline == T0 + 12 * M


# -- properties ---------------------------------------------------------------------------

ACTIONS = ["dispatch", "accept", "arrive", "resolve", "feedback", "verify", "reject",
           "escalate", "pause", "resume", "note", "reopen", "cancel"]  # fmt: skip
timelines = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(min_value=0, max_value=72 * 60)),
    max_size=12,
).map(lambda xs: [("open", 0), *sorted(xs, key=lambda x: x[1])])
policy_names = st.sampled_from([p.name for p in CONFIG.policies])


def _eval(cfg: SlaConfig, name: str, steps: list[tuple[str, int]], now: int) -> list[ClockStatus]:
    policy = next(p for p in cfg.policies if p.name == name)
    return evaluate(policy, [S(a, T0 + m * M) for a, m in steps], T0 + now * M, cfg)


@settings(max_examples=200, deadline=None)
@given(name=policy_names, steps=timelines, a=st.integers(0, 100 * 60), b=st.integers(0, 100 * 60))
def test_deadlines_never_move_earlier_as_time_passes(
    name: str, steps: list[tuple[str, int]], a: int, b: int
) -> None:
    early, late = min(a, b), max(a, b)
    for x, y in zip(
        _eval(CONFIG, name, steps, early), _eval(CONFIG, name, steps, late), strict=True
    ):
        if x.deadline is not None and y.deadline is not None:
            assert y.deadline >= x.deadline, (x, y)


@settings(max_examples=200, deadline=None)
@given(
    name=policy_names,
    steps=timelines,
    pause=st.tuples(st.integers(0, 72 * 60), st.integers(0, 24 * 60)),
    now=st.integers(0, 100 * 60),
)
def test_a_pause_only_extends(
    name: str, steps: list[tuple[str, int]], pause: tuple[int, int], now: int
) -> None:
    plain = [s for s in steps if s[0] not in ("pause", "resume")]
    start, length = pause
    paused = sorted([*plain, ("pause", start), ("resume", start + length)], key=lambda s: s[1])
    paused.remove(("open", 0))
    paused.insert(0, ("open", 0))
    for x, y in zip(_eval(CONFIG, name, plain, now), _eval(CONFIG, name, paused, now), strict=True):
        if x.deadline is not None and y.deadline is not None:
            assert y.deadline >= x.deadline, (x, y)
