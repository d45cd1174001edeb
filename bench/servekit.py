"""What the surge and backlog benchmarks share: a demo city on SQLite or PostgreSQL,
a real ``gridtui serve`` process on 127.0.0.1, and figures.

The city is the demo city (``seed --scale demo``) in a database made for the run: a
SQLite file in a temporary folder, or a PostgreSQL database ``gridtui_bench_<pid>``
created on the server of ``--pg`` (default: the one ``make test-pg`` uses) and
dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridtui.data.intake.fixtures import load_fixtures  # noqa: E402
from gridtui.data.seeding.seed import seed  # noqa: E402
from gridtui.data.sources.tokens import create_token  # noqa: E402
from gridtui.data.storage.db import make_engine, session_factory, upgrade  # noqa: E402

FIXTURES = ROOT / "fixtures"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank) of ``values``; NaN when empty."""
    return pct(values, 0.95)


def ms(seconds: float) -> str:
    """Seconds as a millisecond figure."""
    return "n/a" if seconds != seconds else f"{seconds * 1000:.1f}"


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def database(backend: str, pg: str = PG_DEFAULT) -> Iterator[str]:
    """The URL of an empty database for the run, removed afterwards."""
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="gridtui-bench-")
        try:
            yield f"sqlite:///{folder}/city.sqlite"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"gridtui_bench_{os.getpid()}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def demo_city(url: str, now: datetime, *, seed_no: int = 1) -> str:
    """The demo city seeded up to ``now`` at ``url``; returns an admin token."""
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    load_fixtures(factory, FIXTURES, now=now)
    seed(factory, scale="demo", seed=seed_no, now=now, fixtures=FIXTURES)
    token = create_token(factory, f"bench-{os.getpid()}", "admin", at=now)
    engine.dispose()
    return token


@contextlib.contextmanager
def serve(
    url: str, *, workers: int = 1, sweep: float = 10.0
) -> Iterator[tuple[str, list[tuple[float, str]]]]:
    """A real ``gridtui serve`` on 127.0.0.1: (its base URL, its log lines so far, each
    with the ``time.monotonic()`` it was read at)."""
    port = free_port()
    cmd = [sys.executable, "-m", "gridtui.cli", "--db", url, "serve", "--port", str(port),
           "--workers", str(workers), "--sweep", str(sweep), "--no-watch"]  # fmt: skip
    log: list[tuple[float, str]] = []
    # GRIDTUI_BENCH_CODE: another checkout's gridtui serves (e.g. the code before a
    # change, from `git archive`), for a before/after on the same machine
    code = os.environ.get("GRIDTUI_BENCH_CODE")
    env = {**os.environ, "PYTHONPATH": code} if code else None
    proc = subprocess.Popen(
        cmd, cwd=code or ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=env,
    )  # fmt: skip

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append((time.monotonic(), line.rstrip()))

    threading.Thread(target=pump, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                lines = [line for _, line in log[-20:]]
                raise RuntimeError("gridtui serve did not start:\n" + "\n".join(lines))
            time.sleep(0.1)
        yield base, log
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
