"""Open311's test endpoint (the sandbox, mounted at ``/open311/sandbox/v2``): the same
routes, checks and documents as production, over the real service catalogue and
grids, but its reports are filed in the sandbox area
(:class:`~gridtui.data.sources.public.SandboxArea`), never as tickets: no queue,
count, change feed, ledger or screen ever sees them. ``GET requests`` and
``GET requests/{id}`` read the sandbox's own reports back; they are deleted once
older than the retention (:func:`clear_sandbox`, run by the server's sweeper).
"""

from __future__ import annotations

from datetime import timedelta

from gridtui.api.hosted import HostedSource
from gridtui.api.open311.documents import GeoReport
from gridtui.data.sources.public import PublicTicket, RequestQuery
from gridtui.data.sources.records import NewTicket
from gridtui.data.sources.tokens import TokenInfo

#: how long the sandbox keeps a report by default (``GRIDTUI_OPEN311_SANDBOX_HOURS``)
DEFAULT_KEEP = timedelta(hours=24)


class SandboxReport(GeoReport):
    """The GeoReport documents of the sandbox: production's, over the sandbox area."""

    def _tickets(self, query: RequestQuery) -> list[PublicTicket]:
        return self.source.sandbox.tickets(query)

    def _open(
        self, new: NewTicket, who: TokenInfo, key: str, window: timedelta | None
    ) -> tuple[int, bool]:
        return self.source.sandbox.file(new, at=self.now(), idempotency_key=key, window=window)


def clear_sandbox(source: HostedSource, keep: timedelta) -> int:
    """Delete the sandbox's reports older than ``keep`` by the source's clock; returns
    how many."""
    return source.sandbox.clear(source.now() - keep)
