"""The map screen (民情地图): first paint at city and at grid zoom, pan and zoom steps.

Headless (``--size``, default 160x50), timed from just before the key (or the jump,
or the app's start) to the first frame drawn with the view complete: the canvas
painted with a drawing that holds the whole view at its zoom (a pan inside the drawn
window needs no read; one that leaves it, and every zoom, waits for the read):

- **first paint, city zoom**: a new app started on the map (the extent read, the
  city fitted, its window read and drawn);
- **first paint, grid zoom**: a new app on the overview, then the jump the queue's
  ``m`` makes to a grid near the middle (the map screen built, the extent, the grid's
  outline and the window around it read and drawn);
Keys come ``--gap`` seconds apart (default 0.25 s, a person's pace; the map reads the
next window ahead in between):

- **pan step**: the arrows, around a loop (right ×6, down ×3, left ×6, up ×3), at
  city zoom and at grid zoom; **zoom step**: ``+ + - - - +`` at each.

Targets (issue 17): first paint p95 ≤ 300 ms, pan and zoom steps p95 ≤ 100 ms.

Sources: ``--source synthetic`` (default; :mod:`bench.map_city`: the city's size at
map scale from memory: measures the screen's own work), ``--source memory`` (the
tests' fake street), or ``--db URL`` for a city database (``LocalSource``: the real
read, once the geo read is merged).

Usage: ``python bench/map_screen.py [--db sqlite:///path/city.sqlite] [--runs 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from servekit import p95  # noqa: E402

from bench.map_city import SyntheticCity  # noqa: E402
from gridtui.app import build_app  # noqa: E402
from gridtui.data.sources.records import Bounds  # noqa: E402
from gridtui.data.sources.source import DataSource  # noqa: E402
from gridtui.screens.map import MapScreen  # noqa: E402
from gridtui.screens.messages import OpenMap  # noqa: E402
from gridtui.snapshot import settle  # noqa: E402
from gridtui.widgets.map.canvas import MapCanvas  # noqa: E402

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # the seed's "now"
TARGETS = {"first paint": 0.300, "step": 0.100}
LOOP = ("right",) * 6 + ("down",) * 3 + ("left",) * 6 + ("up",) * 3
#: in twice, out three times, in again (never past the closest zoom from a grid's view)
ZOOMS = ("plus", "plus", "minus", "minus", "minus", "plus")


def clock() -> datetime:
    return NOW


class Painted:
    """Notes the first frame after the canvas was painted with the whole view drawn."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.at = 0.0
        original = MapCanvas.paint

        def paint(canvas: MapCanvas, view: Any, raster: Any, **options: Any) -> None:
            original(canvas, view, raster, **options)
            whole = view is not None and raster is not None and raster.window.holds(view)
            screen = canvas.screen
            if whole and isinstance(screen, MapScreen) and view == screen.view:
                canvas.app.call_after_refresh(self._mark)

        MapCanvas.paint = paint  # type: ignore[method-assign]

    def _mark(self) -> None:
        self.at = time.perf_counter()
        self.event.set()

    async def timed(self, action: Any) -> float:
        """Seconds from now to the frame after the next complete paint."""
        self.event.clear()
        start = time.perf_counter()
        result = action()
        if asyncio.iscoroutine(result):
            await result
        await asyncio.wait_for(self.event.wait(), 600)
        return self.at - start


def a_grid(source: DataSource) -> int:
    """A grid near the middle of the city."""
    if isinstance(source, SyntheticCity):
        return source.a_grid()
    extent = source.geo(NOW, level="street", tolerance=0.1, layers=frozenset()).extent
    assert extent is not None, "the city has no boundaries: load them first (gridtui geo load)"
    x, y = (extent.west + extent.east) / 2, (extent.south + extent.north) / 2
    near = source.geo(NOW, bbox=Bounds(x - 0.01, y - 0.01, x + 0.01, y + 0.01), level="grid",
                      layers=frozenset())  # fmt: skip
    return near.areas[0].node.id


async def run(
    source: DataSource, size: tuple[int, int], painted: Painted, grid: int, gap: float
) -> dict[str, list[float]]:
    """One pass: both first paints, the pan loops, the zooms."""
    out: dict[str, list[float]] = {}
    app = build_app(
        source, clock=clock, poll_seconds=0, screen="map", prebuild=False, freeze_gc=True
    )
    painted.event.clear()
    start = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(painted.event.wait(), 600)
        out["first paint, city zoom"] = [painted.at - start]
        await settle(app, pilot)
        out["pan step, city zoom"] = await steps(app, pilot, painted, LOOP, gap)
        out["zoom step"] = await steps(app, pilot, painted, ZOOMS, gap)
    app = build_app(source, clock=clock, poll_seconds=0, screen="overview", prebuild=False,
                    freeze_gc=True)  # fmt: skip
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        seconds = await painted.timed(lambda: app.post_message(OpenMap(grid)))
        out["first paint, grid zoom"] = [seconds]
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MapScreen) and screen.view is not None
        assert screen.view.level == "grid", screen.view
        out["pan step, grid zoom"] = await steps(app, pilot, painted, LOOP, gap)
        out["zoom step"] += await steps(app, pilot, painted, ZOOMS, gap)
    return out


async def steps(
    app: Any, pilot: Any, painted: Painted, keys: tuple[str, ...], gap: float
) -> list[float]:
    """Each key timed, ``gap`` seconds after the last one's frame (a person's pace:
    the map reads ahead in the meantime), then until its loads are done."""
    out = []
    for key in keys:
        await pilot.pause(gap)
        await settle(app, pilot)
        out.append(await painted.timed(lambda key=key: pilot.press(key)))
    return out


def open_source(args: argparse.Namespace) -> DataSource:
    if args.db:
        from gridtui.data.sources.local import LocalSource

        return LocalSource(args.db, clock=clock)
    if args.source == "memory":
        from tests.fakes import MemorySource

        return MemorySource()
    return SyntheticCity()


async def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", help="a city database URL (LocalSource)")
    parser.add_argument("--source", choices=("synthetic", "memory"), default="synthetic")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="160x50")
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between two keys")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    source = open_source(args)
    painted = Painted()
    grid = a_grid(source)
    print(f"map screen on {source.description}, {width}x{height}, {args.runs} runs")
    timed: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for label, values in (await run(source, (width, height), painted, grid, args.gap)).items():
            timed.setdefault(label, []).extend(values)
    source.close()
    ok = True
    for label in sorted(timed):
        values = timed[label]
        target = TARGETS["first paint" if label.startswith("first") else "step"]
        good = p95(values) <= target
        ok &= good
        print(
            f"  {label:24} median {statistics.median(values) * 1000:6.1f} ms   "
            f"p95 {p95(values) * 1000:6.1f} ms   max {max(values) * 1000:6.1f} ms   "
            f"n={len(values):3}   (target p95 ≤ {target * 1000:.0f} ms) {'OK' if good else 'OVER'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
