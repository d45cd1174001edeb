"""The accountability chain in the domain: holders, the ladder, joint handling, and
each holder's clocks and credits computed from the timeline alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridtui.domain.chain import TicketClocks, ticket_clocks, ticket_credits, unmarked_breaches
from gridtui.domain.credits import actor_subject
from gridtui.domain.handling import (
    HandlingRefused,
    Holder,
    HolderKind,
    Level,
    check_assist,
    replay,
    status_after,
    up_target,
)
from gridtui.domain.lifecycle import (
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    transition,
)
from gridtui.domain.scoring.rules import Event, SubjectKind
from gridtui.domain.sla.clocks import ClockState, ClockStatus
from gridtui.domain.sla.config import parse_sla_config
from gridtui.domain.views import holder_views

CONFIG = parse_sla_config(
    (Path(__file__).resolve().parents[2] / "fixtures" / "sla.toml").read_text("utf-8")
)
T0 = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # Wednesday 00:00 in Shanghai
M = timedelta(minutes=1)
H = timedelta(hours=1)
SUBJECT = actor_subject({"W1": 1, "W2": 2}, {"POLICE": 7, "JUSTICE": 8, "CIVIL": 9})


@dataclass(frozen=True)
class S:
    action: str
    at: datetime
    actor: str = "duty:王敏"
    target: str | None = None


def by(tc: TicketClocks, holder: str) -> dict[str, ClockStatus]:
    return {c.name: c for c in tc.clocks if c.holder == holder}


def probe(whistle_at: timedelta = 6 * H) -> list[S]:
    """Dispatched at 00:00, the worker arrives 00:10, whistles, the police arrive 11:00."""
    return [
        S("open", T0, "12345", "W1"),
        S("dispatch", T0, target="W1"),
        S("accept", T0 + 2 * M, "W1"),
        S("arrive", T0 + 10 * M, "W1"),
        S("escalate", T0 + whistle_at, "W1", "dept:POLICE"),
        S("accept", T0 + 7 * H, "dept:POLICE"),
        S("arrive", T0 + 11 * H, "dept:POLICE"),
    ]


def test_the_departments_clock_starts_at_its_whistle_and_stops_on_its_own_arrival() -> None:
    steps = probe()
    tc = ticket_clocks(CONFIG, "blue", "security.theft", "hotline", steps, T0 + 12 * H)
    police, worker = by(tc, "dept:POLICE"), by(tc, "W1")
    on_site = police["dept_on_site"]
    assert on_site.started_at == T0 + 6 * H  # not the worker's dispatch at 00:00
    assert on_site.stopped_at == T0 + 11 * H  # not the worker's arrival at 00:10
    assert on_site.state is ClockState.BREACHED and on_site.deadline == T0 + 9 * H
    assert worker["on_scene"].state is ClockState.MET
    credits = ticket_credits(steps, tc, SUBJECT, T0 + 12 * H)
    penalties = [c for c in credits if c.event in (Event.SLA_BREACH, Event.LATE_ARRIVAL)]
    # breached once, and the department's penalty, not the worker's
    assert [(c.subject_kind, c.subject_id, c.event) for c in penalties] == [
        (SubjectKind.DEPARTMENT, 7, Event.SLA_BREACH)
    ]
    arrivals = [c for c in credits if c.event == "arrive"]
    assert [(c.subject_id, c.on_time) for c in arrivals] == [(1, True), (7, False)]


def test_a_department_arriving_in_time_earns_its_report_on_time() -> None:
    steps = [*probe()[:5], S("arrive", T0 + 8 * H, "dept:POLICE")]
    tc = ticket_clocks(CONFIG, "blue", "security.theft", "hotline", steps, T0 + 9 * H)
    dept_arrival = [c for c in ticket_credits(steps, tc, SUBJECT, T0 + 9 * H) if c.subject_id == 7]
    assert [(c.event, c.on_time) for c in dept_arrival] == [("arrive", True)]


def test_a_red_ticket_in_a_departments_hands_has_the_departments_red_clocks() -> None:
    steps = probe()[:5]
    tc = ticket_clocks(CONFIG, "red", "hazard.fire", "patrol", steps, T0 + 6 * H + M)
    assert tc.policies["dept:POLICE"].name == "red-department"
    assert "feedback" in by(tc, "dept:POLICE")  # the feedback clock is tracked for it
    assert tc.policy is not None and tc.policy.name == "red-department"
    assert tc.due_at == T0 + 10 * H  # the department's 4 h, from its whistle


def test_the_ten_minute_arrival_runs_on_duty_hours_only() -> None:
    night = T0 + 2 * H  # 02:00 Shanghai
    steps = [S("open", night, "12345", "W1"), S("dispatch", night, target="W1")]
    tc = ticket_clocks(CONFIG, "blue", "order.parking", "hotline", steps, night + 11 * M)
    on_scene = by(tc, "W1")["on_scene"]
    assert on_scene.state is not ClockState.BREACHED
    assert on_scene.deadline == T0 + 7 * H + 30 * M + 10 * M  # 07:40, ten minutes on duty


def test_a_ticket_handed_back_keeps_its_first_holders_clock_history() -> None:
    steps = [
        S("open", T0 + 8 * H, "12345", "W1"),
        S("escalate", T0 + 10 * H, target="dept:POLICE"),
        S("dispatch", T0 + 14 * H, target="W1"),
    ]
    tc = ticket_clocks(CONFIG, "blue", "order.parking", "hotline", steps, T0 + 15 * H)
    resolved = by(tc, "W1")["resolved"]
    # two hours before the whistle, one since it came back: 21 h left of 24
    assert resolved.remaining == 21 * H and resolved.counting


def test_escalating_up_moves_one_rung_and_stops_at_the_top() -> None:
    steps = [S("open", T0, "12345", "W1")]
    level = replay(steps).level
    for expected in (Level.COMMUNITY, Level.STREET, Level.DISTRICT):
        steps.append(S("escalate", T0 + len(steps) * H, target=up_target(level)))
        handling = replay(steps)
        assert handling.level is expected
        assert handling.lead == Holder(HolderKind(expected.value), expected.value)
        level = handling.level
    with pytest.raises(HandlingRefused, match="top of the ladder"):
        up_target(level)


def test_escalating_up_under_a_department_raises_the_level_and_keeps_the_department() -> None:
    steps = [*probe()[:5], S("escalate", T0 + 7 * H, "system", "up:community")]
    handling = replay(steps)
    assert handling.level is Level.COMMUNITY and handling.lead_department == "POLICE"


def test_joint_handling_keeps_each_department_its_own_clocks_and_credits() -> None:
    steps = [
        *probe()[:5],
        S("assist", T0 + 6 * H + 30 * M, target="dept:JUSTICE"),
        S("arrive", T0 + 8 * H, "dept:POLICE"),
        S("arrive", T0 + 10 * H, "dept:JUSTICE"),
    ]
    handling = replay(steps)
    assert handling.lead_department == "POLICE"
    assert handling.co == (Holder(HolderKind.DEPARTMENT, "JUSTICE"),)
    with pytest.raises(HandlingRefused):
        check_assist(handling, "JUSTICE")
    with pytest.raises(HandlingRefused):
        check_assist(handling, "POLICE")
    tc = ticket_clocks(CONFIG, "yellow", "dispute.neighbour", "patrol", steps, T0 + 11 * H)
    assert by(tc, "dept:POLICE")["dept_on_site"].state is ClockState.MET
    justice = by(tc, "dept:JUSTICE")["dept_on_site"]
    assert justice.started_at == T0 + 6 * H + 30 * M
    assert justice.state is ClockState.BREACHED  # 3.5 h after it was asked
    penalties = [
        c.subject_id
        for c in ticket_credits(steps, tc, SUBJECT, T0 + 11 * H)
        if c.event == Event.SLA_BREACH
    ]
    assert penalties == [8]
    # the co-handler's own resolve leaves the status; the lead's moves it
    assert status_after(Status.ON_SCENE, "resolve", "dept:JUSTICE", handling) is Status.ON_SCENE
    assert status_after(Status.ON_SCENE, "resolve", "dept:POLICE", handling) is Status.RESOLVED
    with pytest.raises(IllegalTransition):
        status_after(Status.CLOSED, "arrive", "dept:JUSTICE", handling)


def test_a_breach_is_handled_once_per_clock_and_holder() -> None:
    steps = probe()[:5]
    now = T0 + 30 * H
    tc = ticket_clocks(CONFIG, "blue", "security.theft", "hotline", steps, now)
    fresh = unmarked_breaches(tc, [], now)
    assert {(c.holder, c.name) for c in fresh} >= {("dept:POLICE", "dept_on_site")}
    marks = [f"breach:{c.holder}/{c.name}" for c in fresh]
    assert unmarked_breaches(tc, marks, now) == []
    # a mark of the older form covers the clock of every holder
    older = [f"breach:{c.name}" for c in fresh]
    assert unmarked_breaches(tc, older, now) == []


def test_warning_and_critical_instants_move_a_clock_along_in_time() -> None:
    steps = [S("open", T0 + 8 * H, "12345", "W1")]
    tc = ticket_clocks(CONFIG, "blue", "order.parking", "hotline", steps, T0 + 8 * H)
    dispatch = by(tc, "W1")["dispatch"]
    assert dispatch.warning_at == T0 + 8 * H + 15 * M
    assert dispatch.critical_at == T0 + 8 * H + 24 * M
    assert dispatch.state_at(T0 + 8 * H + 16 * M) is ClockState.WARNING
    assert dispatch.state_at(T0 + 8 * H + 25 * M) is ClockState.CRITICAL
    assert dispatch.state_at(T0 + 8 * H + 31 * M) is ClockState.BREACHED


@st.composite
def one_holder_walks(draw: st.DrawFn) -> list[S]:
    """Legal timelines with one worker all along (or none: the centre), pauses,
    closing and reopening included."""
    worker = draw(st.sampled_from(("W1", None)))  # None: a grid without a worker
    at, out, status = T0, [S("open", T0, "12345", worker)], Status.NEW
    for pick in draw(st.lists(st.integers(0, 50), max_size=14)):
        options = sorted(
            a.value for a in allowed_actions(status)
            if a.value not in ("escalate", "assist", "merge", "recolour")
        )  # fmt: skip
        action = options[pick % len(options)]
        status = transition(status, Action(action))
        at += draw(st.sampled_from((M, 7 * M, H, 5 * H)))
        actor = draw(st.sampled_from(("W1", "duty:王敏", "system")))
        target = draw(st.sampled_from((worker, None))) if action == "dispatch" else None
        out.append(S(action, at, actor, target))
    return out


@settings(max_examples=300)
@given(one_holder_walks())
def test_the_one_holder_shortcut_sees_what_the_step_by_step_replay_sees(steps: list[S]) -> None:
    from gridtui.domain import views as handling

    keys = {s.target for s in steps if s.target and s.action in ("open", "dispatch")}
    assert handling._one_holder(steps, keys)
    fast, fast_views = handling._alone(steps, keys)
    slow, slow_views = handling._apart(steps, keys)
    assert (fast.level, fast.lead, fast.co, fast.closed) == (
        slow.level, slow.lead, slow.co, slow.closed,
    )  # fmt: skip
    assert fast.tenures == slow.tenures and fast.leads_before == slow.leads_before

    def plain(views: Mapping[Any, Sequence[Any]]) -> dict[Any, Any]:  # what the clocks read
        return {h: [(v.action, v.at, v.actor) for v in vs] for h, vs in views.items()}

    assert plain(fast_views) == plain(slow_views)


def test_the_centre_first_and_a_worker_later_are_two_holders() -> None:
    from gridtui.domain import views as handling

    steps = [S("open", T0, "12345", None), S("dispatch", T0 + M, target="W1")]
    assert not handling._one_holder(steps, {"W1"})
    h, views = holder_views(steps)
    assert [t.holder.key for t in h.tenures] == ["centre", "W1"] and len(views) == 2
