"""Daily reports live (日报告): the missing-report penalty written once by the sweep, the
overview's due-time line, report rates over the days already due, and the seed's
history, on the demo city in a real SQLite database."""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.api.server import create_app
from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.db import make_engine, session_factory, upgrade
from gridtui.data.storage.models import Change, DailyReportRow, ScoreEntry, Worker
from gridtui.data.writes.report_sweep import sweep_missing_reports
from gridtui.domain.reports import ReportSchedule
from gridtui.domain.scoring.engine import ScoringEngine
from gridtui.domain.sla.policy import SlaConfig
from tests.conftest import FIXTURES, NOW, fill_demo_city

SH = ZoneInfo("Asia/Shanghai")
TODAY = NOW.astimezone(SH).date()  # 2026-11-24, NOW is 10:00 there
MISSING = "missing_daily_report"


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SH).astimezone(UTC)


class Clock:
    """A clock the test moves."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def template(demo_city: Callable[[int], Path]) -> Path:
    """The demo city seeded up to NOW (seed 1), built once per run."""
    return demo_city(1)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def city(template: Path, tmp_path: Path, clock: Clock) -> Iterator[LocalSource]:
    """A private copy of the demo city, on the test's clock."""
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(template, path)
    src = LocalSource(f"sqlite:///{path}", clock=clock)
    yield src
    src.close()


def rules(city: LocalSource) -> tuple[SlaConfig, ScoringEngine | None]:
    with city.factory() as s:
        sla, engine = city.service.rules(s)
    return sla.config, engine


def schedule(city: LocalSource) -> ReportSchedule:
    return ReportSchedule.of(rules(city)[0], city.tz)


def penalties(factory: sessionmaker[Session]) -> list[tuple[int, datetime]]:
    with factory() as s:
        return [
            (r.subject_id, r.at)
            for r in s.execute(
                select(ScoreEntry.subject_id, ScoreEntry.at)
                .where(ScoreEntry.code == MISSING, ScoreEntry.subject_kind == "worker")
                .order_by(ScoreEntry.at, ScoreEntry.subject_id)
            )
        ]


def active_workers(city: LocalSource) -> list[tuple[int, str]]:
    with city.factory() as s:
        rows = s.execute(
            select(Worker.id, Worker.code).where(Worker.active.is_(True)).order_by(Worker.code)
        )
        return [(r.id, r.code) for r in rows]


def file(city: LocalSource, clock: Clock, code: str, at: datetime) -> None:
    clock.at = at
    city.file_report(code, 0, "无事报平安", role="officer", at=at)


# -- the seed --------------------------------------------------------------------------------


def test_a_fresh_demo_has_missing_report_penalties_at_due_instants(city: LocalSource) -> None:
    sched = schedule(city)
    found = penalties(city.factory)
    assert len(found) > 50
    assert len(found) == len(set(found))  # one per (worker, day)
    dues = {sched.due_at(TODAY - timedelta(n)) for n in range(1, 91)}
    assert {at for _, at in found} <= dues  # all at a past day's due instant
    assert all(at < NOW for _, at in found)  # today's reports are not due yet at 10:00
    # each penalised (worker, day) had no report in by the due time, and only those
    with city.factory() as s:
        reports = {
            (r.worker_id, r.day): r.at
            for r in s.execute(
                select(DailyReportRow.worker_id, DailyReportRow.day, DailyReportRow.at)
            )
        }
    for worker_id, due in found[:200]:
        day = due.astimezone(SH).date()
        assert reports.get((worker_id, day), due + timedelta(1)) > due
    late = [(w, d) for (w, d), at in reports.items() if at > sched.due_at(d) and d < TODAY]
    assert late, "some reports come in after the due time"
    assert {(w, sched.due_at(d)) for w, d in late} <= set(found)


def test_the_seed_files_no_report_after_now(city: LocalSource) -> None:
    with city.factory() as s:
        latest = s.scalar(select(func.max(DailyReportRow.at)))
    assert latest is not None and latest <= NOW


# -- the sweep -------------------------------------------------------------------------------


