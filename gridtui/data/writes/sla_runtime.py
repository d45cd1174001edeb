"""The SLA engine applied to stored or generated tickets.

Reads timelines from the database as the steps the domain's chain
(:mod:`gridtui.domain.chain`) evaluates, and keeps a parsed ``sla.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.storage.models import TicketEvent
from gridtui.domain.chain import TicketClocks, ticket_clocks
from gridtui.domain.sla.config import parse_sla_config
from gridtui.domain.sla.policy import SlaConfig


@dataclass(frozen=True, slots=True)
class Step:
    """One timeline entry as the SLA engine, the handling replay and the credit rules
    read it."""

    action: str
    at: datetime
    actor: str = ""
    target: str | None = None


class SlaRuntime:
    """A parsed ``sla.toml``."""

    def __init__(self, config: SlaConfig) -> None:
        self.config = config

    @classmethod
    def from_text(cls, text: str, source: str = "sla.toml") -> SlaRuntime:
        """Parse ``text``; raises :class:`~gridtui.domain.sla.config.SlaConfigError`."""
        return cls(parse_sla_config(text, source))

    def ticket(
        self,
        colour: str,
        category: str,
        channel: str,
        steps: Sequence[Step],
        now: datetime,
        *,
        due_only: bool = False,
    ) -> TicketClocks:
        """Every holder's clocks of a ticket as of ``now`` (:func:`ticket_clocks`)."""
        return ticket_clocks(self.config, colour, category, channel, steps, now, due_only=due_only)


def steps_of(s: Session, ids: list[int]) -> dict[int, list[Step]]:
    """The timelines of the tickets ``ids`` as SLA steps, in one query."""
    out: dict[int, list[Step]] = {}
    if not ids:
        return out
    for e in s.execute(
        select(
            TicketEvent.ticket_id,
            TicketEvent.action,
            TicketEvent.at,
            TicketEvent.actor,
            TicketEvent.target,
        )
        .where(TicketEvent.ticket_id.in_(ids))
        .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
    ):
        out.setdefault(e.ticket_id, []).append(Step(e.action, e.at, e.actor, e.target))
    return out
