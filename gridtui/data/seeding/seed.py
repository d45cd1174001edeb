"""``gridtui seed``: a deterministic history for the demo city or a Taiyuan-scale city.

- ``demo``: the fixtures city (loaded first if the database has none), 90 days at about
  one event per grid per day (Liyang's 368,267 events a year over 952 grids).
- ``city``: 9,375 grids and 9,788 workers (Taiyuan 2021) and 1,000,000 tickets over
  three years.

Same seed and same ``now`` give the same database. Tickets, timelines (with the
breach marks the live sweeper would have written), the points ledger (last 365 days,
by the domain's chain: :func:`gridtui.domain.chain.ticket_credits`) and daily reports
(each worker as reliable as drawn for them; the missing ones penalised once due) are
written in bulk: raw ``executemany`` on SQLite, ``COPY`` on PostgreSQL, in batches of one
transaction each, and one ``bulk`` change closes the run so live clients reload.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.fixtures import read_fixtures, write_fixtures
from gridtui.data.seeding.seedchain import Chain, Pipeline, runtime
from gridtui.data.seeding.seedgen import HOURLY, CategoryInfo, GenTicket, GridInfo, HistoryGenerator
from gridtui.data.seeding.seedgeo import TicketPlacer
from gridtui.data.seeding.seedreports import daily_reports
from gridtui.data.seeding.seedwrite import BulkWriter
from gridtui.data.storage.boundaries import read_boundaries
from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import Category, ConfigDoc, Department, Node, Ticket, Worker
from gridtui.data.writes.scoring_runtime import ScoreAccumulator
from gridtui.domain.reports import ReportSchedule

Progress = Callable[[str], None] | None
#: from this many tickets on, a second process evaluates the SLA chain (both cores)
PARALLEL_FROM = 100_000


@dataclass(frozen=True, slots=True)
class Scale:
    """How much history to generate."""

    days: int
    tickets: int | None  # None: per grid per day
    per_grid_day: float
    ledger_days: int = 365
    report_days: int = 30


SCALES = {
    "demo": Scale(days=90, tickets=None, per_grid_day=1.0, report_days=90),
    "city": Scale(days=3 * 365, tickets=1_000_000, per_grid_day=0.0),
}


def _say(progress: Progress, msg: str) -> None:
    if progress is not None:
        progress(msg)


def _ensure_city(
    factory: sessionmaker[Session], scale: str, seed: int, fixtures: Path, now: datetime
) -> dict[str, Any]:
    with factory() as session:
        has_nodes = session.scalar(select(func.count()).select_from(Node)) or 0
    if has_nodes and scale == "demo":
        return {}
    base = read_fixtures(fixtures)
    if scale == "city":
        from gridtui.data.seeding.citygen import generate_city

        if has_nodes:
            with factory() as session:
                has_city = session.scalar(select(Node.id).where(Node.code == "TY"))
            if has_city is None:
                raise ValueError(
                    "this database already holds another city; seed the city scale "
                    "into an empty database"
                )
            return {}
        city, shape = generate_city(base, seed)
        with factory.begin() as session:
            write_fixtures(session, city, now=now)
        return {"grids": shape.grids, "workers": shape.workers, "entities": shape.entities}
    with factory.begin() as session:
        write_fixtures(session, base, now=now)
    return {}


def _city_snapshot(session: Session) -> tuple[list[GridInfo], list[CategoryInfo], str]:
    workers_by_grid: dict[int, tuple[int, str]] = {}
    for w in session.scalars(select(Worker).where(Worker.role != "leader").order_by(Worker.id)):
        workers_by_grid.setdefault(w.grid_id, (w.id, w.code))
    for w in session.scalars(select(Worker).order_by(Worker.id)):
        workers_by_grid.setdefault(w.grid_id, (w.id, w.code))
    grids = []
    for n in session.scalars(select(Node).where(Node.level == "grid").order_by(Node.id)):
        if n.id not in workers_by_grid:
            continue
        wid, wcode = workers_by_grid[n.id]
        grids.append(GridInfo(n.id, n.name, n.district_id, n.street_id, n.community_id, wid, wcode))
    depts = {d.code: d.id for d in session.scalars(select(Department))}
    cats = [
        CategoryInfo(
            c.code,
            c.name,
            c.function,
            c.default_colour,
            c.is_dispute,
            depts.get(c.department_code) if c.department_code else None,
            c.department_code,
        )
        for c in session.scalars(select(Category).order_by(Category.code))
        if c.function != "imported"
    ]
    sla = session.get(ConfigDoc, "sla.toml")
    if sla is None:
        raise ValueError("no sla.toml loaded: run `gridtui load fixtures` first")
    return grids, cats, sla.text


def _day_weights(days: list[date]) -> list[float]:
    # Weekends a little quieter; a gentle annual wave (winter heating complaints).
    out = []
    for d in days:
        w = 0.8 if d.weekday() >= 5 else 1.0
        w *= 1.0 + 0.15 * (1 if d.month in (11, 12, 1, 2) else 0)
        out.append(w)
    return out


def seed(
    factory: sessionmaker[Session],
    *,
    scale: str,
    seed: int,
    now: datetime,
    fixtures: Path,
    progress: Progress = None,
    tz: str = "Asia/Shanghai",
    parallel: bool | None = None,
) -> dict[str, Any]:
    """Generate and write a history ending at ``now``; returns what was written.

    ``parallel``: evaluate the SLA chain in a second process (default: from
    :data:`PARALLEL_FROM` tickets on); the history written is the same either way.

    Raises:
        ValueError: unknown scale, a missing rules file, or a database with another city.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected demo or city")
    plan = SCALES[scale]
    started = time.perf_counter()
    now = now.astimezone(UTC).replace(microsecond=0)
    result: dict[str, Any] = {"scale": scale, "seed": seed, "now": now.isoformat()}
    _say(progress, "preparing the city …")
    result |= _ensure_city(factory, scale, seed, fixtures, now)
    city = _read_city(factory)
    zone = ZoneInfo(tz)
    rng = random.Random(seed)
    gen = HistoryGenerator(rng, city.grids, city.categories)
    placer = TicketPlacer(city.outlines, seed)
    sla = runtime(city.sla_text)
    scores = ScoreAccumulator.from_text(city.scoring_text)
    chain = _chain(city, now, plan)
    total, per_day = _tickets_per_day(plan, len(city.grids), now.astimezone(zone))
    engine: Engine = factory.kw["bind"]
    writer = BulkWriter(engine, defer_indexes=city.first_id == 1)
    parallel = total >= PARALLEL_FROM if parallel is None else parallel
    pipeline = Pipeline(chain, writer, scores, parallel=parallel)
    try:
        made = _generate(
            gen, placer, pipeline, per_day, zone, city.first_id, now, progress, started
        )
        _say(progress, f"{made:,} tickets; daily reports …")
        schedule = ReportSchedule.of(sla.config, zone)
        n_reports, n_missing = _seed_reports(writer, rng, city, plan, schedule, now, scores)
        _say(progress, "indexes and statistics …")
    finally:
        pipeline.finish()
        # indexes come back even when the run fails half-way
        writer.finish()
    with factory.begin() as session:
        seeded = {"scale": scale, "seed": seed, "tickets": made}
        record_change(session, at=now, kind="bulk", op="seed", data=seeded)
    return result | _written(writer, made, n_reports, n_missing, started)


