"""What the wall alerts on: a red ticket or an SLA breach it had not seen at the last look.

Pure bookkeeping over the DataSource records (no I/O, no clock reads, no UI): the app
loads the open red tickets and the SLA board now and then, and asks every second
which clocks have run out since. The first look only sets the baseline: starting the
wall (or the watcher) never alerts on what was already there. What is remembered is
exactly the last look, so memory is bounded by what one load brings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from gridtui.data.sources.records import SlaRow, TicketRow

AlertKind = Literal["red", "breach"]


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing to alert on: a ticket that turned (or came in) red, or one of its
    SLA clocks that ran out (``clock_zh`` / ``clock_en`` name the clock)."""

    kind: AlertKind
    ticket_id: int
    title: str
    clock_zh: str = ""
    clock_en: str = ""

    def clock(self, lang: str) -> str:
        """The clock's name in ``lang`` (empty for a red ticket)."""
        return self.clock_zh if lang.startswith("zh") else self.clock_en


def clock_key(row: SlaRow) -> str:
    """One clock of one ticket: ``<ticket id>:<clock name>``."""
    return f"{row.ticket.id}:{row.clock.name}"


class AlertWatch:
    """Remembers the last look at the red tickets and the breached clocks."""

    def __init__(self) -> None:
        self._red: set[int] | None = None
        self._rows: list[SlaRow] | None = None
        self._breached: set[str] | None = None

    @property
    def ready(self) -> bool:
        """Whether both baselines are set (the first looks are done)."""
        return self._red is not None and self._breached is not None

    def red_tickets(self, rows: Sequence[TicketRow]) -> list[Alert]:
        """The open red tickets now: those not red at the last look (oldest first)."""
        current = {r.id: r for r in rows if r.colour == "red"}
        before, self._red = self._red, set(current)
        if before is None:
            return []
        return [Alert("red", i, current[i].title) for i in sorted(current) if i not in before]

    def sla_board(self, rows: Sequence[SlaRow], at: datetime) -> list[Alert]:
        """A new load of the SLA board at ``at``: the clocks breached since the last look."""
        self._rows = list(rows)
        return self.breaches(at)

    def breaches(self, at: datetime) -> list[Alert]:
        """The clocks of the last load that are breached at ``at`` and were not at the
        last look (none before the first load)."""
        if self._rows is None:
            return []
        current = {clock_key(r): r for r in self._rows if r.clock.state_at(at) == "breached"}
        before, self._breached = self._breached, set(current)
        if before is None:
            return []
        return [
            Alert("breach", r.ticket.id, r.ticket.title, r.clock.label_zh, r.clock.label_en)
            for key, r in sorted(
                current.items(), key=lambda kv: (kv[1].clock.deadline or at, kv[0])
            )
            if key not in before
        ]
