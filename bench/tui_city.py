"""TUI responsiveness on the city-scale database (1,000,000 tickets).

Measures, headless at 120x40, over several runs (median and p95):

- start → first complete overview: from starting the process (interpreter, imports,
  database opened, app built, data loaded) to the first frame drawn with the data;
  every run is a fresh process;
- queue open (switch to the queue, first page painted; the app builds the queue
  screen in the background after start, and the run waits a second on the overview
  as a person would before pressing ``2``);
- jump to the last page;
- apply a filter (red + orange, sorted by colour).

Baseline, measured in the same run: the same ticket rows loaded into Textual's stock
``DataTable`` (the naive way: every row into the widget), for 10,000 and 100,000 rows.

Usage: ``python bench/tui_city.py [--db sqlite:///path/city.sqlite] [--runs 7]``; the
database comes from ``GRIDTUI_BENCH_DIR=DIR python bench/seed_city.py --keep``
(default ``$GRIDTUI_BENCH_DIR/city.sqlite``).
"""

from __future__ import annotations

import time

STARTED = time.time()  # a run's process start, before the heavy imports below

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from sqlalchemy import select
from textual.app import App, ComposeResult
from textual.widgets import DataTable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from servekit import p95

from gridtui.app import build_app
from gridtui.data.sources.local import LocalSource
from gridtui.data.storage.models import Ticket
from gridtui.screens.queue import QueueScreen
from gridtui.snapshot import settle

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # the seed's "now"
COLUMNS = (
    Ticket.id,
    Ticket.colour,
    Ticket.next_deadline,
    Ticket.status,
    Ticket.title,
    Ticket.category,
)
SIZE = (120, 40)
TARGET_OVERVIEW = 1.5
TARGET_STEP = 0.100


def clock() -> datetime:
    return NOW


class Painted:
    """Notes when the queue has put a page on screen and the frame after it is drawn."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.at = 0.0
        original = QueueScreen.show

        def show(screen: QueueScreen, data: object) -> None:
            original(screen, data)  # type: ignore[arg-type]
            screen.app.call_after_refresh(self._mark)

        QueueScreen.show = show  # type: ignore[method-assign]

    def _mark(self) -> None:
        self.at = time.perf_counter()
        self.event.set()

    async def step(self, start: float, action: object) -> float:
        """Run ``action`` and return seconds from ``start`` to the painted page."""
        self.event.clear()
        if callable(action):
            action()
        await asyncio.wait_for(self.event.wait(), 10)
        return self.at - start


PAINTED: Painted | None = None


async def until_painted(app: App[None], ready: object) -> float:
    """The time the first frame is drawn after ``ready()`` holds."""
    while not ready():  # type: ignore[operator]  # noqa: ASYNC110 (polling a UI state)
        await asyncio.sleep(0.002)
    done = asyncio.Event()
    at = 0.0

    def mark() -> None:
        nonlocal at
        at = time.perf_counter()
        done.set()

    app.call_after_refresh(mark)
    await asyncio.wait_for(done.wait(), 10)
    return at


async def one_run(url: str, started: float) -> dict[str, float]:
    """One pass: start → overview, then the three queue steps.

    Queue steps are timed from just before the key is sent to the end of the first
    frame drawn after the new page was put in the table (the harness's own idle
    waits after the key are not counted).
    """
    global PAINTED
    PAINTED = PAINTED or Painted()
    painted = PAINTED
    out: dict[str, float] = {}
    source = LocalSource(url, clock=clock)  # a cold source: the reference is loaded too
    app = build_app(source, clock=clock, poll_seconds=0, screen="overview", freeze_gc=True)
    async with app.run_test(size=SIZE) as pilot:
        await until_painted(app, lambda: getattr(app.screen, "loaded", 0) > 0)
        out["overview"] = time.time() - started
        await settle(app, pilot)

        await asyncio.sleep(1.0)  # a person reads the wall before pressing a key
        t = time.perf_counter()
        # Keys go in without waiting for the app to fall idle (which Pilot.press does
        # before it returns): the clock stops at the first frame that shows the page.
        press = asyncio.create_task(pilot.press("2"))
        out["queue open"] = (
            await until_painted(
                app, lambda: isinstance(app.screen, QueueScreen) and app.screen.table.row_count > 0
            )
            - t
        )
        await press
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.table.row_count > 0

        out["last page"] = await painted.step(
            time.perf_counter(), lambda: asyncio.create_task(pilot.press("end"))
        )
        await settle(app, pilot)
        assert not screen._data.page.has_after

        query = replace(screen.query_spec, colours=frozenset({"red", "orange"}), sort="colour")
        out["filter"] = await painted.step(time.perf_counter(), lambda: screen.set_query(query))
        await settle(app, pilot)
        assert {r.colour for r in screen._data.page.rows} <= {"red", "orange"}
    source.close()
    return out


class Naive(App[None]):
    """The baseline: every row into a stock DataTable."""

    def __init__(self, rows: list[tuple[object, ...]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "colour", "deadline", "status", "title", "category")
        for r in self.rows:
            table.add_row(*(Text(str(v)) for v in r))


async def baseline(url: str, n: int) -> tuple[float, float]:
    """(seconds to read ``n`` rows, seconds to load them into a DataTable and paint)."""
    source = LocalSource(url)
    t = time.perf_counter()
    with source.factory() as s:
        rows = [
            tuple(r)
            for r in s.execute(
                select(*COLUMNS).order_by(Ticket.opened_at.desc(), Ticket.id.desc()).limit(n)
            )
        ]
    read = time.perf_counter() - t
    source.close()
    t = time.perf_counter()
    app = Naive(rows)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    return read, time.perf_counter() - t


async def main() -> int:
    default = Path(os.environ.get("GRIDTUI_BENCH_DIR", "bench/out")) / "city.sqlite"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=f"sqlite:///{default}")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--verbose", action="store_true", help="print every run")
    parser.add_argument("--baseline", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--one", action="store_true", help="(internal) one run, as JSON")
    parser.add_argument("--t0", type=float, default=STARTED, help="(internal) run start")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(await one_run(args.db, args.t0)))
        return 0
    source = LocalSource(args.db)
    with source.factory() as s:
        total = s.query(Ticket).count()
    source.close()
    print(f"TUI on {args.db}: {total:,} tickets, {SIZE[0]}x{SIZE[1]}, {args.runs} runs")
    runs = []
    for _ in range(args.runs):
        # Each run is a new process: "start" is the command starting, imports included.
        started = time.time()
        done = subprocess.run(  # noqa: ASYNC221 (runs one after another, on purpose)
            [sys.executable, __file__, "--one", "--db", args.db, "--t0", repr(started)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    ok = True
    for key in ("overview", "queue open", "last page", "filter"):
        values = [r[key] for r in runs]
        target = TARGET_OVERVIEW if key == "overview" else TARGET_STEP
        good = p95(values) <= target
        ok &= good
        print(
            f"  {key:11} median {statistics.median(values) * 1000:7.0f} ms   "
            f"p95 {p95(values) * 1000:7.0f} ms   (target p95 ≤ {target * 1000:.0f} ms) "
            f"{'OK' if good else 'OVER'}"
        )
        if args.verbose:
            print("             runs: " + " ".join(f"{v * 1000:.0f}" for v in values))
    for n in args.baseline:
        read, load = await baseline(args.db, n)
        print(
            f"  baseline: {n:,} rows into a stock DataTable: read {read:.2f} s + "
            f"load and paint {load:.2f} s"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
