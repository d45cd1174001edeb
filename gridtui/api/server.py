"""The local HTTP API: the DataSource over REST, behind bearer tokens.

Every ``/api/v1`` route needs ``Authorization: Bearer <token>`` (401 without a valid
one); writes are checked against the token's role by the data source (403) and
audited with ``token:<name>``. Errors are JSON ``{"error": {"code", "message"}}``
with a stable ``code``; validation errors list the fields.

Every text field has its limit and a body over 64 KiB is 413 (one table for this API
and Open311: :mod:`gridtui.api.limits`, :mod:`gridtui.api.guards`); cursors are
strictly parsed (:mod:`gridtui.api.cursors`).

Writes (``POST``) take an ``Idempotency-Key`` header: the key is stored with the
write in one transaction, and a request repeating a key gets the first answer back
(header ``Idempotent-Replayed: true``) instead of a second write, so a client may
retry after a timeout without creating a duplicate.

Reads that depend on "now" take an optional ``at`` (ISO 8601 with zone); without it
the server's clock decides. The change stream is :mod:`gridtui.api.stream`; Open311
GeoReport v2 is mounted at ``/open311/v2`` and its test endpoint (the sandbox) at
``/open311/sandbox/v2`` (:mod:`gridtui.api.open311`).

This module assembles the application: middleware, error handlers
(:mod:`gridtui.api.answers`), the routers of :mod:`gridtui.api.routes`, whose
dependencies (source, caller, clock) are :mod:`gridtui.api.deps`, and the SLA
sweeper's rounds for as long as it runs (each also clears the Open311 sandbox's old
reports).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from fastapi import FastAPI

from gridtui.api import busy, deps, logs
from gridtui.api.answers import install_error_handlers
from gridtui.api.guards import BodyLimit
from gridtui.api.hosted import HostedSource
from gridtui.api.open311.routes import mount_open311
from gridtui.api.open311.sandbox import clear_sandbox
from gridtui.api.routes import (
    adjustments,
    assessment,
    catalogue,
    changes,
    figures,
    geo,
    reports,
    tickets,
)
from gridtui.api.routes import bulletins as bulletin_routes
from gridtui.api.routes import clock as clock_routes
from gridtui.api.stream import ChangeHub
from gridtui.config import DEFAULT_PUBLIC_URL, Settings
from gridtui.data.sources.tokens import TokenCache

#: seconds a thread may hold the GIL while another waits (Python's default: 0.005)
SWITCH_INTERVAL = 0.0005
#: real seconds between two rounds of the SLA sweeper in `gridtui serve`
SWEEP_SECONDS = 10.0
#: simulated seconds between rounds under a simulator's faster clock
SIM_SWEEP_SECONDS = 300.0
#: every router, in the order the OpenAPI document lists them
ROUTERS = (
    changes.router, figures.router, clock_routes.router, catalogue.router, adjustments.router,
    reports.router, tickets.router, assessment.router, bulletin_routes.router, geo.router,
)  # fmt: skip

log = logging.getLogger("uvicorn.error")  # printed with the server's own messages


def create_app(
    source: HostedSource,
    *,
    clock: Callable[[], datetime] | None = None,
    heartbeat: float = 15.0,
    sweep_seconds: float = 0.0,
    public_url: str | None = None,
    bulletins: Path | None = None,
    sandbox_keep: timedelta | None = None,
) -> FastAPI:
    """The API over ``source``; with ``sweep_seconds``, the SLA sweeper runs in the
    server every that many seconds (``gridtui serve`` does; tests call it by hand).
    ``public_url`` is the base URL Open311 discovery names (default: the settings'
    ``GRIDTUI_PUBLIC_URL``, else :data:`DEFAULT_PUBLIC_URL`), never a request's Host.
    ``bulletins``: the folder whose bulletins ``/api/v1/bulletins`` lists and serves
    (None: none are; ``gridtui serve --bulletins`` writes them there). The sweeper's
    rounds also delete Open311 sandbox reports older than ``sandbox_keep`` (default:
    the settings' ``GRIDTUI_OPEN311_SANDBOX_HOURS``, 24 hours)."""
    logs.install()  # tokens in query strings (Open311's api_key) never reach the log
    # without an injected clock, the source's: real time, or the simulated clock a
    # simulator published in the database
    server_clock = deps.ServerClock(clock or source.now)
    if sandbox_keep is None:
        sandbox_keep = timedelta(hours=Settings().open311_sandbox_hours)
    app = FastAPI(
        title="gridtui", version="1", description="网格化服务管理 command-centre API",
        lifespan=_lifespan(source, sweep_seconds, sandbox_keep),
    )  # fmt: skip
    app.add_middleware(BodyLimit)  # 413 for a body over limits.MAX_BODY, Open311's too
    tokens = TokenCache(source.side_factory)
    deps.install(app, source, server_clock, tokens)
    app.state.bulletins = bulletins
    hub = ChangeHub(source)
    changes.install(app, hub, heartbeat)
    source.write_listeners.append(hub.kick)
    # other processes' writes (a simulator, `gridtui watch`, another server) wake the
    # stream too: the database file's changes on SQLite, LISTEN/NOTIFY on PostgreSQL
    source.on_change(hub.kick)

    busy.install(app)
    # bounded writes in progress: a surge gets 503 with Retry-After, not a queue
    app.add_middleware(busy.WriteGate)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)

    # GeoReport v2 has its own error format: sub-applications with their own handlers,
    # production's and the sandbox's (its test endpoint)
    base = public_url or Settings().public_url or DEFAULT_PUBLIC_URL
    mount_open311(app, source, server_clock.now, tokens, public_url=base)
    return app


