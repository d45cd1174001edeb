"""What the simulator drives: the city through a data source's reads and writes.

The simulator changes the city only through the data sources' write methods
(``open_ticket``, ``act``, ``file_report``, ``adjust``) and reads what people at the
screens read, so it behaves the same on a database (:class:`LocalTarget` over
:class:`~gridtui.data.sources.local.LocalSource`) and over the API (:class:`ApiTarget` over
:class:`~gridtui.api.client.ApiSource`). The two sources differ in who signs a
write: locally the simulator names its actors (a worker's code, ``dept:CODE``,
``sim:centre``) and the role each action needs; over the API the token decides both
and the audit trail says ``token:<name>``.

Errors are the data source's (:mod:`gridtui.data.sources.source`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from gridtui.data.sources.records import (
    ActionOutcome,
    Anchor,
    ClockSpec,
    Cursor,
    GeoView,
    NewTicket,
    Overview,
    Page,
    QueueQuery,
    Reference,
    TicketDetail,
)
from gridtui.domain.roles import ADJUST_POINTS, FILE_REPORT, OPEN_TICKET, Role, required_role

if TYPE_CHECKING:
    from gridtui.api.client import ApiSource
    from gridtui.data.sources.local import LocalSource


class CityTarget(Protocol):
    """The reads and writes the simulator uses."""

    #: e.g. ``sqlite var/demo.sqlite`` or ``api http://127.0.0.1:8765``
    description: str
    #: the centre's time zone (days, the daily rhythm)
    timezone: str

    def reference(self) -> Reference:
        """The catalogue."""
        ...

    def ticket(self, ticket_id: int, at: datetime) -> TicketDetail:
        """One ticket as of ``at``."""
        ...

    def queue(self, query: QueueQuery, anchor: Anchor, cursor: Cursor | None, limit: int) -> Page:
        """A page of tickets."""
        ...

    def overview(self, at: datetime) -> Overview:
        """The overview figures (for progress lines)."""
        ...

    def open_ticket(self, new: NewTicket) -> ActionOutcome:
        """A new ticket."""
        ...

    def geo(self, at: datetime, *, layers: frozenset[str]) -> GeoView:
        """The city's map at grid level (where the grids are)."""
        ...

    def act(
        self,
        ticket_id: int,
        action: str,
        *,
        actor: str,
        note: str = "",
        target: str | None = None,
        expected_version: int | None = None,
    ) -> ActionOutcome:
        """One lifecycle action."""
        ...

    def file_report(self, worker_code: str, events: int, note: str, at: datetime) -> None:
        """A worker's daily report for the day of ``at``."""
        ...

    def adjust(
        self, subject_kind: str, subject_id: int, points: float, reason: str, *, actor: str
    ) -> None:
        """A spot-check adjustment."""
        ...

    def publish_clock(self, speed: float, *, start: datetime | None = None) -> ClockSpec:
        """Publish the simulated clock."""
        ...

    def sweep(self, at: datetime) -> int:
        """Handle the SLA clocks breached by ``at`` (penalties, escalation on breach);
        returns the breaches handled. Over the API the server sweeps by itself."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def _role(what: str) -> str:
    """The least role that may do ``what`` (the simulator never acts above it)."""
    need = required_role(what)
    return (need or Role.SUPERVISOR).value


class LocalTarget:
    """The simulator on a database, through :class:`~gridtui.data.sources.local.LocalSource`."""

    def __init__(self, source: LocalSource) -> None:
        self.source = source
        self.description = source.description
        self.timezone = source.timezone

    def reference(self) -> Reference:
        """See :meth:`CityTarget.reference`."""
        return self.source.reference()

    def ticket(self, ticket_id: int, at: datetime) -> TicketDetail:
        """See :meth:`CityTarget.ticket`."""
        return self.source.ticket(ticket_id, at)

    def queue(self, query: QueueQuery, anchor: Anchor, cursor: Cursor | None, limit: int) -> Page:
        """See :meth:`CityTarget.queue`."""
        return self.source.queue(query, anchor, cursor, limit)

    def overview(self, at: datetime) -> Overview:
        """See :meth:`CityTarget.overview`."""
        return self.source.overview(at)

    def open_ticket(self, new: NewTicket) -> ActionOutcome:
        """See :meth:`CityTarget.open_ticket` (audited as ``new.reporter``)."""
        return self.source.open_ticket(new, role=_role(OPEN_TICKET))

    def geo(self, at: datetime, *, layers: frozenset[str]) -> GeoView:
        """See :meth:`CityTarget.geo`."""
        return self.source.geo(at, layers=layers)

    def act(
        self,
        ticket_id: int,
        action: str,
        *,
        actor: str,
        note: str = "",
        target: str | None = None,
        expected_version: int | None = None,
    ) -> ActionOutcome:
        """See :meth:`CityTarget.act` (with the least role the action needs)."""
        return self.source.act(
            ticket_id, action, role=_role(action), actor=actor, note=note, target=target,
            expected_version=expected_version,
        )  # fmt: skip

    def file_report(self, worker_code: str, events: int, note: str, at: datetime) -> None:
        """See :meth:`CityTarget.file_report`."""
        self.source.file_report(worker_code, events, note, role=_role(FILE_REPORT), at=at)

    def adjust(
        self, subject_kind: str, subject_id: int, points: float, reason: str, *, actor: str
    ) -> None:
        """See :meth:`CityTarget.adjust`."""
        self.source.adjust(
            subject_kind, subject_id, points, reason, role=_role(ADJUST_POINTS), actor=actor
        )

    def publish_clock(self, speed: float, *, start: datetime | None = None) -> ClockSpec:
        """See :meth:`CityTarget.publish_clock`."""
        return self.source.publish_clock(speed, start=start)

    def sweep(self, at: datetime) -> int:
        """See :meth:`CityTarget.sweep`."""
        return self.source.sweep(at).breaches

    def close(self) -> None:
        """See :meth:`CityTarget.close`."""
        self.source.close()


class ApiTarget:
    """The simulator over ``gridtui serve``, through :class:`~gridtui.api.client.ApiSource`.

    The token signs every write (``token:<name>``) with its role; the server stamps
    writes with its clock, which follows the clock the simulator published.
    """

    def __init__(self, source: ApiSource) -> None:
        self.source = source
        self.description = source.description
        self.timezone = source.timezone

    def reference(self) -> Reference:
        """See :meth:`CityTarget.reference`."""
        return self.source.reference()

    def ticket(self, ticket_id: int, at: datetime) -> TicketDetail:
        """See :meth:`CityTarget.ticket`."""
        return self.source.ticket(ticket_id, at)

    def queue(self, query: QueueQuery, anchor: Anchor, cursor: Cursor | None, limit: int) -> Page:
        """See :meth:`CityTarget.queue`."""
        return self.source.queue(query, anchor, cursor, limit)

    def overview(self, at: datetime) -> Overview:
        """See :meth:`CityTarget.overview`."""
        return self.source.overview(at)

    def open_ticket(self, new: NewTicket) -> ActionOutcome:
        """See :meth:`CityTarget.open_ticket` (the reporter is the token)."""
        return self.source.open_ticket(new, role=self.source.role)

    def geo(self, at: datetime, *, layers: frozenset[str]) -> GeoView:
        """See :meth:`CityTarget.geo`."""
        return self.source.geo(at, layers=layers)

    def act(
        self,
        ticket_id: int,
        action: str,
        *,
        actor: str,
        note: str = "",
        target: str | None = None,
        expected_version: int | None = None,
    ) -> ActionOutcome:
        """See :meth:`CityTarget.act` (the token is the actor)."""
        return self.source.act(
            ticket_id, action, role=self.source.role, actor=self.source.actor, note=note,
            target=target, expected_version=expected_version,
        )  # fmt: skip

    def file_report(self, worker_code: str, events: int, note: str, at: datetime) -> None:
        """See :meth:`CityTarget.file_report` (for the server's today)."""
        self.source.file_report(worker_code, events, note)

    def adjust(
        self, subject_kind: str, subject_id: int, points: float, reason: str, *, actor: str
    ) -> None:
        """See :meth:`CityTarget.adjust`."""
        self.source.adjust(
            subject_kind, subject_id, points, reason, role=self.source.role,
            actor=self.source.actor,
        )  # fmt: skip

    def publish_clock(self, speed: float, *, start: datetime | None = None) -> ClockSpec:
        """See :meth:`CityTarget.publish_clock` (admin tokens)."""
        return self.source.publish_clock(speed, start=start)

    def sweep(self, at: datetime) -> int:
        """Nothing: the server runs the sweeper on its own clock (``gridtui serve``)."""
        return 0

    def close(self) -> None:
        """See :meth:`CityTarget.close`."""
        self.source.close()


__all__ = ["ApiTarget", "CityTarget", "LocalTarget"]
