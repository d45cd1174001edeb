"""Ticket operations: every write a person (or the clock) makes, one transaction each.

:class:`TicketService` is the only code that changes a ticket. One call applies the
lifecycle rule, records the transition on the timeline (actor, time, note), applies
the three-colour dispute rule, recomputes the SLA clocks (``due_at``,
``next_deadline``), credits points by the scoring rules and appends to the change
feed, all in one transaction: either all of it happens or none of it.

Actors are strings: a worker's code (``W0001``), a department (``dept:<id>``), or a
person at the centre (``duty:王敏``); ``system`` is the rules themselves.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.sources.records import NewTicket
from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import (
    Category,
    ConfigDoc,
    DailyReportRow,
    Department,
    Node,
    Ticket,
    TicketEvent,
    Worker,
)
from gridtui.data.writes import ledger
from gridtui.data.writes.idempotency import (
    AdjustResult,
    Idempotency,
    ReportResult,
    run_once,
)
from gridtui.data.writes.sla_runtime import SlaRuntime, Step
from gridtui.domain.callback import Satisfaction
from gridtui.domain.chain import (
    BREACH_MARK,
    TicketClocks,
    breach_credits,
    mark,
    step_credits,
    unmarked_breaches,
)
from gridtui.domain.channels import Channel
from gridtui.domain.colours import RiskColour
from gridtui.domain.credits import Credit
from gridtui.domain.disputes import Recolour, after_failed_mediation
from gridtui.domain.handling import (
    CO_ACTIONS,
    Handling,
    HandlingRefused,
    Holder,
    HolderKind,
    check_assist,
    replay,
    status_after,
    up_target,
)
from gridtui.domain.lifecycle import Action, Status, allowed_actions, transition
from gridtui.domain.reports import DailyReport, ReportKind, report_day, validate_report
from gridtui.domain.scoring import (
    ScoringConfig,
    ScoringEngine,
    SubjectKind,
    parse_scoring_config,
)
from gridtui.domain.sla import ClockStatus
from gridtui.domain.text import clean_text

SYSTEM = "system"
#: actor prefixes of people at the centre and API callers (never a worker's code)
CENTRE_ACTORS = ("duty:", "token:", "open311:")


class ServiceError(ValueError):
    """A request the rules or the data refuse; the message says which and why."""


class TicketNotFound(ServiceError):
    """No ticket with that id."""


class StaleTicket(ServiceError):
    """The ticket changed since the caller read it (another officer acted first)."""


@dataclass(frozen=True, slots=True)
class ActResult:
    """The ticket after an action."""

    ticket_id: int
    status: str
    colour: str
    version: int
    due_at: datetime | None
    next_deadline: datetime | None
    recoloured: bool = False
    #: the result of an earlier request with the same idempotency key, not a new write
    replayed: bool = False

    def to_json(self) -> dict[str, object]:
        """The result as JSON values (what an idempotency key stores)."""
        return {
            "ticket_id": self.ticket_id, "status": self.status, "colour": self.colour,
            "version": self.version, "recoloured": self.recoloured,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "next_deadline": self.next_deadline.isoformat() if self.next_deadline else None,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ActResult:
        """The result :meth:`to_json` stored, marked as replayed."""

        def when(name: str) -> datetime | None:
            value = data.get(name)
            return datetime.fromisoformat(str(value)) if value else None

        return cls(
            int(str(data["ticket_id"])), str(data["status"]), str(data["colour"]),
            int(str(data["version"])), when("due_at"), when("next_deadline"),
            bool(data.get("recoloured")), replayed=True,
        )  # fmt: skip


#: where a session keeps the rules it read (Session.info)
_RULES_KEY = "gridtui.rules"
#: tickets the sweeper handles in one transaction at most
SWEEP_BATCH = 50
#: seconds of work after which a sweep transaction commits (fewer tickets then)
SWEEP_BUDGET = 0.05


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What one pass of the SLA sweeper did; ``missing_reports``: the missing-daily-
    report penalties it wrote (:mod:`gridtui.data.writes.report_sweep`)."""

    checked: int
    breaches: int
    escalated: int
    missing_reports: int = 0


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@lru_cache(maxsize=8)
def _sla(text_hash: str, text: str) -> SlaRuntime:
    return SlaRuntime.from_text(text)


