"""The remote source's change stream: :class:`ChangeListener`, a thread that follows
the server's SSE stream (``/api/v1/changes``) and never loses its place.

It remembers the last change number it saw; when the link breaks it reconnects with
exponential backoff and ``Last-Event-ID``, so every change made while it was away
arrives, in order, once. While it is down (longer than :data:`GRACE_SECONDS`),
:meth:`ChangeListener.batch` raises
:class:`~gridtui.data.sources.source.SourceUnavailable`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from gridtui.api.transport import API, TRANSPORT_ERRORS, error_of, tls_context, why
from gridtui.data.sources.records import ChangeBatch
from gridtui.data.sources.source import SourceUnavailable
from gridtui.data.storage.changesignal import ChangeSignal

#: reconnect delays of the change stream: doubling from FIRST up to MAX seconds
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 10.0
#: a stream down for less than this (a reconnect) does not make the data stale
GRACE_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class _Change:
    seq: int
    kind: str
    entity_id: int | None


class ChangeListener:
    """A thread that follows ``/api/v1/changes`` and never loses its place."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        since: int,
        *,
        backoff_max: float = BACKOFF_MAX,
        read_timeout: float = 45.0,
        signal: ChangeSignal | None = None,
    ) -> None:
        self.base_url = base_url
        self.headers = headers
        self.seq: int | None = since
        self.backoff_max = backoff_max
        self.read_timeout = read_timeout
        self.connected = False
        self.error: str | None = "connecting to the change stream"
        self.down_since: float | None = time.monotonic()
        self.reconnects = 0
        self.signal = signal or ChangeSignal()
        self._received: list[_Change] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gridtui-changes", daemon=True)
        #: the stream's socket while it is open: :meth:`stop` shuts it down, since
        #: closing the client from another thread does not end a read blocked on it
        self._socket: socket.socket | None = None

    def start(self) -> None:
        """Start following."""
        self._thread.start()

    def stop(self) -> None:
        """Stop following: ends the stream's read at once (the stream may be quiet for
        minutes) and waits for the thread."""
        self._stop.set()
        with self._lock:
            sock = self._socket
        if sock is not None:
            # the blocked read returns (end of stream); the server or the thread may
            # have closed it already
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)

    def batch(self, since: int) -> ChangeBatch:
        """Changes received after ``since``, forgetting the older ones.

        Raises:
            SourceUnavailable: not connected right now.
        """
        with self._lock:
            self._received = [c for c in self._received if c.seq > since]
            got = list(self._received)
            connected, error, down_since = self.connected, self.error, self.down_since
        down_for = time.monotonic() - down_since if down_since is not None else 0.0
        if not connected and not got and down_for >= GRACE_SECONDS:
            raise SourceUnavailable(error or "change stream down")
        return ChangeBatch(
            seq=max([since, *(c.seq for c in got)]),
            ticket_ids=frozenset(c.entity_id for c in got if c.kind == "ticket" and c.entity_id),
            kinds=frozenset(c.kind for c in got),
            count=len(got),
        )

    # -- the thread -------------------------------------------------------------------

    def _run(self) -> None:
        delay = BACKOFF_FIRST
        while not self._stop.is_set():
            try:
                self._follow()
                delay = BACKOFF_FIRST  # it ran, then ended: reconnect at once
                error = "the server closed the change stream"
            except TRANSPORT_ERRORS as exc:
                error = f"server {self.base_url} unreachable: {why(exc)}"
            except _StreamRefused as exc:
                error = str(exc)
            except Exception as exc:  # the thread must outlive any surprise
                if self._stop.is_set():
                    return
                error = f"change stream failed: {why(exc)}"
            with self._lock:
                if self.connected:
                    self.down_since = time.monotonic()
                self.connected = False
                self.error = error
            self.signal.bump()  # readers look again: stale once the grace has passed
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self.backoff_max)
            self.reconnects += 1

    def _follow(self) -> None:
        timeout = httpx.Timeout(5.0, read=self.read_timeout)
        with httpx.Client(
            base_url=self.base_url, headers=self.headers, timeout=timeout, verify=tls_context()
        ) as c:
            headers = {"Accept": "text/event-stream"}
            if self.seq is not None:
                headers["Last-Event-ID"] = str(self.seq)
            with c.stream("GET", f"{API}/changes", headers=headers) as response:
                if response.status_code != 200:
                    response.read()
                    raise _StreamRefused(str(error_of(response)))
                stream = response.extensions.get("network_stream")
                with self._lock:
                    self._socket = stream.get_extra_info("socket") if stream else None
                    self.connected, self.error, self.down_since = True, None, None
                try:
                    if self._stop.is_set():  # stopped while connecting: stop saw no socket
                        return
                    self.signal.bump()
                    for change in _parse_sse(response.iter_lines()):
                        if self._stop.is_set():
                            return
                        with self._lock:
                            self._received.append(change)
                            self.seq = change.seq
                        self.signal.bump()
                finally:
                    with self._lock:
                        self._socket = None


class _StreamRefused(Exception):
    """The server answered the stream request with an error."""


def _parse_sse(lines: Iterator[str]) -> Iterator[_Change]:
    """Change events from SSE lines (comments and other fields skipped)."""
    data: list[str] = []
    event_id: str | None = None
    for line in lines:
        if line == "":
            if data and event_id is not None and event_id.isdigit():
                try:
                    payload = json.loads("\n".join(data))
                    entity = payload.get("id")
                    yield _Change(int(event_id), str(payload.get("kind", "")),
                                  int(entity) if entity is not None else None)  # fmt: skip
                except (ValueError, TypeError, AttributeError):
                    yield _Change(int(event_id), "unknown", None)  # unreadable: reload all
            data, event_id = [], None
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "id":
            event_id = value
