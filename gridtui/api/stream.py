"""The live change stream: Server-Sent Events over the change feed.

Each change is one event whose ``id:`` is its sequence number. The stream starts
after ``Last-Event-ID`` (a reconnecting client) or ``since``, so a client that comes
back receives everything it missed, in order, and nothing twice. The feed is the
database's change table, which every ``serve`` process on the same database reads,
so every process streams every change whichever process wrote it. Idle links get a
comment line (a heartbeat) every ``heartbeat`` seconds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from gridtui.data.local import LocalSource
from gridtui.data.source import SourceError

POLL_SECONDS = 0.1


def event(seq: int, kind: str, op: str, entity_id: int | None, data: dict[str, object]) -> str:
    """One SSE event (``id``, ``event``, ``data`` lines and a blank line)."""
    payload = json.dumps(
        {"seq": seq, "kind": kind, "op": op, "id": entity_id, "data": data},
        ensure_ascii=False, default=str,
    )  # fmt: skip
    return f"id: {seq}\nevent: change\ndata: {payload}\n\n"


async def change_events(
    source: LocalSource,
    since: int,
    *,
    heartbeat: float = 15.0,
    is_disconnected: object = None,
) -> AsyncIterator[str]:
    """Events after ``since`` for as long as the client stays."""
    seq = since
    quiet = 0.0
    yield "retry: 2000\n\n"
    while True:
        if is_disconnected is not None and await is_disconnected():  # type: ignore[operator]
            return
        try:
            records = await asyncio.to_thread(source.change_records, seq)
        except SourceError as exc:
            yield f": database unavailable ({exc}); retrying\n\n"
            records = []
            await asyncio.sleep(1.0)
        for r in records:
            seq = r.seq
            yield event(r.seq, r.kind, r.op, r.entity_id, r.data)
        if records:
            quiet = 0.0
            continue
        await asyncio.sleep(POLL_SECONDS)
        quiet += POLL_SECONDS
        if quiet >= heartbeat:
            quiet = 0.0
            yield ": heartbeat\n\n"
