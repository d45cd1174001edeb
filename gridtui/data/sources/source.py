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

from datetime import datetime
from typing import Protocol

from gridtui.data.sources.records import (
    ActionOutcome,
    Anchor,
    Board,
    ChangeBatch,
    ClockSpec,
    ConfigProblem,
    Cursor,
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

__all__ = [
    "ActionRefused",
    "DataSource",
    "NotPermitted",
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

    def overview(self, at: datetime) -> Overview:
        """The wall screen's KPIs, colour counts, at-risk list, channel mix, missing reports."""
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
    ) -> bool | None:
        """A spot-check point adjustment (supervisors). Some sources say whether it
        was a replay of an earlier request (True); the screens ignore the answer.

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
