"""Liveness and what changed: ``/healthz`` (with the newest change number) and
``/changes`` (the SSE change stream of :mod:`gridtui.api.stream`, or one JSON batch)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import StreamingResponse

from gridtui.api.answers import ApiError
from gridtui.api.deps import MAX_ID, Caller, Source
from gridtui.api.routes import API
from gridtui.api.stream import ChangeHub

router = APIRouter()


def install(app: FastAPI, hub: ChangeHub, heartbeat: float) -> None:
    """Stream ``hub``'s changes from ``app``, a heartbeat every ``heartbeat`` seconds."""
    app.state.hub = hub
    app.state.heartbeat = heartbeat


async def the_hub(request: Request) -> ChangeHub:
    """The application's change hub."""
    hub: ChangeHub = request.app.state.hub
    return hub


Hub = Annotated[ChangeHub, Depends(the_hub)]


@router.get("/healthz")
def healthz(source: Source) -> dict[str, Any]:
    """Liveness and the newest change number."""
    return {"ok": True, "seq": source.last_seq()}


@router.get(f"{API}/changes", response_model=None)
async def changes(
    request: Request,
    who: Caller,
    source: Source,
    hub: Hub,
    since: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse | dict[str, Any]:
    """The change stream (SSE, ``Accept: text/event-stream``), resuming after
    ``Last-Event-ID`` or ``since``; otherwise one JSON batch of what changed."""
    start = since
    if last_event_id:
        if not last_event_id.strip().isdigit() or int(last_event_id) > MAX_ID:
            raise ApiError(400, "bad_request", "Last-Event-ID must be a change number")
        start = int(last_event_id)
    if "text/event-stream" in request.headers.get("accept", ""):
        heartbeat: float = request.app.state.heartbeat
        return StreamingResponse(
            hub.events(start, heartbeat=heartbeat, is_disconnected=request.is_disconnected),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    batch = await asyncio.to_thread(source.changes, start)
    return {
        "seq": batch.seq,
        "tickets": sorted(batch.ticket_ids),
        "kinds": sorted(batch.kinds),
        "count": batch.count,
    }