def test_the_sweep_writes_each_missing_report_once(city: LocalSource, clock: Clock) -> None:
    workers = active_workers(city)
    seeded = penalties(city.factory)
    # 10:00: the seed's days are done, today is not due: nothing to write
    assert city.sweep(NOW).missing_reports == 0
    assert penalties(city.factory) == seeded
    for _, code in workers[:3]:
        file(city, clock, code, local(TODAY, 19, 30))
    assert city.sweep(local(TODAY, 19, 59)).missing_reports == 0  # not due yet
    due = schedule(city).due_at(TODAY)
    first = city.sweep(due)
    assert first.missing_reports == len(workers) - 3
    today = [(w, at) for w, at in penalties(city.factory) if at == due]
    assert sorted(w for w, _ in today) == sorted(w for w, _ in workers[3:])
    # again, later, from another source on the same database: nothing more
    assert city.sweep(due + timedelta(minutes=5)).missing_reports == 0
    other = LocalSource(city.url, clock=lambda: due + timedelta(hours=1))
    try:
        assert other.sweep().missing_reports == 0
    finally:
        other.close()
    assert len(penalties(city.factory)) == len(seeded) + len(workers) - 3
    with city.factory() as s:
        changes = s.scalars(select(Change).where(Change.op == "missing_report")).all()
    # one change per transaction of at most 50 workers (report_sweep.BATCH)
    assert {c.kind for c in changes} == {"score"}
    assert sum(c.data["workers"] for c in changes) == len(workers) - 3
    assert max(c.data["workers"] for c in changes) <= 50
    # the ledger entry is the scoring rule's penalty
    with city.factory() as s:
        row = s.scalars(
            select(ScoreEntry).where(ScoreEntry.code == MISSING, ScoreEntry.at == due)
        ).first()
    assert row is not None and row.points == -1 and row.author == "system"


def test_a_report_filed_after_the_due_time_still_costs_the_points(
    city: LocalSource, clock: Clock
) -> None:
    workers = active_workers(city)
    late_id, late_code = workers[0]
    file(city, clock, late_code, local(TODAY, 20, 30))  # late, and nobody swept at 20:00
    assert city.sweep(local(TODAY, 21)).missing_reports == len(workers)
    assert (late_id, schedule(city).due_at(TODAY)) in penalties(city.factory)
    # the overview no longer lists the late filer: the alert is about who is still out
    o = city.overview(local(TODAY, 21))
    assert o.missing_count == len(workers) - 1 and o.reports_filed == 1


def test_a_stopped_sweeper_catches_up_a_week_and_no_further(city: LocalSource) -> None:
    workers = active_workers(city)
    sched = schedule(city)
    seeded = set(penalties(city.factory))
    at = NOW + timedelta(days=10)  # 10:00 on 12-04: nobody reported since the seed
    assert city.sweep(at).missing_reports == 7 * len(workers)
    new = set(penalties(city.factory)) - seeded
    days = sorted({a for _, a in new})
    assert days == [sched.due_at(TODAY + timedelta(n)) for n in range(3, 10)]  # 11-27..12-03
    assert city.sweep(at).missing_reports == 0


def test_sweepers_on_each_backend_write_each_penalty_once(
    db_url: str, factory: sessionmaker[Session], demo_city: Callable[[int], Path]
) -> None:
    fill_demo_city(db_url, factory, demo_city, 1)
    src = LocalSource(db_url, clock=lambda: NOW)
    try:
        config, engine = rules(src)
        workers = active_workers(src)
        at = local(TODAY, 20, 1)
        engines = [make_engine(db_url) for _ in range(2)]
        counts: list[int] = []
        barrier = threading.Barrier(2)

        def run(n: int) -> None:
            barrier.wait()
            factory = session_factory(engines[n])
            counts.append(sweep_missing_reports(factory, config, engine, SH, at, batch=10))

        threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for e in engines:
            e.dispose()
        assert sum(counts) == len(workers)
        assert src.sweep(at).missing_reports == 0
        found = penalties(src.factory)
        assert len(found) == len(set(found))
        assert sum(1 for _, a in found if a == local(TODAY, 20)) == len(workers)
    finally:
        src.close()


def test_a_city_that_never_reported_owes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.sqlite"
    upgrade(url)
    engine = make_engine(url)
    load_fixtures(session_factory(engine), FIXTURES, now=NOW)
    engine.dispose()
    src = LocalSource(url, clock=lambda: NOW + timedelta(days=3))
    try:
        assert src.sweep().missing_reports == 0
        assert penalties(src.factory) == []
    finally:
        src.close()


# -- the overview and the API ----------------------------------------------------------------


def test_the_overview_before_the_due_time_lists_nobody(city: LocalSource, clock: Clock) -> None:
    workers = active_workers(city)
    for _, code in workers[:5]:
        file(city, clock, code, local(TODAY, 7, 0))
    o = city.overview(local(TODAY, 7, 30))
    assert (o.missing_count, o.missing_reports, o.reports_past_due) == (0, [], False)
    assert (o.reports_filed, o.reports_expected) == (5, len(workers))
    assert o.report_due_at == schedule(city).due_at(TODAY) == local(TODAY, 20)
    assert o.report_day == TODAY
    day = city.daily_reports(local(TODAY, 7, 30))
    assert day.missing == [] and not day.past_due and len(day.filed) == 5


