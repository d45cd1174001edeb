"""The ticket records: queue rows and pages, one ticket's detail, its clocks and
timeline, the report that opens one and what an action answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from gridtui.domain.sla.clocks import ClockState, state_at

SortKey = Literal["deadline", "colour", "age"]


@dataclass(frozen=True, slots=True)
class TicketRow:
    """A ticket as the queue and lists show it."""

    id: int
    title: str
    status: str
    colour: str
    channel: str
    category: str
    grid_id: int | None
    worker_id: int | None
    department_id: int | None
    opened_at: datetime
    due_at: datetime | None
    next_deadline: datetime | None
    closed_at: datetime | None
    version: int
    #: the handling level: grid, community, street or district
    level: str = "grid"
    #: the resident's latest callback (回访), if any
    satisfaction: str | None = None


@dataclass(frozen=True)
class QueueQuery:
    """What the queue shows: filters and order. Empty sets mean "any".

    ``statuses`` empty means every open ticket; name ``closed`` (or any terminal
    status) to see settled ones. ``node_id`` is any hierarchy node: the ticket's
    district, street, community or grid must be it.
    """

    sort: SortKey = "deadline"
    statuses: frozenset[str] = frozenset()
    colours: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    department_id: int | None = None
    node_id: int | None = None
    worker_id: int | None = None
    text: str = ""
    levels: frozenset[str] = frozenset()
    #: the order of ``sort`` reversed (latest deadline, least severe, newest first)
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in a sorted queue: the sort key of one row (opaque to screens)."""

    key: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the queue and where its neighbours start."""

    rows: list[TicketRow]
    first: Cursor | None
    last: Cursor | None
    has_before: bool
    has_after: bool
    #: matching tickets (at most the cap asked for) read in the same snapshot as ``rows``;
    #: None when no count was asked for
    count: int | None = None


class Anchor(StrEnum):
    """Where a page starts."""

    FIRST = "first"
    LAST = "last"
    AFTER = "after"
    BEFORE = "before"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a ticket's audit trail."""

    at: datetime
    action: str
    actor: str
    from_status: str | None
    to_status: str
    note: str
    target: str | None


@dataclass(frozen=True, slots=True)
class ClockView:
    """One SLA clock of one ticket, with the instants its state changes.

    ``warning_at`` and ``critical_at`` let a countdown change colour between reloads
    without asking the database again.
    """

    ticket_id: int
    name: str
    label_zh: str
    label_en: str
    state: str
    started_at: datetime | None
    deadline: datetime | None
    stopped_at: datetime | None
    warning_at: datetime | None
    critical_at: datetime | None
    paused: bool
    remaining: timedelta | None
    resolution: bool
    #: whose clock: a worker code, ``dept:<code>``, ``level:<level>`` or ``centre``
    holder: str = ""

    def label(self, lang: str) -> str:
        """The clock's name in ``lang``."""
        return self.label_zh if lang.startswith("zh") else self.label_en

    @property
    def running(self) -> bool:
        """Started and not stopped."""
        return self.started_at is not None and self.stopped_at is None

    def state_at(self, now: datetime) -> str:
        """The state as of ``now``, moving ok → warning → critical → breached in time
        (the domain's rule: :func:`gridtui.domain.sla.clocks.state_at`)."""
        counting = self.started_at is not None and self.stopped_at is None and not self.paused
        return state_at(
            ClockState(self.state), counting, self.deadline, self.warning_at,
            self.critical_at, now,
        ).value  # fmt: skip


@dataclass(frozen=True, slots=True)
class SlaRow:
    """A running clock on the SLA board: the clock and the ticket it belongs to."""

    ticket: TicketRow
    clock: ClockView


@dataclass(frozen=True, slots=True)
class TicketDetail:
    """Everything about one ticket."""

    row: TicketRow
    description: str
    address: str
    source: str
    external_id: str | None
    sla_policy: str
    mediation_failures: int
    reopen_count: int
    merged_into: int | None
    timeline: list[TimelineEntry]
    clocks: list[ClockView]
    actions: list[str]  # lifecycle actions the status allows (before role checks)
    #: the lead holder's key and the co-handling departments' keys (协办)
    lead: str | None = None
    co_handlers: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """The ticket after an action."""

    ticket_id: int
    status: str
    colour: str
    version: int
    recoloured: bool
    #: an earlier request with the same idempotency key did this; nothing new happened
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class NewTicket:
    """What a report needs to become a ticket."""

    title: str
    category: str
    channel: str
    grid: str  # the grid's node code
    reporter: str
    description: str = ""
    address: str = ""
    colour: str | None = None  # default: the category's colour
    lat: float | None = None
    lon: float | None = None
    source: str = "gridtui"  # where the report came from (e.g. open311)
