"""The local API on loopback at city scale: requests/s and intake-to-screen latency.

Runs a real ``gridtui serve`` process on 127.0.0.1 over the city-scale SQLite database
(1,000,000 tickets; the server works on a copy made for the run, see :func:`prepare`)
and measures, from other processes:

- requests/s, with ``--clients`` concurrent keep-alive clients, ``--seconds`` per
  endpoint after a 1 s warm-up, with the median and p95 time per request:

  - ``GET /healthz``: the baseline measured in the same run, on the same server. It
    is the framework floor (uvicorn + FastAPI + one trivial query, no token check);
    every other figure is also given as a ratio to it;
  - ``GET /api/v1/tickets?limit=50``: the first page, and the following pages (each
    client walks the ``next`` cursors from the first page on);
  - ``GET /api/v1/board`` at the city, at a district and at a street;

- intake-to-screen latency: ``POST /api/v1/tickets`` paced at ``--rate`` per second
  for ``--duration`` seconds after ``--warmup`` seconds, open loop (each POST is due
  at its time, whatever the earlier ones are doing), while ``--sse`` clients follow
  ``GET /api/v1/changes`` as Server-Sent Events. For every (ticket, client) pair the
  latency is the moment the client read the ticket's ``open`` change minus the moment
  just before the ticket's POST was sent, both by ``time.monotonic()`` (on Linux one
  clock for every process). Median, p95 and max over all pairs, and the pairs never
  received. The baseline, in the same run: the same with one SSE client.

Processes: the server; this one, the driver (starts and stops the others, runs the
requests/s clients and paces the POSTs); and one for the SSE clients (all streams on
one asyncio event loop), so reading the streams does not delay the POSTs. The CPU
each process used in each phase is printed (in % of one core): on a small machine
the load generators compete with the server for it. The GET and SSE clients speak
bare HTTP/1.1 on asyncio by default (``--client httpx`` for httpx; see ``Conn``).

Target (issue 4): intake-to-screen p95 ≤ 250 ms at 100 tickets/s with 200 SSE
clients on one server.

Usage::

    GRIDTUI_BENCH_DIR=DIR python bench/seed_city.py --keep   # once: ~3 minutes
    GRIDTUI_BENCH_DIR=DIR python bench/api_loopback.py [--duration 20] [--sse 200]
    make bench-api                                         # both, in bench/out

The database is ``$GRIDTUI_BENCH_DIR/city.sqlite`` (``bench/out`` when unset) or
``--db``. Exit status 1 when the target is missed or a request or event is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridtui.data.sources.tokens import create_token, revoke_token  # noqa: E402
from gridtui.data.storage.db import make_engine, session_factory, upgrade  # noqa: E402
from gridtui.data.storage.models import Category, Ticket  # noqa: E402
from gridtui.domain.channels import Channel  # noqa: E402

TARGET_P95 = 0.250
API = "/api/v1"
THROUGHPUT_WARMUP = 1.0
TOKEN_ENV = "GRIDTUI_BENCH_TOKEN"  # how the SSE client process gets its token
DRAIN_SECONDS = 15.0  # after the last POST, how long the SSE clients may still catch up
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# -- small helpers ------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    """Seconds as a right-aligned millisecond figure."""
    return "    n/a" if seconds != seconds else f"{seconds * 1000:7.1f}"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process ``pid`` and its live children
    (``serve --workers N`` runs N worker processes under one supervisor; NaN off Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    total = (int(fields[11]) + int(fields[12])) / CLK_TCK
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except OSError:
        children = []
    return total + sum(cpu_seconds(c) for c in children)


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: the driver killed → stop too


try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:
    _LIBC = None


def spawn(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """A child process in its own session (a terminal's Ctrl-C reaches only the driver,
    which stops the children in order) that is stopped if the driver dies."""
    return subprocess.Popen(
        argv,
        start_new_session=True,
        preexec_fn=_die_with_parent if _LIBC is not None else None,
        **kwargs,
    )


def stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Terminate ``proc`` (SIGTERM, then SIGKILL after ``grace`` seconds)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def reader_of(pipe: Any) -> asyncio.StreamReader:
    """An asyncio reader over a pipe (no thread: nothing to wait for at shutdown)."""
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    return reader


def _signalled(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the ``finally`` clean-ups


def code_version() -> str:
    """The commit the server code comes from, and whether ``gridtui/`` has local edits."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "gridtui"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.split("\n")  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    edited = sorted(line[3:] for line in dirty if line.strip())
    return head + (f" + uncommitted edits in {', '.join(edited)}" if edited else "")