@dataclass(frozen=True, slots=True)
class _City:
    """What seeding reads of the city before it starts."""

    grids: list[GridInfo]
    categories: list[CategoryInfo]
    sla_text: str
    scoring_text: str | None
    #: the id of the first ticket to write
    first_id: int
    #: (id, code) of every worker, by id
    workers: list[tuple[int, str]]
    #: department ids by code
    departments: dict[str, int]
    #: the grids' outlines by grid id (none: the tickets get no position)
    outlines: dict[int, BaseGeometry]


def _read_city(factory: sessionmaker[Session]) -> _City:
    """The city as seeding needs it.

    Raises:
        ValueError: no rules, no grids with workers, or no categories.
    """
    with factory() as session:
        grids, cats, sla_text = _city_snapshot(session)
        first_id = int(session.scalar(select(func.coalesce(func.max(Ticket.id), 0))) or 0) + 1
        workers = [(w.id, w.code) for w in session.scalars(select(Worker).order_by(Worker.id))]
        departments = {d.code: d.id for d in session.scalars(select(Department))}
        scoring_doc = session.get(ConfigDoc, "scoring.toml")
        outlines = {o.node_id: o.geometry for o in read_boundaries(session, level="grid")}
    if not grids or not cats:
        raise ValueError("the city has no grids with workers or no categories")
    scoring_text = scoring_doc.text if scoring_doc else None
    return _City(grids, cats, sla_text, scoring_text, first_id, workers, departments, outlines)


