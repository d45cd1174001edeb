"""Benchmark: seed a Taiyuan-scale city (9,375 grids, 9,788 workers, 1,000,000 tickets
over three years) into a fresh SQLite file and print the time and the size.

Targets (issue #2): under 3 minutes and under 1.5 GB on SQLite. As a baseline measured
in the same run, the history generator alone (no SLA, no scoring, no writes) produces
the first 100,000 tickets; the ratio shows what storage and rules cost on top.

    make bench                    # or: .venv/bin/python bench/seed_city.py [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridtui.data.seeding.seed import seed  # noqa: E402
from gridtui.data.storage.db import make_engine, session_factory, upgrade  # noqa: E402

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
TARGET_SECONDS = 180
TARGET_BYTES = 1.5 * 1024**3


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _baseline(factory_url: str) -> float:
    """Seconds to generate 100,000 tickets with the generator alone."""
    from gridtui.data.seeding.seed import _city_snapshot
    from gridtui.data.seeding.seedgen import HistoryGenerator

    engine = make_engine(factory_url)
    with session_factory(engine)() as session:
        grids, cats, _ = _city_snapshot(session)
    engine.dispose()
    gen = HistoryGenerator(random.Random(7), grids, cats)
    now = int(NOW.timestamp())
    started = time.perf_counter()
    for i in range(100_000):
        t = gen.new_ticket(i + 1, now - 86_400 * 30 + (i * 26))
        gen.live(t, now)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="also seed into this PostgreSQL URL (an empty database)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    args = parser.parse_args()
    out = Path(os.environ.get("GRIDTUI_BENCH_DIR") or tempfile.mkdtemp(prefix="gridtui-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    db = out / "city.sqlite"
    for p in out.glob("city.sqlite*"):
        p.unlink()
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    started = time.perf_counter()
    result = seed(
        factory, scale="city", seed=1, now=NOW, fixtures=ROOT / "fixtures",
        progress=lambda m: print("  " + m, file=sys.stderr, flush=True),
    )  # fmt: skip
    seconds = time.perf_counter() - started
    engine.dispose()
    size = _size(db)
    base = _baseline(url)
    per_ticket = seconds / max(1, result["tickets"]) * 100_000
    print(
        f"seed --scale city (SQLite): {result['tickets']:,} tickets, "
        f"{result['events']:,} events, {result['score_entries']:,} ledger lines"
    )
    print(
        f"  time    {seconds:7.1f} s   (target < {TARGET_SECONDS} s)  "
        f"{'OK' if seconds < TARGET_SECONDS else 'OVER'}"
    )
    print(
        f"  size    {size / 1024**2:7.0f} MB  (target < 1536 MB)  "
        f"{'OK' if size < TARGET_BYTES else 'OVER'}"
    )
    print(
        f"  baseline: generator alone {base:.1f} s per 100,000 tickets; full seed "
        f"{per_ticket:.1f} s per 100,000 = {per_ticket / base:.1f}x the generator"
    )
    if args.pg:
        upgrade(args.pg)
        pg = make_engine(args.pg)
        t0 = time.perf_counter()
        seed(session_factory(pg), scale="city", seed=1, now=NOW, fixtures=ROOT / "fixtures")
        print(f"seed --scale city (PostgreSQL): {time.perf_counter() - t0:.1f} s")
        pg.dispose()
    if not args.keep:
        for p in out.glob("city.sqlite*"):
            p.unlink()
    return 0 if seconds < TARGET_SECONDS and size < TARGET_BYTES else 1


if __name__ == "__main__":
    raise SystemExit(main())