# -- HTTP clients -----------------------------------------------------------------------------
#
# Two kinds, one interface. ``httpx`` is the ordinary client. ``bare`` speaks just
# enough HTTP/1.1 over asyncio for these requests (keep-alive, Content-Length or
# chunked bodies): httpx spends more than 1 ms of client CPU per request (as much as
# the server's /healthz) and about 0.1 ms per SSE event read, so on a 2-core machine
# the httpx clients, not the server, would set the figures (see the README).


class Conn:
    """One keep-alive connection to the server; ``get`` returns (status, body)."""

    async def get(self, target: str) -> tuple[int, bytes]:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError


class HttpxConn(Conn):
    """httpx with a pool of one connection (see :func:`httpx_client`)."""

    def __init__(self, base: str, token: str) -> None:
        self.client = httpx_client(base, token)

    async def get(self, target: str) -> tuple[int, bytes]:
        r = await self.client.get(target)
        return r.status_code, r.content

    async def aclose(self) -> None:
        await self.client.aclose()


class BareConn(Conn):
    """Bare HTTP/1.1 GETs over an asyncio stream."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.head = f"Host: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(b"GET " + target.encode() + b" HTTP/1.1\r\n" + self.head)
        head = (await self.reader.readuntil(b"\r\n\r\n")).lower()
        status = int(head[9:12])
        at = head.find(b"\r\ncontent-length:")
        if at >= 0:
            body = await self.reader.readexactly(int(head[at + 17 : head.index(b"\r\n", at + 2)]))
        else:  # chunked
            pieces = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                pieces.append((await self.reader.readexactly(size + 2))[:-2])
            await self.reader.readline()
            body = b"".join(pieces)
        if b"\r\nconnection: close" in head:
            await self.aclose()
        return status, body

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def httpx_client(base: str, token: str) -> httpx.AsyncClient:
    """An httpx client with one keep-alive connection.

    One per client task: httpx's shared pool re-scans every waiting request against
    every connection at each request's start and end; with a few hundred connections
    that cost more CPU than the requests and showed as seconds of server latency.
    """
    return httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}"},
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        timeout=httpx.Timeout(60.0),
    )


def connect(kind: str, base: str, token: str) -> Conn:
    return HttpxConn(base, token) if kind == "httpx" else BareConn(base, token)


# -- the SSE clients (a child process) -------------------------------------------------------


class Seen:
    """What the SSE clients have read: per stream, ticket id → when its ``open`` came."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.at: list[dict[int, float]] = [{} for _ in range(n)]
        self.newest = [0] * n
        self.buffers = [b""] * n
        self.errors: list[str] = []
        self.started = [False] * n
        self.all_started = asyncio.Event()
        self.progress = asyncio.Event()

    def start(self, i: int) -> None:
        """Stream ``i`` has its first bytes (or failed): it no longer holds up the start."""
        if not self.started[i]:
            self.started[i] = True
            if all(self.started):
                self.all_started.set()

    def feed(self, i: int, data: bytes, at: float) -> None:
        """Body bytes of stream ``i`` read at ``at`` (taken before any parsing)."""
        self.start(i)
        buf = self.buffers[i] + data
        mine = self.at[i]
        while (end := buf.find(b"\n\n")) >= 0:
            block, buf = buf[:end], buf[end + 2 :]
            for line in block.split(b"\n"):
                if not line.startswith(b"data:"):
                    continue
                d = json.loads(line[5:])
                if d.get("kind") != "ticket" or d.get("op") != "open":
                    continue
                ticket = d["id"]
                if ticket in mine:
                    self.errors.append(f"stream {i}: ticket {ticket} twice")
                    continue
                mine[ticket] = at
                if ticket > self.newest[i]:
                    self.newest[i] = ticket
                    self.progress.set()
        self.buffers[i] = buf

    def fail(self, i: int, why: str) -> None:
        self.errors.append(f"stream {i}: {why}")
        self.start(i)


