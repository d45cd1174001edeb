"""The data source over a database: SQLite (default) or PostgreSQL.

Each call is one short session; every write goes through
:class:`~gridtui.data.service.TicketService` (one transaction, audited, change feed).
Reads are shaped for a million tickets: the queue pages by key (:mod:`gridtui.data.queue`),
live figures read the partial indexes over open tickets, and rates cover a rolling
window instead of the whole history.
"""

from __future__ import annotations

import json
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data import queue as queue_pages
from gridtui.data.boards import board as build_board
from gridtui.data.boards import by_levels
from gridtui.data.changefeed import ChangeRecord, changes_since, record_change
from gridtui.data.changefeed import last_seq as feed_last_seq
from gridtui.data.db import SIDE_POOL, PoolSettings, make_engine, session_factory
from gridtui.data.idempotency import Idempotency
from gridtui.data.models import (
    Category,
    ConfigDoc,
    ConfigProblemRow,
    DailyReportRow,
    Department,
    Node,
    Ticket,
    Worker,
)
from gridtui.data.records import (
    ActionOutcome,
    Anchor,
    Board,
    ChangeBatch,
    ClockSpec,
    ClockView,
    ConfigProblem,
    Cursor,
    DailyReports,
    Named,
    NodeRef,
    Overview,
    Page,
    Period,
    QueueQuery,
    Reference,
    ReportRow,
    Scorecards,
    SlaRow,
    TicketDetail,
    TimelineEntry,
    TrendPoint,
    TrendSpan,
)
from gridtui.data.report_status import report_status
from gridtui.data.report_sweep import sweep_missing_reports
from gridtui.data.scorecards import scorecards as build_scorecards
from gridtui.data.service import (
    ActResult,
    NewTicket,
    ServiceError,
    StaleTicket,
    SweepResult,
    TicketService,
)
from gridtui.data.sidereads import CLOCK_DOC, SpecCache, parse_spec
from gridtui.data.sla_runtime import steps_of
from gridtui.data.source import (
    AT_RISK,
    AT_RISK_MAX,
    BUSY_RETRY_AFTER,
    ActionRefused,
    Busy,
    NotPermitted,
    SourceError,
    SourceUnavailable,
    StaleData,
)
from gridtui.data.sweeper import PAUSE, sweep_in_steps
from gridtui.data.wakeup import ChangeSignal, ChangeWaiter, Waker, start_waker
from gridtui.data.writequeue import WriteQueue
from gridtui.domain.calendars import RealTimeCalendar
from gridtui.domain.lifecycle import IllegalTransition, Status, allowed_actions
from gridtui.domain.reports import ReportError, ReportRules, ReportSchedule, report_day
from gridtui.domain.roles import (
    ADJUST_POINTS,
    FILE_REPORT,
    OPEN_TICKET,
    PermissionDenied,
    check,
)
from gridtui.domain.scoring import AlertPolicy, ScoringError, alert_policy
from gridtui.domain.sla import ClockStatus

T = TypeVar("T")

#: rates on the overview cover tickets opened in this many days
RATE_WINDOW_DAYS = 30
MISSING_SHOWN = 50


