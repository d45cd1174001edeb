"""What the ticket writes refuse, and the check every write makes on the time it is given.

The errors are :class:`ValueError` s whose message says which rule or which data
refused the request and why; :class:`~gridtui.data.sources.local.LocalSource` turns
them into the data source's ``ActionRefused`` and ``StaleData``.
"""

from __future__ import annotations

from datetime import UTC, datetime


class ServiceError(ValueError):
    """A request the rules or the data refuse; the message says which and why."""


class TicketNotFound(ServiceError):
    """No ticket with that id."""


class StaleTicket(ServiceError):
    """The ticket changed since the caller read it (another officer acted first)."""


def aware_utc(at: datetime) -> datetime:
    """``at`` in UTC.

    Raises:
        ServiceError: ``at`` has no time zone.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ServiceError(f"datetime {at.isoformat()} has no time zone")
    return at.astimezone(UTC)