@lru_cache(maxsize=8)
def _scoring(text_hash: str, text: str) -> ScoringConfig:
    return parse_scoring_config(text)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


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
        self._rules: tuple[object, tuple[SlaRuntime, ScoringEngine | None]] | None = None
        #: tickets the sweeper found with nothing to do: id -> (version, rules, the next
        #: deadline still ahead then); skipped until one of them changes or passes
        self.quiet: dict[int, tuple[int, SlaRuntime, datetime | None]] = {}

    # -- rules -------------------------------------------------------------------

    def rules(self, session: Session) -> tuple[SlaRuntime, ScoringEngine | None]:
        """The SLA and scoring rules as loaded in the database.

        Parsed rules are kept while the documents' stamps (load time and length) stay
        the same: one small query per session instead of reading and hashing both
        texts (a session, one transaction, sees one version of the rules).
        """
        pinned = session.info.get(_RULES_KEY)
        if pinned is not None:
            return cast(tuple[SlaRuntime, ScoringEngine | None], pinned)
        stamp = tuple(
            tuple(row)
            for row in session.execute(
                select(ConfigDoc.name, ConfigDoc.loaded_at, func.length(ConfigDoc.text))
                .where(ConfigDoc.name.in_(("sla.toml", "scoring.toml")))
                .order_by(ConfigDoc.name)
            )
        )
        cached = self._rules
        if cached is not None and cached[0] == stamp:
            session.info[_RULES_KEY] = cached[1]
            return cached[1]
        sla_doc = session.get(ConfigDoc, "sla.toml")
        if sla_doc is None:
            raise ServiceError("no sla.toml loaded: run `gridtui load fixtures` first")
        scoring_doc = session.get(ConfigDoc, "scoring.toml")
        sla = _sla(_digest(sla_doc.text), sla_doc.text)
        engine = (
            ScoringEngine(_scoring(_digest(scoring_doc.text), scoring_doc.text))
            if scoring_doc is not None
            else None
        )
        self._rules = (stamp, (sla, engine))
        session.info[_RULES_KEY] = (sla, engine)
        return sla, engine

    # -- opening -------------------------------------------------------------------

    def open(
        self,
        new: NewTicket,
        *,
        at: datetime | None = None,
        idempotency: Idempotency | None = None,
    ) -> ActResult:
        """Create a ticket in status ``new`` from a report.

        With ``idempotency``, a key seen before returns the first result (``replayed``)
        and creates nothing.

        Raises:
            KeyReused: the key came with a different request before.
            ServiceError: unknown grid, category or channel, or an empty title.
        """
        at = _aware(at or self.clock())
        title = clean_text(new.title, one_line=True).strip()
        if not title:
            raise ServiceError("a ticket needs a title")
        try:
            channel = Channel(new.channel)
        except ValueError:
            raise ServiceError(f"unknown channel {new.channel!r}") from None

        def work(session: Session) -> ActResult:
            grid = session.scalar(select(Node).where(Node.code == new.grid))
            if grid is None or grid.level != "grid":
                raise ServiceError(f"unknown grid {new.grid!r}")
            category = session.get(Category, new.category)
            if category is None:
                raise ServiceError(f"unknown category {new.category!r}")
            colour = RiskColour.parse(new.colour or category.default_colour)
            worker = session.scalar(
                select(Worker)
                .where(Worker.grid_id == grid.id, Worker.active.is_(True))
                .order_by(Worker.role == "leader", Worker.id)
                .limit(1)
            )
            ticket = Ticket(
                title=title[:200],
                description=clean_text(new.description),
                address=clean_text(new.address, one_line=True)[:200],
                lat=new.lat,
                lon=new.lon,
                source=clean_text(new.source, one_line=True)[:32] or "gridtui",
                channel=channel.value,
                category=category.code,
                colour=colour.value,
                status=Status.NEW.value,
                district_id=grid.district_id,
                street_id=grid.street_id,
                community_id=grid.community_id,
                grid_id=grid.id,
                worker_id=worker.id if worker else None,
                opened_at=at,
                updated_at=at,
            )
            session.add(ticket)
            session.flush()
            step = TicketEvent(
                ticket_id=ticket.id,
                at=at,
                action=Action.OPEN.value,
                actor=clean_text(new.reporter, one_line=True)[:80],
                from_status=None,
                to_status=Status.NEW.value,
                note="",
                target=worker.code if worker else None,  # the first holder
            )
            session.add(step)
            self._settle(session, ticket, [step], at)
            record_change(
                session,
                at=at,
                kind="ticket",
                op="open",
                entity_id=ticket.id,
                data={"status": ticket.status, "version": ticket.version},
            )
            return _result(ticket)

        return self._once(idempotency, work, at)

    # -- acting ------------------------------------------------------------------------

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
        at = _aware(at or self.clock())
        act = Action(action)
        if act in (Action.OPEN, Action.IMPORT):
            raise ServiceError(f"{act.value} is not an action on an existing ticket")
        text = clean_text(note).strip()

        def work(session: Session) -> ActResult:
            ticket = self._lock(session, ticket_id)
            if expected_version is not None and ticket.version != expected_version:
                raise StaleTicket(
                    f"ticket {ticket_id} is at version {ticket.version}, not "
                    f"{expected_version}: someone else acted first; reload it"
                )
            before = Status(ticket.status)
            events = self.timeline(session, ticket.id)
            handling = replay(_steps(events))
            after = status_after(before, act.value, actor, handling)
            if after is not before or act not in CO_ACTIONS:
                self._loop_rules(session, ticket, act, events)
            tgt = self._apply(session, ticket, act, target, text, handling)
            steps = [self._event(session, ticket, act, actor, at, before, after, text, tgt)]
            ticket.status = after.value
            if act is Action.FEEDBACK and tgt is not None:
                ticket.satisfaction = tgt
                sla, _ = self.rules(session)
                if tgt == Satisfaction.UNSATISFIED.value and sla.config.loop.unsatisfied_reopens:
                    reopened = transition(after, Action.REJECT)
                    steps.append(
                        self._event(
                            session, ticket, Action.REJECT, SYSTEM, at, after, reopened,
                            "群众不满意，重新办理 / the resident is not satisfied: reopened", None,
                        )
                    )  # fmt: skip
                    ticket.reopen_count += 1
                    ticket.status = reopened.value
                    after = reopened
            recoloured = False
            if act is Action.MEDIATION_FAILED:
                recolour = self._dispute_rule(session, ticket)
                if recolour is not None:
                    steps.append(
                        self._event(
                            session, ticket, Action.RECOLOUR, SYSTEM, at, after, after,
                            f"{recolour.reason_zh} / {recolour.reason_en}", recolour.to.value,
                        )
                    )  # fmt: skip
                    ticket.colour = recolour.to.value
                    recoloured = True
            if after.is_terminal and not before.is_terminal:
                ticket.closed_at = at
            elif before.is_terminal and not after.is_terminal:
                ticket.closed_at = None
            ticket.version += 1
            ticket.updated_at = at
            self._settle(session, ticket, steps, at)
            record_change(
                session,
                at=at,
                kind="ticket",
                op=act.value,
                entity_id=ticket.id,
                data={"status": ticket.status, "version": ticket.version, "actor": actor},
            )
            return _result(ticket, recoloured)

        return self._once(idempotency, work, at)

    def _once(
        self, idem: Idempotency | None, work: Callable[[Session], ActResult], at: datetime
    ) -> ActResult:
        """Run ``work`` in one transaction, at most once per key (:func:`run_once`); the
        key is stamped ``at``, taken before the transaction."""
        return run_once(self.factory, idem, work, ActResult, at)

    def _lock(self, session: Session, ticket_id: int) -> Ticket:
        ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
        if ticket is None:
            raise TicketNotFound(f"no ticket {ticket_id}")
        return ticket

    def _loop_rules(
        self, session: Session, ticket: Ticket, act: Action, events: Sequence[TicketEvent]
    ) -> None:
        """The closed loop: no ``resolve`` without on-site inspection (查验) where the
        rules require it, no ``verify`` after a callback that found the resident not
        satisfied."""
        if act is Action.RESOLVE:
            sla, _ = self.rules(session)
            category = session.get(Category, ticket.category)
            flag = category.inspection if category is not None else None
            if sla.config.loop.inspection_required(ticket.category, flag) and not _inspected(
                events
            ):
                raise ServiceError(
                    "须先到场查验再处置 / this matter needs on-site inspection (arrive) "
                    "before it can be resolved"
                )
        elif act is Action.VERIFY and ticket.satisfaction == Satisfaction.UNSATISFIED.value:
            raise ServiceError(
                "回访不满意，不能验收 / the resident's callback was 'not satisfied': the "
                "ticket cannot be accepted until a later callback is content"
            )

    def _apply(
        self,
        session: Session,
        ticket: Ticket,
        act: Action,
        target: str | None,
        note: str,
        handling: Handling,
    ) -> str | None:
        """Side effects of an action on the ticket's fields; returns the target to record."""
        if act is Action.DISPATCH:
            return self._assign(session, ticket, target)
        if act is Action.ESCALATE:
            return self._escalate_to(session, ticket, target, handling)
        if act is Action.ASSIST:
            dept = self._department(session, target, "assist")
            try:
                check_assist(handling, dept.code)
            except HandlingRefused as exc:
                raise ServiceError(str(exc)) from None
            return f"dept:{dept.code}"
        if act is Action.FEEDBACK:
            try:
                return Satisfaction.parse(target).value
            except ValueError as exc:
                raise ServiceError(f"feedback (回访) needs the callback result: {exc}") from None
        if act is Action.MERGE:
            if target is None or not target.isdigit():
                raise ServiceError("merge needs the id of the ticket this one duplicates")
            other = session.get(Ticket, int(target))
            if other is None or other.id == ticket.id:
                raise ServiceError(f"cannot merge into ticket {target}: no such other ticket")
            ticket.merged_into = other.id
            return str(other.id)
        if act is Action.RECOLOUR:
            try:
                colour = RiskColour.parse(target or "")
            except ValueError:
                raise ServiceError(f"recolour needs a colour, got {target!r}") from None
            if not note:
                raise ServiceError("a colour change needs a reason in the note")
            ticket.colour = colour.value
            return colour.value
        if act is Action.MEDIATION_FAILED:
            ticket.mediation_failures += 1
        elif act in (Action.REJECT, Action.REOPEN):
            ticket.reopen_count += 1
        if act in (Action.REJECT, Action.REOPEN, Action.CANCEL) and not note:
            raise ServiceError(f"{act.value} needs a reason in the note")
        return None

    def _assign(self, session: Session, ticket: Ticket, target: str | None) -> str | None:
        if target is None:
            return None if ticket.worker_id is None else self._worker_code(session, ticket)
        if target.startswith("dept:"):
            return f"dept:{self._department(session, target, 'dispatch').code}"
        worker = session.scalar(select(Worker).where(Worker.code == target))
        if worker is None:
            raise ServiceError(f"unknown worker {target!r}")
        ticket.worker_id = worker.id
        return worker.code

    def _worker_code(self, session: Session, ticket: Ticket) -> str | None:
        worker = session.get(Worker, ticket.worker_id)
        return worker.code if worker else None

    def _department(self, session: Session, target: str | None, what: str) -> Department:
        code = (target or "").removeprefix("dept:").strip()
        if not code:
            raise ServiceError(f"{what} needs a department (dept:<code>)")
        dept = session.scalar(select(Department).where(Department.code == code))
        if dept is None:
            raise ServiceError(f"unknown department {code!r}")
        return dept

    def _escalate_to(
        self, session: Session, ticket: Ticket, target: str | None, handling: Handling
    ) -> str:
        """The escalate target to record: ``dept:<code>`` (吹哨; default: the category's
        department) or ``up:<level>`` one rung up the ladder (refused at the top)."""
        code = target
        if code is None:
            category = session.get(Category, ticket.category)
            code = category.department_code if category else None
        if code is None or code == "up" or code.startswith("up:"):
            try:
                return up_target(handling.level)
            except HandlingRefused as exc:
                raise ServiceError(str(exc)) from None
        return f"dept:{self._department(session, code, 'escalate').code}"

    def _dispute_rule(self, session: Session, ticket: Ticket) -> Recolour | None:
        category = session.get(Category, ticket.category)
        return after_failed_mediation(
            RiskColour(ticket.colour),
            ticket.mediation_failures,
            is_dispute=bool(category and category.is_dispute),
        )

    def _event(
        self,
        session: Session,
        ticket: Ticket,
        act: Action,
        actor: str,
        at: datetime,
        before: Status | None,
        after: Status,
        note: str,
        target: str | None,
    ) -> TicketEvent:
        row = TicketEvent(
            ticket_id=ticket.id,
            at=at,
            action=act.value,
            actor=clean_text(actor, one_line=True)[:80],
            from_status=before.value if before else None,
            to_status=after.value,
            note=note,
            target=target,
        )
        session.add(row)
        return row

    # -- SLA and points ------------------------------------------------------------------

    def timeline(self, session: Session, ticket_id: int) -> list[TicketEvent]:
        """The ticket's timeline, oldest first."""
        return list(
            session.scalars(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket_id)
                .order_by(TicketEvent.at, TicketEvent.id)
            )
        )

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
        if events is None:
            events = self.timeline(session, ticket.id)
        return sla.ticket(ticket.colour, ticket.category, ticket.channel, _steps(events), now)

    def _store(self, session: Session, ticket: Ticket, tc: TicketClocks) -> None:
        """The ticket's stored columns from its clocks and handling (one rule: the chain)."""
        policy = tc.policy
        ticket.sla_policy = policy.name if policy is not None else ""
        ticket.due_at, ticket.next_deadline = tc.due_at, tc.next_deadline
        ticket.level = tc.handling.level.value
        code = tc.handling.lead_department
        ticket.department_id = (
            session.scalar(select(Department.id).where(Department.code == code))
            if code is not None
            else None
        )

    def _settle(
        self, session: Session, ticket: Ticket, new_steps: Sequence[TicketEvent], at: datetime
    ) -> None:
        """Recompute the stored columns, credit the new steps' points, and handle the
        breach of any clock that ran out and has stopped counting."""
        session.flush()
        _, engine = self.rules(session)
        events = self.timeline(session, ticket.id)
        tc = self.clocks(session, ticket, at, events)
        self._store(session, ticket, tc)
        if engine is None:
            return
        subject_of = self._subject_of(session)
        new_ids = {e.id for e in new_steps}
        index = [i for i, e in enumerate(events) if e.id in new_ids]
        credits = step_credits(_steps(events), index, tc, subject_of)
        # clocks that ran out and no longer count (stopped late, handed over, the ticket
        # waiting): handled now; the sweeper handles the counting ones, and escalates
        late = [c for c in unmarked_breaches(tc, _marks(events), at) if not c.counting]
        for clock in late:
            self._breach_note(session, ticket, clock, at)
        credits += breach_credits(tc, late, subject_of)
        self._award(session, engine, credits, ticket)

    def _breach_note(
        self, session: Session, ticket: Ticket, clock: ClockStatus, at: datetime
    ) -> None:
        status = Status(ticket.status)
        who = Holder.from_key(clock.holder)
        note = f"超时: {clock.label_zh} / breached: {clock.label_en}"
        if who.kind is HolderKind.DEPARTMENT:
            note += f" ({who.ref})"
        self._event(session, ticket, Action.NOTE, SYSTEM, at, status, status, note, mark(clock))

    def _subject_of(self, session: Session) -> Callable[[str], tuple[SubjectKind, int] | None]:
        def subject_of(actor: str) -> tuple[SubjectKind, int] | None:
            if actor.startswith("dept:"):
                code = actor[5:]
                dept_id = session.scalar(select(Department.id).where(Department.code == code))
                return None if dept_id is None else (SubjectKind.DEPARTMENT, dept_id)
            if actor == SYSTEM or actor.startswith(CENTRE_ACTORS):
                return None  # people at the centre and the rules earn no points
            wid = session.scalar(select(Worker.id).where(Worker.code == actor))
            return None if wid is None else (SubjectKind.WORKER, wid)

        return subject_of

    def _award(
        self, session: Session, engine: ScoringEngine, credits: list[Credit], ticket: Ticket | None
    ) -> None:
        """Append the ledger lines of ``credits``, in order; the domain applies the caps."""
        ledger.award(
            session, engine, credits, ticket.id if ticket else None,
            ticket.channel if ticket else None,
        )  # fmt: skip

    # -- the sweeper ---------------------------------------------------------------------

    def sweep(
        self, *, at: datetime | None = None, limit: int = 5000, batch: int = SWEEP_BATCH
    ) -> SweepResult:
        """Handle clocks that breached by ``at``: penalty, note, and escalation.

        Each breached clock is handled once (a ``breach:<clock>`` note marks it): the
        responsible worker or department loses the breach points, and a clock that
        escalates on breach sends the ticket one level up (吹哨) when its status
        allows. Safe to run as often as wanted, from any number of processes. Writes
        in transactions of at most ``batch`` tickets (:mod:`gridtui.data.writes.sweeper`
        drives them with pauses in between, for a server).
        """
        from gridtui.data.writes.sweeper import sweep_in_steps  # it drives this service

        at = _aware(at or self.clock())
        return sweep_in_steps(self, lambda step: step(), at, limit=limit, batch=batch, pause=0)

    def sweep_batch(
        self, ids: Sequence[int], at: datetime, budget: float = SWEEP_BUDGET
    ) -> tuple[int, int, int]:
        """One transaction sweeping the tickets ``ids`` (ascending, as
        :func:`~gridtui.data.writes.sweeper.due_for_sweep` gives them: two sweepers lock in
        the same order) until ``budget`` seconds have passed; (how many of the first
        ``ids`` were done, breaches, escalated). At least one ticket is done. The
        change feed's lock is taken last, at commit, so that an officer's action is
        never kept waiting for it while this batch locks tickets."""
        at = _aware(at)
        started = time.monotonic()
        done = breaches = escalated = 0
        with self.factory.begin() as session:
            changes = []
            for ticket_id in ids:
                b, e, change = self._sweep_ticket(session, ticket_id, at)
                done, breaches, escalated = done + 1, breaches + b, escalated + e
                if change is not None:
                    changes.append(change)
                if time.monotonic() - started > budget:
                    break
            for ticket_id, data in changes:
                record_change(session, at=at, kind="ticket", op="breach",
                              entity_id=ticket_id, data=data)  # fmt: skip
        return done, breaches, escalated

    def _sweep_ticket(
        self, session: Session, ticket_id: int, at: datetime
    ) -> tuple[int, int, tuple[int, dict[str, Any]] | None]:
        """One ticket's fresh breaches handled in the caller's transaction: (breaches,
        escalated, the change to record)."""
        ticket = self._lock(session, ticket_id)
        status = Status(ticket.status)
        if not status.is_open:
            return 0, 0, None
        _, engine = self.rules(session)
        events = self.timeline(session, ticket.id)
        tc = self.clocks(session, ticket, at, events)
        fresh = unmarked_breaches(tc, _marks(events), at)
        if not fresh:
            self._store(session, ticket, tc)  # e.g. rules re-timed since: no re-sweep
            self._remember_quiet(session, ticket, tc, at)
            return 0, 0, None
        for clock in fresh:
            self._breach_note(session, ticket, clock, at)
        if engine is not None:
            self._award(
                session, engine, breach_credits(tc, fresh, self._subject_of(session)), ticket
            )
        # one rung up, once per clock (its mark is written above), for the lead's clocks
        lead = tc.lead_key
        escalated = 0
        if (
            any(c.escalate and c.holder == lead for c in fresh)
            and Action.ESCALATE in allowed_actions(status)
            and tc.handling.level.up() is not None
        ):
            tgt = up_target(tc.handling.level)
            self._event(
                session, ticket, Action.ESCALATE, SYSTEM, at, status,
                Status.ESCALATED, "超时自动升级 / escalated on breach", tgt,
            )  # fmt: skip
            ticket.status = Status.ESCALATED.value
            escalated = 1
        ticket.version += 1
        ticket.updated_at = at
        session.flush()
        after = self.clocks(session, ticket, at)
        self._store(session, ticket, after)
        self._remember_quiet(session, ticket, after, at)
        change = (ticket.id, {"status": ticket.status, "version": ticket.version})
        return len(fresh), escalated, change

    def _remember_quiet(
        self, session: Session, ticket: Ticket, tc: TicketClocks, at: datetime
    ) -> None:
        """Every clock of ``ticket`` that ran out by ``at`` is handled: until its next
        deadline still ahead (or a change of the ticket or of the rules) a sweep has
        nothing to do with it. An overdue ticket keeps its passed deadline for the
        queue's order, so without this every round would read it again."""
        ahead = [c.deadline for c in tc.clocks if c.counting and c.deadline and c.deadline > at]
        sla, _ = self.rules(session)
        self.quiet[ticket.id] = (ticket.version, sla, min(ahead, default=None))

    def is_quiet(self, ticket_id: int, version: int, sla: SlaRuntime, at: datetime) -> bool:
        """Whether a sweep at ``at`` has nothing to do with the ticket (see
        :meth:`_remember_quiet`)."""
        known = self.quiet.get(ticket_id)
        if known is None or known[0] != version or known[1] is not sla:
            return False
        return known[2] is None or known[2] > at

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
        at = _aware(at or self.clock())
        kind = SubjectKind(subject_kind)

        def work(session: Session) -> AdjustResult:
            _, engine = self.rules(session)
            if engine is None:
                raise ServiceError("no scoring.toml loaded")
            model = Worker if kind is SubjectKind.WORKER else Department
            if session.get(model, subject_id) is None:
                raise ServiceError(f"no {kind.value} {subject_id}")
            if ticket_id is not None and session.get(Ticket, ticket_id) is None:
                raise ServiceError(f"no ticket {ticket_id} to adjust points for")
            entry = engine.adjust(
                kind, subject_id, points, clean_text(reason), clean_text(author, one_line=True),
                at, ticket_id,
            )  # fmt: skip
            session.add(ledger.ledger_row(entry))
            record_change(
                session,
                at=at,
                kind="score",
                op="adjust",
                entity_id=subject_id,
                data={"subject": kind.value, "points": entry.points},
            )
            return AdjustResult(kind.value, subject_id, entry.points)

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
        at = _aware(at or now)
        kind = ReportKind.EVENTS if events else ReportKind.ALL_SAFE
        report = DailyReport(
            worker_id, report_day(at, self.timezone), at, kind, events, clean_text(note).strip()
        )

        def work(session: Session) -> ReportResult:
            if session.get(Worker, worker_id) is None:
                raise ServiceError(f"no worker {worker_id}")
            existing = [
                DailyReport(r.worker_id, r.day, r.at, ReportKind(r.kind), r.events, r.note)
                for r in session.scalars(
                    select(DailyReportRow).where(
                        DailyReportRow.worker_id == worker_id, DailyReportRow.day == report.day
                    )
                )
            ]
            validate_report(report, existing, now, self.timezone)
            session.add(
                DailyReportRow(
                    worker_id=worker_id,
                    day=report.day,
                    at=at,
                    kind=kind.value,
                    events=events,
                    note=report.note,
                )
            )
            _, engine = self.rules(session)
            if engine is not None:
                credit = Credit(SubjectKind.WORKER, worker_id, "daily_report", at)
                self._award(session, engine, [credit], None)
            record_change(
                session, at=at, kind="report", op="file", entity_id=worker_id,
                data={"day": report.day.isoformat(), "kind": kind.value},
            )  # fmt: skip
            return ReportResult(worker_id, report.day, at, kind.value, events, report.note)

        return run_once(self.factory, idempotency, work, ReportResult, now)

    def missing_reports(self, day: date) -> list[tuple[int, str, str]]:
        """Active workers with no daily report for ``day``: (id, code, name), by code."""
        with self.factory() as session:
            filed = select(DailyReportRow.worker_id).where(DailyReportRow.day == day)
            rows = session.execute(
                select(Worker.id, Worker.code, Worker.name)
                .where(Worker.active.is_(True), Worker.id.not_in(filed))
                .order_by(Worker.code)
            )
            return [(r.id, r.code, r.name) for r in rows]


def _steps(events: Sequence[TicketEvent]) -> list[Step]:
    return [Step(e.action, e.at, e.actor, e.target) for e in events]


def _marks(events: Sequence[TicketEvent]) -> list[str]:
    return [e.target for e in events if e.target and e.target.startswith(BREACH_MARK)]


def _inspected(events: Sequence[TicketEvent]) -> bool:
    """An on-site inspection (arrive) since the ticket last came back for rework."""
    for e in reversed(events):
        if e.action == Action.ARRIVE.value:
            return True
        if e.action in (Action.REJECT.value, Action.REOPEN.value):
            return False
    return False


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ServiceError(f"datetime {at.isoformat()} has no time zone")
    return at.astimezone(UTC)


def _result(ticket: Ticket, recoloured: bool = False) -> ActResult:
    return ActResult(
        ticket.id,
        ticket.status,
        ticket.colour,
        ticket.version,
        ticket.due_at,
        ticket.next_deadline,
        recoloured,
    )
