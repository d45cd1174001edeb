"""The assessment screen (考核评估) on the city-scale database (1,000,000 tickets).

Headless at 120x40 (``--size``), in one process on one ``LocalSource`` (whose cache
keeps the scored periods), timed from just before the key (or the app's start) to
the first frame drawn after the ranking was filled:

- **first computation**: the app started on the assessment screen with a cold cache:
  the running month of every level read from the tickets, with the six months
  before it (the trend); and the first visit of each other view measured below
  (weeks, years, the month before, the grids and the workers) — every one of those
  the first time it is computed;
- then, ``--runs`` times each (median, p95; target p95 ≤ 300 ms):

  * **first paint**: a new app on the same source, started on the assessment screen
    (the cache warm, as for a second person opening it, or the same one coming back);
  * **period switch**: ``p`` (month → year → week → month), ``[`` and ``]``;
  * **level switch**: ``v`` through street → community → grid → worker → department
    (the ranking of up to ten thousand workers drawn row by row as it shows);
  * **drill**: a street into its communities and back.

What is cached (``LocalSource``'s assessment cache, ``gridtui/data/sources/
assessments.py``): each scored period (all five levels' figures, scored per level on
first use), keyed by the period, the rules' digest and the instant counted to. A
closed period stays until a write dated before its end arrives (or a bulk load, or a
rules edit, which empty the cache); the running period is read again once the
change feed moves; the overdue-now figures are read live on every answer.

Usage: ``python bench/assessment_screen.py [--db sqlite:///path/city.sqlite] [--runs 7]``;
the database comes from ``GRIDTUI_BENCH_DIR=DIR python bench/seed_city.py --keep``
(default ``$GRIDTUI_BENCH_DIR/city.sqlite``, else ``bench/out/city.sqlite``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from servekit import p95  # noqa: E402

from gridtui.app import build_app  # noqa: E402
from gridtui.data.sources.local import LocalSource  # noqa: E402
from gridtui.screens.assessment import AssessmentScreen  # noqa: E402
from gridtui.snapshot import settle  # noqa: E402

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # the seed's "now"
TARGET = 0.300
#: (label, keys pressed) of each timed step, in the order one pass runs them
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("period switch", ("p",)),  # month → year
    ("period switch", ("p",)),  # year → week
    ("period switch", ("p",)),  # week → month
    ("period switch", ("left_square_bracket",)),  # the month before
    ("period switch", ("right_square_bracket",)),  # back to the running month
    ("level switch", ("v",)),  # communities
    ("level switch", ("v",)),  # grids
    ("level switch", ("v",)),  # workers
    ("level switch", ("v",)),  # departments
    ("level switch", ("v",)),  # streets
    ("drill", ("right",)),  # a street's communities
    ("drill", ("left",)),  # back to the streets
)


def clock() -> datetime:
    return NOW


class Painted:
    """Notes the first frame drawn after the assessment screen filled its ranking."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.at = 0.0
        original = AssessmentScreen.show

        def show(screen: AssessmentScreen, data: Any) -> None:
            original(screen, data)
            screen.app.call_after_refresh(self._mark)

        AssessmentScreen.show = show  # type: ignore[method-assign]

    def _mark(self) -> None:
        self.at = time.perf_counter()
        self.event.set()

    async def timed(self, action: Callable[[], Awaitable[Any] | None]) -> float:
        """Seconds from now to the frame after the next filled ranking."""
        self.event.clear()
        start = time.perf_counter()
        result = action()
        task = asyncio.ensure_future(result) if result is not None else None
        await asyncio.wait_for(self.event.wait(), 600)
        if task is not None:
            await task
        return self.at - start


async def open_app(
    source: LocalSource, painted: Painted, size: tuple[int, int], work: Callable[..., Any]
) -> Any:
    """Start an app on the assessment screen, time its first paint, then ``work(app,
    pilot)``; returns (first paint, work's result)."""
    app = build_app(source, clock=clock, poll_seconds=0, screen="assessment", freeze_gc=True)
    painted.event.clear()
    start = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(painted.event.wait(), 600)
        first = painted.at - start
        await settle(app, pilot)
        return first, await work(app, pilot)


async def steps(app: Any, pilot: Any, painted: Painted) -> list[tuple[str, float]]:
    """One pass of :data:`STEPS`."""
    out = []
    for label, keys in STEPS:
        for key in keys:
            seconds = await painted.timed(lambda key=key: pilot.press(key))
            await settle(app, pilot)
            out.append((label, seconds))
    screen = app.screen
    assert isinstance(screen, AssessmentScreen) and screen.level == "street", screen
    return out


async def main() -> int:
    default = Path(os.environ.get("GRIDTUI_BENCH_DIR", "bench/out")) / "city.sqlite"
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", default=f"sqlite:///{default}")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", default="120x40")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    size = (width, height)
    source = LocalSource(args.db, clock=clock)
    painted = Painted()
    print(f"assessment screen on {args.db}, {width}x{height}, {args.runs} runs")

    t = time.perf_counter()
    first, cold = await open_app(source, painted, size, lambda a, p: steps(a, p, painted))
    print(f"  first computation: first paint {first:.2f} s (the running month, all levels,")
    print("    and the six months before); the first visit of each view:")
    for (label, seconds), (_label, keys) in zip(cold, STEPS, strict=True):
        print(f"      {label:13} {' '.join(keys):22} {seconds:7.2f} s")
    print(f"    in all {time.perf_counter() - t:.1f} s")

    firsts: list[float] = []
    timed: dict[str, list[float]] = {}
    for _ in range(args.runs):
        paint, done = await open_app(source, painted, size, lambda a, p: steps(a, p, painted))
        firsts.append(paint)
        for label, seconds in done:
            timed.setdefault(label, []).append(seconds)
    source.close()
    ok = True
    print("  after the first computation:")
    for label, values in [("first paint", firsts), *timed.items()]:
        good = p95(values) <= TARGET
        ok &= good
        print(
            f"    {label:13} median {statistics.median(values) * 1000:6.0f} ms   "
            f"p95 {p95(values) * 1000:6.0f} ms   max {max(values) * 1000:6.0f} ms   "
            f"n={len(values):3}   (target p95 ≤ {TARGET * 1000:.0f} ms) {'OK' if good else 'OVER'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