class LocalSource:
    """A :class:`~gridtui.data.source.DataSource` over the database at ``url``."""

    def __init__(
        self,
        url: str,
        *,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], datetime] | None = None,
        pool: PoolSettings | None = None,
    ) -> None:
        self.url = url
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        parsed = make_url(url)
        self.description = (
            f"sqlite {parsed.database}"
            if parsed.get_backend_name() == "sqlite"
            else parsed.render_as_string(hide_password=True)
        )
        self.pool = pool or PoolSettings()
        self.engine = make_engine(url, pool=self.pool)
        self.factory: sessionmaker[Session] = session_factory(self.engine)
        #: a small pool of its own for the reads every request makes (the clock, token
        #: checks): writers holding every connection of the main pool never delay them
        self.side_engine = make_engine(url, pool=SIDE_POOL)
        self.side_factory: sessionmaker[Session] = session_factory(self.side_engine)
        self._clock = clock
        #: the published simulated clock, read through the side pool
        self._specs = SpecCache(self.side_factory)
        self.service = TicketService(self.factory, timezone=timezone, clock=clock or self.now)
        self._ref: Reference | None = None
        self._ref_lock = threading.Lock()
        #: called (from the writing thread) after each successful write, e.g. to wake
        #: a change stream at once
        self.write_listeners: list[Callable[[], None]] = []
        #: moves when the data may have changed: this process's writes at once, other
        #: processes' through a waker (gridtui.data.wakeup) started on first use
        self.changed = ChangeSignal()
        self.write_listeners.append(self.changed.bump)
        self._waker: Waker | None = None
        self._waking = False
        self._waker_lock = threading.Lock()
        # SQLite has one writer at a time: threads of this process that write at once
        # would wait for each other in SQLite's busy handler, which sleeps in steps of
        # up to 100 ms. Queue them here instead (PostgreSQL locks rows, not the file),
        # each waiting at most the pool's timeout (then Busy: 503 with Retry-After).
        self._write_lock = WriteQueue(parsed.get_backend_name() == "sqlite", self.pool.timeout)

    # -- plumbing ---------------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with self.factory() as session:
                yield session
        except PoolTimeout as exc:
            raise _busy(self.pool) from exc
        except OperationalError as exc:
            self._reset()
            raise SourceUnavailable(f"database unavailable: {_reason(exc)}") from exc
        except DBAPIError as exc:
            raise SourceError(f"database error: {_reason(exc)}") from exc

    def _write(self, fn: Callable[[], T]) -> T:
        try:
            with self._write_lock.turn():
                result = fn()
            for listener in self.write_listeners:
                listener()
            return result
        except PermissionDenied as exc:
            raise NotPermitted(str(exc)) from exc
        except StaleTicket as exc:
            raise StaleData(str(exc)) from exc
        except (IllegalTransition, ServiceError, ScoringError, ReportError, ValueError) as exc:
            raise ActionRefused(str(exc)) from exc
        except PoolTimeout as exc:
            raise _busy(self.pool) from exc
        except OperationalError as exc:
            self._reset()
            raise SourceUnavailable(f"database unavailable: {_reason(exc)}") from exc

    def _reset(self) -> None:
        """Drop pooled connections after a failure: one opened while the database was
        away stays broken, and the next call must open a fresh one."""
        self.engine.dispose()

    def close(self) -> None:
        """Stop watching for changes, release every waiter, dispose of the pool."""
        with self._waker_lock:
            waker, self._waker = self._waker, None
        if waker is not None:
            waker.close()
        self.changed.close()
        self.engine.dispose()
        self.side_engine.dispose()

    # -- reference ---------------------------------------------------------------------

    def reference(self) -> Reference:
        """See :meth:`DataSource.reference`; cached after the first call."""
        with self._ref_lock:
            if self._ref is None:
                self._ref = self._load_reference()
            return self._ref

    def _load_reference(self) -> Reference:
        with self._session() as s:
            nodes = {
                r.id: NodeRef(r.id, r.parent_id, r.level, r.code, r.name, r.name_en)
                for r in s.execute(
                    select(Node.id, Node.parent_id, Node.level, Node.code, Node.name, Node.name_en)
                )
            }
            departments = {
                r.id: Named(r.code, r.name, r.name_en)
                for r in s.execute(
                    select(Department.id, Department.code, Department.name, Department.name_en)
                )
            }
            categories = {
                r.code: Named(r.code, r.name, r.name_en, department=r.department_code)
                for r in s.execute(
                    select(Category.code, Category.name, Category.name_en, Category.department_code)
                )
            }
            workers = {
                r.id: Named(r.code, r.name, grid_id=r.grid_id)
                for r in s.execute(select(Worker.id, Worker.code, Worker.name, Worker.grid_id))
            }
        root = next((n.id for n in nodes.values() if n.parent_id is None), None)
        return Reference(nodes, departments, categories, workers, root)

    # -- overview ----------------------------------------------------------------------

    def overview(self, at: datetime, at_risk: int = AT_RISK) -> Overview:
        """See :meth:`DataSource.overview`."""
        at = at.astimezone(UTC)
        local_midnight = datetime.combine(
            at.astimezone(self.tz).date(), datetime.min.time(), self.tz
        )
        since = at - timedelta(days=RATE_WINDOW_DAYS)
        is_open = Ticket.closed_at.is_(None)
        with self._session() as s:
            intake_today = int(
                s.scalar(
                    select(func.count()).where(Ticket.opened_at >= local_midnight.astimezone(UTC))
                )
                or 0
            )
            open_by_colour = {
                str(c): int(n)
                for c, n in s.execute(
                    select(Ticket.colour, func.count()).where(is_open).group_by(Ticket.colour)
                )
            }
            by_level = by_levels(s, [is_open])
            overdue = int(s.scalar(select(func.count()).where(is_open, Ticket.due_at < at)) or 0)
            closed = and_(Ticket.status == "closed", Ticket.closed_at.is_not(None))
            with_deadline = and_(closed, Ticket.due_at.is_not(None))
            on_time = and_(with_deadline, Ticket.closed_at <= Ticket.due_at)
            window = s.execute(
                select(
                    func.count(), _count_if(closed), _count_if(with_deadline), _count_if(on_time)
                ).where(Ticket.opened_at >= since, Ticket.opened_at <= at)
            ).one()
            total, n_closed, n_dl, n_on_time = (int(v) for v in window)
            on_time_rate = n_on_time / n_dl if n_dl else 0.0
            mix = {
                str(c): int(n)
                for c, n in s.execute(
                    select(Ticket.channel, func.count())
                    .where(Ticket.opened_at >= since, Ticket.opened_at <= at)
                    .group_by(Ticket.channel)
                )
            }
            nearest = [
                queue_pages.to_row(r)
                for r in s.execute(
                    select(*queue_pages.ROW_COLUMNS)
                    .where(is_open, Ticket.next_deadline.is_not(None))
                    .order_by(Ticket.next_deadline, Ticket.id)
                    .limit(max(0, min(at_risk, AT_RISK_MAX)))
                )
            ]
            active = int(s.scalar(select(func.count()).where(Worker.active.is_(True))) or 0)
            reports, missing = report_status(s, self._report_schedule(s), at)
            alerts = self._alerts(s)
        order = ["red", "orange", "yellow", "blue", "green"]
        return Overview(
            at=at,
            intake_today=intake_today,
            open=sum(open_by_colour.values()),
            overdue=overdue,
            window_days=RATE_WINDOW_DAYS,
            closure_rate=n_closed / total if total else 0.0,
            on_time_rate=on_time_rate,
            open_by_colour={c: open_by_colour.get(c, 0) for c in order},
            at_risk=nearest,
            channel_mix=dict(sorted(mix.items(), key=lambda kv: -kv[1])),
            missing_reports=missing[:MISSING_SHOWN],
            missing_count=len(reports.missing),
            workers_active=active,
            report_day=reports.day,
            report_due_at=reports.due_at,
            reports_filed=reports.filed,
            reports_expected=reports.expected,
            reports_past_due=reports.past_due,
            on_time_alert=alerts.on_time_alert(on_time_rate),
            open_by_level=by_level,
        )

    def trend(self, span: TrendSpan, at: datetime) -> list[TrendPoint]:
        """See :meth:`DataSource.trend`; buckets are local hours or local days."""
        at = at.astimezone(UTC)
        local = at.astimezone(self.tz)
        if span == "24h":
            first = local.replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
            starts = [first + timedelta(hours=i) for i in range(24)]
        else:
            days = 7 if span == "7d" else 30
            today = local.replace(hour=0, minute=0, second=0, microsecond=0)
            starts = [
                datetime.combine(
                    (today - timedelta(days=days - 1 - i)).date(), datetime.min.time(), self.tz
                )
                for i in range(days)
            ]
        lo = starts[0].astimezone(UTC)
        with self._session() as s:
            opened = s.scalars(
                select(Ticket.opened_at).where(Ticket.opened_at >= lo, Ticket.opened_at <= at)
            ).all()
            closed = s.scalars(
                select(Ticket.closed_at).where(
                    Ticket.closed_at >= lo, Ticket.closed_at <= at, Ticket.status == "closed"
                )
            ).all()
        bounds = [b.astimezone(UTC) for b in starts]
        intake = _bucket(bounds, opened)
        closures = _bucket(bounds, [c for c in closed if c is not None])
        return [TrendPoint(b, i, c) for b, i, c in zip(bounds, intake, closures, strict=True)]

    # -- queue and tickets ----------------------------------------------------------------

    def queue(
        self,
        query: QueueQuery,
        anchor: Anchor,
        cursor: Cursor | None,
        limit: int,
        count_cap: int | None = None,
    ) -> Page:
        """See :meth:`DataSource.queue`."""
        ref = self.reference()
        with self._session() as s:
            queue_pages.read_snapshot(s)
            page = queue_pages.fetch(s, query, ref, anchor, cursor, limit)
            if count_cap is not None:
                page = replace(page, count=queue_pages.count(s, query, ref, count_cap))
            return page

    def queue_count(self, query: QueueQuery, cap: int) -> int:
        """See :meth:`DataSource.queue_count`."""
        ref = self.reference()
        with self._session() as s:
            return queue_pages.count(s, query, ref, cap)

    def most_urgent(self) -> int | None:
        """See :meth:`DataSource.most_urgent`."""
        with self._session() as s:
            return s.scalar(
                select(Ticket.id)
                .where(Ticket.closed_at.is_(None), Ticket.next_deadline.is_not(None))
                .order_by(Ticket.next_deadline, Ticket.id)
                .limit(1)
            )

    def ticket(self, ticket_id: int, at: datetime) -> TicketDetail:
        """See :meth:`DataSource.ticket`."""
        with self._session() as s:
            t = s.get(Ticket, ticket_id)
            if t is None:
                raise SourceError(f"no ticket {ticket_id}")
            events = self.service.timeline(s, ticket_id)
            tc = self.service.clocks(s, t, at, events)
            row = queue_pages.row_of(t)
            return TicketDetail(
                row=row,
                description=t.description,
                address=t.address,
                source=t.source,
                external_id=t.external_id,
                sla_policy=t.sla_policy,
                mediation_failures=t.mediation_failures,
                reopen_count=t.reopen_count,
                merged_into=t.merged_into,
                timeline=[
                    TimelineEntry(
                        e.at, e.action, e.actor, e.from_status, e.to_status, e.note, e.target
                    )
                    for e in events
                ],
                clocks=[clock_view(ticket_id, c) for c in tc.clocks],
                actions=sorted(a.value for a in allowed_actions(Status(t.status))),
                lead=tc.lead_key,
                co_handlers=[h.key for h in tc.handling.co],
            )

    def sla_board(self, at: datetime, limit: int) -> list[SlaRow]:
        """See :meth:`DataSource.sla_board`."""
        at = at.astimezone(UTC)
        with self._session() as s:
            rows = [
                queue_pages.to_row(r)
                for r in s.execute(
                    select(*queue_pages.ROW_COLUMNS)
                    .where(Ticket.closed_at.is_(None), Ticket.next_deadline.is_not(None))
                    .order_by(Ticket.next_deadline, Ticket.id)
                    .limit(limit)
                )
            ]
            runtime = self.service.rules(s)[0]
            steps = steps_of(s, [r.id for r in rows])
        out: list[SlaRow] = []
        for row in rows:
            tc = runtime.ticket(row.colour, row.category, row.channel, steps.get(row.id, []), at)
            holding = {h.key for h in (tc.handling.lead, *tc.handling.co) if h is not None}
            for status in tc.clocks:
                # the current holders' running clocks (waiting on the resident shows as
                # paused); a former holder's clocks stand still and are not its business
                if status.running and status.holder in holding:
                    out.append(SlaRow(row, clock_view(row.id, status)))
        out.sort(
            key=lambda r: (r.clock.state_at(at) != "breached", r.clock.deadline or at, r.ticket.id)
        )
        return out

    # -- board and scorecards -----------------------------------------------------------

    def board(self, node_id: int | None) -> Board:
        """See :meth:`DataSource.board`."""
        ref = self.reference()
        at = self.now()  # before the session: never a second connection inside one
        with self._session() as s:
            node = node_id if node_id is not None else ref.root_id
            return build_board(s, ref, node, at)

    def scorecards(self, period: Period, at: datetime, limit: int) -> Scorecards:
        """See :meth:`DataSource.scorecards`."""
        with self._session() as s:
            sla, engine = self.service.rules(s)
            schedule = ReportSchedule.of(sla.config, self.tz)
            return build_scorecards(
                s, engine, self.tz, period, at.astimezone(UTC), limit, reports=schedule
            )

    # -- writes --------------------------------------------------------------------------

    def act(
        self,
        ticket_id: int,
        action: str,
        *,
        role: str,
        actor: str,
        note: str = "",
        target: str | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> ActionOutcome:
        """See :meth:`DataSource.act`; with ``idempotency_key``, at most once per
        (``actor``, key)."""
        request = _canonical("act", ticket_id, action, note, target, expected_version)

        def run() -> ActionOutcome:
            check(role, action)
            r = self.service.act(
                ticket_id,
                action,
                actor,
                note=note,
                target=target,
                expected_version=expected_version,
                idempotency=_idempotency(actor, idempotency_key, request),
            )
            return _outcome(r)

        return self._write(run)

    def open_ticket(
        self,
        new: NewTicket,
        *,
        role: str,
        idempotency_key: str | None = None,
        window: timedelta | None = None,
    ) -> ActionOutcome:
        """A new ticket from a report (officers and above), audited as ``new.reporter``;
        with ``idempotency_key``, at most once per (reporter, key) (within ``window``
        when given: Open311's content keys).

        Raises:
            NotPermitted: ``role`` may not open tickets.
            ActionRefused: unknown grid, category or channel, or an empty title.
        """
        request = _canonical(
            "open", new.title, new.category, new.channel, new.grid,
            new.description, new.address, new.colour, new.lat, new.lon, new.source,
        )  # fmt: skip

        def run() -> ActionOutcome:
            check(role, OPEN_TICKET)
            r = self.service.open(
                new, idempotency=_idempotency(new.reporter, idempotency_key, request, window)
            )
            return _outcome(r)

        return self._write(run)

    def file_report(
        self,
        worker_code: str,
        events: int,
        note: str,
        *,
        role: str,
        at: datetime,
        actor: str = "",
        idempotency_key: str | None = None,
    ) -> ReportRow:
        """File ``worker_code``'s daily report for the day of ``at`` (零报告 when
        ``events`` is 0); with ``idempotency_key``, at most once per (``actor``, key):
        a retry gets the filed report back (``replayed``).

        Raises:
            NotPermitted: ``role`` may not file reports.
            ActionRefused: unknown worker, or the reporting rules refuse it.
        """

        def run() -> ReportRow:
            check(role, FILE_REPORT)
            with self._session() as s:
                worker = s.scalar(select(Worker).where(Worker.code == worker_code))
                if worker is None:
                    raise ServiceError(f"no worker {worker_code!r}")
                worker_id, name = worker.id, Named(worker.code, worker.name)
            request = _canonical("report", worker_code, events, note)
            r = self.service.file_report(
                worker_id, events=events, note=note, at=at,
                idempotency=_idempotency(actor, idempotency_key, request),
            )  # fmt: skip
            return ReportRow(
                worker_id, name, r.day, r.at, r.kind, r.events, r.note, replayed=r.replayed
            )

        return self._write(run)

    def daily_reports(self, at: datetime, day: date | None = None) -> DailyReports:
        """The reports filed for ``day`` (default: the report day of ``at``) and who is
        missing as of ``at``: nobody before the day's reports are due, nor on a day
        that owes none."""
        at = at.astimezone(UTC)
        day = day or report_day(at, self.tz)
        with self._session() as s:
            rows = s.execute(
                select(DailyReportRow, Worker.code, Worker.name)
                .join(Worker, Worker.id == DailyReportRow.worker_id)
                .where(DailyReportRow.day == day)
                .order_by(Worker.code)
            )
            filed = [
                ReportRow(r.worker_id, Named(code, name), r.day, r.at, r.kind, r.events, r.note)
                for r, code, name in rows
            ]
            active = int(s.scalar(select(func.count()).where(Worker.active.is_(True))) or 0)
            status, missing = report_status(s, self._report_schedule(s), at, day)
        return DailyReports(day, filed, missing, active, status.due_at, status.past_due)

    def _alerts(self, s: Session) -> AlertPolicy:
        """The alert targets of the loaded ``scoring.toml`` (none loaded: the defaults)."""
        try:
            return alert_policy(self.service.rules(s)[1])
        except ServiceError:  # no rules loaded yet
            return AlertPolicy()

    def _report_schedule(self, s: Session) -> ReportSchedule:
        """When daily reports are due, by the loaded ``sla.toml`` (none loaded yet: the
        defaults, due 20:00 every day)."""
        try:
            config = self.service.rules(s)[0].config
        except ServiceError:
            return ReportSchedule(ReportRules(), RealTimeCalendar(), self.tz)
        return ReportSchedule.of(config, self.tz)

    def adjust(
        self,
        subject_kind: str,
        subject_id: int,
        points: float,
        reason: str,
        *,
        role: str,
        actor: str,
        ticket_id: int | None = None,
        idempotency_key: str | None = None,
    ) -> bool:
        """See :meth:`DataSource.adjust`; with ``idempotency_key``, at most once per
        (``actor``, key).

        Returns:
            True when an earlier request with the key did it (nothing new written).
        """
        request = _canonical("adjust", subject_kind, subject_id, points, reason, ticket_id)

        def run() -> bool:
            check(role, ADJUST_POINTS)
            r = self.service.adjust(
                subject_kind, subject_id, points, reason, actor, ticket_id=ticket_id,
                idempotency=_idempotency(actor, idempotency_key, request),
            )  # fmt: skip
            return r.replayed

        return self._write(run)

    # -- wake-ups and refused rules -----------------------------------------------------------

    def on_change(self, callback: Callable[[], None]) -> bool:
        """Call ``callback`` (from a watcher thread) whenever the data may have changed,
        whichever process wrote; starts watching the database.

        Returns:
            True when other processes' writes are noticed (a SQLite file, PostgreSQL
            with psycopg 3); False when only this process's writes are (poll then).
        """
        self.changed.listeners.append(callback)
        return self._start_waker()

    def change_waiter(self) -> ChangeWaiter:
        """See :meth:`DataSource.change_waiter`; starts watching the database."""
        waiter = self.changed.waiter()
        self._start_waker()
        return waiter

    def _start_waker(self) -> bool:
        with self._waker_lock:
            if not self._waking:
                self._waking = True
                self._waker = start_waker(self.url, self.changed)
            return self._waker is not None

    def config_problems(self) -> list[ConfigProblem]:
        """See :meth:`DataSource.config_problems`."""
        with self._session() as s:
            rows = s.scalars(select(ConfigProblemRow).order_by(ConfigProblemRow.name))
            return [ConfigProblem(r.name, r.line, r.message, r.at) for r in rows]

    def sweep(self, at: datetime | None = None) -> SweepResult:
        """One round of the SLA sweeper as of ``at`` (default: the source's clock):
        breached clocks get their penalty and note once, and escalate where the rules
        say so; each daily report missing at its due time costs its penalty once
        (:func:`~gridtui.data.report_sweep.sweep_missing_reports`, counted in
        ``missing_reports``). Run by ``gridtui serve``, ``gridtui simulate`` and
        ``gridtui sweep``."""
        when = at or self.now()
        # a backlog in small transactions, each through the write queue, with pauses
        # between them for the intake waiting behind (gridtui.data.sweeper)
        result = sweep_in_steps(self.service, self._write, when)
        with self._session() as s:
            try:
                sla, engine = self.service.rules(s)
            except ServiceError:  # no rules loaded yet: no reports are due either
                return result
        missing = sweep_missing_reports(
            self.factory, sla.config, engine, self.tz, when, write=self._write, pause=PAUSE
        )
        return replace(result, missing_reports=missing)

    # -- change feed ------------------------------------------------------------------------

    def last_seq(self) -> int:
        """See :meth:`DataSource.last_seq`. A reader following the feed from here reads
        the clock afresh next: a clock published before this position is not on the
        feed it reads, and must not hide behind the cached read."""
        with self._session() as s:
            seq = feed_last_seq(s)
        self._specs.forget()
        return seq

    def change_records(self, since: int, limit: int = 500) -> list[ChangeRecord]:
        """Each change after ``since``, oldest first (for the server's event stream)."""
        with self._session() as s:
            return changes_since(s, since, limit=limit)

    def changes(self, since: int) -> ChangeBatch:
        """See :meth:`DataSource.changes`."""
        with self._session() as s:
            batch = changes_since(s, since, limit=1000)
        if any(c.kind in ("bulk", "config") for c in batch):
            with self._ref_lock:
                self._ref = None  # fixtures reloaded: names and nodes may have changed
        if any(c.kind == "clock" for c in batch):
            self._specs.forget()  # a simulator published its clock again: read it afresh
        return ChangeBatch(
            seq=batch[-1].seq if batch else since,
            ticket_ids=frozenset(c.entity_id for c in batch if c.kind == "ticket" and c.entity_id),
            kinds=frozenset(c.kind for c in batch),
            count=len(batch),
        )

    # -- the clock -------------------------------------------------------------------------

    def now(self) -> datetime:
        """The time of this source's writes (and of the server's answers): the injected
        clock, else the simulated clock a simulator published (:meth:`clock_spec`), else
        real time; aware UTC, whole seconds."""
        if self._clock is not None:
            return self._clock()
        real = datetime.now(UTC)
        try:
            spec = self.clock_spec()
        except SourceError:
            # the database is away (or the row is broken): keep the last spec known
            spec = self._specs.keep_last()
        return (spec.now(real) if spec else real).replace(microsecond=0)

    def clock_spec(self) -> ClockSpec | None:
        """See :meth:`DataSource.clock_spec`: the ``clock.json`` row, read at most once
        every :data:`~gridtui.data.sidereads.SPEC_TTL` seconds (and again after a
        ``clock`` change) through the side pool, never the writers' pool.

        Raises:
            SourceUnavailable: the database is away.
            SourceError: the row holds something that is not a clock spec.
        """
        return self._specs.get()

    def publish_clock(self, speed: float, *, start: datetime | None = None) -> ClockSpec:
        """Publish a simulated clock running ``speed`` times real time, and record a
        ``clock`` change so that every live client follows it.

        It continues from the published clock's current time, or from ``start`` when
        that is later: the city's time never goes backwards. With no clock published yet
        it starts at ``start`` (default: real time).

        Raises:
            ActionRefused: a speed out of range or a ``start`` without a time zone.
            SourceUnavailable: the database is away.
        """
        if start is not None and start.utcoffset() is None:
            raise ActionRefused(f"start {start.isoformat()} has no time zone")

        def run() -> ClockSpec:
            real = datetime.now(UTC)
            with self.factory.begin() as s:
                doc = s.get(ConfigDoc, CLOCK_DOC, with_for_update=True)
                try:
                    old = parse_spec(doc.text) if doc is not None else None
                except SourceError:
                    old = None  # a broken row is replaced
                if old is None:
                    origin = start if start is not None else real
                else:
                    origin = max(old.now(real), start) if start is not None else old.now(real)
                spec = ClockSpec(real, origin.astimezone(UTC), float(speed))
                text = json.dumps(spec.to_json())
                if doc is None:
                    s.add(ConfigDoc(name=CLOCK_DOC, text=text, loaded_at=real))
                else:
                    doc.text, doc.loaded_at = text, real
                record_change(s, at=spec.origin_sim, kind="clock", op="publish",
                              data=spec.to_json())  # fmt: skip
            self._specs.put(spec)
            return spec

        return self._write(run)


# -- helpers ---------------------------------------------------------------------------------


def _busy(pool: PoolSettings) -> Busy:
    return Busy(
        f"the server is busy: no database connection came free within {pool.timeout:g} s "
        f"({pool.size + pool.overflow} in use); retry in {BUSY_RETRY_AFTER} s"
    )


def _canonical(*parts: object) -> str:
    return json.dumps(parts, ensure_ascii=False, default=str)


def _idempotency(
    scope: str, key: str | None, request: str, window: timedelta | None = None
) -> Idempotency | None:
    return Idempotency(scope, key, request, window) if key else None


def _outcome(r: ActResult) -> ActionOutcome:
    return ActionOutcome(r.ticket_id, r.status, r.colour, r.version, r.recoloured, r.replayed)


def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc).splitlines()[0]


def _count_if(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _bucket(bounds: list[datetime], values: Sequence[datetime]) -> list[int]:
    counts = [0] * len(bounds)
    for v in values:
        i = bisect_right(bounds, v) - 1
        if i >= 0:
            counts[i] += 1
    return counts


def clock_view(ticket_id: int, c: ClockStatus) -> ClockView:
    """The record of a clock the domain evaluated (its instants included)."""
    return ClockView(
        ticket_id=ticket_id,
        name=c.name,
        label_zh=c.label_zh,
        label_en=c.label_en,
        state=c.state.value,
        started_at=c.started_at,
        deadline=c.deadline,
        stopped_at=c.stopped_at,
        warning_at=c.warning_at,
        critical_at=c.critical_at,
        paused=c.paused,
        remaining=c.remaining,
        resolution=c.resolution,
        holder=c.holder,
    )
