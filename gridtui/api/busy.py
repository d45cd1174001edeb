"""Answers for a server that cannot keep up: 503 with ``Retry-After``, never a 500 or
a 30-second hang.

Requests wait for a pooled database connection at most the pool's timeout
(:class:`~gridtui.data.db.PoolSettings`, 3 s by default). When none comes free in
that time the data source raises :class:`~gridtui.data.local.Busy`; anything that
reaches the database without the source (SQLAlchemy's own ``TimeoutError`` or
``OperationalError``) is caught here too. Each becomes 503 with a ``Retry-After``
header, so a client (or a hotline integration) waits and retries instead of giving
up: with an ``Idempotency-Key`` (or, for Open311, the same content) the retry never
creates a second ticket.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gridtui.data.local import BUSY_RETRY_AFTER, Busy
from gridtui.data.source import SourceUnavailable

#: seconds a client is asked to wait when the database is away (not just busy)
AWAY_RETRY_AFTER = 5


def retry_after(exc: Exception) -> int:
    """The ``Retry-After`` seconds for an unavailable source or database."""
    return BUSY_RETRY_AFTER if isinstance(exc, Busy | PoolTimeout) else AWAY_RETRY_AFTER


def unavailable(exc: SourceUnavailable) -> JSONResponse:
    """503 for ``exc``: ``busy`` (the pool stayed full) or ``unavailable``."""
    code = "busy" if isinstance(exc, Busy) else "unavailable"
    return JSONResponse(
        {"error": {"code": code, "message": str(exc)}},
        status_code=503,
        headers={"Retry-After": str(retry_after(exc))},
    )


def install(app: FastAPI) -> None:
    """503 with Retry-After for SQLAlchemy's pool timeout and lost connections that
    reach ``app`` without passing through the data source."""

    @app.exception_handler(PoolTimeout)
    async def _pool(_request: Request, _exc: PoolTimeout) -> JSONResponse:
        message = (
            f"the server is busy: no database connection came free; retry in {BUSY_RETRY_AFTER} s"
        )
        return unavailable(Busy(message))

    @app.exception_handler(OperationalError)
    async def _away(_request: Request, exc: OperationalError) -> JSONResponse:
        reason = " ".join(str(exc.orig).split())[:200]
        return unavailable(SourceUnavailable(f"database unavailable: {reason}"))
