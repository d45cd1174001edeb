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
import contextlib
import json
from bisect import bisect_right
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from gridtui.api.hosted import HostedSource
from gridtui.data.sources.source import SourceError
from gridtui.data.storage.changefeed import ChangeRecord

POLL_SECONDS = 0.1
#: after a batch, the reader waits this long before reading again, even when kicked
MIN_GAP = 0.1
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


@dataclass(frozen=True, slots=True)
class Rendered:
    """A change as the stream sends it, rendered once for every subscriber."""

    seq: int
    text: str


def render(r: ChangeRecord) -> Rendered:
    """The SSE text of one change record."""
    return Rendered(r.seq, event(r.seq, r.kind, r.op, r.entity_id, r.data))


class ChangeHub:
    """One reader of the change table per process, many subscribers.

    Each change is rendered once; a subscriber sends everything new since its last
    wake-up as one write. Writes made by this process wake the reader at once
    (:meth:`kick`); other processes' writes are seen within :data:`POLL_SECONDS`.
    """

    def __init__(self, source: HostedSource, *, poll: float = POLL_SECONDS, keep: int = KEEP):
        self.source = source
        self.poll = poll
        self.keep = keep
        self.recent: list[Rendered] = []
        #: every change after this number is in ``recent`` (None: not started)
        self.complete_after: int | None = None
        self.head = 0
        self.error: str | None = None
        self.subscribers = 0
        self.closing = False
        self._task: asyncio.Task[None] | None = None
        self._news: asyncio.Event | None = None  # replaced by a fresh one at each batch
        self._kick: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- the reader ------------------------------------------------------------------------

    def _ensure_running(self) -> None:
        if self._news is None or self._kick is None:
            self._news, self._kick = asyncio.Event(), asyncio.Event()
            self._loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def kick(self) -> None:
        """Something was just written (from any thread): read the table now."""
        loop, kick = self._loop, self._kick
        if loop is not None and kick is not None:
            with contextlib.suppress(RuntimeError):  # the server's loop has closed
                loop.call_soon_threadsafe(kick.set)

    def _announce(self) -> None:
        news, self._news = self._news, asyncio.Event()
        if news is not None:
            news.set()

    async def _run(self) -> None:
        assert self._kick is not None
        while self.subscribers and not self.closing:
            self._kick.clear()
            try:
                if self.complete_after is None:
                    self.head = await asyncio.to_thread(self.source.last_seq)
                    self.complete_after = self.head
                records = await asyncio.to_thread(self.source.change_records, self.head, BATCH)
                self.error = None
            except SourceError as exc:
                self.error = str(exc)
                self._announce()
                await asyncio.sleep(1.0)
                continue
            if records:
                self._remember([render(r) for r in records])
                self._announce()
                if len(records) == BATCH:
                    continue
                # Gather what follows into one batch: every subscriber wakes once per
                # batch, not once per change (at 100 changes/s and 200 listeners that
                # is the difference between 20,000 and 2,000 writes a second).
                await asyncio.sleep(MIN_GAP)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), self.poll)

    def _remember(self, rendered: list[Rendered]) -> None:
        self.recent.extend(rendered)
        self.head = rendered[-1].seq
        if len(self.recent) > 2 * self.keep:
            dropped = self.recent[: len(self.recent) - self.keep]
            self.recent = self.recent[len(dropped) :]
            self.complete_after = dropped[-1].seq

    def after(self, seq: int) -> list[Rendered] | None:
        """What the hub holds after ``seq``; None when it cannot vouch for the gap."""
        if self.complete_after is None or seq < self.complete_after:
            return None
        start = bisect_right(self.recent, seq, key=lambda r: r.seq)
        return self.recent[start : start + BATCH]

    async def close(self) -> None:
        """End every stream (the server is stopping): clients reconnect elsewhere or
        later and resume from their last change."""
        self.closing = True
        self._announce()

    # -- subscribers -----------------------------------------------------------------------

    async def events(
        self,
        since: int,
        *,
        heartbeat: float = 15.0,
        is_disconnected: Callable[[], Awaitable[bool]] | None = None,
    ) -> AsyncIterator[str]:
        """SSE text for the changes after ``since``, for as long as the client stays.

        A closed connection ends the stream (the server cancels it, or the next write
        fails); ``is_disconnected`` is asked only on idle links, at heartbeats."""
        self.subscribers += 1
        self._ensure_running()
        seq = since
        try:
            yield "retry: 2000\n\n"
            while not self.closing:
                news = self._news  # before looking: a batch landing meanwhile sets it
                assert news is not None
                rendered = self.after(seq)
                if rendered is None:  # further back than the hub remembers
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
                    rendered = [render(r) for r in records]
                if rendered:
                    seq = rendered[-1].seq
                    yield "".join(r.text for r in rendered)
                    continue
                if self.error is not None:
                    yield f": database unavailable ({_one_line(self.error)}); retrying\n\n"
                try:
                    await asyncio.wait_for(news.wait(), heartbeat)
                except TimeoutError:
                    if is_disconnected is not None and await is_disconnected():
                        return
                    yield ": heartbeat\n\n"
        finally:
            self.subscribers -= 1


def _one_line(error: object) -> str:
    return " ".join(str(error).split())[:200]
