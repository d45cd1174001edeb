"""The accountability chain through the live service, on real databases: clocks by
holder, the ladder, joint handling, the resident's callback, inspection, the sweeper,
and (a property) stored columns and ledger equal to what the domain computes from the
timeline alone."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.sources.records import NewTicket
from gridtui.data.storage.models import (
    ConfigDoc,
    Department,
    ScoreEntry,
    Ticket,
    TicketEvent,
    Worker,
)
from gridtui.data.writes.errors import ServiceError
from gridtui.data.writes.scoring_runtime import ScoreAccumulator
from gridtui.data.writes.service import TicketService
from gridtui.data.writes.sla_runtime import SlaRuntime, Step
from gridtui.domain.chain import ticket_clocks, ticket_credits
from gridtui.domain.credits import actor_subject
from gridtui.domain.lifecycle import Action, IllegalTransition, Status, allowed_actions
from tests.conftest import FIXTURES, NOW

M = timedelta(minutes=1)
H = timedelta(hours=1)
# NOW is Tuesday 10:00 in Shanghai; the probe starts at midnight, local
MIDNIGHT = NOW - 10 * H


@pytest.fixture
def svc(factory: sessionmaker[Session]) -> TicketService:
    load_fixtures(factory, FIXTURES, now=NOW - 24 * H)
    return TicketService(factory, clock=lambda: NOW + 400 * H)


def opened(svc: TicketService, at: datetime, category: str = "security.theft", **kw: Any) -> int:
    new = NewTicket("楼道有人撬锁", category, "hotline", "WH-HB-01-01", "12345", **kw)
    return svc.open(new, at=at).ticket_id


def ledger(factory: sessionmaker[Session], ticket_id: int) -> list[tuple[str, str, datetime]]:
    with factory() as s:
        return [
            (e.subject_kind, e.code, e.at)
            for e in s.scalars(
                select(ScoreEntry).where(ScoreEntry.ticket_id == ticket_id).order_by(ScoreEntry.id)
            )
        ]


def test_the_probe_breaches_the_departments_clock_once(
    svc: TicketService, factory: sessionmaker[Session]
) -> None:
    t = opened(svc, MIDNIGHT)
    svc.act(t, "dispatch", "duty:王敏", target="W0001", at=MIDNIGHT)
    svc.act(t, "accept", "W0001", at=MIDNIGHT + 2 * M)
    svc.act(t, "arrive", "W0001", at=MIDNIGHT + 10 * M)
    svc.act(t, "escalate", "W0001", target="POLICE", at=MIDNIGHT + 6 * H)
    svc.sweep(at=MIDNIGHT + 6 * H + 5 * M)  # nothing is due yet: the promise runs from 06:00
    svc.act(t, "accept", "dept:POLICE", at=MIDNIGHT + 7 * H)
    svc.act(t, "arrive", "dept:POLICE", at=MIDNIGHT + 11 * H)
    for minutes in (1, 6, 11):  # the sweeper, again and again
        svc.sweep(at=MIDNIGHT + 11 * H + minutes * M)
    rows = ledger(factory, t)
    assert [r for r in rows if r[1] in ("dept_sla_breach", "sla_breach", "late_arrival")] == [
        ("department", "dept_sla_breach", MIDNIGHT + 9 * H)
    ]
    assert ("worker", "arrive_on_time", MIDNIGHT + 10 * M) in rows
    assert ("department", "dept_report_on_time", MIDNIGHT + 11 * H) not in rows
    with factory() as s:
        notes = s.scalars(
            select(TicketEvent.target).where(
                TicketEvent.ticket_id == t, TicketEvent.target.like("breach:%")
            )
        ).all()
        ticket = s.get(Ticket, t)
        assert ticket is not None
        police = s.scalar(select(Department.id).where(Department.code == "POLICE"))
        assert ticket.department_id == police
    assert notes == ["breach:dept:POLICE/dept_on_site"]


def test_an_old_ticket_escalated_is_not_breached_nor_escalated_at_once(
    svc: TicketService, factory: sessionmaker[Session]
) -> None:
    months_ago = NOW - 60 * 24 * H
    t = opened(svc, months_ago)
    svc.act(t, "dispatch", "duty:王敏", target="W0001", at=months_ago)
    svc.act(t, "accept", "W0001", at=months_ago + M)
    svc.act(t, "arrive", "W0001", at=months_ago + 5 * M)
    svc.sweep(at=NOW - H)  # the worker's own clocks breached long ago: handled once
    svc.act(t, "escalate", "duty:王敏", target="POLICE", at=NOW)
    assert svc.sweep(at=NOW + 5 * M).escalated == 0  # the department's promise just began
    first = svc.sweep(at=NOW + 3 * H + M)  # on site within 3 h: missed, one rung up
    assert first.escalated == 1
    again = [svc.sweep(at=NOW + 3 * H + k * 5 * M) for k in range(1, 4)]
    assert sum(r.escalated for r in again) == 0
    with factory() as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None and ticket.level == "community"
        escalations = s.scalars(
            select(TicketEvent.target).where(
                TicketEvent.ticket_id == t, TicketEvent.action == "escalate"
            )
        ).all()
    assert escalations == ["dept:POLICE", "up:community"]


def test_escalating_up_climbs_the_ladder_and_is_refused_at_the_top(
    svc: TicketService, factory: sessionmaker[Session]
) -> None:
    t = opened(svc, NOW, category="order.parking")
    for expected in ("community", "street", "district"):
        svc.act(t, "escalate", "duty:王敏", target="up", at=NOW + M)
        with factory() as s:
            ticket = s.get(Ticket, t)
            assert ticket is not None and ticket.level == expected
            assert ticket.sla_policy == expected  # the level's own clocks
    with pytest.raises(ServiceError, match="top of the ladder"):
        svc.act(t, "escalate", "duty:王敏", target="up", at=NOW + 2 * M)


def test_joint_handling_keeps_both_departments(
    svc: TicketService, factory: sessionmaker[Session]
) -> None:
    t = opened(svc, NOW, category="dispute.wages")
    svc.act(t, "escalate", "W0001", target="JUSTICE", at=NOW + M)
    svc.act(t, "assist", "duty:王敏", target="dept:CIVIL", at=NOW + 2 * M)
    with pytest.raises(ServiceError, match="already"):
        svc.act(t, "assist", "duty:王敏", target="dept:CIVIL", at=NOW + 3 * M)
    svc.act(t, "accept", "dept:JUSTICE", at=NOW + 10 * M)
    svc.act(t, "arrive", "dept:JUSTICE", at=NOW + 20 * M)
    # the co-handler's own part leaves the status where it is
    svc.act(t, "arrive", "dept:CIVIL", at=NOW + 30 * M)
    assert svc.act(t, "resolve", "dept:CIVIL", at=NOW + H).status == "on_scene"
    assert svc.act(t, "resolve", "dept:JUSTICE", at=NOW + 2 * H).status == "resolved"
    rows = ledger(factory, t)
    assert Counter(code for kind, code, _ in rows if kind == "department") == Counter(
        {"dept_report_on_time": 2, "dept_resolve_on_time": 2}
    )


def test_the_callback_records_the_resident_and_not_satisfied_reopens(
    svc: TicketService, factory: sessionmaker[Session]
) -> None:
    t = opened(svc, NOW, category="order.parking")
    for action in ("dispatch", "accept", "arrive", "resolve"):
        svc.act(t, action, "W0001", at=NOW + M)
    with pytest.raises(ServiceError, match="callback result"):
        svc.act(t, "feedback", "duty:王敏", at=NOW + H)
    result = svc.act(t, "feedback", "duty:王敏", target="不满意", note="车还在", at=NOW + H)
    assert result.status == "reopened"
    with factory() as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None
        assert (ticket.satisfaction, ticket.reopen_count) == ("unsatisfied", 1)
    with pytest.raises(IllegalTransition):
        svc.act(t, "verify", "duty:王敏", at=NOW + 2 * H)
    for action in ("dispatch", "accept", "arrive", "resolve"):
        svc.act(t, action, "W0001", at=NOW + 3 * H)
    svc.act(t, "feedback", "duty:王敏", target="satisfied", at=NOW + 4 * H)
    assert svc.act(t, "verify", "duty:王敏", at=NOW + 5 * H).status == "closed"


def test_verify_waits_for_a_content_callback_when_not_satisfied_does_not_reopen(
    svc: TicketService, factory: sessionmaker[Session]
) -> None:
    with factory.begin() as s:
        doc = s.get(ConfigDoc, "sla.toml")
        assert doc is not None
        doc.text = doc.text.replace("unsatisfied_reopens = true", "unsatisfied_reopens = false")
        doc.loaded_at = NOW
    t = opened(svc, NOW, category="order.parking")
    for action in ("dispatch", "accept", "arrive", "resolve"):
        svc.act(t, action, "W0001", at=NOW + M)
    assert svc.act(t, "feedback", "duty:王敏", target="unsatisfied", at=NOW + H).status == (
        "feedback"
    )
    with pytest.raises(ServiceError, match="not satisfied"):
        svc.act(t, "verify", "duty:王敏", at=NOW + 2 * H)


def test_inspection_cannot_be_skipped_where_the_rules_require_it(svc: TicketService) -> None:
    t = opened(svc, NOW, category="order.parking")  # order.* needs inspection
    svc.act(t, "dispatch", "duty:王敏", at=NOW)
    svc.act(t, "accept", "W0001", at=NOW + M)
    with pytest.raises(ServiceError, match="inspection"):
        svc.act(t, "resolve", "W0001", at=NOW + 2 * M)
    free = opened(svc, NOW, category="info.collect")  # information: no inspection needed
    svc.act(free, "dispatch", "duty:王敏", at=NOW)
    svc.act(free, "accept", "W0001", at=NOW + M)
    assert svc.act(free, "resolve", "W0001", at=NOW + 2 * M).status == "resolved"


# -- the whole chain: stored columns and ledger == the domain, from the timeline alone -----

ACTORS = ("W0001", "duty:王敏", "dept:POLICE", "dept:CIVIL", "system:probe")
TARGETS = {
    "dispatch": ("W0001", "dept:POLICE", None),
    "escalate": ("POLICE", "JUSTICE", "up", None),
    "assist": ("dept:CIVIL", "dept:JUSTICE"),
    "feedback": ("satisfied", "basic", "unsatisfied", "unreached"),
}
NOTES = {"reject": "返工", "reopen": "复查", "cancel": "重复", "recolour": "升级"}


@st.composite
def walks(draw: st.DrawFn) -> list[tuple[int, int, str, str | None, bool]]:
    """(choice index, minutes later, actor, target, sweep after) per step."""
    n = draw(st.integers(1, 14))
    return [
        (
            draw(st.integers(0, 40)),
            draw(st.sampled_from((1, 4, 9, 30, 90, 200, 600, 1500, 4000))),
            draw(st.sampled_from(ACTORS)),
            draw(st.sampled_from(("W0001", "dept:POLICE", "dept:CIVIL", "up", None))),
            draw(st.sampled_from((False, False, True))),
        )
        for _ in range(n)
    ]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(walk=walks(), colour=st.sampled_from(("red", "orange", "yellow", "blue")))
def test_stored_columns_and_ledger_equal_the_domain_from_the_timeline_alone(
    svc: TicketService,
    factory: sessionmaker[Session],
    walk: list[tuple[int, int, str, str | None, bool]],
    colour: str,
) -> None:
    at = NOW + (len(walk) % 5) * 7 * H  # some walks start at night
    t = opened(svc, at, category="dispute.neighbour", colour=colour)
    status = Status.NEW
    for pick, minutes, actor, target, sweep in walk:
        at += minutes * M
        # a colour change re-times every clock under the new colour's policy (breaches
        # already handled stay in the ledger): the walk keeps its colour
        options = sorted(
            a.value
            for a in allowed_actions(status)
            if a not in (Action.MERGE, Action.RECOLOUR, Action.MEDIATION_FAILED)
        )
        action = options[pick % len(options)]
        if action in TARGETS:
            target = TARGETS[action][pick % len(TARGETS[action])]
        try:
            result = svc.act(t, action, actor, note=NOTES.get(action, ""), target=target, at=at)
            status = Status(result.status)
        except (ServiceError, IllegalTransition):
            pass  # refused (inspection, a helper twice, the top of the ladder): nothing written
        if sweep:
            svc.sweep(at=at + M)
    end = at + 3 * 24 * H
    svc.sweep(at=end)
    with factory() as s:
        ticket = s.get(Ticket, t)
        assert ticket is not None
        events = s.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == t)
            .order_by(TicketEvent.at, TicketEvent.id)
        ).all()
        steps = [Step(e.action, e.at, e.actor, e.target) for e in events]
        sla = SlaRuntime.from_text(s.get(ConfigDoc, "sla.toml").text)  # type: ignore[union-attr]
        scoring = s.get(ConfigDoc, "scoring.toml")
        workers = {w.code: w.id for w in s.scalars(select(Worker))}
        depts = {d.code: d.id for d in s.scalars(select(Department))}
        stored = Counter(
            (e.subject_kind, e.subject_id, e.code, e.at, e.raw_points)
            for e in s.scalars(select(ScoreEntry).where(ScoreEntry.ticket_id == t))
        )
        lead_department = s.get(Department, ticket.department_id) if ticket.department_id else None
    # the engine, from the timeline alone, as of the last sweep
    tc = ticket_clocks(sla.config, ticket.colour, ticket.category, ticket.channel, steps, end)
    assert (ticket.due_at, ticket.next_deadline) == (tc.due_at, tc.next_deadline)
    assert ticket.sla_policy == (tc.policy.name if tc.policy else "")
    assert ticket.level == tc.handling.level.value
    assert (lead_department.code if lead_department else None) == tc.handling.lead_department
    credits = ticket_credits(steps, tc, actor_subject(workers, depts), end)
    acc = ScoreAccumulator.from_text(scoring.text if scoring else None)
    acc.add_all(credits, t, ticket.channel)
    expected = Counter(
        (kind, sid, code, datetime.fromtimestamp(epoch, NOW.tzinfo), raw)
        for kind, sid, epoch, code, raw, *_ in acc.drain()
    )
    assert stored == expected


def test_an_upgraded_database_keeps_persons_matters_withheld(db_url: str) -> None:
    """Migration 0005 marks the categories Open311 used to withhold as personal, and a
    category it cannot place stays withheld."""
    from alembic import command
    from sqlalchemy import text

    from gridtui.data.storage.db import alembic_config, make_engine, upgrade

    command.downgrade(alembic_config(db_url), "0004")
    engine = make_engine(db_url)
    with engine.begin() as c:
        for code, function in (("dispute.x", "dispute"), ("order.x", "order"), ("odd.x", "odd")):
            c.execute(
                text(
                    "INSERT INTO categories (code, name, name_en, function, default_colour,"
                    " is_dispute) VALUES (:c, :c, :c, :f, 'blue', false)"
                ),
                {"c": code, "f": function},
            )
    upgrade(db_url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT code, personal FROM categories"))
        flags: dict[str, bool] = {code: personal for code, personal in rows}
    engine.dispose()
    assert {k: bool(v) for k, v in flags.items()} == {
        "dispute.x": True, "order.x": False, "odd.x": True,
    }  # fmt: skip
