"""What the public sees of the centre (Open311 GeoReport): records and their query.

:class:`~gridtui.data.sources.source.PublicReads` returns these plain records: the
service catalogue (one service per ticket category), the tickets a GeoReport query
selects with the names they refer to already resolved, and the grid that takes a
report. Which fields a citizen may see is Open311's decision
(:mod:`gridtui.api.open311.documents`), not theirs.

:class:`SandboxArea` is where Open311's test endpoint files its reports instead: a
table of its own, read back in the same records, never among the tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gridtui.data.sources.records import NewTicket

#: the most tickets one GeoReport query returns
MAX_RESULTS = 1000


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """What ``GET requests`` asks for; ``ids``, when given, overrides the rest.

    ``statuses`` holds ``open`` and/or ``closed`` (neither: both)."""

    ids: tuple[int, ...] = ()
    service_code: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """A ticket category as a public service."""

    code: str
    name: str
    name_en: str
    #: the category's function (its group of services)
    function: str


@dataclass(frozen=True, slots=True)
class PublicTicket:
    """A ticket as a GeoReport query reads it, with the names it refers to."""

    id: int
    status: str
    category: str
    title: str
    description: str
    merged_into: int | None
    opened_at: datetime
    updated_at: datetime | None
    due_at: datetime | None
    address: str
    lat: float | None
    lon: float | None
    #: the resident's callback result (回访), when there was one
    satisfaction: str | None
    #: the category's name (None: a category the catalogue does not know)
    service_name: str | None
    #: whether the category is about persons (None: unknown category)
    personal: bool | None
    #: the responsible department's name
    department: str | None
    #: the grid's node code
    grid_code: str | None


class SandboxArea(Protocol):
    """Open311's sandbox: reports filed and read back as production files and reads
    tickets, in a table of their own that no queue, count, change feed, ledger or
    screen reads; cleared of old reports on a schedule."""

    def tickets(self, query: RequestQuery) -> list[PublicTicket]:
        """The sandbox's reports ``query`` selects, as :meth:`PublicReads.public_tickets
        <gridtui.data.sources.source.PublicReads.public_tickets>` selects tickets (all
        of them are open, in status ``new``)."""
        ...

    def file(
        self, new: NewTicket, *, at: datetime, idempotency_key: str,
        window: timedelta | None = None,
    ) -> tuple[int, bool]:  # fmt: skip
        """File ``new`` at ``at``, at most once per (``new.reporter``, key) (within
        ``window`` when given), as production opens a ticket. Returns the report's id
        and whether it is an earlier report given back.

        Raises:
            ActionRefused: unknown grid or category, an empty title, or the key
                reused for another report.
        """
        ...

    def clear(self, before: datetime) -> int:
        """Delete the reports filed before ``before``; returns how many."""
        ...
