"""What routes take through FastAPI's ``Depends``: the data source, the caller (the
bearer token's holder and role), the server's clock; and the shared parameter types.

:func:`install` puts the source, the token checker and the clock on the application
(``app.state``) once; the dependencies read them from there per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Path, Query, Request

from gridtui.api.answers import ApiError
from gridtui.api.hosted import HostedSource
from gridtui.api.limits import KeyText
from gridtui.data.sources.tokens import TokenCache, TokenInfo

#: ids and change numbers are 64-bit in the database: larger numbers are refused (422)
MAX_ID = 2**63 - 1
#: how far from the server's clock an ``at`` may be (a year back, for last year's scores)
MAX_SHIFT = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class ServerClock:
    """The server's "now": an injected clock, else the source's (real time, or the
    simulated clock a simulator published in the database)."""

    now: Callable[[], datetime]

    def at(self, at: datetime | None = None) -> datetime:
        """``at`` (a request's ``at``, checked, in UTC), else now.

        Raises:
            ApiError: 400 for an ``at`` without a time zone or further than
                :data:`MAX_SHIFT` from now.
        """
        if at is None:
            return self.now()
        if at.tzinfo is None or at.utcoffset() is None:
            raise ApiError(400, "bad_request", "at needs a time zone (e.g. 2026-11-24T10:00Z)")
        server_now = self.now()
        if not 1970 <= at.year <= 9000 or abs(at - server_now) > MAX_SHIFT:
            # far-off instants make SLA calendars walk years of days: refuse them
            raise ApiError(
                400, "bad_request",
                f"at must be within {MAX_SHIFT.days} days of the server's clock "
                f"({server_now:%Y-%m-%dT%H:%MZ})",
            )  # fmt: skip
        return at.astimezone(UTC)


def install(app: FastAPI, source: HostedSource, clock: ServerClock, tokens: TokenCache) -> None:
    """Make ``source``, ``clock`` and ``tokens`` what the dependencies give ``app``'s routes."""
    app.state.source = source
    app.state.clock = clock
    app.state.tokens = tokens


async def the_source(request: Request) -> HostedSource:
    """The application's data source."""
    source: HostedSource = request.app.state.source
    return source


async def the_clock(request: Request) -> ServerClock:
    """The application's clock."""
    clock: ServerClock = request.app.state.clock
    return clock


def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> TokenInfo:
    """The token holder of a request.

    Raises:
        ApiError: 401 without a valid, unrevoked bearer token.
    """
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    tokens: TokenCache = request.app.state.tokens
    info = tokens.verify(authorization[7:].strip())
    if info is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token")
    return info


Source = Annotated[HostedSource, Depends(the_source)]
Clock = Annotated[ServerClock, Depends(the_clock)]
Caller = Annotated[TokenInfo, Depends(caller)]
NodeId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
TicketId = Annotated[int, Path(ge=1, le=MAX_ID)]
At = Annotated[datetime | None, Query(description="now for this answer (default: server clock)")]
IdemKey = Annotated[
    KeyText | None, Header(alias="Idempotency-Key", description="retry-safe writes")
]