def _lifespan(
    source: HostedSource, sweep_seconds: float, sandbox_keep: timedelta
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The catalogue (ten thousand grids and workers at city scale) lives as long as
        # the server: read it now, then take everything alive at start-up out of the
        # cyclic collector's full passes, which otherwise stall every request for tens
        # of milliseconds at a time under load.
        await asyncio.to_thread(source.reference)
        gc.freeze()
        # A write thread gives up the GIL at each database call and must then wait for
        # the event loop (streaming to every listener) to hand it back: by default up to
        # 5 ms each time, a dozen times per ticket. Hand it over sooner.
        sys.setswitchinterval(SWITCH_INTERVAL)
        sweeper = (
            asyncio.create_task(sweep_forever(source, sweep_seconds, sandbox_keep))
            if sweep_seconds > 0
            else None
        )
        yield
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper

    return lifespan


async def sweep_forever(
    source: HostedSource, sweep_seconds: float, sandbox_keep: timedelta | None = None
) -> None:
    """The SLA sweeper: breached clocks get their penalty and escalation within
    ``sweep_seconds`` (sooner in simulated time: about every 5 simulated minutes
    under a fast simulator clock, at most twice a second). Each round first deletes
    the Open311 sandbox's reports older than ``sandbox_keep`` (None: keeps them)."""
    while True:
        if sandbox_keep is not None:
            await _clear_sandbox(source, sandbox_keep)
        try:
            result = await asyncio.to_thread(source.sweep)
            if result.breaches:
                log.info("SLA sweep: %d breached clocks handled, %d tickets escalated",
                         result.breaches, result.escalated)  # fmt: skip
            if result.missing_reports:
                log.info("SLA sweep: %d missing daily reports penalised",
                         result.missing_reports)  # fmt: skip
            spec = await asyncio.to_thread(source.clock_spec)
        except Exception as exc:  # the database away, a rules problem: next round
            log.warning("SLA sweep failed: %s", " ".join(str(exc).split())[:300])
            spec = None
        speed = spec.speed if spec is not None else 1.0
        await asyncio.sleep(max(0.5, min(sweep_seconds, SIM_SWEEP_SECONDS / speed)))


async def _clear_sandbox(source: HostedSource, keep: timedelta) -> None:
    """One clearing of the Open311 sandbox (a failure waits for the next round)."""
    try:
        cleared = await asyncio.to_thread(clear_sandbox, source, keep)
    except Exception as exc:  # the database away: next round
        log.warning("Open311 sandbox clearing failed: %s", " ".join(str(exc).split())[:300])
        return
    if cleared:
        log.info("Open311 sandbox: %d reports older than %s deleted", cleared, keep)


def app_from_settings() -> FastAPI:
    """The API over the database of the settings (``GRIDTUI_DB``): what each worker
    process of ``gridtui serve --workers N`` runs."""
    from gridtui.data.sources.local import LocalSource
    from gridtui.data.storage.db import PoolSettings

    settings = Settings()
    sweep = float(os.environ.get("GRIDTUI_SWEEP_SECONDS", SWEEP_SECONDS))
    source = LocalSource(settings.db, timezone=settings.timezone, pool=PoolSettings.from_env())
    folder = os.environ.get("GRIDTUI_BULLETINS")
    return create_app(source, sweep_seconds=sweep, public_url=settings.public_url or None,
                      bulletins=Path(folder) if folder else None)  # fmt: skip
