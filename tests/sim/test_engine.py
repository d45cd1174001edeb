"""The simulator on a real demo city: deterministic, and a day of it shows every behaviour
of a live centre (stepped with a manual clock: no waiting, no timing assertions)."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.sources.local import LocalSource
from gridtui.data.storage.models import DailyReportRow, ScoreEntry, Ticket, TicketEvent
from gridtui.sim import LocalTarget, ManualClock, Simulator
from gridtui.sim.behaviour import CENTRE, SUPERVISOR
from tests.conftest import FIXTURES, NOW, fill_demo_city

TZ = ZoneInfo("Asia/Shanghai")
#: a seed whose first day on the demo city (seed 1) shows every behaviour at once
#: (about one seed in four does, with the SLA sweeper escalating breached tickets)
SEED = 6


def _simulate(url: str, seed: int, hours: float) -> tuple[LocalSource, Simulator]:
    clock = ManualClock(NOW)
    source = LocalSource(url, clock=clock.now)
    sim = Simulator(LocalTarget(source), clock, seed=seed, fixtures=FIXTURES)
    sim.start()
    sim.run_until(NOW + timedelta(hours=hours))
    return source, sim


def _writes(source: LocalSource) -> list[tuple[object, ...]]:
    """Everything written after the seeded history: timeline, reports, points."""
    with source.factory() as s:
        events = s.execute(
            select(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.action, TicketEvent.actor,
                   TicketEvent.to_status, TicketEvent.note, TicketEvent.target)
            .where(TicketEvent.at > NOW).order_by(TicketEvent.id)
        ).all()  # fmt: skip
        reports = s.execute(
            select(DailyReportRow.worker_id, DailyReportRow.at, DailyReportRow.events)
            .where(DailyReportRow.at > NOW).order_by(DailyReportRow.id)
        ).all()  # fmt: skip
        points = s.execute(
            select(ScoreEntry.subject_kind, ScoreEntry.subject_id, ScoreEntry.points,
                   ScoreEntry.reason)
            .where(ScoreEntry.at > NOW).order_by(ScoreEntry.id)
        ).all()  # fmt: skip
    return [tuple(r) for r in (*events, *reports, *points)]


@pytest.mark.slow
def test_the_same_seed_makes_the_same_writes(sim_template: Path, tmp_path: Path) -> None:
    runs = {}
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        path = tmp_path / f"{name}.sqlite"
        shutil.copyfile(sim_template, path)
        source, _ = _simulate(f"sqlite:///{path}", seed, hours=6)
        runs[name] = _writes(source)
        source.close()
    assert len(runs["a"]) > 100
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]


@pytest.fixture
def day_url(db_url: str, factory: sessionmaker[Session], demo_city: Callable[[int], Path]) -> str:
    """The demo city on each backend (SQLite, and PostgreSQL with the marker)."""
    fill_demo_city(db_url, factory, demo_city, 1)
    return db_url


@pytest.mark.slow
def test_a_simulated_day_shows_every_behaviour(day_url: str) -> None:
    source, sim = _simulate(day_url, SEED, hours=24)
    end = NOW + timedelta(hours=24)
    try:
        with source.factory() as s:
            new = s.scalars(select(Ticket).where(Ticket.source == "simulator")).all()
            ids = [t.id for t in new]
            events = s.execute(
                select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.actor,
                       TicketEvent.at, TicketEvent.to_status, TicketEvent.target)
                .where(TicketEvent.at > NOW).order_by(TicketEvent.ticket_id, TicketEvent.id)
            ).all()  # fmt: skip
            adjustments = s.scalars(
                select(ScoreEntry).where(ScoreEntry.author == SUPERVISOR, ScoreEntry.at > NOW)
            ).all()
            worker_points = s.scalar(
                select(func.count()).where(
                    ScoreEntry.at > NOW, ScoreEntry.subject_kind == "worker",
                    ScoreEntry.author == "system",
                )
            )  # fmt: skip
        assert sim.tally.opened == len(new) > 40  # about one event per grid (60) per day

        # arrivals from several channels, with the daily rhythm: more by day than at night
        assert len(Counter(t.channel for t in new)) >= 3
        hours = Counter(t.opened_at.astimezone(TZ).hour for t in new)
        by_day = sum(n for h, n in hours.items() if 8 <= h < 20)
        at_night = sum(n for h, n in hours.items() if h < 6)
        assert by_day > 4 * max(at_night, 1), hours

        by_ticket: dict[int, list[tuple[str, str, str]]] = {}
        for tid, action, actor, _at, to_status, _target in events:
            by_ticket.setdefault(tid, []).append((action, actor, to_status))

        # closed loops, opened and verified within the day
        closed = [t for t in new if t.status == "closed"]
        assert len(closed) > 10
        loop = [a for a, _, _ in by_ticket[closed[0].id]]
        assert loop[0] == "open" and loop[-1] == "verify"
        assert {"dispatch", "accept", "resolve", "feedback"} <= set(loop)

        # the actors credit the people who did the work: workers' codes, departments
        actors = {actor for steps in by_ticket.values() for _, actor, _ in steps}
        assert CENTRE in actors and SUPERVISOR in actors
        assert any(a.startswith("W0") for a in actors)
        assert worker_points and worker_points > 20

        # some are late: breached clocks (on the tickets' SLA clocks as of the day's end)
        breached = [
            c for tid in ids for c in source.ticket(tid, end).clocks if c.state == "breached"
        ]
        assert breached
        # … and the sweeper's rounds handled breaches as they came: a note per breached
        # clock, the penalty on the worker or department, escalation where the rules say
        with source.factory() as s:
            marks = s.scalars(
                select(TicketEvent.target).where(
                    TicketEvent.at > NOW, TicketEvent.actor == "system",
                    TicketEvent.target.like("breach:%"),
                )
            ).all()  # fmt: skip
            penalties = s.scalar(
                select(func.count()).where(
                    ScoreEntry.at > NOW, ScoreEntry.author == "system", ScoreEntry.points < 0
                )
            )  # fmt: skip
        # (an action that stops a clock late, or hands the ticket over, handles that
        # clock's breach at once: the sweeper's rounds handle the clocks still counting)
        assert 0 < sim.tally.breaches <= len(marks) and penalties

        # escalations (吹哨) taken by departments
        taken = [
            tid for tid, steps in by_ticket.items()
            if any(a == "escalate" for a, _, _ in steps)
            and any(a == "accept" and who.startswith("dept:") for a, who, _ in steps)
        ]  # fmt: skip
        assert taken

        # a blue dispute that failed mediation three times and turned yellow
        yellow = [
            tid for tid, steps in by_ticket.items()
            if [a for a, _, _ in steps].count("mediation_failed") == 3
            and any(a == "recolour" and who == "system" for a, who, _ in steps)
        ]  # fmt: skip
        assert yellow
        assert source.ticket(yellow[0], end).row.colour == "yellow"
        assert sim.tally.turned_yellow >= 1

        # a rejected acceptance that reopened and went round again
        rejected = [
            tid for tid, steps in by_ticket.items()
            if ("reject", SUPERVISOR, "reopened") in steps
        ]  # fmt: skip
        assert rejected
        after_reject = [a for a, _, _ in by_ticket[rejected[0]]]
        assert "dispatch" in after_reject[after_reject.index("reject") :]

        # daily reports from almost every worker, zero reports among them, a few missing
        day = source.daily_reports(end, NOW.astimezone(TZ).date())
        assert len(day.filed) > 0.9 * day.workers_active
        assert 0 < len(day.missing) <= 10
        assert sim.tally.reports_missing == len(day.missing)
        kinds = Counter(r.kind for r in day.filed)
        assert kinds["all_safe"] > 0 and kinds["events"] > 0

        # supervisors' spot checks
        assert adjustments and len(adjustments) == sim.tally.adjustments
        # steps refused because the sweeper escalated the ticket first: the simulator
        # reads the ticket again and goes on; they stay a small share of its actions
        assert sim.tally.refused <= 0.1 * sum(sim.tally.actions.values())
    finally:
        source.close()


@pytest.mark.slow
def test_a_person_acting_first_is_expected(city_url: str) -> None:
    """A refusal (someone at a screen moved the ticket on) skips the step; the simulator
    reads the ticket again and carries on from where it stands."""
    clock = ManualClock(NOW)
    source = LocalSource(city_url, clock=clock.now)
    person = LocalSource(city_url, clock=clock.now)
    sim = Simulator(LocalTarget(source), clock, seed=SEED, fixtures=FIXTURES)
    try:
        sim.start()
        sim.run_until(NOW + timedelta(hours=2))
        driven = [t for t in sim.tickets.values() if t.status in ("accepted", "on_scene")]
        assert driven
        t = driven[0]
        # a duty officer notes something: the ticket's version moves on
        person.act(t.id, "note", role="officer", actor="duty:王敏", note="电话核实")
        sim.run_until(NOW + timedelta(hours=26))
        assert sim.tally.refused >= 1
        timeline = source.ticket(t.id, clock.now()).timeline
        after_note = [e.action for e in timeline[[e.action for e in timeline].index("note") :]]
        assert len(after_note) > 1  # the simulator went on with it
        assert any(e.actor == "duty:王敏" for e in timeline)
    finally:
        source.close()
        person.close()


def test_a_city_without_its_folder_still_runs(city_url: str, tmp_path: Path) -> None:
    """Without the catalogue's details, every category is an ordinary matter."""
    clock = ManualClock(NOW)
    source = LocalSource(city_url, clock=clock.now)
    sim = Simulator(LocalTarget(source), clock, seed=1, fixtures=tmp_path / "nowhere", adopt=0)
    try:
        assert sim.start() == 0
        sim.run_until(NOW + timedelta(hours=8))
        assert sim.tally.opened > 5 and sim.tally.closed > 0
        assert sim.tally.refused <= 0.1 * sum(sim.tally.actions.values())  # see above
    finally:
        source.close()


def test_bad_settings_are_refused(city_url: str) -> None:
    source = LocalSource(city_url)
    try:
        with pytest.raises(ValueError, match="rate must be a positive number"):
            Simulator(LocalTarget(source), ManualClock(NOW), rate=0)
        with pytest.raises(ValueError, match="no time zone"):
            ManualClock(NOW.replace(tzinfo=None))
    finally:
        source.close()