class BareStream(asyncio.Protocol):
    """One SSE stream on a bare HTTP/1.1 connection; the chunked body decoded here."""

    def __init__(self, i: int, request: bytes, seen: Seen) -> None:
        self.i, self.request, self.seen = i, request, seen
        self.raw = b""
        self.chunked: bool | None = None  # None until the response head is in
        self.transport: asyncio.Transport | None = None
        self.closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        at = time.monotonic()
        raw = self.raw + data
        if self.chunked is None:
            end = raw.find(b"\r\n\r\n")
            if end < 0:
                self.raw = raw
                return
            head, raw = raw[:end].lower(), raw[end + 4 :]
            if head[9:12] != b"200":
                self.seen.fail(self.i, f"HTTP {head[9:12].decode()}")
                self.close()
                return
            self.chunked = b"\r\ntransfer-encoding: chunked" in head
        if not self.chunked:
            body, raw = raw, b""
        else:
            pieces = []
            while (nl := raw.find(b"\r\n")) >= 0:
                size = int(raw[:nl].split(b";")[0], 16)
                if size == 0:
                    self.seen.fail(self.i, "closed by the server")
                    self.close()
                    break
                if len(raw) < nl + size + 4:
                    break
                pieces.append(raw[nl + 2 : nl + 2 + size])
                raw = raw[nl + size + 4 :]
            body = b"".join(pieces)
        self.raw = raw
        if body:
            self.seen.feed(self.i, body, at)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closing:
            self.seen.fail(self.i, f"connection lost ({exc})")

    def close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()


async def listen(kind: str, base: str, token: str, n: int, since: int, out: Path) -> int:
    """Hold ``n`` SSE streams; note when each reads each ticket's ``open`` change.

    Talks with the driver over stdin/stdout: prints ``ready`` once every stream has
    its first bytes, then waits for ``stop LAST_ID``, keeps reading until every stream
    has read ticket ``LAST_ID`` (or :data:`DRAIN_SECONDS` pass), writes what it read
    to ``out`` as JSON and prints ``done``. Exits when stdin closes.
    """
    seen = Seen(n)
    target = f"{API}/changes?since={since}"
    headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {token}"}
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    bare: list[BareStream] = []

    async def follow_httpx(i: int, client: httpx.AsyncClient) -> None:
        try:
            async with client.stream("GET", target, headers=headers) as r:
                if r.status_code != 200:
                    seen.fail(i, f"HTTP {r.status_code}")
                    return
                async for chunk in r.aiter_raw():
                    seen.feed(i, chunk, time.monotonic())
                seen.fail(i, "closed by the server")
        except httpx.HTTPError as exc:
            seen.fail(i, f"{type(exc).__name__}: {exc}")

    async def follow_bare(i: int) -> None:
        request = (
            f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Accept: text/event-stream\r\nAuthorization: Bearer {token}\r\n\r\n"
        ).encode()
        try:
            _, proto = await loop.create_connection(
                lambda: BareStream(i, request, seen), host, port
            )
        except OSError as exc:
            seen.fail(i, f"connect: {exc}")
            return
        bare.append(proto)

    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    client = httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(30, read=None))
    if kind == "httpx":
        tasks = [asyncio.create_task(follow_httpx(i, client)) for i in range(n)]
    else:
        tasks = [asyncio.create_task(follow_bare(i)) for i in range(n)]
    try:
        await asyncio.wait_for(seen.all_started.wait(), 60)
        print("ready", flush=True)
        command = (await (await reader_of(sys.stdin)).readline()).decode()
        if not command.startswith("stop"):
            return 1  # stdin closed: the driver has gone
        last = int(command.split()[1])
        deadline = time.monotonic() + DRAIN_SECONDS
        while min(seen.newest) < last and (left := deadline - time.monotonic()) > 0:
            seen.progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(seen.progress.wait(), left)
    finally:
        for stream in bare:
            stream.close()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.aclose()
    text = json.dumps({"seen": [list(s.items()) for s in seen.at], "errors": seen.errors})
    await asyncio.to_thread(out.write_text, text)
    print("done", flush=True)
    return 0


