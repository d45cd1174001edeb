"""The missing-daily-report penalty, written live (日报告未报扣分).

Once a duty day's report is due (``[daily_report]`` in ``sla.toml``), every active
worker without a report filed by then loses the ``missing_daily_report`` points,
once. :func:`sweep_missing_reports` does that as of a moment; the SLA sweeper runs
it each round (:meth:`gridtui.data.sources.local.LocalSource.sweep`), and the seed writes the
same entries for its history, so a sweep after a seed finds them there.

Each penalty is dated at the day's due instant, which makes it its own key: a
(worker, code, due instant) already in the ledger is never written again, whichever
process swept first and however often the sweep runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import partial

from sqlalchemy import and_, exists, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import DailyReportRow, ScoreEntry, Worker
from gridtui.data.writes import ledger
from gridtui.data.writes.pacing import rest_after
from gridtui.domain.credits import Credit
from gridtui.domain.reports import ReportSchedule, report_day
from gridtui.domain.scoring.engine import ScoringEngine
from gridtui.domain.scoring.rules import Event, SubjectKind
from gridtui.domain.sla.policy import SlaConfig

#: how many days back a sweep looks for unpenalised missing reports: a sweeper that
#: was stopped for a few days catches up; older days stay as they are
LOOKBACK_DAYS = 7
#: workers penalised per transaction (a city of 10,000 workers writes in small steps)
BATCH = 50
#: PostgreSQL advisory lock that serialises sweeps of different processes
_LOCK_KEY = 0x64726570  # "drep"


def sweep_missing_reports(
    factory: sessionmaker[Session],
    config: SlaConfig,
    engine: ScoringEngine | None,
    tz: tzinfo | str,
    at: datetime,
    *,
    lookback_days: int = LOOKBACK_DAYS,
    batch: int = BATCH,
    write: Callable[[Callable[[], int]], int] = lambda step: step(),
    pause: float = 0.0,
) -> int:
    """Penalise each missing daily report that is due by ``at``, once; returns how
    many (worker, day) penalties this call wrote.

    Looks at the duty days of the last ``lookback_days`` days (today included once
    its due time has passed) and never before the first day anyone filed a report:
    a city that has not begun reporting (just loaded) owes nothing for the days
    before. Each transaction goes through ``write`` (a server's write queue); with
    ``pause``, it rests as long as the step took (at least ``pause``) between them. A
    worker is missing for a day when active now and without a report for that day
    filed at or before its due instant (a late report still cost the points).
    Nothing is written without scoring rules, or when no rule scores
    ``missing_daily_report``.

    Raises:
        ValueError: ``at`` is naive.
        sqlalchemy.exc.SQLAlchemyError: the database failed (what was written in
            earlier batches stays).
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"datetime {at.isoformat()} has no time zone")
    if engine is None:
        return 0
    at = at.astimezone(UTC)
    schedule = ReportSchedule.of(config, tz)
    today = report_day(at, schedule.tz)
    days = schedule.counted_days(today - timedelta(days=lookback_days), today, at)
    if not days:
        return 0
    codes = _penalty_codes(engine, at)
    if not codes:
        return 0
    pending = _pending(factory, schedule, days, codes)
    return _penalise_in_batches(factory, engine, schedule, codes, pending, batch, write, pause)


def _penalty_codes(engine: ScoringEngine, at: datetime) -> list[str]:
    """The rule codes the trigger credits (normally just ``missing_daily_report``): what
    a penalty already written is recognised by."""
    probe = engine.award([], SubjectKind.WORKER, 0, Event.MISSING_DAILY_REPORT, at)
    return sorted({e.code for e in probe})


def _pending(
    factory: sessionmaker[Session], schedule: ReportSchedule, days: list[date], codes: list[str]
) -> dict[date, list[int]]:
    """The workers still to penalise on each of ``days`` (none before the first day
    anyone filed a report), by day; days with none left out."""
    with factory() as session:
        first = session.scalar(select(func.min(DailyReportRow.day)))
        if first is None:
            return {}
        return {
            day: ids
            for day in days
            if day >= first and (ids := _missing(session, day, schedule.due_at(day), codes, None))
        }


def _penalise_in_batches(
    factory: sessionmaker[Session],
    engine: ScoringEngine,
    schedule: ReportSchedule,
    codes: list[str],
    pending: dict[date, list[int]],
    batch: int,
    write: Callable[[Callable[[], int]], int],
    pause: float,
) -> int:
    """Penalise the ``pending`` workers ``batch`` at a time, each transaction through
    ``write``, resting as long as a step took (at least ``pause``) between them when
    ``pause`` is set; returns how many penalties were written."""
    written, took = 0, 0.0
    for day, ids in pending.items():
        for start in range(0, len(ids), batch):
            if pause and took:
                # the writes waiting behind this sweep go first (at least ``pause``)
                time.sleep(rest_after(took, pause))
            chunk = ids[start : start + batch]
            started = time.monotonic()
            written += write(
                partial(_penalise, factory, engine, day, schedule.due_at(day), codes, chunk)
            )
            took = time.monotonic() - started
    return written


def _missing(
    session: Session, day: date, due: datetime, codes: Sequence[str], among: Iterable[int] | None
) -> list[int]:
    """Active workers (of ``among``, or all) with no report for ``day`` filed by ``due``
    and no penalty for it yet, by id."""
    filed = exists().where(
        DailyReportRow.worker_id == Worker.id,
        DailyReportRow.day == day,
        DailyReportRow.at <= due,
    )
    penalised = exists().where(
        and_(
            ScoreEntry.subject_kind == SubjectKind.WORKER.value,
            ScoreEntry.subject_id == Worker.id,
            ScoreEntry.at == due,
            ScoreEntry.code.in_(codes),
        )
    )
    query = select(Worker.id).where(Worker.active.is_(True), ~filed, ~penalised)
    if among is not None:
        query = query.where(Worker.id.in_(list(among)))
    return list(session.scalars(query.order_by(Worker.id)))


def _penalise(
    factory: sessionmaker[Session],
    engine: ScoringEngine,
    day: date,
    due: datetime,
    codes: Sequence[str],
    ids: list[int],
) -> int:
    """One transaction: the penalties of ``ids`` for ``day`` that are still missing."""
    with factory.begin() as session:
        _serialise(session)
        # looked at again under the lock: another sweeper may have just written them
        todo = _missing(session, day, due, codes, ids)
        if not todo:
            return 0
        ledger.award(
            session,
            engine,
            (Credit(SubjectKind.WORKER, w, Event.MISSING_DAILY_REPORT, due) for w in todo),
        )
        record_change(
            session,
            at=due,
            kind="score",
            op="missing_report",
            data={"day": day.isoformat(), "workers": len(todo)},
        )
        return len(todo)


def _serialise(session: Session) -> None:
    """Take the write lock before looking, so that two sweepers (threads or processes)
    cannot both find a penalty missing and both write it."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    elif dialect == "sqlite":
        # pysqlite opens a transaction only at the first write, so the look would run
        # outside it; BEGIN IMMEDIATE takes the database's write lock first
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