def _chain(city: _City, now: datetime, plan: Scale) -> Chain:
    """The SLA chain over the city's rules as of ``now``; points for tickets opened in
    the plan's ledger days."""
    ledger_from = int((now - timedelta(days=plan.ledger_days)).timestamp())
    workers = {code: wid for wid, code in city.workers}
    return Chain(city.sla_text, workers, city.departments, now, ledger_from)


def _seed_reports(
    writer: BulkWriter,
    rng: random.Random,
    city: _City,
    plan: Scale,
    schedule: ReportSchedule,
    now: datetime,
    scores: ScoreAccumulator,
) -> tuple[int, int]:
    """The daily reports of the plan's report days up to today, and their points:
    (reports written, missing-report penalties)."""
    today = now.astimezone(schedule.tz).date()
    report_days = [today - timedelta(days=i) for i in range(plan.report_days - 1, -1, -1)]
    n_reports, n_missing = daily_reports(
        writer, rng, city.workers, report_days, schedule, now, scores
    )
    writer.write_scores(scores.drain())
    return n_reports, n_missing


def _written(
    writer: BulkWriter, made: int, n_reports: int, n_missing: int, started: float
) -> dict[str, Any]:
    """What a run wrote, and in how many seconds since ``started``."""
    return {
        "tickets": made,
        "events": writer.counts["ticket_events"],
        "score_entries": writer.counts["score_entries"],
        "daily_reports": n_reports,
        "missing_reports": n_missing,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _tickets_per_day(
    plan: Scale, n_grids: int, local_now: datetime
) -> tuple[int, list[tuple[date, int]]]:
    """How many tickets in all, and on each day up to today (``local_now``'s day, only
    the part of it that has passed): by the days' weights, rounded with the remainder
    carried, so that the days add up to the total."""
    today = local_now.date()
    days = [today - timedelta(days=i) for i in range(plan.days - 1, -1, -1)]
    weights = _day_weights(days)
    weights[-1] *= _day_share(local_now)  # today is not over yet
    total = plan.tickets or int(n_grids * plan.days * plan.per_grid_day)
    wsum = sum(weights)
    per_day = []
    carry = 0.0
    planned = 0
    for d, w in zip(days, weights, strict=True):
        exact = total * w / wsum + carry
        n = int(exact) if d != today else total - planned  # rounding ends on today
        carry = exact - n
        planned += n
        per_day.append((d, n))
    return total, per_day


def _generate(
    gen: HistoryGenerator,
    placer: TicketPlacer,
    pipeline: Pipeline,
    per_day: list[tuple[date, int]],
    zone: ZoneInfo,
    first_id: int,
    now: datetime,
    progress: Progress,
    started: float,
) -> int:
    """Generate each day's tickets (numbered from ``first_id``, in order of opening, each
    lived up to ``now``, placed in its grid by ``placer``) and hand them to ``pipeline``
    in batches of whole days, from 20,000 tickets on; returns how many were made."""
    now_s = int(now.timestamp())
    next_id = first_id
    made = 0
    batch: list[GenTicket] = []
    for d, n in per_day:
        day_start = int(datetime(d.year, d.month, d.day, tzinfo=zone).timestamp())
        opened = sorted(_opening(gen, day_start, now_s) for _ in range(n))
        for t_open in opened:
            t = gen.new_ticket(next_id, t_open)
            gen.live(t, now_s)
            next_id += 1
            made += 1
            batch.append(t)
        if len(batch) >= 20_000:
            placer.place(batch)
            pipeline.add(batch)
            batch = []
            _say(progress, f"{made:,} tickets … {time.perf_counter() - started:.0f}s")
    placer.place(batch)
    pipeline.add(batch)
    pipeline.finish()
    return made


def _day_share(local_now: datetime) -> float:
    """The share of a day's intake that arrives before ``local_now`` (by :data:`HOURLY`)."""
    hour = local_now.hour
    part = sum(HOURLY[:hour]) + HOURLY[hour] * local_now.minute / 60
    return max(part / sum(HOURLY), 0.01)


def _opening(gen: HistoryGenerator, day_start: int, now_s: int) -> int:
    """An opening time on the day, drawn again while it falls after ``now`` (today)."""
    for _ in range(1000):
        t_open = gen.opening_time(day_start)
        if t_open <= now_s:
            return t_open
    return min(t_open, now_s)