# -- the driver -----------------------------------------------------------------------------


@dataclass
class Procs:
    """What a run starts and must stop: processes, the token, a scratch folder."""

    children: list[subprocess.Popen[bytes]] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for proc in reversed(self.children):
            stop(proc)
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as exc:
                print(f"  (clean-up: {type(exc).__name__}: {exc})", file=sys.stderr)


@contextlib.contextmanager
def procs() -> Iterator[Procs]:
    p = Procs()
    try:
        yield p
    finally:
        p.close()


@dataclass
class Rate:
    """One endpoint's requests/s figures."""

    label: str
    done: int
    errors: int
    seconds: float
    latencies: list[float]
    server_cpu: float
    client_cpu: float

    @property
    def per_second(self) -> float:
        return self.done / self.seconds


class Server:
    """The ``gridtui serve`` child and how to reach it."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.proc = proc
        self.base = base
        self.log = log

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def check(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(
                f"the server exited ({self.proc.returncode}); its log ends:\n{self.tail()}"
            )


async def wait_until_up(server: Server, client: httpx.AsyncClient, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while True:
        server.check()
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer in {within:.0f} s:\n{server.tail()}")
        await asyncio.sleep(0.1)


Step = Callable[[Conn, dict[str, Any]], Awaitable[tuple[bool, bool]]]


def get(path: str, params: dict[str, Any] | None = None) -> Step:
    """One GET of ``path`` per step, counted."""
    target = f"{path}?{urlencode(params)}" if params else path

    async def step(conn: Conn, _state: dict[str, Any]) -> tuple[bool, bool]:
        status, _ = await conn.get(target)
        return True, status == 200

    return step


async def next_pages(conn: Conn, state: dict[str, Any]) -> tuple[bool, bool]:
    """The following page of the client's walk (the first page is fetched uncounted)."""
    cursor = state.get("next")
    query = {"limit": 50} if cursor is None else {"limit": 50, "after": cursor}
    status, body = await conn.get(f"{API}/tickets?{urlencode(query)}")
    state["next"] = json.loads(body)["next"] if status == 200 else None
    if cursor is None:
        return False, status == 200
    state["pages"] = state.get("pages", 0) + 1
    return True, status == 200


async def rate(
    server: Server, token: str, label: str, step: Step, args: argparse.Namespace
) -> tuple[Rate, list[dict[str, Any]]]:
    """Requests/s of ``step`` with ``args.clients`` concurrent clients."""
    seconds = args.seconds
    start = time.monotonic()
    measure_from = start + THROUGHPUT_WARMUP
    end = measure_from + seconds
    latencies: list[float] = []
    counts = [0, 0]  # done, errors
    states: list[dict[str, Any]] = [{} for _ in range(args.clients)]
    cpu: dict[str, float] = {}

    async def worker(state: dict[str, Any]) -> None:
        conn = connect(args.client, server.base, token)
        try:
            while (t := time.monotonic()) < end:
                counted, ok = await step(conn, state)
                if counted and t >= measure_from:
                    latencies.append(time.monotonic() - t)
                    counts[0 if ok else 1] += 1
        finally:
            await conn.aclose()

    async def sample() -> None:
        await asyncio.sleep(measure_from - time.monotonic())
        cpu["server"], cpu["client"] = cpu_seconds(server.proc.pid), time.process_time()
        await asyncio.sleep(end - time.monotonic())
        cpu["server"] = cpu_seconds(server.proc.pid) - cpu["server"]
        cpu["client"] = time.process_time() - cpu["client"]

    await asyncio.gather(sample(), *(worker(s) for s in states))
    server.check()
    got = Rate(
        label, counts[0], counts[1], seconds, latencies,
        cpu["server"] / seconds, cpu["client"] / seconds,
    )  # fmt: skip
    return got, states


@dataclass
class Intake:
    """One intake-to-screen measurement."""

    sse: int
    posted: int
    post_errors: Counter[str]
    done_rate: float
    lag_p95: float
    post_latencies: list[float]
    latencies: list[float]
    per_ticket_last: list[float]
    missed: int
    stream_errors: list[str]
    server_cpu: float
    listener_cpu: float
    driver_cpu: float


