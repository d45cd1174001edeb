"""What a ticket write answers: the ticket after an action, and a sweeper round's counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gridtui.data.storage.models import Ticket


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

    @classmethod
    def of(cls, ticket: Ticket, recoloured: bool = False) -> ActResult:
        """The result of a write that left ``ticket`` as it is now."""
        return cls(
            ticket.id, ticket.status, ticket.colour, ticket.version, ticket.due_at,
            ticket.next_deadline, recoloured,
        )  # fmt: skip

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


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What one pass of the SLA sweeper did; ``missing_reports``: the missing-daily-
    report penalties it wrote (:mod:`gridtui.data.writes.report_sweep`)."""

    checked: int
    breaches: int
    escalated: int
    missing_reports: int = 0
