"""The simulator's event loop: a queue of due simulated actions, played in time order.

Each event is one thing that happens in the city at a simulated instant: a report
arrives (a new ticket), someone takes the next step on a ticket, a worker files a
daily report, a supervisor makes a spot check, a new day begins. Running an event
writes through the :class:`~gridtui.sim.target.CityTarget` and queues what follows.
Every random choice is drawn from one :class:`random.Random` when an event is
*queued*, never when it runs, so the same seed on the same city gives the same
writes in the same order, and an event retried after an outage does the same thing.

Refusals are expected — a person at a screen may act on a ticket first
(:class:`~gridtui.data.sources.source.StaleData`,
:class:`~gridtui.data.sources.source.ActionRefused`):
the step is dropped, the ticket read again a little later and carried on from where
it stands. :class:`~gridtui.data.sources.source.SourceUnavailable` leaves the event at the
head of the queue and propagates: the caller waits and runs it again.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np

from gridtui.data.seeding.seedgen import GenTicket, HistoryGenerator
from gridtui.data.sources.records import Anchor, NewTicket, QueueQuery, TicketDetail
from gridtui.data.sources.source import SourceError, SourceUnavailable
from gridtui.domain.lifecycle import Action, Status
from gridtui.sim.behaviour import (
    EVENTS_PER_GRID_DAY,
    HOUR,
    MIN,
    P_MISSING_REPORT,
    REPORT_HOURS,
    REPORTERS,
    SPOT_CHECKS_PER_DAY,
    SPOT_FINDINGS,
    SUPERVISOR,
    SimTicket,
    Step,
    after,
    next_arrival,
    next_step,
    plan,
    uniform,
)
from gridtui.sim.city import SimCity, load_city, with_outlines
from gridtui.sim.clock import ManualClock
from gridtui.sim.target import CityTarget

#: times a ticket is read again after refusals before the simulator leaves it alone
MAX_REREADS = 5
#: open tickets taken over at start (the seeded backlog), by nearest deadline
ADOPT = 500
#: simulated time between two rounds of the SLA sweeper
SWEEP_EVERY = timedelta(minutes=5)


class Clock(Protocol):
    """The simulated now."""

    def now(self) -> datetime:
        """Aware UTC."""
        ...


@dataclass(slots=True)
class Tally:
    """What the simulator did (for progress lines and the summary)."""

    opened: int = 0
    channels: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    turned_yellow: int = 0
    #: SLA clocks found breached by the sweeper (penalised, some escalated)
    breaches: int = 0
    reports: int = 0
    reports_missing: int = 0
    adjustments: int = 0
    adopted: int = 0
    refused: int = 0
    outages: int = 0

    @property
    def closed(self) -> int:
        """Closed loops (verified)."""
        return self.actions[Action.VERIFY.value]

    def line(self) -> str:
        """One line of figures."""
        a = self.actions
        return (
            f"opened {self.opened}, closed {self.closed}, escalated {a['escalate']}, "
            f"mediations failed {a['mediation_failed']} (yellow {self.turned_yellow}), "
            f"rejected {a['reject']}, breaches {self.breaches}, "
            f"reports {self.reports} (missing {self.reports_missing}), "
            f"spot checks {self.adjustments}, refused {self.refused}"
        )


#: an event: (due, order, kind, payload); ``order`` breaks ties in queueing order
Event = tuple[datetime, int, str, object]


class Simulator:
    """The city, played forward from the clock's now.

    Call :meth:`start` once (it reads the catalogue and the open tickets), then
    :meth:`run_next` whenever :meth:`next_due` has come, or :meth:`run_until` with a
    :class:`~gridtui.sim.clock.ManualClock`.
    """

    def __init__(
        self,
        target: CityTarget,
        clock: Clock,
        *,
        seed: int = 1,
        rate: float = EVENTS_PER_GRID_DAY,
        fixtures: Path | None = Path("fixtures"),
        adopt: int = ADOPT,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be a positive number of events per grid and day: {rate}")
        self.target = target
        self.clock = clock
        self.rng = random.Random(seed)
        #: where reports are made: a stream of its own (the rest runs as without it)
        self._where = np.random.default_rng([seed, 17])
        self.rate = rate
        self.fixtures = fixtures
        self.adopt_limit = adopt
        self.log = log or (lambda _msg: None)
        self.tz = ZoneInfo(target.timezone)
        self.tally = Tally()
        self.city: SimCity | None = None
        self._gen: HistoryGenerator | None = None
        self._heap: list[Event] = []
        self._order = itertools.count()
        #: the tickets being driven (open ones only) and each one's queued step
        self.tickets: dict[int, SimTicket] = {}
        self._steps: dict[int, Step] = {}
        #: matters each worker found or took today (their daily report's count)
        self._found: Counter[str] = Counter()
        self._day: date | None = None

    # -- the queue ----------------------------------------------------------------------

    def _push(self, due: datetime, kind: str, payload: object = None) -> None:
        heapq.heappush(self._heap, (due.astimezone(UTC), next(self._order), kind, payload))

    def next_due(self) -> datetime | None:
        """When the next event is due (None: nothing queued)."""
        return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    def run_next(self) -> str:
        """Run the first event (its time has come); returns its kind.

        Raises:
            SourceUnavailable: the source is away; the event stays first in the queue.
        """
        event = heapq.heappop(self._heap)
        _, _, kind, payload = event
        try:
            self._run(kind, payload)
        except SourceUnavailable:
            heapq.heappush(self._heap, event)
            raise
        return kind

    def run_until(self, until: datetime) -> None:
        """Play every event up to ``until`` at once, moving the manual clock to each.

        Raises:
            SourceUnavailable: as :meth:`run_next`.
        """
        if not isinstance(self.clock, ManualClock):
            raise TypeError("run_until needs a ManualClock; live runs wait for real time")
        while self._heap and self._heap[0][0] <= until:
            self.clock.set(self._heap[0][0])
            self.run_next()
        self.clock.set(until)

    def _run(self, kind: str, payload: object) -> None:
        handler: dict[str, Callable[[object], None]] = {
            "arrival": self._arrival,
            "step": self._step,
            "adopt": self._adopt,
            "day": self._new_day,
            "report": self._report,
            "missed": self._missed,
            "spot": self._spot,
            "sweep": self._sweep,
        }
        handler[kind](payload)

    # -- starting ----------------------------------------------------------------------

    def start(self) -> int:
        """Read the city, take over the open tickets, queue the first arrival and the day;
        returns how many open tickets it takes over.

        Raises:
            SourceUnavailable: the source is away (call again later).
            ValueError: the city has no grids or categories.
        """
        ref = self.target.reference()
        now = self.clock.now()
        read_map = lambda: self.target.geo(now, layers=frozenset())  # noqa: E731
        city = with_outlines(load_city(ref, self.fixtures), read_map)
        backlog = self._open_tickets() if self.adopt_limit else []
        self.city = city
        self._gen = HistoryGenerator(self.rng, city.grids, city.categories)
        for ticket_id in backlog:
            self._push(now + uniform(self.rng, MIN, HOUR), "adopt", ticket_id)
        self._push(now, "day")
        self._push(now + SWEEP_EVERY, "sweep")
        self._queue_arrival(now)
        return len(backlog)

    def _open_tickets(self) -> list[int]:
        """The open tickets with the nearest deadlines, up to the adoption limit."""
        ids: list[int] = []
        anchor, cursor = Anchor.FIRST, None
        while len(ids) < self.adopt_limit:
            page = self.target.queue(
                QueueQuery(), anchor, cursor, min(200, self.adopt_limit - len(ids))
            )
            ids += [r.id for r in page.rows]
            if not page.has_after or page.last is None:
                break
            anchor, cursor = Anchor.AFTER, page.last
        return ids

    @property
    def _city(self) -> SimCity:
        if self.city is None:
            raise RuntimeError("call start() first")
        return self.city

    # -- arrivals ------------------------------------------------------------------------

    def _queue_arrival(self, after_: datetime) -> None:
        assert self._gen is not None
        per_day = self.rate * len(self._city.grids)
        at = next_arrival(self.rng, after_, self.tz, per_day)
        report = self._gen.new_ticket(0, int(at.timestamp()))
        self._push(at, "arrival", report)

    def _arrival(self, payload: object) -> None:
        report = payload
        assert isinstance(report, GenTicket)
        city = self._city
        channel = report.channel
        worker = report.grid.worker_code or None
        reporter = (worker or "sim:patrol") if channel == "patrol" else REPORTERS[channel]
        lat, lon = city.spot(report.grid.id, self._where)
        new = NewTicket(
            title=report.title,
            category=report.category.code,
            channel=channel,
            grid=city.grid_codes[report.grid.id],
            reporter=reporter,
            description=f"{report.category.name}，{report.address}",
            address=report.address,
            colour=report.colour,
            lat=lat,
            lon=lon,
            source="simulator",
        )
        try:
            out = self.target.open_ticket(new)
        except SourceUnavailable:
            raise
        except SourceError as exc:
            self._refused(f"opening a ticket: {exc}")
        else:
            self.tally.opened += 1
            self.tally.channels[channel] += 1
            if channel == "patrol" and worker:
                self._found[worker] += 1
            t = SimTicket(
                out.ticket_id, out.version, out.status, out.colour, channel, report.category,
                category_department=city.category_departments.get(report.category.code),
            )  # fmt: skip
            plan(self.rng, t)
            self.tickets[t.id] = t
            self._queue_next(t)
        # from this report's own time, so that a run that lags behind a high speed (or
        # comes back from an outage) keeps the rate rather than thinning it
        self._queue_arrival(datetime.fromtimestamp(report.opened, UTC))

    # -- tickets ---------------------------------------------------------------------------

    def _queue_next(self, t: SimTicket) -> None:
        step = next_step(self.rng, t)
        if step is None:  # settled: forget it
            self.tickets.pop(t.id, None)
            self._steps.pop(t.id, None)
            return
        self._steps[t.id] = step
        self._push(self.clock.now() + step.delay, "step", t.id)

    def _step(self, payload: object) -> None:
        ticket_id = int(str(payload))
        t, step = self.tickets.get(ticket_id), self._steps.get(ticket_id)
        if t is None or step is None:
            return
        now = self.clock.now()
        try:
            if step.action == Action.DISPATCH.value and t.worker is None:
                # the centre looks at the ticket before dispatching: whose grid, and
                # whether someone at a screen has already moved it on
                self._sync(t, self.target.ticket(ticket_id, now))
                if t.status not in (Status.NEW.value, Status.REOPENED.value):
                    self._queue_next(t)
                    return
            out = self.target.act(
                ticket_id, step.action, actor=step.actor, note=step.note, target=step.target,
                expected_version=t.version,
            )  # fmt: skip
        except SourceUnavailable:
            raise
        except SourceError as exc:  # someone else acted first, or the rules refuse it
            self._steps.pop(ticket_id, None)
            self._refused(f"ticket {ticket_id} {step.action}: {exc}")
            self._reread_later(t)
            return
        self._steps.pop(ticket_id, None)
        t.version, t.status = out.version, out.status
        self.tally.actions[step.action] += 1
        if out.recoloured:
            self.tally.turned_yellow += 1
        if step.action == Action.ACCEPT.value and step.actor == t.worker and t.worker:
            self._found[t.worker] += 1
        after(t, step, out.colour)
        self._queue_next(t)

    def _reread_later(self, t: SimTicket) -> None:
        if t.rereads >= MAX_REREADS:
            self.tickets.pop(t.id, None)  # somebody is working it by hand: leave it to them
            return
        t.rereads += 1
        self._push(self.clock.now() + uniform(self.rng, MIN, 10 * MIN), "adopt", t.id)

    def _adopt(self, payload: object) -> None:
        """Read a ticket and carry on from where it stands."""
        ticket_id = int(str(payload))
        try:
            detail = self.target.ticket(ticket_id, self.clock.now())
        except SourceUnavailable:
            raise
        except SourceError as exc:
            self.tickets.pop(ticket_id, None)
            self._refused(f"reading ticket {ticket_id}: {exc}")
            return
        t = self.tickets.get(ticket_id)
        if t is None:
            code = detail.row.category
            t = SimTicket(
                ticket_id, detail.row.version, detail.row.status, detail.row.colour,
                detail.row.channel, self._city.category(code),
                category_department=self._city.category_departments.get(code),
            )  # fmt: skip
            plan(self.rng, t)
            t.reject = False  # it may have been round once already
            self.tickets[ticket_id] = t
            self.tally.adopted += 1
        self._sync(t, detail)
        if Status(t.status).is_terminal:
            self.tickets.pop(ticket_id, None)
            return
        self._queue_next(t)

    def _sync(self, t: SimTicket, detail: TicketDetail) -> None:
        """Take the ticket as the data source has it."""
        row, city = detail.row, self._city
        t.version, t.status, t.colour = row.version, row.status, row.colour
        if row.worker_id is not None:
            t.worker = city.worker_codes.get(row.worker_id, t.worker)
        if row.department_id is not None:
            t.department = city.department_codes.get(row.department_id, t.department)
        t.mediations_failed = max(t.mediations_failed, detail.mediation_failures)

    # -- days, reports, spot checks ----------------------------------------------------------

    def _new_day(self, _payload: object) -> None:
        """Plan the day: each worker's report (a few will not come) and the spot checks."""
        city, rng = self._city, self.rng
        now = self.clock.now()
        local = now.astimezone(self.tz)
        if local.date() != self._day:
            self._found.clear()
            self._day = local.date()
        first, last = (datetime.combine(local.date(), t, self.tz) for t in REPORT_HOURS)
        for _, code in city.workers:
            at = first + uniform(rng, timedelta(0), last - first)
            missing = rng.random() < P_MISSING_REPORT
            if at > now:  # (started late in the day: that report was due already)
                self._push(at, "missed" if missing else "report", code)
        morning = datetime.combine(local.date(), time(9), self.tz)
        for _ in range(rng.randint(*SPOT_CHECKS_PER_DAY)):
            at = morning + uniform(rng, timedelta(0), timedelta(hours=8))
            points, reason = SPOT_FINDINGS[rng.randrange(len(SPOT_FINDINGS))]
            if rng.random() < 0.8 or not city.department_codes:
                subject = ("worker", city.workers[rng.randrange(len(city.workers))][0])
            else:
                depts = sorted(city.department_codes)
                subject = ("department", depts[rng.randrange(len(depts))])
            if at > now:
                self._push(at, "spot", (*subject, points, reason))
        tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), self.tz)
        self._push(tomorrow, "day")

    def _report(self, payload: object) -> None:
        code = str(payload)
        events = self._found.get(code, 0)
        note = "无事报平安 / all safe" if events == 0 else f"今日事件{events}件 / {events} today"
        try:
            self.target.file_report(code, events, note, self.clock.now())
        except SourceUnavailable:
            raise
        except SourceError as exc:  # e.g. filed already (by hand, or before a restart)
            self._refused(f"daily report of {code}: {exc}")
        else:
            self.tally.reports += 1

    def _missed(self, _payload: object) -> None:
        """A report that does not come (counted when it would have)."""
        self.tally.reports_missing += 1

    def _spot(self, payload: object) -> None:
        assert isinstance(payload, tuple)
        kind, subject_id, points, reason = payload
        try:
            self.target.adjust(str(kind), int(subject_id), float(points), str(reason),
                               actor=SUPERVISOR)  # fmt: skip
        except SourceUnavailable:
            raise
        except SourceError as exc:
            self._refused(f"spot check of {kind} {subject_id}: {exc}")
        else:
            self.tally.adjustments += 1

    def _sweep(self, _payload: object) -> None:
        """The SLA sweeper's round: breached clocks are penalised (and escalated where
        the rules say so) as the centre's sweeper does; the next round is queued."""
        try:
            self.tally.breaches += self.target.sweep(self.clock.now())
        except SourceUnavailable:
            raise  # this round stays first in the queue
        except SourceError as exc:
            self._refused(f"SLA sweep: {exc}")
        self._push(self.clock.now() + SWEEP_EVERY, "sweep")

    def _refused(self, message: str) -> None:
        self.tally.refused += 1
        self.log(f"skipped: {message}")


__all__ = ["ADOPT", "Clock", "Simulator", "Tally"]
