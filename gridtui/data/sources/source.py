"""The one interface between the screens and the data: :class:`DataSource`.

Screens never see a session or an HTTP client: they call these methods from Textual
workers (every call may block on I/O) and get the plain records of
:mod:`gridtui.data.sources.records` back. Two implementations share the contract:
:class:`~gridtui.data.sources.local.LocalSource` over a database (SQLite or PostgreSQL) and
the HTTP client of issue 4.

Errors (every method may raise them)::

    SourceError                  the data could not be read or written
    ├── SourceUnavailable        database or server unreachable, locked or timing out
    └── ActionRefused            a write the rules refuse (message says which and why)
        ├── NotPermitted         the role does not allow it
        └── StaleData            someone else changed the ticket first: reload
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from gridtui.data.sources.public import PublicTicket, RequestQuery, ServiceEntry
from gridtui.data.sources.records import (
    GEO_LAYERS,
    ActionOutcome,
    Anchor,
    Assessment,
    AssessmentLevel,
    Board,
    Bounds,
    BulletinFacts,
    ChangeBatch,
    ClockSpec,
    ConfigProblem,
    Cursor,
    GeoView,
    NewTicket,
    Overview,
    Page,
    Period,
    QueueQuery,
    Reference,
    Scorecards,
    SlaRow,
    TicketDetail,
    TrendPoint,
    TrendSpan,
)
from gridtui.data.storage.changesignal import ChangeWaiter
from gridtui.domain.assessment.config import AssessmentConfig

__all__ = [
    "ActionRefused",
    "DataSource",
    "NotPermitted",
    "PublicReads",
    "SourceError",
    "SourceUnavailable",
    "StaleData",
]


class SourceError(Exception):
    """The data could not be read or written; the message says why."""


class SourceUnavailable(SourceError):
    """The database or server cannot be reached right now (retrying may help)."""


#: seconds a client is asked to wait (Retry-After) when the server is too busy
BUSY_RETRY_AFTER = 2
#: tickets on the overview's at-risk list unless a screen asks for another number (it
#: asks for as many as its height shows), and the most it may ask for
AT_RISK = 30
AT_RISK_MAX = 200
#: change kinds after which a source reads its catalogue (:meth:`DataSource.reference`)
#: again: a fixtures load, a rules edit
CATALOGUE_KINDS = frozenset({"bulk", "config"})


class Busy(SourceUnavailable):
    """The server cannot keep up right now (a surge): no database connection, or no
    turn to write, came free in time; ``retry_after`` seconds is a fair wait."""

    retry_after = BUSY_RETRY_AFTER


class ActionRefused(SourceError):
    """A write the domain rules or the data refuse; the message says which and why."""


class NotPermitted(ActionRefused):
    """The role does not allow this action."""


class StaleData(ActionRefused):
    """The ticket changed since it was read: another officer acted first."""


class DataSource(Protocol):
    """Everything the screens read and write.

    ``at`` arguments are the app clock's "now" (aware UTC): the source never reads
    the wall clock itself, so tests and the simulator's ``--speed`` stay consistent.
    """

    #: short description for the header, e.g. ``sqlite var/demo.sqlite``
    description: str
    #: the centre's time zone name, for days and display
    timezone: str

    def reference(self) -> Reference:
        """Hierarchy nodes, departments, categories and workers (ids → names)."""
        ...

    def overview(self, at: datetime, at_risk: int = AT_RISK) -> Overview:
        """The wall screen's KPIs, colour counts, at-risk list (the ``at_risk`` tickets
        nearest their deadlines, at most :data:`AT_RISK_MAX`), channel mix, missing
        reports."""
        ...

    def trend(self, span: TrendSpan, at: datetime) -> list[TrendPoint]:
        """Intake and closures per hour (``24h``) or per day (``7d``, ``30d``) up to ``at``."""
        ...

    def queue(
        self,
        query: QueueQuery,
        anchor: Anchor,
        cursor: Cursor | None,
        limit: int,
        count_cap: int | None = None,
    ) -> Page:
        """One page of tickets in ``query`` order, paged by key (never by offset).

        ``anchor`` FIRST / LAST ignore ``cursor``; AFTER / BEFORE start right after /
        right before the row ``cursor`` came from (a page's ``last`` / ``first``).
        With ``count_cap`` the page's ``count`` is the number of matching tickets
        (at most ``count_cap``) read in the same snapshot as its rows.
        """
        ...

    def queue_count(self, query: QueueQuery, cap: int) -> int:
        """How many tickets match ``query``, counting at most ``cap``."""
        ...

    def ticket(self, ticket_id: int, at: datetime) -> TicketDetail:
        """One ticket with timeline and clocks.

        Raises:
            SourceError: no such ticket (the message says so).
        """
        ...

    def most_urgent(self) -> int | None:
        """The open ticket with the nearest deadline, if any."""
        ...

    def sla_board(self, at: datetime, limit: int) -> list[SlaRow]:
        """Running clocks of the most urgent open tickets: breached first, then by deadline."""
        ...

    def board(self, node_id: int | None) -> Board:
        """Open tickets and entities by colour for ``node_id`` (default: the city) and its
        children, and the mandatory patrol points under it."""
        ...

    def scorecards(self, period: Period, at: datetime, limit: int) -> Scorecards:
        """Worker and department leaderboards for the period containing ``at``."""
        ...

    def geo(
        self,
        at: datetime,
        *,
        node_id: int | None = None,
        bbox: Bounds | None = None,
        level: str = "grid",
        cell: float | None = None,
        tolerance: float = 0.0,
        layers: frozenset[str] = frozenset(GEO_LAYERS),
    ) -> GeoView:
        """The map of ``node_id``'s subtree (default: the city) as of ``at``, in the
        window ``bbox`` (default: the node's whole extent): the outlines of ``level``
        (street, community or grid) with their open tickets, entities, overdue count,
        colour and heat; the open tickets as points or, above the clustering threshold,
        clusters of ``cell`` degrees (:mod:`gridtui.domain.geo.cluster`); the red and
        orange entities; outlines simplified by ``tolerance`` degrees; only what
        ``layers`` asks for (``tickets``, ``entities``, ``overdue``, ``heat``).

        Raises:
            ActionRefused: a bad parameter (the message starts with its name).
        """
        ...

    def assessment(
        self,
        level: AssessmentLevel,
        period: Period,
        at: datetime,
        *,
        history: int = 0,
    ) -> Assessment:
        """Every street, community, grid, worker or department of ``level`` assessed for
        the period containing ``at``, ranked, with the previous period's score and rank
        and, with ``history`` > 0, the scores of that many periods before (the rules of
        ``assessment.toml``; :mod:`gridtui.domain.assessment`)."""
        ...

    def assessment_rules(self) -> AssessmentConfig:
        """The assessment rules in force (the loaded ``assessment.toml``, else the
        defaults): what a bulletin of this source is laid out and scheduled by."""
        ...

    def bulletin_facts(self, period: Period, at: datetime, limit: int) -> BulletinFacts:
        """The lists of the bulletin (通报) for the period containing ``at``: overdue and
        breached, reopened and unsatisfied, spot checks, missing daily reports, the red
        list; at most ``limit`` rows each."""
        ...

    def act(
        self,
        ticket_id: int,
        action: str,
        *,
        role: str,
        actor: str,
        note: str = "",
        target: str | None = None,
        expected_version: int | None = None,
    ) -> ActionOutcome:
        """Apply one lifecycle action in one transaction (audited with ``actor``).

        Raises:
            NotPermitted: ``role`` may not do ``action``.
            StaleData: ``expected_version`` is not the ticket's version.
            ActionRefused: the lifecycle or the data refuse it.
        """
        ...

    def open_ticket(
        self,
        new: NewTicket,
        *,
        role: str,
        idempotency_key: str | None = None,
        window: timedelta | None = None,
    ) -> ActionOutcome:
        """A new ticket from a report (officers and above), audited as ``new.reporter``;
        with ``idempotency_key``, at most once per (reporter, key), within ``window``
        when given (Open311's content keys). Over HTTP the token decides the role and
        the reporter.

        Raises:
            NotPermitted: ``role`` may not open tickets.
            ActionRefused: unknown grid, category or channel, an empty title, or a key
                reused for another request.
        """
        ...

    def adjust(
        self,
        subject_kind: str,
        subject_id: int,
        points: float,
        reason: str,
        *,
        role: str,
        actor: str,
        ticket_id: int | None = None,
    ) -> bool:
        """A spot-check point adjustment (supervisors); True when an earlier request
        with the same idempotency key did it (nothing new written).

        Raises:
            NotPermitted: ``role`` may not adjust points.
            ActionRefused: the scoring rules refuse it.
        """
        ...

    def last_seq(self) -> int:
        """The newest change sequence number."""
        ...

    def changes(self, since: int) -> ChangeBatch:
        """What changed after sequence number ``since`` (at most a bounded batch)."""
        ...

    def clock_spec(self) -> ClockSpec | None:
        """The simulated clock a simulator published (None: real time).

        A change of kind ``clock`` on the feed says it was published again.
        """
        ...

    def change_waiter(self) -> ChangeWaiter:
        """A waiter whose ``wait(timeout)`` blocks until the data may have changed
        (another process's write included), so a reader asks :meth:`changes` once per
        change instead of polling. ``close()`` it when the reader stops."""
        ...

    def config_problems(self) -> list[ConfigProblem]:
        """Rules files whose edit was refused (empty when all are in force). A change
        of kind ``config`` on the feed says this may have changed."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class PublicReads(Protocol):
    """What the public sees of the centre (Open311 GeoReport): a database's reads,
    in the records of :mod:`gridtui.data.sources.public`."""

    def service_catalogue(self) -> list[ServiceEntry]:
        """Every ticket category as a public service, by code."""
        ...

    def public_tickets(self, query: RequestQuery) -> list[PublicTicket]:
        """The tickets ``query`` selects, newest first, at most
        :data:`~gridtui.data.sources.public.MAX_RESULTS`."""
        ...

    def intake_grid(self, node_id: int | None, level: str | None) -> str | None:
        """The code of the grid that takes a report placed at a district, street or
        community (``node_id`` of ``level``): its first grid by code, dedicated grids
        last; else the city's first such grid; None when the centre has no grid."""
        ...

    def places_by_location(self) -> bool:
        """Whether grids have outlines loaded, so that a report with coordinates and no
        grid is placed by its location (a :class:`~gridtui.data.sources.records.NewTicket`
        with ``grid=""``: in the grid whose outline holds it, else unassigned)."""
        ...
