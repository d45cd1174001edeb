"""Ticket operations: every write a person (or the clock) makes, one transaction each.

:class:`TicketService` is how the live system changes a ticket: opening one from a
report, each action of its lifecycle, and the SLA sweeper's breaches. One call
applies the lifecycle rule, records the transition on the timeline (actor, time,
note), applies the three-colour dispute rule, recomputes the SLA clocks (``due_at``,
``next_deadline``), credits points by the scoring rules and appends to the change
feed, all in one transaction: either all of it happens or none of it. It also files
daily reports and spot-check adjustments (:mod:`gridtui.data.writes.points`).

It is not the only writer of tickets and points: the importer
(:mod:`gridtui.data.intake.importer`) and the seed (:mod:`gridtui.data.seeding`) write
tickets and timelines in bulk, the missing-report sweep
(:mod:`gridtui.data.writes.report_sweep`) writes ledger penalties through
:mod:`gridtui.data.writes.ledger`, and :mod:`gridtui.data.writes.sweeper` drives this
service's sweep in paced steps.

The work is kept by job: :mod:`~gridtui.data.writes.opening` (a report becomes a
ticket), :mod:`~gridtui.data.writes.transitions` (what an action does besides moving
the status), :mod:`~gridtui.data.writes.bookkeeping` (timeline, clocks, points after
each step), :mod:`~gridtui.data.writes.breaches` (the sweeper's transaction),
:mod:`~gridtui.data.writes.lookups` (the reads inside a write),
:mod:`~gridtui.data.writes.loaded_rules` and :mod:`~gridtui.data.writes.errors`.

Actors are strings: a worker's code (``W0001``), a department (``dept:<id>``), or a
person at the centre (``duty:王敏``); ``system`` is the rules themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.sources.records import NewTicket
from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import Ticket, TicketEvent
from gridtui.data.writes import breaches
from gridtui.data.writes.bookkeeping import add_event, clocks_of, settle
from gridtui.data.writes.errors import ServiceError, aware_utc
from gridtui.data.writes.idempotency import AdjustResult, Idempotency, ReportResult, run_once
from gridtui.data.writes.loaded_grids import LoadedGrids
from gridtui.data.writes.loaded_rules import LoadedRules, Rules
from gridtui.data.writes.lookups import as_steps, lock_ticket, timeline
from gridtui.data.writes.opening import checked_report, create_ticket
from gridtui.data.writes.points import adjust_points, store_report, workers_without_report
from gridtui.data.writes.results import ActResult, SweepResult
from gridtui.data.writes.sla_runtime import SlaRuntime
from gridtui.data.writes.sweeper import sweep_in_steps
from gridtui.data.writes.transitions import (
    apply_action,
    apply_dispute_rule,
    check_loop_rules,
    record_callback,
    stamp_step,
)
from gridtui.domain.assessment.config import AssessmentConfig
from gridtui.domain.chain import TicketClocks
from gridtui.domain.handling import CO_ACTIONS, replay, status_after
from gridtui.domain.lifecycle import Action, Status
from gridtui.domain.reports import DailyReport, ReportKind, report_day
from gridtui.domain.scoring.rules import SubjectKind
from gridtui.domain.text import clean_text


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class TicketService:
    """Writes to tickets, the points ledger and daily reports."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        clock: Callable[[], datetime] = _utcnow,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self.factory = factory
        self.clock = clock
        self.timezone = timezone
        self._rules = LoadedRules()
        #: the grid outlines' index, for reports placed by location
        self.grids = LoadedGrids()
        #: tickets the sweeper found with nothing to do (:data:`breaches.QuietTickets`)
        self.quiet: breaches.QuietTickets = {}

    # -- rules and reads ---------------------------------------------------------------

    def rules(self, session: Session) -> Rules:
        """The SLA and scoring rules as loaded in the database
        (:meth:`LoadedRules.of <gridtui.data.writes.loaded_rules.LoadedRules.of>`).

        Raises:
            ServiceError: no ``sla.toml`` loaded.
        """
        return self._rules.of(session)

    def assessment_rules(self, session: Session) -> AssessmentConfig:
        """The assessment rules as loaded in the database (no ``assessment.toml``
        stored: the defaults) (:meth:`LoadedRules.assessment
        <gridtui.data.writes.loaded_rules.LoadedRules.assessment>`)."""
        return self._rules.assessment(session)

    def timeline(self, session: Session, ticket_id: int) -> list[TicketEvent]:
        """The ticket's timeline, oldest first."""
        return timeline(session, ticket_id)

    def clocks(
        self,
        session: Session,
        ticket: Ticket,
        now: datetime,
        events: Sequence[TicketEvent] | None = None,
    ) -> TicketClocks:
        """Every holder's clocks of the ticket as of ``now`` (``events``: its timeline,
        when the caller already read it)."""
        sla, _ = self.rules(session)
        return clocks_of(session, sla, ticket, now, events)

    # -- opening and acting --------------------------------------------------------------

    def open(
        self,
        new: NewTicket,
        *,
        at: datetime | None = None,
        idempotency: Idempotency | None = None,
    ) -> ActResult:
        """Create a ticket in status ``new`` from a report: in the grid it names, or
        (no grid named) in the grid whose outline holds its location, unassigned when
        none does (:mod:`~gridtui.data.writes.opening`).

        With ``idempotency``, a key seen before returns the first result (``replayed``)
        and creates nothing.

        Raises:
            KeyReused: the key came with a different request before.
            ServiceError: unknown grid, category or channel, an empty title, or no grid
                and no outline or location to place it by.
        """
        at = aware_utc(at or self.clock())
        title, channel = checked_report(new)
        work = partial(create_ticket, rules=self._rules, new=new, title=title,
                       channel=channel, at=at, grids=self.grids)  # fmt: skip
        return run_once(self.factory, idempotency, work, ActResult, at)

    def act(
        self,
        ticket_id: int,
        action: Action | str,
        actor: str,
        *,
        note: str = "",
        target: str | None = None,
        at: datetime | None = None,
        expected_version: int | None = None,
        idempotency: Idempotency | None = None,
    ) -> ActResult:
        """Apply one action to a ticket (with ``idempotency``: at most once per key).

        ``target`` names what the action points at: for ``dispatch`` a worker code or
        ``dept:<code>``; for ``escalate`` a department code (default: the category's
        department, else one level up); for ``merge`` the surviving ticket's id; for
        ``recolour`` the new colour.

        Raises:
            TicketNotFound: no such ticket.
            StaleTicket: ``expected_version`` is not the ticket's version.
            IllegalTransition: the action is not allowed from the ticket's status.
            ServiceError: a bad target or a missing note where one is required.
        """
        at = aware_utc(at or self.clock())
        act = Action(action)
        if act in (Action.OPEN, Action.IMPORT):
            raise ServiceError(f"{act.value} is not an action on an existing ticket")
        text = clean_text(note).strip()

        def work(session: Session) -> ActResult:
            ticket = lock_ticket(session, ticket_id, expected_version)
            before = Status(ticket.status)
            events = timeline(session, ticket.id)
            handling = replay(as_steps(events))
            after = status_after(before, act.value, actor, handling)
            if after is not before or act not in CO_ACTIONS:
                check_loop_rules(session, self._rules, ticket, act, events)
            tgt = apply_action(session, ticket, act, target, text, handling)
            steps = [add_event(session, ticket, act, actor, at, before, after, text, tgt)]
            ticket.status = after.value
            if act is Action.FEEDBACK and tgt is not None:
                after = record_callback(session, self._rules, ticket, tgt, after, at, steps)
            recoloured = act is Action.MEDIATION_FAILED and apply_dispute_rule(
                session, ticket, after, at, steps
            )
            stamp_step(ticket, before, after, at)
            settle(session, self._rules, ticket, steps, at)
            record_change(
                session, at=at, kind="ticket", op=act.value, entity_id=ticket.id,
                data={"status": ticket.status, "version": ticket.version, "actor": actor},
            )  # fmt: skip
            return ActResult.of(ticket, recoloured)

        return run_once(self.factory, idempotency, work, ActResult, at)

    # -- the sweeper ---------------------------------------------------------------------

    def sweep(
        self,
        *,
        at: datetime | None = None,
        limit: int = 5000,
        batch: int = breaches.SWEEP_BATCH,
    ) -> SweepResult:
        """Handle clocks that breached by ``at``: penalty, note, and escalation.

        Each breached clock is handled once (a ``breach:<clock>`` note marks it): the
        responsible worker or department loses the breach points, and a clock that
        escalates on breach sends the ticket one level up (吹哨) when its status
        allows. Safe to run as often as wanted, from any number of processes. Writes
        in transactions of at most ``batch`` tickets (:mod:`gridtui.data.writes.sweeper`
        drives them with pauses in between, for a server).
        """
        at = aware_utc(at or self.clock())
        return sweep_in_steps(self, lambda step: step(), at, limit=limit, batch=batch, pause=0)

    def sweep_batch(
        self, ids: Sequence[int], at: datetime, budget: float = breaches.SWEEP_BUDGET
    ) -> tuple[int, int, int]:
        """One transaction sweeping the tickets ``ids`` (ascending, as
        :func:`~gridtui.data.writes.sweeper.due_for_sweep` gives them) until ``budget``
        seconds have passed: :func:`gridtui.data.writes.breaches.sweep_batch`."""
        return breaches.sweep_batch(
            self.factory, self._rules, self.quiet, ids, aware_utc(at), budget
        )

    def is_quiet(self, ticket_id: int, version: int, sla: SlaRuntime, at: datetime) -> bool:
        """Whether a sweep at ``at`` has nothing to do with the ticket (it was found
        with nothing to do, and neither it, the rules nor its next deadline moved)."""
        return breaches.is_quiet(self.quiet, ticket_id, version, sla, at)

    # -- points and reports ------------------------------------------------------------

    def adjust(
        self,
        subject_kind: SubjectKind | str,
        subject_id: int,
        points: float,
        reason: str,
        author: str,
        *,
        at: datetime | None = None,
        ticket_id: int | None = None,
        idempotency: Idempotency | None = None,
    ) -> AdjustResult:
        """A manual spot-check addition or deduction, with its reason and author; with
        ``idempotency``, at most once per key (a key seen before returns the first
        result, ``replayed``).

        Raises:
            ScoringError: the rules refuse it (bounds, empty reason or author …).
            ServiceError: no such worker, department or ticket.
            KeyReused: the key came with a different request before.
        """
        at = aware_utc(at or self.clock())
        work = partial(
            adjust_points, rules=self._rules, kind=SubjectKind(subject_kind),
            subject_id=subject_id, points=points, reason=reason, author=author, at=at,
            ticket_id=ticket_id,
        )  # fmt: skip
        return run_once(self.factory, idempotency, work, AdjustResult, at)

    def file_report(
        self,
        worker_id: int,
        *,
        events: int = 0,
        note: str = "",
        at: datetime | None = None,
        idempotency: Idempotency | None = None,
    ) -> ReportResult:
        """File a worker's daily report (日报告; 零报告 when ``events`` is 0); with
        ``idempotency``, at most once per key (a key seen before returns the first
        result, ``replayed``, instead of "already reported").

        Raises:
            ReportError: the reporting rules refuse it (one per day, not in the future …).
            ServiceError: no such worker.
            KeyReused: the key came with a different request before.
        """
        now = self.clock()  # before the transaction, like every clock read
        at = aware_utc(at or now)
        kind = ReportKind.EVENTS if events else ReportKind.ALL_SAFE
        report = DailyReport(
            worker_id, report_day(at, self.timezone), at, kind, events, clean_text(note).strip()
        )
        work = partial(store_report, rules=self._rules, report=report, now=now,
                       timezone=self.timezone)  # fmt: skip
        return run_once(self.factory, idempotency, work, ReportResult, now)

    def missing_reports(self, day: date) -> list[tuple[int, str, str]]:
        """Active workers with no daily report for ``day``: (id, code, name), by code."""
        with self.factory() as session:
            return workers_without_report(session, day)
