"""The data source a server runs over: :class:`HostedSource`.

The routes read and write through the screens' :class:`~gridtui.data.sources.source.DataSource`
and Open311 through :class:`~gridtui.data.sources.source.PublicReads`; serving also
needs what only a database-backed source has (its clock, the sweeper, the raw change
records the stream sends, the side pool token checks read, idempotency keys the
client sends). :class:`~gridtui.data.sources.local.LocalSource` is one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.sources.public import SandboxArea
from gridtui.data.sources.records import ActionOutcome, ClockSpec, DailyReports, ReportRow
from gridtui.data.sources.source import DataSource, PublicReads
from gridtui.data.storage.changefeed import ChangeRecord


class SweepCounts(Protocol):
    """What one round of the SLA sweeper did."""

    @property
    def breaches(self) -> int:
        """Breached clocks handled."""
        ...

    @property
    def escalated(self) -> int:
        """Tickets escalated."""
        ...

    @property
    def missing_reports(self) -> int:
        """Missing daily reports penalised."""
        ...


class HostedSource(DataSource, PublicReads, Protocol):
    """A data source a server can serve: a database's (see the module docstring)."""

    @property
    def tz(self) -> tzinfo:
        """The centre's time zone."""
        ...

    #: the small pool of the reads every request makes (token checks)
    side_factory: sessionmaker[Session]
    #: called after each successful write of this process (wakes the stream)
    write_listeners: list[Callable[[], None]]

    @property
    def sandbox(self) -> SandboxArea:
        """Open311's sandbox: the test endpoint's reports, never among the tickets."""
        ...

    def now(self) -> datetime:
        """The source's clock: injected, the published simulated clock, or real time."""
        ...

    def on_change(self, callback: Callable[[], None]) -> bool:
        """Call ``callback`` whenever the data may have changed, whichever process wrote."""
        ...

    def change_records(self, since: int, limit: int = 500) -> list[ChangeRecord]:
        """Each change after ``since``, oldest first."""
        ...

    def sweep(self, at: datetime | None = None) -> SweepCounts:
        """One round of the SLA sweeper."""
        ...

    def publish_clock(self, speed: float, *, start: datetime | None = None) -> ClockSpec:
        """Publish a simulated clock running ``speed`` times real time."""
        ...

    def daily_reports(self, at: datetime, day: date | None = None) -> DailyReports:
        """The daily reports of ``day`` (default: the report day of ``at``)."""
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
        idempotency_key: str | None = None,
    ) -> ActionOutcome:
        """:meth:`DataSource.act`, at most once per (``actor``, ``idempotency_key``)."""
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
        idempotency_key: str | None = None,
    ) -> bool:
        """:meth:`DataSource.adjust`, at most once per (``actor``, ``idempotency_key``);
        True when an earlier request with the key did it."""
        ...

    def file_report(
        self,
        worker_code: str,
        events: int,
        note: str,
        *,
        role: str,
        at: datetime,
        actor: str = "",
        idempotency_key: str | None = None,
    ) -> ReportRow:
        """File a worker's daily report for the day of ``at``."""
        ...
