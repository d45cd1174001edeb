"""The data source over a database: SQLite (default) or PostgreSQL.

Each call is one short session; every write goes through
:class:`~gridtui.data.writes.service.TicketService` (one transaction, audited, change feed).
The reads are functions of :mod:`gridtui.data.reads` (the queue pages by key, the
overview reads the partial indexes over open tickets, rates cover a rolling window);
the pools, the write queue, the error translation, the wake-ups and the clock are
:class:`~gridtui.data.sources.database.SourceDatabase`'s, and the map's read
:class:`~gridtui.data.sources.geo.GeoSource`'s, which :class:`LocalSource` extends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.reads import public_requests
from gridtui.data.reads import queue as queue_pages
from gridtui.data.reads.boards import board as build_board
from gridtui.data.reads.overview import overview as read_overview
from gridtui.data.reads.overview import trend as read_trend
from gridtui.data.reads.report_status import daily_reports as read_daily_reports
from gridtui.data.reads.scorecards import scorecards as build_scorecards
from gridtui.data.reads.sla import sla_board as read_sla_board
from gridtui.data.reads.sla import ticket_detail
from gridtui.data.sources.assessments import Assessments
from gridtui.data.sources.geo import GeoSource
from gridtui.data.sources.public import PublicTicket, RequestQuery, ServiceEntry
from gridtui.data.sources.records import (
    ActionOutcome,
    Anchor,
    Assessment,
    AssessmentLevel,
    Board,
    BulletinFacts,
    ChangeBatch,
    ConfigProblem,
    Cursor,
    DailyReports,
    Named,
    NewTicket,
    Overview,
    Page,
    Period,
    QueueQuery,
    Reference,
    ReportRow,
    Scorecards,
    SlaRow,
    TicketDetail,
    TrendPoint,
    TrendSpan,
)
from gridtui.data.sources.refcache import ReferenceCache
from gridtui.data.sources.sandbox import SandboxStore
from gridtui.data.sources.source import AT_RISK, CATALOGUE_KINDS, SourceError
from gridtui.data.storage.changefeed import ChangeRecord, changes_since
from gridtui.data.storage.changefeed import last_seq as feed_last_seq
from gridtui.data.storage.db import PoolSettings
from gridtui.data.storage.models import ConfigProblemRow, Ticket, Worker
from gridtui.data.writes.errors import ServiceError
from gridtui.data.writes.idempotency import Idempotency
from gridtui.data.writes.report_sweep import sweep_missing_reports
from gridtui.data.writes.results import ActResult, SweepResult
from gridtui.data.writes.service import TicketService
from gridtui.data.writes.sweeper import PAUSE, sweep_in_steps
from gridtui.domain.assessment.config import AssessmentConfig
from gridtui.domain.calendars import RealTimeCalendar
from gridtui.domain.reports import ReportRules, ReportSchedule, report_day
from gridtui.domain.roles import ADJUST_POINTS, FILE_REPORT, OPEN_TICKET, check
from gridtui.domain.scoring.engine import alert_policy
from gridtui.domain.scoring.rules import AlertPolicy


class LocalSource(GeoSource):
    """A :class:`~gridtui.data.sources.source.DataSource` over the database at ``url``:
    its reads and writes, over the wiring of :class:`SourceDatabase` (and the map's
    read, :class:`GeoSource`)."""

    def __init__(
        self,
        url: str,
        *,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], datetime] | None = None,
        pool: PoolSettings | None = None,
    ) -> None:
        super().__init__(url, clock=clock, pool=pool)
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.service = TicketService(self.factory, timezone=timezone, clock=clock or self.now)
        #: the assessment reads and their cache (gridtui.data.sources.assessments)
        self.assessments = Assessments(self._session, self.service, self.tz, self.now)
        self._ref = ReferenceCache(self._session)
        #: Open311's sandbox (gridtui.data.sources.sandbox): never among the tickets
        self.sandbox = SandboxStore(self._session, self.factory, self._write_quietly,
                                    self.service.rules, self.service.grids)  # fmt: skip

    # -- reference ---------------------------------------------------------------------

    def reference(self) -> Reference:
        """See :meth:`DataSource.reference`; cached, and read again after a fixtures
        load or a rules edit by any process (:mod:`gridtui.data.sources.refcache`)."""
        return self._ref.get()

    # -- overview ----------------------------------------------------------------------

    def overview(self, at: datetime, at_risk: int = AT_RISK) -> Overview:
        """See :meth:`DataSource.overview`."""
        with self._session() as s:
            schedule, alerts = self._report_schedule(s), self._alerts(s)
            return read_overview(s, at, self.tz, schedule, alerts, at_risk)

    def trend(self, span: TrendSpan, at: datetime) -> list[TrendPoint]:
        """See :meth:`DataSource.trend`; buckets are local hours or local days."""
        with self._session() as s:
            return read_trend(s, span, at, self.tz)

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
            return ticket_detail(s, t, self.service.rules(s)[0], at)

    def sla_board(self, at: datetime, limit: int) -> list[SlaRow]:
        """See :meth:`DataSource.sla_board`."""
        with self._session() as s:
            return read_sla_board(s, self.service.rules(s)[0], at, limit)

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

    def assessment(
        self, level: AssessmentLevel, period: Period, at: datetime, *, history: int = 0
    ) -> Assessment:
        """See :meth:`DataSource.assessment` (cached: :mod:`gridtui.data.sources.assessments`)."""
        return self.assessments.assessment(level, period, at, history=history)

    def assessment_rules(self) -> AssessmentConfig:
        """See :meth:`DataSource.assessment_rules` (hot reloads included)."""
        with self._session() as s:
            return self.service.assessment_rules(s)

    def bulletin_facts(self, period: Period, at: datetime, limit: int) -> BulletinFacts:
        """See :meth:`DataSource.bulletin_facts`."""
        return self.assessments.bulletin_facts(period, at, limit)

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
            return read_daily_reports(s, self._report_schedule(s), at, day)

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

    # -- refused rules and the sweeper -----------------------------------------------------------

    def config_problems(self) -> list[ConfigProblem]:
        """See :meth:`DataSource.config_problems`."""
        with self._session() as s:
            rows = s.scalars(select(ConfigProblemRow).order_by(ConfigProblemRow.name))
            return [ConfigProblem(r.name, r.line, r.message, r.at) for r in rows]

    def sweep(self, at: datetime | None = None) -> SweepResult:
        """One round of the SLA sweeper as of ``at`` (default: the source's clock):
        breached clocks get their penalty and note once, and escalate where the rules
        say so; each daily report missing at its due time costs its penalty once
        (:func:`~gridtui.data.writes.report_sweep.sweep_missing_reports`, counted in
        ``missing_reports``). Run by ``gridtui serve``, ``gridtui simulate`` and
        ``gridtui sweep``."""
        when = at or self.now()
        # a backlog in small transactions, each through the write queue, with pauses
        # between them for the intake waiting behind (gridtui.data.writes.sweeper)
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
        if any(c.kind in CATALOGUE_KINDS for c in batch):
            self._ref.forget()  # fixtures reloaded: names and nodes may have changed
        if any(c.kind == "clock" for c in batch):
            self._specs.forget()  # a simulator published its clock again: read it afresh
        return ChangeBatch(
            seq=batch[-1].seq if batch else since,
            ticket_ids=frozenset(c.entity_id for c in batch if c.kind == "ticket" and c.entity_id),
            kinds=frozenset(c.kind for c in batch),
            count=len(batch),
        )

    # -- what the public sees (Open311) -------------------------------------------------

    def service_catalogue(self) -> list[ServiceEntry]:
        """See :meth:`~gridtui.data.sources.source.PublicReads.service_catalogue`."""
        with self._session() as s:
            return public_requests.services(s)

    def public_tickets(self, query: RequestQuery) -> list[PublicTicket]:
        """See :meth:`~gridtui.data.sources.source.PublicReads.public_tickets`."""
        with self._session() as s:
            return public_requests.public_tickets(s, query)

    def intake_grid(self, node_id: int | None, level: str | None) -> str | None:
        """See :meth:`~gridtui.data.sources.source.PublicReads.intake_grid`."""
        with self._session() as s:
            return public_requests.first_grid(s, node_id, level)

    def places_by_location(self) -> bool:
        """See :meth:`~gridtui.data.sources.source.PublicReads.places_by_location`."""
        with self._session() as s:
            return self.service.grids.of(s) is not None


# -- helpers ---------------------------------------------------------------------------------


def _canonical(*parts: object) -> str:
    return json.dumps(parts, ensure_ascii=False, default=str)


def _idempotency(
    scope: str, key: str | None, request: str, window: timedelta | None = None
) -> Idempotency | None:
    return Idempotency(scope, key, request, window) if key else None


def _outcome(r: ActResult) -> ActionOutcome:
    return ActionOutcome(r.ticket_id, r.status, r.colour, r.version, r.recoloured, r.replayed)
