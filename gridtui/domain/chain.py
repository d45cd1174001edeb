"""The accountability chain of one ticket: clocks → breaches → credits.

:func:`ticket_clocks` evaluates every holder's SLA clocks over the ticket's timeline
(each holder gets the policy of its kind, see :meth:`SlaConfig.policy_for`, and its
own view of the timeline, see :func:`gridtui.domain.views.holder_views`), and
condenses them into what is stored on the ticket: the due date (the lead's
resolution clock), the next deadline (the earliest clock still counting) and the
lead's policy. :func:`ticket_credits` turns the same history into scorable credits:
actions earn for whoever did them, carrying the outcome of the clocks they stopped;
rejections count against the lead of the moment; each breached clock is one penalty
for its own holder. The live service, the seed, the importer and the checks all call
these functions: the figures have one home.

Pure code: the timeline and ``now`` come in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from gridtui.domain.credits import Credit, SubjectOf
from gridtui.domain.handling import (
    Handling,
    Holder,
    HolderKind,
    Step,
    leads_before,
)
from gridtui.domain.lifecycle import Action, Status
from gridtui.domain.scoring.rules import Event
from gridtui.domain.sla.clocks import ClockState, ClockStatus
from gridtui.domain.sla.engine import evaluate
from gridtui.domain.sla.policy import Policy, SlaConfig
from gridtui.domain.views import holder_views

#: the timeline ``target`` of a note that marks a breach as handled: breach:<holder>/<clock>
BREACH_MARK = "breach:"
_AGAINST_LEAD = frozenset({Action.REJECT.value, Action.REOPEN.value})


@dataclass(frozen=True)
class TicketClocks:
    """Every holder's clocks of one ticket as of a moment."""

    handling: Handling
    policies: dict[str, Policy]  # holder key -> its policy
    clocks: tuple[ClockStatus, ...]

    @property
    def lead_key(self) -> str | None:
        """The lead holder's key (the last lead's once the ticket is closed)."""
        lead = self.handling.lead
        return lead.key if lead is not None else None

    @property
    def policy(self) -> Policy | None:
        """The lead's policy: the one stored on the ticket."""
        key = self.lead_key
        return self.policies.get(key) if key is not None else None

    @property
    def due_at(self) -> datetime | None:
        """The ticket's due date: the lead's resolution clock deadline."""
        key = self.lead_key
        return next((c.deadline for c in self.clocks if c.resolution and c.holder == key), None)

    @property
    def next_deadline(self) -> datetime | None:
        """The earliest deadline among clocks still counting (the sweeper's and the
        queue's order); a clock standing still cannot breach."""
        return min((c.deadline for c in self.clocks if c.counting and c.deadline), default=None)

    def stops(self, holder: str) -> dict[str, frozenset[str]]:
        """Clock name -> the actions that stop it, for ``holder``'s policy."""
        policy = self.policies.get(holder)
        if policy is None:
            return {}
        return {c.name: c.stops for c in policy.clocks}


def ticket_clocks(
    config: SlaConfig,
    colour: str,
    category: str,
    channel: str,
    steps: Sequence[Step],
    now: datetime,
    *,
    due_only: bool = False,
) -> TicketClocks:
    """Every holder's clocks over ``steps`` (the whole timeline, oldest first) at ``now``.

    ``due_only``: only the lead's resolution clock, for a settled ticket whose other
    clocks nobody reads (the seed's history beyond the points ledger): its stored
    columns come out the same, since nothing of it still counts.
    """
    upto = [s for s in steps if s.at <= now]
    handling, views = holder_views(upto)
    policies: dict[str, Policy] = {}
    clocks: list[ClockStatus] = []
    for holder in handling.holders:
        if due_only and holder != handling.lead:
            continue
        policy = config.policy_for(colour, category, channel, holder.kind.value)
        policies[holder.key] = policy
        if due_only:
            clock = policy.resolution_clock
            policy = replace(policy, clocks=(clock,) if clock else ())
        clocks += evaluate(policy, views.get(holder, []), now, config, holder.key)
    return TicketClocks(handling, policies, tuple(clocks))


def mark(clock: ClockStatus) -> str:
    """The breach mark of a clock: ``breach:<holder>/<clock>``."""
    return f"{BREACH_MARK}{clock.holder}/{clock.name}"


