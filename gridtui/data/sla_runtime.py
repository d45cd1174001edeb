"""The SLA engine applied to stored or generated tickets.

Turns a ticket's timeline into clock statuses with the policy its colour, category,
channel and assignee select, and condenses them into the two columns the queue sorts
by: ``due_at`` (the resolution deadline) and ``next_deadline`` (the earliest running
clock). Policies are looked up once per combination.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.models import TicketEvent
from gridtui.domain.sla import ClockStatus, Policy, SlaConfig, evaluate, parse_sla_config


@dataclass(frozen=True, slots=True)
class Step:
    """One timeline entry as the SLA engine and the credit rules read it."""

    action: str
    at: datetime
    actor: str = ""


class SlaRuntime:
    """A parsed ``sla.toml`` with cached policy lookups."""

    def __init__(self, config: SlaConfig) -> None:
        self.config = config
        self._policy = lru_cache(maxsize=4096)(self._lookup)
        self._stops: dict[str, dict[str, frozenset[str]]] = {}
        self._resolution: dict[str, Policy] = {}

    @classmethod
    def from_text(cls, text: str, source: str = "sla.toml") -> SlaRuntime:
        """Parse ``text``; raises :class:`~gridtui.domain.sla.SlaConfigError`."""
        return cls(parse_sla_config(text, source))

    def policy(self, colour: str, category: str, channel: str, assignee: str | None) -> Policy:
        """The policy for a ticket of this kind."""
        return self._policy(colour, category, channel, assignee)

    def _lookup(self, colour: str, category: str, channel: str, assignee: str | None) -> Policy:
        return self.config.policy_for(colour, category, channel, assignee)

    def stops(self, policy: Policy) -> dict[str, frozenset[str]]:
        """Clock name -> the action values that stop it."""
        cached = self._stops.get(policy.name)
        if cached is None:
            cached = {c.name: frozenset(str(a) for a in c.stops) for c in policy.clocks}
            self._stops[policy.name] = cached
        return cached

    def clocks(self, policy: Policy, steps: Sequence[Step], now: datetime) -> list[ClockStatus]:
        """Every clock of ``policy`` over ``steps`` as of ``now``."""
        return evaluate(policy, steps, now, self.config)

    def resolution_only(self, policy: Policy) -> Policy:
        """``policy`` with its resolution clock alone (for settled tickets in bulk).

        Every clock of a closed, merged or cancelled ticket has stopped, so its SLA
        columns depend on the resolution clock only.
        """
        cached = self._resolution.get(policy.name)
        if cached is None:
            clock = policy.resolution_clock
            cached = replace(policy, clocks=(clock,) if clock else ())
            self._resolution[policy.name] = cached
        return cached


def assignee_of(department_id: int | None) -> str:
    """The ``assignee`` policies match on: a department once one holds the ticket."""
    return "department" if department_id else "worker"


def deadlines(statuses: Sequence[ClockStatus]) -> tuple[datetime | None, datetime | None]:
    """(resolution deadline, earliest deadline of a clock still running)."""
    due = next((s.deadline for s in statuses if s.resolution), None)
    running = [s.deadline for s in statuses if s.deadline is not None and s.stopped_at is None]
    return due, min(running, default=None)


def steps_of(s: Session, ids: list[int]) -> dict[int, list[Step]]:
    """The timelines of the tickets ``ids`` as SLA steps, in one query."""
    out: dict[int, list[Step]] = {}
    if not ids:
        return out
    for e in s.execute(
        select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.at, TicketEvent.actor)
        .where(TicketEvent.ticket_id.in_(ids))
        .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
    ):
        out.setdefault(e.ticket_id, []).append(Step(e.action, e.at, e.actor))
    return out
