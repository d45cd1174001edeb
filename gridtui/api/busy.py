"""Answers for a server that cannot keep up: 503 with ``Retry-After``, never a 500 or
a 30-second hang.

Requests wait for a pooled database connection at most the pool's timeout
(:class:`~gridtui.data.storage.db.PoolSettings`, 3 s by default). When none comes free in
that time the data source raises :class:`~gridtui.data.sources.local.Busy`; anything that
reaches the database without the source (SQLAlchemy's own ``TimeoutError`` or
``OperationalError``) is caught here too. Each becomes 503 with a ``Retry-After``
header, so a client (or a hotline integration) waits and retries instead of giving
up: with an ``Idempotency-Key`` (or, for Open311, the same content) the retry never
creates a second ticket.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gridtui.api.open311.xml import error_response, format_of_path
from gridtui.data.sources.source import BUSY_RETRY_AFTER, Busy, SourceUnavailable

#: seconds a client is asked to wait when the database is away (not just busy)
AWAY_RETRY_AFTER = 5
#: writes (POSTs) one process works on at once; more wait at most WRITE_WAIT seconds
#: for their turn, then get 503 with Retry-After (a process answers with 40 threads:
#: reads keep some, and no write waits in a queue nobody bounds)
MAX_WRITES = 8
WRITE_WAIT = 3.0


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


class WriteGate:
    """ASGI middleware: at most ``limit`` POSTs in progress in this process; the next
    waits up to ``wait`` seconds for one to finish, then gets 503 ``busy`` with
    ``Retry-After`` (GeoReport's error list under ``/open311``)."""

    def __init__(self, app: Any, limit: int = MAX_WRITES, wait: float = WRITE_WAIT) -> None:
        self.app = app
        self.wait = wait
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait)
        except TimeoutError:
            await _refuse(scope, send, self.wait)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()


async def _refuse(scope: Any, send: Any, waited: float) -> None:
    message = (
        f"the server is busy: too many writes in progress for {waited:g} s; "
        f"retry in {BUSY_RETRY_AFTER} s"
    )
    path = str(scope.get("path", ""))
    if path.startswith("/open311/"):
        geo = error_response(format_of_path(path), 503, message)
        body, kind = bytes(geo.body), geo.headers["content-type"].encode()
    else:
        error = {"error": {"code": "busy", "message": message}}
        body, kind = json.dumps(error).encode(), b"application/json"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
               (b"retry-after", str(BUSY_RETRY_AFTER).encode())]  # fmt: skip
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