def unmarked_breaches(tc: TicketClocks, marks: Iterable[str], now: datetime) -> list[ClockStatus]:
    """Clocks breached by ``now`` whose breach is not handled yet (no mark on the
    timeline). A mark of the older form ``breach:<clock>`` covers that clock of every
    holder, so nothing handled before is handled twice."""
    done = set(marks)
    return [
        c
        for c in breached_by(tc, now)
        if mark(c) not in done and f"{BREACH_MARK}{c.name}" not in done
    ]


def breach_credits(
    tc: TicketClocks, clocks: Iterable[ClockStatus], subject_of: SubjectOf
) -> list[Credit]:
    """One penalty trigger per breached clock, for the clock's own holder (the centres
    earn and lose nothing): ``late_arrival`` for a worker's arrival clock, else
    ``sla_breach``; dated at the deadline."""
    out: list[Credit] = []
    for clock in clocks:
        if clock.deadline is None:
            continue
        holder = Holder.from_key(clock.holder)
        if not holder.is_person:
            continue
        subject = subject_of(holder.key)
        if subject is None:
            continue
        arrival = Action.ARRIVE.value in tc.stops(clock.holder).get(clock.name, frozenset())
        trigger = (
            Event.LATE_ARRIVAL if arrival and holder.kind is HolderKind.WORKER else Event.SLA_BREACH
        )
        out.append(Credit(subject[0], subject[1], trigger, clock.deadline))
    return out


def _outcomes(tc: TicketClocks) -> dict[tuple[str, str, datetime], bool]:
    """(holder, action, at) of each clock-stopping step -> whether every clock of that
    holder it stopped was within its budget."""
    out: dict[tuple[str, str, datetime], bool] = {}
    by_holder: dict[str, dict[str, frozenset[str]]] = {}
    for clock in tc.clocks:
        if not clock.stops:
            continue
        if clock.holder not in by_holder:
            by_holder[clock.holder] = tc.stops(clock.holder)
        stops = by_holder[clock.holder].get(clock.name, frozenset())
        for at, met in clock.stops:
            for action in stops:
                key = (clock.holder, action, at)
                out[key] = out.get(key, True) and met
    return out


def _leads(steps: Sequence[Step], tc: TicketClocks) -> list[str | None]:
    """The lead's key before each step (from the evaluation's replay when it read the
    same steps)."""
    known = tc.handling.leads_before
    leads = known if len(known) == len(steps) else leads_before(steps)
    return [h.key if h is not None else None for h in leads]


def step_credits(
    steps: Sequence[Step],
    index: Iterable[int],
    tc: TicketClocks,
    subject_of: SubjectOf,
) -> list[Credit]:
    """The credits of the steps at ``index`` in ``steps`` (the whole timeline), their
    clock outcomes read from ``tc``.

    An action earns for its actor (when the actor is a worker or a department) with the
    outcome of the actor's clocks it stopped; ``reject`` and ``reopen`` count against
    the lead of the moment, when that is a worker or a department.
    """
    outcomes = _outcomes(tc)
    leads = _leads(steps, tc)
    out: list[Credit] = []
    for i in index:
        step = steps[i]
        action = str(step.action)
        if action in _AGAINST_LEAD:
            lead = leads[i]
            subject = subject_of(lead) if lead is not None else None
            if subject is not None:
                out.append(Credit(subject[0], subject[1], action, step.at))
            continue
        subject = subject_of(step.actor)
        if subject is not None:
            on_time = outcomes.get((step.actor, action, step.at))
            out.append(Credit(subject[0], subject[1], action, step.at, on_time))
    return out


def ticket_credits(
    steps: Sequence[Step], tc: TicketClocks, subject_of: SubjectOf, now: datetime
) -> list[Credit]:
    """Every credit a ticket's whole history produces up to ``now``: each step's, and
    one penalty per clock breached by ``now``."""
    index = [i for i, s in enumerate(steps) if s.at <= now]
    credits = step_credits(steps, index, tc, subject_of)
    return credits + breach_credits(tc, breached_by(tc, now), subject_of)


def breached_by(tc: TicketClocks, now: datetime) -> list[ClockStatus]:
    """Every clock that ran out by ``now`` (each is one penalty and one breach mark)."""
    return [
        c
        for c in tc.clocks
        if c.state_at(now) is ClockState.BREACHED and c.deadline is not None and c.deadline <= now
    ]


def imported_deadlines(
    due_at: datetime | None, status: Status
) -> tuple[datetime | None, datetime | None]:
    """(due date, next deadline) of a ticket imported with its status taken as given:
    the export's deadline is its due date and, while it is open, the next deadline
    (no clock runs on a timeline it does not have; the first action here starts them)."""
    return due_at, due_at if status.is_open else None
