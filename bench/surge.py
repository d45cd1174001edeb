"""A hotline surge: hundreds of concurrent intakes while the wall screens follow.

Runs a real ``gridtui serve`` on 127.0.0.1 over the demo city, on SQLite (one
process) and on PostgreSQL (``--workers 2``), and measures, per backend:

- the baseline, in the same run on the same server: one client posting tickets one
  after the other for ``--baseline`` seconds (``POST /api/v1/tickets``);
- the surge: ``--clients`` concurrent clients (default 256) posting for
  ``--seconds`` (default 60), each ticket with its own ``Idempotency-Key``; a 503 is
  retried with the same key after its ``Retry-After`` (what a hotline integration
  does), while ``--readers`` clients (default 200) follow ``GET /api/v1/changes``
  as Server-Sent Events from another process.

Printed: tickets created, 201/s, 503s (answered with Retry-After), other 5xx (must
be 0), client timeouts (30 s), p50/p99/max of POST → answer, the tickets in the
database against the 201s (no duplicate, none lost), and the (ticket, reader) pairs
never seen by a reader (must be 0: every created ticket's change reaches every
reader). Exit status 1 when a 5xx other than 503, a timeout, a duplicate or a
missed event happened. All clients are httpx on asyncio.

Usage::

    .venv/bin/python bench/surge.py                          # both backends, full run
    .venv/bin/python bench/surge.py --seconds 10 --clients 64 --readers 50   # quick
    .venv/bin/python bench/surge.py --backend sqlite --pg URL
    make bench-surge
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servekit import PG_DEFAULT, ROOT, database, demo_city, ms, pct, serve

from gridtui.data.storage.db import make_engine, session_factory
from gridtui.data.storage.models import Ticket

API = "/api/v1"
TIMEOUT = 30.0
DRAIN_SECONDS = 60.0
TOKEN_ENV = "GRIDTUI_BENCH_TOKEN"


@dataclass
class Tally:
    """What the intake clients saw."""

    created: set[int] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)  # 201s and replays
    busy: int = 0  # 503 with Retry-After
    busy_without_header: int = 0
    errors: dict[int, int] = field(default_factory=dict)  # other 5xx by status
    timeouts: int = 0
    gave_up: int = 0  # 503 at the end of the phase, not retried
    elapsed: float = 0.0


async def _client(c: httpx.AsyncClient, end: float, tally: Tally, catalogue: dict, run: str):
    grids, categories = catalogue["grids"], catalogue["categories"]
    rng = random.Random()
    async with c:
        while time.monotonic() < end:
            key = str(uuid.uuid4())
            body = {"title": f"{run} 暴雨积水 {key[:8]}", "category": rng.choice(categories),
                    "channel": "hotline", "grid": rng.choice(grids)}  # fmt: skip
            while True:
                started = time.monotonic()
                try:
                    r = await c.post(f"{API}/tickets", json=body,
                                     headers={"Idempotency-Key": key})  # fmt: skip
                except httpx.TimeoutException:
                    tally.timeouts += 1
                    break
                took = time.monotonic() - started
                if r.status_code in (200, 201):
                    tally.latencies.append(took)
                    tally.created.add(int(r.json()["ticket_id"]))
                    break
                if r.status_code == 503:
                    tally.busy += 1
                    wait = r.headers.get("Retry-After")
                    if wait is None:
                        tally.busy_without_header += 1
                    if time.monotonic() + float(wait or 1) > end:
                        tally.gave_up += 1
                        break
                    await asyncio.sleep(float(wait or 1))
                    continue  # the same key: never a second ticket
                tally.errors[r.status_code] = tally.errors.get(r.status_code, 0) + 1
                break


async def _intake(base: str, token: str, clients: int, seconds: float, run: str) -> Tally:
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as c:
        ref = (await c.get(f"{API}/reference", headers={"Authorization": f"Bearer {token}"})).json()
    catalogue = {
        "grids": [n["code"] for n in ref["nodes"].values() if n["level"] == "grid"],
        "categories": list(ref["categories"]),  # code → name
    }
    tally = Tally()
    # every client made before the clock starts: making one (its SSL context) takes
    # the event loop for tens of ms, which would count as the server's time
    headers = {"Authorization": f"Bearer {token}"}
    made = [httpx.AsyncClient(base_url=base, headers=headers, timeout=TIMEOUT)
            for _ in range(clients)]  # fmt: skip
    started = time.monotonic()
    end = started + seconds
    await asyncio.gather(*(_client(c, end, tally, catalogue, run) for c in made))
    tally.elapsed = time.monotonic() - started
    return tally


# -- the readers (a process of their own) ------------------------------------------------------


async def _reader(base: str, token: str, since: int, seen: set[int], ready: list[int]) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream",
               "Last-Event-ID": str(since)}  # fmt: skip
    while True:
        try:
            async with (
                httpx.AsyncClient(base_url=base, timeout=None) as c,
                c.stream("GET", f"{API}/changes", headers=headers) as r,
            ):
                ready.append(1)
                async for line in r.aiter_lines():
                    if line.startswith("id: "):
                        headers["Last-Event-ID"] = line[4:]
                    elif line.startswith("data: ") and '"open"' in line:
                        change = json.loads(line[6:])
                        if change.get("kind") == "ticket" and change.get("op") == "open":
                            seen.add(int(change["id"]))
        except (httpx.TransportError, httpx.HTTPStatusError):
            await asyncio.sleep(0.5)  # reconnect and resume after the last event read


async def _readers_main(base: str, count: int, since: int) -> None:
    token = os.environ[TOKEN_ENV]
    seen: list[set[int]] = [set() for _ in range(count)]
    ready: list[int] = []
    tasks = [asyncio.create_task(_reader(base, token, since, s, ready)) for s in seen]
    while len(ready) < count:  # noqa: ASYNC110 (a count of connections, polled)
        await asyncio.sleep(0.05)
    print("ready", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    created = set(json.loads(line))
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline and any(created - s for s in seen):  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    missed = sum(len(created - s) for s in seen)
    print(json.dumps({"missed": missed, "readers_short": sum(bool(created - s) for s in seen)}),
          flush=True)  # fmt: skip
    for t in tasks:
        t.cancel()


def _start_readers(base: str, token: str, count: int, since: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--readers-of", base, "--readers", str(count),
         "--since", str(since)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, TOKEN_ENV: token},
    )  # fmt: skip
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the SSE readers did not connect")
    return proc


# -- the run -----------------------------------------------------------------------------------


def _row(label: str, clients: int, t: Tally, stored: int, missed: str) -> str:
    errors = sum(t.errors.values())
    return (
        f"{label:9} {clients:>7} {len(t.created):>8} {len(t.created) / t.elapsed:>7.1f} "
        f"{t.busy:>6} {errors:>5} {t.timeouts:>8} {ms(pct(t.latencies, 0.5)):>8} "
        f"{ms(pct(t.latencies, 0.99)):>8} {ms(max(t.latencies, default=float('nan'))):>8} "
        f"{stored:>7} {missed:>7}"
    )


def _stored(url: str, run: str) -> int:
    engine = make_engine(url)
    with session_factory(engine)() as s:
        n = s.scalar(select(func.count()).where(Ticket.title.like(f"{run} %")))
    engine.dispose()
    return int(n or 0)


def run_backend(backend: str, args: argparse.Namespace) -> bool:
    workers = 2 if backend == "postgres" else 1
    with database(backend, args.pg) as url:
        now = datetime.now(UTC)
        print(f"\n{backend}: seeding the demo city …", flush=True)
        token = demo_city(url, now)
        with serve(url, workers=workers) as (base, log):
            print(f"{backend}: gridtui serve --workers {workers} on {base}", flush=True)
            head = ("phase     clients  created   201/s    503   5xx timeouts      p50"
                    "      p99      max  stored  missed")  # fmt: skip
            base_tally = asyncio.run(_intake(base, token, 1, args.baseline, "baseline"))
            rows = [_row("baseline", 1, base_tally, _stored(url, "baseline"), "-")]
            since = int(httpx.get(f"{base}/healthz").json()["seq"])
            readers = _start_readers(base, token, args.readers, since)
            tally = asyncio.run(_intake(base, token, args.clients, args.seconds, "surge"))
            assert readers.stdin is not None and readers.stdout is not None
            readers.stdin.write(json.dumps(sorted(tally.created)) + "\n")
            readers.stdin.flush()
            result = json.loads(readers.stdout.readline())
            readers.wait(30)
            stored = _stored(url, "surge")
            rows.append(_row("surge", args.clients, tally, stored,
                             f"{result['missed']}"))  # fmt: skip
            print(f"{backend}: {args.readers} SSE readers; latencies in ms (201s); "
                  f"503s retried after Retry-After ({tally.busy_without_header} without it, "
                  f"{tally.gave_up} not retried at the end)")  # fmt: skip
            print(head)
            print("\n".join(rows), flush=True)
            if tally.errors:
                print(f"{backend}: other errors by status: {tally.errors}")
                print("\n".join(line for _, line in log if "rror" in line)[-3000:])
    return (
        not tally.errors
        and not tally.timeouts
        and not tally.busy_without_header
        and stored == len(tally.created)
        and result["missed"] == 0
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--pg", default=os.environ.get("GRIDTUI_TEST_PG", PG_DEFAULT))
    p.add_argument("--clients", type=int, default=256)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--readers", type=int, default=200)
    p.add_argument("--baseline", type=float, default=5.0, help="seconds of the 1-client run")
    p.add_argument("--readers-of", default=None, help=argparse.SUPPRESS)
    p.add_argument("--since", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.readers_of:
        asyncio.run(_readers_main(args.readers_of, args.readers, args.since))
        return 0
    os.chdir(ROOT)
    print(f"load average at the start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    ok = all([run_backend(b, args) for b in backends])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
