"""A month's bulletin on the city-scale database (1,000,000 tickets).

Reads a month's assessment of every level (street, community, grid, worker,
department) and the bulletin facts through ``LocalSource``, composes the bulletin
and writes it as Markdown, an Excel workbook and a Word document, timing each part.
Target (issue 15): the assessment of all levels and the bulletin written, each
format, in ≤ 10 s. The first run is cold (nothing cached in the process); later runs
show what the source's cache saves.

Usage: ``python bench/bulletin_city.py [--db sqlite:///path/city.sqlite]
[--at 2026-10-15T04:00:00Z] [--period month] [--lang zh] [--runs 2]``; the database
comes from ``GRIDTUI_BENCH_DIR=DIR python bench/seed_city.py --keep`` (default
``$GRIDTUI_BENCH_DIR/city.sqlite``). Exit status 1 when the first run misses the target.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridtui.bulletin import write_content  # noqa: E402
from gridtui.bulletin.build import build_bulletin  # noqa: E402
from gridtui.data.sources.local import LocalSource  # noqa: E402
from gridtui.data.sources.records import ASSESSMENT_LEVELS  # noqa: E402
from gridtui.data.sources.source import DataSource  # noqa: E402

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # the seed's "now"
TARGET_SECONDS = 10.0


class Timed:
    """A data source that notes how long each call took."""

    def __init__(self, source: DataSource) -> None:
        self._source = source
        self.calls: list[tuple[str, float]] = []

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._source, name)
        if not callable(found):
            return found

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return found(*args, **kwargs)
            finally:
                label = f"{name}({args[0]})" if name == "assessment" else name
                self.calls.append((label, time.perf_counter() - started))

        return timed


def _run(source: DataSource, args: argparse.Namespace, folder: Path) -> float:
    """One bulletin, every format; prints its parts; the total seconds."""
    timed = Timed(source)
    started = time.perf_counter()
    content = build_bulletin(cast(DataSource, timed), period=args.period, at=args.at,
                             levels=list(ASSESSMENT_LEVELS), lang=args.lang)  # fmt: skip
    built = time.perf_counter() - started
    for label, seconds in timed.calls:
        print(f"    {label:28} {seconds * 1000:9.1f} ms")
    print(f"    {'composed (all of the above)':28} {built * 1000:9.1f} ms")
    writes = 0.0
    for fmt in ("md", "xlsx", "docx"):
        path = folder / f"bulletin.{args.lang}.{fmt}"
        t = time.perf_counter()
        write_content(content, path)
        seconds = time.perf_counter() - t
        writes += seconds
        print(
            f"    {'written .' + fmt:28} {seconds * 1000:9.1f} ms  {path.stat().st_size:>9,} bytes"
        )
    rows = sum(len(t.rows) for s in content.sections for t in s.tables)
    total = built + writes
    print(f"    total {total:.2f} s ({len(content.sections)} sections, {rows} table rows)")
    return total


def _seed_now() -> datetime:
    return NOW


def main() -> int:
    bench_dir = Path(os.environ.get("GRIDTUI_BENCH_DIR", "bench/out"))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default=f"sqlite:///{bench_dir / 'city.sqlite'}")
    p.add_argument("--at", type=datetime.fromisoformat,
                   default=datetime(2026, 10, 15, 4, 0, tzinfo=UTC),
                   help="a moment in the period (default: mid-October 2026, closed)")  # fmt: skip
    p.add_argument("--period", choices=["week", "month", "year"], default="month")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--runs", type=int, default=2)
    args = p.parse_args()
    source = LocalSource(args.db, clock=_seed_now)
    print(f"bulletin of the {args.period} containing {args.at:%Y-%m-%d}, {args.db}")
    totals = []
    try:
        with tempfile.TemporaryDirectory(prefix="bulletin-bench-") as tmp:
            for n in range(args.runs):
                print(f"  run {n + 1} ({'cold' if n == 0 else 'warm'}):")
                totals.append(_run(cast(DataSource, source), args, Path(tmp)))
    finally:
        source.close()
    verdict = "OK" if totals[0] <= TARGET_SECONDS else "OVER"
    print(f"first run {totals[0]:.2f} s (target ≤ {TARGET_SECONDS:.0f} s) {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