async def intake(
    client: httpx.AsyncClient,
    server: Server,
    procs_: Procs,
    scratch: Path,
    token: str,
    sse: int,
    args: argparse.Namespace,
    pick: Callable[[int], dict[str, str]],
) -> Intake:
    """POST at ``args.rate`` with ``sse`` SSE clients reading the change stream."""
    since = int((await client.get("/healthz")).json()["seq"])
    out = scratch / f"seen-{sse}.json"
    listener = spawn(
        [
            sys.executable, __file__, "--listen", str(sse), "--base", server.base,
            "--since", str(since), "--out", str(out), "--client", args.client,
        ],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env={**os.environ, TOKEN_ENV: token},  # not in argv, where `ps` shows it
    )  # fmt: skip
    procs_.children.append(listener)
    assert listener.stdin is not None and listener.stdout is not None
    stdout = await reader_of(listener.stdout)

    async def line() -> str:
        text = (await stdout.readline()).decode().strip()
        if not text:
            raise RuntimeError("the SSE client process exited early")
        return text

    if (ready := await asyncio.wait_for(line(), 90)) != "ready":
        raise RuntimeError(f"the SSE client process said {ready!r}")
    server.check()

    warm_n = round(args.rate * args.warmup)
    total = warm_n + round(args.rate * args.duration)
    sent: dict[int, float] = {}  # ticket id → send time (measured tickets only)
    post_latencies: list[float] = []
    lags: list[float] = []  # send time − scheduled time: the driver keeping pace
    errors: Counter[str] = Counter()  # why measured POSTs failed
    ids: list[int] = []
    begin = time.monotonic() + 0.05

    queue: asyncio.Queue[int | None] = asyncio.Queue()

    async def poster() -> None:
        async with httpx_client(server.base, token) as conn:
            while (i := await queue.get()) is not None:
                try:
                    await post(conn, i)
                finally:
                    queue.task_done()

    async def post(conn: httpx.AsyncClient, i: int) -> None:
        body = pick(i)
        t = time.monotonic()
        if i >= warm_n:
            lags.append(t - (begin + i / args.rate))
        try:
            r = await conn.post(f"{API}/tickets", json=body)
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] += i >= warm_n
            return
        done = time.monotonic()
        if r.status_code != 201:
            try:
                code = r.json()["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = ""
            errors[f"HTTP {r.status_code} {code}".strip()] += i >= warm_n
            return
        ticket_id = int(r.json()["ticket_id"])
        ids.append(ticket_id)
        if i >= warm_n:
            sent[ticket_id] = t
            post_latencies.append(done - t)

    posters = [asyncio.create_task(poster()) for _ in range(args.posters)]
    cpu0: tuple[float, float, float] = (0.0, 0.0, 0.0)
    measure_start = measure_end = 0.0
    for i in range(total):
        delay = begin + i / args.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if i == warm_n:
            measure_start = time.monotonic()
            cpu0 = (
                cpu_seconds(server.proc.pid),
                cpu_seconds(listener.pid),
                time.process_time(),
            )
        queue.put_nowait(i)
    await queue.join()
    for _ in posters:
        queue.put_nowait(None)
    await asyncio.gather(*posters)
    measure_end = time.monotonic()
    cpu1 = (cpu_seconds(server.proc.pid), cpu_seconds(listener.pid), time.process_time())
    server.check()

    listener.stdin.write(f"stop {max(ids, default=0)}\n".encode())
    listener.stdin.flush()
    if (said := await asyncio.wait_for(line(), DRAIN_SECONDS + 60)) != "done":
        raise RuntimeError(f"the SSE client process said {said!r}")
    listener.stdin.close()
    await asyncio.to_thread(listener.wait, 10)
    payload = json.loads(await asyncio.to_thread(out.read_text))
    out.unlink()

    latencies: list[float] = []
    last: dict[int, float] = {}
    missed = 0
    for pairs in payload["seen"]:
        got = {int(k): float(v) for k, v in pairs}
        for ticket_id, t in sent.items():
            at = got.get(ticket_id)
            if at is None:
                missed += 1
                continue
            latencies.append(at - t)
            last[ticket_id] = max(last.get(ticket_id, 0.0), at - t)
    span = measure_end - measure_start
    return Intake(
        sse=sse,
        posted=len(sent),
        post_errors=+errors,
        done_rate=len(sent) / (measure_end - measure_start),
        lag_p95=pct(lags, 0.95),
        post_latencies=post_latencies,
        latencies=latencies,
        per_ticket_last=list(last.values()),
        missed=missed,
        stream_errors=payload["errors"],
        server_cpu=(cpu1[0] - cpu0[0]) / span,
        listener_cpu=(cpu1[1] - cpu0[1]) / span,
        driver_cpu=(cpu1[2] - cpu0[2]) / span,
    )


CLIENTS = {"bare": "bare HTTP/1.1 on asyncio", "httpx": "httpx on asyncio"}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_rates(rates: list[Rate], args: argparse.Namespace) -> None:
    floor = rates[0].per_second
    print(
        f"requests/s: {args.clients} concurrent keep-alive clients ({CLIENTS[args.client]}, "
        f"in the driver), {args.seconds:g} s per endpoint after a {THROUGHPUT_WARMUP:g} s "
        "warm-up; CPU in % of one core"
    )
    print(
        f"  {'endpoint':36} {'req/s':>6} {'× floor':>8} {'median ms':>10} {'p95 ms':>7}"
        f" {'errors':>6}   CPU: server driver"
    )
    for r in rates:
        print(
            f"  {r.label:36} {r.per_second:6.0f} {r.per_second / floor:8.3f}"
            f" {ms(median(r.latencies)):>10} {ms(pct(r.latencies, 0.95)):>7} {r.errors:6d}"
            f"        {r.server_cpu:5.0%}  {r.client_cpu:5.0%}"
        )


def print_intake(results: list[Intake], args: argparse.Namespace) -> bool:
    print(
        f"intake → screen: POST /api/v1/tickets at {args.rate:g}/s for {args.duration:g} s "
        f"after a {args.warmup:g} s warm-up, open loop on {args.posters} httpx connections "
        f"from the driver; SSE clients ({CLIENTS[args.client]}, one event loop) in a third "
        "process; latency = SSE client read − just before the POST, over every (ticket, "
        f"client) pair; missed = not read {DRAIN_SECONDS:g} s after the last POST"
    )
    print(
        f"  {'SSE clients':>11} {'median ms':>10} {'p95 ms':>9} {'max ms':>9} {'missed':>12}"
        f"   all clients have it: {'median':>7} {'p95 ms':>8}"
    )
    ok = True
    base = results[0]
    for r in results:
        p95 = pct(r.latencies, 0.95)
        if r is base and len(results) > 1:
            verdict = "(baseline)"
        else:
            good = p95 <= TARGET_P95 and not (r.missed or r.post_errors or r.stream_errors)
            ok &= good
            verdict = f"target p95 ≤ {TARGET_P95 * 1000:.0f} ms: {'OK' if good else 'OVER'}"
        print(
            f"  {r.sse:11d} {ms(median(r.latencies)):>10} {ms(p95):>9}"
            f" {ms(max(r.latencies, default=float('nan'))):>9}"
            f" {f'{r.missed:,}/{r.posted * r.sse:,}':>12}                        "
            f"{ms(median(r.per_ticket_last)):>7} {ms(pct(r.per_ticket_last, 0.95)):>8}   {verdict}"
        )
    if len(results) > 1:
        b, top = base.latencies, results[-1].latencies
        print(
            f"  {results[-1].sse} vs {base.sse} SSE client: median "
            f"{median(top) / median(b):.1f}x, p95 {pct(top, 0.95) / pct(b, 0.95):.1f}x"
        )
    print(
        f"  {'SSE clients':>11} {'POST→201 median ms':>19} {'p95 ms':>7} {'done/s':>7}"
        f" {'sent late p95 ms':>17}   CPU: server SSE-clients driver"
    )
    for r in results:
        print(
            f"  {r.sse:11d} {ms(median(r.post_latencies)):>19} {ms(pct(r.post_latencies, 0.95)):>7}"
            f" {r.done_rate:7.1f} {ms(r.lag_p95):>17}        {r.server_cpu:5.0%}"
            f"       {r.listener_cpu:5.0%}  {r.driver_cpu:5.0%}"
        )
    for r in results:
        for why, n in r.post_errors.items():
            print(f"  {r.sse} SSE clients: {n} POSTs failed: {why}")
        if r.stream_errors:
            first = "; ".join(r.stream_errors[:3])
            print(f"  {r.sse} SSE clients: {len(r.stream_errors)} stream errors, first: {first}")
    return ok


@dataclass
class Setup:
    """The database a run's server uses and what the run needs from it."""

    url: str
    token: str
    name: str
    tickets: int
    categories: list[str]
    note: str


def prepare(args: argparse.Namespace, p: Procs) -> Setup:
    """Copy the database (unless ``--in-place``) and make the run's token.

    A run opens thousands of tickets, all open: left in the city database, ten runs
    would multiply its ~2,000 open tickets, which the board and the queue read. So
    the server works on a copy next to the database, deleted afterwards (~3 s and
    1.3 GB of disk for the city).
    """
    url: str = args.db
    note = "in place: this run's tickets stay"
    if url.startswith("sqlite:///") and not args.in_place:
        source = Path(url[len("sqlite:///") :])
        copy = source.with_name(f"api-run-{os.getpid()}.sqlite")

        def remove_copy() -> None:
            for f in copy.parent.glob(copy.name + "*"):
                f.unlink()

        p.cleanups.append(remove_copy)
        started = time.monotonic()
        with (
            contextlib.closing(sqlite3.connect(source)) as src,
            contextlib.closing(sqlite3.connect(copy)) as dst,
        ):
            src.execute("PRAGMA query_only = ON")
            src.backup(dst)  # consistent even with a WAL or a writer
        copied = time.monotonic() - started
        # The copy is 1.3 GB of dirty pages: let the kernel write them back now, or its
        # writeback stalls the server's commits in the middle of the measurements.
        os.sync()
        synced = time.monotonic() - started - copied
        url = f"sqlite:///{copy}"
        note = (
            f"a copy made for this run in {copied:.1f} s and written to disk in "
            f"{synced:.1f} s before the server starts, deleted after"
        )
    upgrade(url)  # a database seeded before a migration: bring it to the server's schema
    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as s:
        tickets = int(s.scalar(select(func.count()).select_from(Ticket)) or 0)
        categories = sorted(s.scalars(select(Category.code)))
    stamp = datetime.now(UTC)
    name = f"bench-api-{stamp:%Y%m%d-%H%M%S}-{os.getpid()}"
    token = create_token(factory, name, "officer", at=stamp)

    def revoke() -> None:
        revoke_token(factory, name, at=datetime.now(UTC))
        engine.dispose()

    p.cleanups.append(revoke)
    return Setup(url, token, name, tickets, categories, note)


async def run(args: argparse.Namespace, p: Procs, setup: Setup) -> int:
    url, token, name, categories = setup.url, setup.token, setup.name, setup.categories
    scratch = Path(tempfile.mkdtemp(prefix="gridtui-bench-api-"))
    p.cleanups.append(lambda: shutil.rmtree(scratch, ignore_errors=True))

    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = scratch / "server.log"
    with log.open("wb") as sink:
        proc = spawn(
            [
                sys.executable, "-m", "gridtui.cli", "--db", url,
                "serve", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(args.workers),
            ],
            stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
    p.children.append(proc)
    server = Server(proc, base, log)

    print(
        f"API on {args.db} ({setup.note}): {setup.tickets:,} tickets; `gridtui serve "
        f"--workers {args.workers}` (uvicorn, "
        f"{'one process' if args.workers == 1 else f'{args.workers} worker processes'}, "
        f"pid {proc.pid}) on {base}; server code {code_version()}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start "
        "(other work on the machine competes with the server and the clients)"
    )
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=httpx.Timeout(60.0)
    ) as client:
        await wait_until_up(server, client)
        nodes = (await client.get(f"{API}/hierarchy")).json()["nodes"]
        by_code = sorted(nodes, key=lambda n: n["code"])
        district = next(n for n in by_code if n["level"] == "district")
        street = next(
            n for n in by_code if n["level"] == "street" and n["parent_id"] == district["id"]
        )
        grids = [n["code"] for n in by_code if n["level"] == "grid"]

        rates: list[Rate] = []
        plan: list[tuple[str, Step]] = [
            ("/healthz (floor)", get("/healthz")),
            ("tickets, first page (50)", get(f"{API}/tickets", {"limit": 50})),
            ("tickets, next pages (50)", next_pages),
            ("board, city", get(f"{API}/board")),
            (f"board, district {district['code']}", get(f"{API}/board", {"node": district["id"]})),
            (f"board, street {street['code']}", get(f"{API}/board", {"node": street["id"]})),
        ]
        if not args.skip_rates:
            for label, step in plan:
                got, states = await rate(server, token, label, step, args)
                if step is next_pages:
                    deepest = max(s.get("pages", 0) for s in states)
                    got.label = f"{label[:-5]} (50, to page {deepest + 1:,})"
                rates.append(got)
            print_rates(rates, args)

        rng = random.Random(4)
        channels = [c.value for c in Channel]
        bodies = [
            {
                "title": f"bench {name} #{i}",
                "category": rng.choice(categories),
                "channel": rng.choice(channels),
                "grid": rng.choice(grids),
            }
            for i in range(round(args.rate * (args.warmup + args.duration)))
        ]
        results = []
        for sse in dict.fromkeys([1, args.sse]):
            results.append(
                await intake(client, server, p, scratch, token, sse, args, bodies.__getitem__)
            )
        ok = print_intake(results, args)
    return 0 if ok and all(r.errors == 0 for r in rates) else 1


def main() -> int:
    default = Path(os.environ.get("GRIDTUI_BENCH_DIR", "bench/out")) / "city.sqlite"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=f"sqlite:///{default}")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for req/s")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per endpoint")
    parser.add_argument("--rate", type=float, default=100.0, help="POSTs per second")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds of POSTs")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of POSTs not counted")
    parser.add_argument("--sse", type=int, default=200, help="SSE clients (baseline: 1)")
    parser.add_argument(
        "--posters", type=int, default=32, help="connections the POSTs go out on (each waits "
        "for its answer; a POST due while all are busy waits, counted as behind schedule)",
    )  # fmt: skip
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument(
        "--workers", type=int, default=1, help="server worker processes (`serve --workers`)"
    )
    parser.add_argument("--skip-rates", action="store_true", help="only the intake latency")
    parser.add_argument(
        "--in-place", action="store_true",
        help="serve the database itself, not a copy (its tickets stay; always so off SQLite)",
    )  # fmt: skip
    parser.add_argument(
        "--client", choices=["bare", "httpx"], default="bare",
        help="GET and SSE client (POSTs always use httpx); see the README",
    )  # fmt: skip
    internal = parser.add_argument_group("internal (the SSE client process)")
    internal.add_argument("--listen", type=int, default=0, help=argparse.SUPPRESS)
    internal.add_argument("--base", help=argparse.SUPPRESS)
    internal.add_argument("--since", type=int, default=0, help=argparse.SUPPRESS)
    internal.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.listen:
        token = os.environ[TOKEN_ENV]
        listening = listen(args.client, args.base, token, args.listen, args.since, Path(args.out))
        return asyncio.run(listening)

    if args.db.startswith("sqlite:///"):
        path = Path(args.db[len("sqlite:///") :]).resolve()  # the server runs in ROOT
        if not path.exists():
            print(
                f"no database at {path}: build it with "
                f"`GRIDTUI_BENCH_DIR={path.parent} python bench/seed_city.py --keep`",
                file=sys.stderr,
            )
            return 2
        args.db = f"sqlite:///{path}"
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress in logs
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _signalled)
    with procs() as p:
        try:
            return asyncio.run(run(args, p, prepare(args, p)))
        except KeyboardInterrupt:
            print("\ninterrupted; stopping the server and the clients", file=sys.stderr)
            return 130


if __name__ == "__main__":
    raise SystemExit(main())
