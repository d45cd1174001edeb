"""The assessment (周督查、月通报、年总评) on the city-scale database (1,000,000 tickets).

Measures, on ``LocalSource`` (what the screen, the bulletins and the server use):

- **cold**: a fresh source (empty cache, a fresh process's first read) assesses the
  month of the seed's "now" at all five levels, street first (the previous month is
  read with it, for the change in rank and score), then reads the bulletin's facts;
  target ≤ 10 s for the month with its bulletin (the bulletin's writing is
  ``bench/bulletin_city.py``'s);
- **warm**: after the week, the month and the year have each been computed once, a
  period switch at each level (week → month → year → …, ``--runs`` rounds): median and
  p95; target p95 ≤ 300 ms;
- **baseline**, same run, same database: the month's scorecards (the worker and
  department leaderboards, the nearest existing read of the same ledger and tickets),
  and the ratio of the cold month to it.

Usage: ``python bench/assessment_city.py [--db sqlite:///path/city.sqlite] [--runs 10]``;
the database comes from ``GRIDTUI_BENCH_DIR=DIR python bench/seed_city.py --keep``
(default ``$GRIDTUI_BENCH_DIR/city.sqlite``). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from servekit import p95  # noqa: E402

from gridtui.data.sources.local import LocalSource  # noqa: E402
from gridtui.data.sources.records import ASSESSMENT_LEVELS  # noqa: E402

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # the seed's "now"
PERIODS = ("week", "month", "year")
TARGET_COLD = 10.0
TARGET_SWITCH = 0.300


def heap_mb() -> float:
    """The process's private memory (RssAnon: not the database file SQLite maps in)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")


HEAP_AT_START = heap_mb()


def clock() -> datetime:
    return NOW


def timed(fn: object, *args: object, **kw: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kw)  # type: ignore[operator]
    return time.perf_counter() - started, result


def cold(url: str) -> tuple[float, float]:
    """A fresh source: the month at every level, then the bulletin's facts."""
    source = LocalSource(url, clock=clock)
    try:
        total = 0.0
        for level in ASSESSMENT_LEVELS:
            seconds, a = timed(source.assessment, level, "month", NOW)
            total += seconds
            rows = len(a.rows)  # type: ignore[attr-defined]
            print(f"  month, {level:<10} {rows:>6} rows  {seconds * 1000:7.0f} ms")
        facts, _ = timed(source.bulletin_facts, "month", NOW, 50)
        print(f"  bulletin facts (50 a list)      {facts * 1000:7.0f} ms")
        print(f"  periods read from the database: {source.assessments.cache.misses}")
        return total, facts
    finally:
        source.close()


def warm(url: str, runs: int) -> list[float]:
    """Period switches at every level once each period has been computed."""
    source = LocalSource(url, clock=clock)
    try:
        started = time.perf_counter()
        for period in PERIODS:
            for level in ASSESSMENT_LEVELS:
                source.assessment(level, period, NOW)  # type: ignore[arg-type]
        print(f"  first computation of the week, month and year: "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        misses = source.assessments.cache.misses
        switches: list[float] = []
        for _ in range(runs):
            for level in ASSESSMENT_LEVELS:
                for period in PERIODS:
                    seconds, _ = timed(source.assessment, level, period, NOW)
                    switches.append(seconds)
        assert source.assessments.cache.misses == misses, "a warm switch read a period again"
        gc.collect()
        print(f"  process heap with the cache full: {heap_mb():.0f} MB "
              f"(before the source: {HEAP_AT_START:.0f} MB)")  # fmt: skip
        return switches
    finally:
        source.close()


def baseline(url: str) -> float:
    source = LocalSource(url, clock=clock)
    try:
        seconds, _ = timed(source.scorecards, "month", NOW, 50)
        return seconds
    finally:
        source.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench_dir = os.environ.get("GRIDTUI_BENCH_DIR", str(ROOT / "bench" / "out"))
    parser.add_argument("--db", default=f"sqlite:///{bench_dir}/city.sqlite")
    parser.add_argument("--runs", type=int, default=10, help="rounds of period switches")
    args = parser.parse_args()
    if args.db.startswith("sqlite:///") and not Path(args.db[10:]).exists():
        print(f"no city database at {args.db[10:]}: run bench/seed_city.py --keep first")
        return 2
    load = os.getloadavg()[0]
    print(f"assessment on {args.db} (load average {load:.1f})")
    base = baseline(args.db)
    print("cold (a fresh source):")
    month, facts = cold(args.db)
    print("warm:")
    switches = warm(args.db, args.runs)
    median, tail = statistics.median(switches), p95(switches)
    ok_cold = month + facts <= TARGET_COLD
    ok_warm = tail <= TARGET_SWITCH
    print()
    print(
        f"  month, all five levels, cold  {month:6.2f} s  + facts {facts:.2f} s  "
        f"(target ≤ {TARGET_COLD:.0f} s with the bulletin)  {'OK' if ok_cold else 'OVER'}"
    )
    print(
        f"  period switch, warm           median {median * 1000:.0f} ms, p95 "
        f"{tail * 1000:.0f} ms over {len(switches)}  (target p95 ≤ "
        f"{TARGET_SWITCH * 1000:.0f} ms)  {'OK' if ok_warm else 'OVER'}"
    )
    print(f"  baseline: the month's scorecards {base:.2f} s; the cold month of every "
          f"level = {month / base:.1f}x that")  # fmt: skip
    return 0 if ok_cold and ok_warm else 1


if __name__ == "__main__":
    raise SystemExit(main())
