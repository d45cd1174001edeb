"""The live change stream: Server-Sent Events over the change feed.

Each change is one event whose ``id:`` is its sequence number. The stream starts
after ``Last-Event-ID`` (a reconnecting client) or ``since``, so a client that comes
back receives everything it missed, in order, and nothing twice. The feed is the
database's change table, which every ``serve`` process on the same database reads,
so every process streams every change whichever process wrote it. Idle links get a
comment line (a heartbeat) every ``heartbeat`` seconds.

One :class:`ChangeHub` per server process reads the table (one query every
:data:`POLL_SECONDS` while anyone listens) and fans the records out to every
subscriber from memory; a subscriber that starts further back than the hub's memory
reads its backlog from the database first, then joins the live fan-out. Two hundred
wall screens cost one query per tick, not two hundred.
"""

from __future__ import annotations

import asyncio
import json
from bisect import bisect_right
from collections.abc import AsyncIterator, Awaitable, Callable

from gridtui.data.changefeed import ChangeRecord
from gridtui.data.local import LocalSource
from gridtui.data.source import SourceError

POLL_SECONDS = 0.1
#: records the hub keeps for subscribers that fall a little behind
KEEP = 5000
BATCH = 500


def event(seq: int, kind: str, op: str, entity_id: int | None, data: dict[str, object]) -> str:
    """One SSE event (``id``, ``event``, ``data`` lines and a blank line)."""
    payload = json.dumps(
        {"seq": seq, "kind": kind, "op": op, "id": entity_id, "data": data},
        ensure_ascii=False, default=str,
    )  # fmt: skip
    return f"id: {seq}\nevent: change\ndata: {payload}\n\n"


class ChangeHub:
    """One reader of the change table per process, many subscribers."""

    def __init__(self, source: LocalSource, *, poll: float = POLL_SECONDS, keep: int = KEEP):
        self.source = source
        self.poll = poll
        self.keep = keep
        self.recent: list[ChangeRecord] = []
        #: every change after this number is in ``recent`` (None: not started)
        self.complete_after: int | None = None
        self.head = 0
        self.error: str | None = None
        self.subscribers = 0
        self.closing = False
        self._task: asyncio.Task[None] | None = None
        self._news: asyncio.Condition | None = None

    # -- the reader ------------------------------------------------------------------------

    def _ensure_running(self) -> None:
        if self._news is None:
            self._news = asyncio.Condition()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        assert self._news is not None
        while self.subscribers:
            try:
                if self.complete_after is None:
                    self.head = await asyncio.to_thread(self.source.last_seq)
                    self.complete_after = self.head
                records = await asyncio.to_thread(self.source.change_records, self.head, BATCH)
                self.error = None
            except SourceError as exc:
                self.error = str(exc)
                async with self._news:
                    self._news.notify_all()
                await asyncio.sleep(1.0)
                continue
            if records:
                self._remember(records)
                async with self._news:
                    self._news.notify_all()
                if len(records) == BATCH:
                    continue
            await asyncio.sleep(self.poll)

    def _remember(self, records: list[ChangeRecord]) -> None:
        self.recent.extend(records)
        self.head = records[-1].seq
        if len(self.recent) > 2 * self.keep:
            dropped = self.recent[: len(self.recent) - self.keep]
            self.recent = self.recent[len(dropped) :]
            self.complete_after = dropped[-1].seq

    def after(self, seq: int) -> list[ChangeRecord] | None:
        """What the hub holds after ``seq``; None when it cannot vouch for the gap."""
        if self.complete_after is None or seq < self.complete_after:
            return None
        start = bisect_right(self.recent, seq, key=lambda r: r.seq)
        return self.recent[start : start + BATCH]

    async def close(self) -> None:
        """End every stream (the server is stopping): clients reconnect elsewhere or
        later and resume from their last change."""
        self.closing = True
        if self._news is not None:
            async with self._news:
                self._news.notify_all()

    # -- subscribers -----------------------------------------------------------------------

    async def events(
        self,
        since: int,
        *,
        heartbeat: float = 15.0,
        is_disconnected: Callable[[], Awaitable[bool]] | None = None,
    ) -> AsyncIterator[str]:
        """SSE text for the changes after ``since``, for as long as the client stays."""
        self.subscribers += 1
        self._ensure_running()
        assert self._news is not None
        seq = since
        try:
            yield "retry: 2000\n\n"
            while not self.closing:
                if is_disconnected is not None and await is_disconnected():
                    return
                records = self.after(seq)
                if records is None:  # further back than the hub remembers
                    mark = self.complete_after  # taken before the read: all of it is older
                    try:
                        records = await asyncio.to_thread(self.source.change_records, seq, BATCH)
                    except SourceError as exc:
                        yield f": database unavailable ({_one_line(exc)}); retrying\n\n"
                        await asyncio.sleep(1.0)
                        continue
                    if not records and mark is None:
                        await asyncio.sleep(self.poll)  # the hub is starting
                        continue
                    if not records and mark is not None:
                        seq = max(seq, mark)  # nothing between: join the live records
                for r in records:
                    seq = r.seq
                    yield event(r.seq, r.kind, r.op, r.entity_id, r.data)
                if records:
                    continue
                if self.error is not None:
                    yield f": database unavailable ({_one_line(self.error)}); retrying\n\n"
                try:
                    async with self._news:
                        await asyncio.wait_for(self._news.wait(), heartbeat)
                except TimeoutError:
                    yield ": heartbeat\n\n"
        finally:
            self.subscribers -= 1


def _one_line(error: object) -> str:
    return " ".join(str(error).split())[:200]
