"""Ticket operations on real databases: lifecycle, SLA columns, points, disputes,
breach sweeps, adjustments and daily reports, each one transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.sources.records import NewTicket
from gridtui.data.storage.models import (
    Change,
    DailyReportRow,
    ScoreEntry,
    Ticket,
    TicketEvent,
    Worker,
)
from gridtui.data.writes.service import ServiceError, StaleTicket, TicketService
from gridtui.domain.lifecycle import IllegalTransition
from gridtui.domain.reports import ReportError
from gridtui.domain.scoring import ScoringError
from tests.conftest import FIXTURES, NOW

GRID = "WH-HB-01-01"


@pytest.fixture
def svc(factory: sessionmaker[Session]) -> TicketService:
    load_fixtures(factory, FIXTURES, now=NOW - timedelta(days=1))
    return TicketService(factory, clock=lambda: NOW + timedelta(days=2))


def worker_id(svc: TicketService, code: str = "W0001") -> int:
    with svc.factory() as s:
        wid = s.scalar(select(Worker.id).where(Worker.code == code))
    assert wid is not None
    return wid


def points(svc: TicketService, code: str) -> dict[str, float]:
    with svc.factory() as s:
        rows = s.execute(
            select(ScoreEntry.code, func.sum(ScoreEntry.points))
            .where(ScoreEntry.subject_kind == "worker", ScoreEntry.subject_id == worker_id(svc))
            .group_by(ScoreEntry.code)
        ).all()
    return {c: float(p) for c, p in rows if code == "*" or c == code}


def new(svc: TicketService, category: str = "order.parking", **kw: str) -> int:
    report = NewTicket(
        title=kw.get("title", "楼下乱停车"),
        category=category,
        channel=kw.get("channel", "patrol"),
        grid=GRID,
        reporter="W0001",
    )
    return svc.open(report, at=NOW).ticket_id


def ticket(svc: TicketService, tid: int) -> Ticket:
    with svc.factory() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        return t


def test_closed_loop_records_every_step_and_credits_points(svc: TicketService) -> None:
    tid = new(svc)
    t0 = ticket(svc, tid)
    assert t0.status == "new" and t0.worker_id == worker_id(svc)
    assert t0.due_at is not None and t0.due_at > NOW
    assert t0.next_deadline is not None and t0.next_deadline <= t0.due_at
    steps = [
        ("dispatch", "duty:王敏", 2, None),
        ("accept", "W0001", 3, None),
        ("arrive", "W0001", 8, None),  # within the 10-minute promise
        ("resolve", "W0001", 60, None),
        ("feedback", "W0001", 90, "satisfied"),
        ("verify", "duty:王敏", 120, None),
    ]
    version = t0.version
    for action, actor, minutes, target in steps:
        result = svc.act(
            tid, action, actor, at=NOW + timedelta(minutes=minutes), target=target,
            expected_version=version,
        )  # fmt: skip
        assert result.version == version + 1
        version = result.version
    t = ticket(svc, tid)
    assert t.status == "closed"
    assert t.closed_at == NOW + timedelta(minutes=120)
    assert t.next_deadline is None  # nothing is running any more
    with svc.factory() as s:
        timeline = s.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == tid).order_by(TicketEvent.id)
        ).all()
        feed = s.scalars(select(Change).where(Change.entity_id == tid, Change.kind == "ticket"))
        assert len(list(feed)) == 7
    assert [e.action for e in timeline] == ["open"] + [a for a, *_ in steps]
    assert [e.actor for e in timeline][1:3] == ["duty:王敏", "W0001"]
    assert timeline[-1].from_status == "feedback" and timeline[-1].to_status == "closed"
    earned = points(svc, "*")
    assert earned["arrive_on_time"] == 2
    assert earned["patrol_report"] == 1
    assert earned["resolve"] == 3
    assert "late_arrival" not in earned


def test_illegal_transition_changes_nothing(svc: TicketService) -> None:
    tid = new(svc)
    with svc.factory() as s:
        before = s.scalar(select(func.count()).select_from(Change))
    with pytest.raises(IllegalTransition, match="cannot verify a ticket that is new"):
        svc.act(tid, "verify", "duty:王敏", at=NOW + timedelta(minutes=1))
    with svc.factory() as s:
        assert s.scalar(select(func.count()).select_from(Change)) == before
        n = s.scalar(
            select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == tid)
        )
        assert n == 1
    assert ticket(svc, tid).version == 1


def test_stale_version_is_refused(svc: TicketService) -> None:
    tid = new(svc)
    svc.act(tid, "dispatch", "duty:王敏", at=NOW + timedelta(minutes=1))
    with pytest.raises(StaleTicket, match="someone else acted first"):
        svc.act(tid, "accept", "W0001", at=NOW + timedelta(minutes=2), expected_version=1)


def test_reject_needs_a_reason_and_counts_a_reopen(svc: TicketService) -> None:
    tid = new(svc)
    for i, action in enumerate(["dispatch", "accept", "arrive", "resolve"], start=1):
        svc.act(tid, action, "W0001", at=NOW + timedelta(minutes=i))
    with pytest.raises(ServiceError, match="reason"):
        svc.act(tid, "reject", "duty:王敏", at=NOW + timedelta(minutes=9))
    r = svc.act(tid, "reject", "duty:王敏", note="现场未清理", at=NOW + timedelta(minutes=9))
    assert r.status == "reopened"
    assert ticket(svc, tid).reopen_count == 1
    assert points(svc, "reopen") == {"reopen": -2}


def test_blue_dispute_turns_yellow_after_three_failed_mediations(svc: TicketService) -> None:
    tid = new(svc, "dispute.neighbour", title="邻居噪音纠纷")
    assert ticket(svc, tid).colour == "blue"
    for i, action in enumerate(["dispatch", "accept", "arrive"], start=1):
        svc.act(tid, action, "W0001", at=NOW + timedelta(minutes=i))
    for n in range(1, 3):
        r = svc.act(tid, "mediation_failed", "W0001", at=NOW + timedelta(hours=n))
        assert r.colour == "blue" and not r.recoloured
    r = svc.act(tid, "mediation_failed", "W0001", at=NOW + timedelta(hours=3))
    assert r.recoloured and r.colour == "yellow"
    with svc.factory() as s:
        last = s.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == tid).order_by(TicketEvent.id.desc())
        ).first()
    assert last is not None
    assert last.action == "recolour" and last.actor == "system" and last.target == "yellow"
    assert "调解失败3次" in last.note


def test_sweep_penalises_a_late_arrival_once_and_escalates(svc: TicketService) -> None:
    tid = new(svc)
    svc.act(tid, "dispatch", "duty:王敏", at=NOW + timedelta(minutes=1))
    svc.act(tid, "accept", "W0001", at=NOW + timedelta(minutes=2))
    early = svc.sweep(at=NOW + timedelta(minutes=5))
    assert early.breaches == 0
    late = svc.sweep(at=NOW + timedelta(minutes=30))
    assert late.breaches >= 1
    assert points(svc, "late_arrival") == {"late_arrival": -2}
    again = svc.sweep(at=NOW + timedelta(minutes=31))
    assert again.breaches == 0
    assert points(svc, "late_arrival") == {"late_arrival": -2}
    with svc.factory() as s:
        notes = s.scalars(
            select(TicketEvent.target).where(
                TicketEvent.ticket_id == tid, TicketEvent.target.like("breach:%")
            )
        ).all()
    assert notes and len(notes) == len(set(notes))
    # the on-scene clock escalates on breach: the ticket goes one level up (吹哨)
    assert late.escalated == 1
    t = ticket(svc, tid)
    assert t.status == "escalated"
    with svc.factory() as s:
        step = s.scalars(
            select(TicketEvent).where(
                TicketEvent.ticket_id == tid, TicketEvent.action == "escalate"
            )
        ).one()
    assert step.actor == "system" and "escalated on breach" in step.note


def test_adjustment_needs_reason_author_and_bounds(svc: TicketService) -> None:
    wid = worker_id(svc)
    with pytest.raises(ScoringError, match="reason"):
        svc.adjust("worker", wid, -5, "", "督查组")
    with pytest.raises(ScoringError, match="outside"):
        svc.adjust("worker", wid, -50, "抽查发现台账不全", "督查组")
    with pytest.raises(ServiceError, match="no worker"):
        svc.adjust("worker", 999_999, -5, "抽查", "督查组")
    svc.adjust("worker", wid, -5, "抽查发现台账不全", "督查组", at=NOW)
    with svc.factory() as s:
        entry = s.scalars(select(ScoreEntry).where(ScoreEntry.code == "adjustment")).one()
    assert (entry.points, entry.reason, entry.author) == (-5, "抽查发现台账不全", "督查组")


def test_daily_reports_and_who_is_missing(svc: TicketService) -> None:
    wid = worker_id(svc)
    day = (NOW + timedelta(hours=8)).date()
    before = {w for w, _, _ in svc.missing_reports(day)}
    assert wid in before
    svc.file_report(wid, at=NOW)
    with pytest.raises(ReportError, match="one report per day"):
        svc.file_report(wid, events=2, at=NOW + timedelta(hours=1))
    after = {w for w, _, _ in svc.missing_reports(day)}
    assert after == before - {wid}
    with svc.factory() as s:
        row = s.scalars(select(DailyReportRow)).one()
    assert row.kind == "all_safe" and row.day == day
    assert points(svc, "daily_report") == {"daily_report": 0.5}


def test_outside_text_is_stored_without_control_sequences(svc: TicketService) -> None:
    tid = new(svc, title="\x1b[31m红色\x1b[0m [bold]标题[/bold]\x07")
    title = ticket(svc, tid).title
    assert "\x1b" not in title and "\x07" not in title
    assert "[bold]标题[/bold]" in title  # markup stays literal data; the UI escapes it


def test_a_handled_overdue_ticket_is_not_read_again_until_something_changes(
    svc: TicketService,
) -> None:
    """An overdue ticket keeps its passed deadline (the queue sorts it first), but once
    its breaches are handled a sweep skips it: until an action changes it, its next
    deadline passes, or the rules change. (A city twelve days behind otherwise had the
    sweeper re-read two thousand tickets every round, most of each 10 s.)"""
    tid = new(svc)  # never dispatched: its 30-minute dispatch clock runs out
    first = svc.sweep(at=NOW + timedelta(minutes=60))
    assert first.checked == 1 and first.breaches >= 1
    quiet = svc.sweep(at=NOW + timedelta(minutes=61))
    assert (quiet.checked, quiet.breaches) == (0, 0)
    with svc.factory() as s:
        t = s.get(Ticket, tid)
        assert t is not None and t.next_deadline is not None
        # still overdue: the queue still sorts it first
        assert t.next_deadline.replace(tzinfo=None) <= (NOW + timedelta(minutes=61)).replace(
            tzinfo=None
        )
    # an action: read again
    svc.act(tid, "note", "duty:王敏", note="催办", at=NOW + timedelta(minutes=62))
    assert svc.sweep(at=NOW + timedelta(minutes=63)).checked == 1
    assert svc.sweep(at=NOW + timedelta(minutes=64)).checked == 0
    # its next deadline still ahead passes: read again, and that breach handled
    ahead = svc.quiet[tid][2]
    assert ahead is not None
    later = svc.sweep(at=ahead + timedelta(minutes=1))
    assert later.checked == 1 and later.breaches >= 1
    # a new service over the same database (a restart) reads it once more, finds nothing
    fresh = TicketService(svc.factory, clock=svc.clock, timezone=svc.timezone)
    again = fresh.sweep(at=ahead + timedelta(minutes=2))
    assert (again.checked, again.breaches) == (1, 0)
    assert fresh.sweep(at=ahead + timedelta(minutes=3)).checked == 0