def test_the_overview_after_the_due_time_lists_the_missing(city: LocalSource, clock: Clock) -> None:
    workers = active_workers(city)
    for _, code in workers[:5]:
        file(city, clock, code, local(TODAY, 19, 0))
    o = city.overview(local(TODAY, 20, 15))
    assert o.reports_past_due and o.missing_count == len(workers) - 5
    assert [w.code for w in o.missing_reports] == [c for _, c in workers[5:]][
        : len(o.missing_reports)
    ]
    assert (o.reports_filed, o.reports_expected) == (5, len(workers))
    day = city.daily_reports(local(TODAY, 20, 15))
    assert day.past_due and [w.code for w in day.missing] == [c for _, c in workers[5:]]
    # an earlier day: its due time has passed
    yesterday = city.daily_reports(NOW, TODAY - timedelta(1))
    assert yesterday.past_due and yesterday.due_at == local(TODAY - timedelta(1), 20)


async def test_the_missing_reports_route_follows_the_due_time(city: LocalSource) -> None:
    secret = create_token(city.factory, "wall", "viewer", at=NOW)
    app = create_app(city, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {secret}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        morning = (await c.get("/api/v1/reports/missing")).json()
        assert (morning["missing"], morning["workers"], morning["past_due"]) == (0, [], False)
        assert morning["due_at"] == local(TODAY, 20).isoformat()
        evening = local(TODAY, 20, 30).isoformat()
        late = (await c.get("/api/v1/reports/missing", params={"at": evening})).json()
        assert late["past_due"] and late["missing"] == len(active_workers(city))
        overview = (await c.get("/api/v1/stats", params={"at": evening})).json()
        assert overview["reports_past_due"] and overview["missing_count"] == late["missing"]


# -- report rates ----------------------------------------------------------------------------


def test_report_rates_differ_between_workers(city: LocalSource) -> None:
    cards = city.scorecards("month", NOW, 100)
    rates = [w.report_compliance for w in cards.workers]
    known = [r for r in rates if r is not None]
    assert known == rates
    assert len(set(known)) >= 5
    assert max(known) == 1.0 and min(known) < 0.9


def test_report_rates_count_only_days_already_due(city: LocalSource, clock: Clock) -> None:
    workers = active_workers(city)
    wid, code = workers[0]
    counted = schedule(city).counted_days(date(2026, 11, 1), date(2026, 11, 30), NOW)
    assert counted[0] == date(2026, 11, 1) and counted[-1] == TODAY - timedelta(1)
    with city.factory() as s:
        filed = set(
            s.scalars(
                select(DailyReportRow.day).where(
                    DailyReportRow.worker_id == wid, DailyReportRow.day >= date(2026, 11, 1)
                )
            )
        )

    def rate(at: datetime) -> float | None:
        return next(
            w for w in city.scorecards("month", at, 100).workers if w.subject_id == wid
        ).report_compliance

    assert rate(NOW) == pytest.approx(len(filed & set(counted)) / len(counted))
    file(city, clock, code, local(TODAY, 18))
    # filed today, but today is not due until 20:00: the rate does not move before then
    assert rate(local(TODAY, 19)) == pytest.approx(len(filed & set(counted)) / len(counted))
    after = rate(local(TODAY, 20))
    assert after == pytest.approx((len(filed & set(counted)) + 1) / (len(counted) + 1))


def test_a_period_with_nothing_due_yet_has_no_rate(city: LocalSource) -> None:
    # 2026-11-23 is a Monday: at 10:00 on the 23rd nothing of the week is due yet
    cards = city.scorecards("week", local(date(2026, 11, 23), 10), 5)
    assert cards.workers and all(w.report_compliance is None for w in cards.workers)


def test_the_seeds_reliability_varies_by_worker(city: LocalSource) -> None:
    with city.factory() as s:
        per_worker = Counter(
            s.scalars(select(ScoreEntry.subject_id).where(ScoreEntry.code == MISSING))
        )
    counts = [per_worker.get(w, 0) for w, _ in active_workers(city)]
    counts.sort()
    assert counts[0] <= 1 and counts[len(counts) // 2] <= 5  # most miss a day now and then
    assert sum(n >= 15 for n in counts) >= 2  # a few miss (or are late) often
