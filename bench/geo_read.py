"""Benchmark: the map's read, ``DataSource.geo`` (issue 17), on the city-scale database
(1,000,000 tickets, 9,375 grids, 11,422 outlines, 105,000 entities).

Times, over ``--runs`` calls each (p50 and p95, milliseconds):

- **cold**: the first call of a fresh source at city extent (level street): the
  boundary version, the outlines of the level parsed, the entities read;
- **city extent**, level street and level community (simplified as a map at city zoom
  would ask), the source warm;
- **a community's window**, level grid (a different community each run);
- **a pan step**: that window moved by a tenth of its width, run after run;
- **a zoom step**: from a street's window (level community) to the half of it around
  its centre (level grid), a different street each run;
- **GeoJSON**: the city extent's answer of ``GET /api/v1/geo`` encoded (what the API
  adds to the read).

The targets of issue 17 are the map screen's (first paint ≤ 300 ms p95, pan and zoom
steps ≤ 100 ms p95); the read is most of that time.

Usage: ``python bench/geo_read.py [--db sqlite:///path/city.sqlite] [--runs 30]``; the
database comes from ``GRIDTUI_BENCH_DIR=DIR python bench/seed_city.py --keep``
(default ``$GRIDTUI_BENCH_DIR/city.sqlite``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridtui.api.geojson import encode  # noqa: E402
from gridtui.data.sources.local import LocalSource  # noqa: E402
from gridtui.data.sources.records import Bounds, GeoView, NodeRef  # noqa: E402

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # the seed's "now"
FIRST_PAINT_MS = 300
STEP_MS = 100


def _ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _line(name: str, times: list[float], target: float | None = None, note: str = "") -> None:
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 2 else times[0]
    verdict = (
        ""
        if target is None
        else f"  (target ≤ {target} ms p95) " + ("OK" if p95 <= target else "OVER")
    )
    print(f"  {name:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms{verdict}  {note}")


def _geojson(view: GeoView) -> str:
    """The body of ``GET /api/v1/geo`` for ``view``, as the route writes it."""
    return json.dumps(encode(view), ensure_ascii=False, separators=(",", ":"))


def _window(view: GeoView) -> Bounds:
    extent = view.extent
    assert extent is not None, "no outlines: seed the city with this branch's seeder"
    return extent


def _nodes(source: LocalSource, level: str) -> list[NodeRef]:
    return sorted((n for n in source.reference().nodes.values() if n.level == level),
                  key=lambda n: n.id)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("GRIDTUI_BENCH_DIR") or "bench/out") / "city.sqlite"
    parser.add_argument("--db", default=f"sqlite:///{default}")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if args.db.startswith("sqlite:///") and not Path(args.db[10:]).exists():
        print(f"no database {args.db[10:]}: seed one with bench/seed_city.py --keep")
        return 2
    runs = args.runs
    print(f"geo() on {args.db}, {runs} runs each")
    source = LocalSource(args.db, clock=lambda: NOW)
    source.reference()  # the catalogue: the app has it before it opens the map
    cold = _ms(lambda: source.geo(NOW, level="street"))
    city = source.geo(NOW, level="street")
    extent = _window(city)
    span = max(extent.east - extent.west, extent.north - extent.south)
    tolerance = span / 2000  # about a terminal cell's tenth at city zoom
    print(
        f"  city: {len(city.areas)} streets, {len(city.points)} points, "
        f"{len(city.clusters)} clusters, {len(city.entities)} entities, "
        f"extent {span:.3f}° across; outlines simplified by {tolerance:.5f}°"
    )
    _line("cold: first call (level street)", [cold], FIRST_PAINT_MS)
    for level in ("street", "community"):
        source.geo(NOW, level=level, tolerance=tolerance)  # its outlines parsed once
        times = [_ms(lambda lv=level: source.geo(NOW, level=lv, tolerance=tolerance))
                 for _ in range(runs)]  # fmt: skip
        _line(f"city extent, level {level}", times, FIRST_PAINT_MS)
    communities = _nodes(source, "community")
    windows = []
    for c in communities[:: max(1, len(communities) // runs)][:runs]:
        own = source.geo(NOW, node_id=c.id, level="community").extent
        assert own is not None
        windows.append(own)
    source.geo(NOW, bbox=windows[0])  # the grids' outlines parsed once
    times = [_ms(lambda w=w: source.geo(NOW, bbox=w)) for w in windows]
    view = source.geo(NOW, bbox=windows[0])
    _line("community window, level grid", times, FIRST_PAINT_MS,
          f"({len(view.areas)} grids, {len(view.points)} points)")  # fmt: skip
    w = windows[0]
    dx = (w.east - w.west) / 10
    pans = [Bounds(w.west + k * dx, w.south, w.east + k * dx, w.north) for k in range(1, runs + 1)]
    times = [_ms(lambda b=b: source.geo(NOW, bbox=b)) for b in pans]
    _line("pan step (a tenth), level grid", times, STEP_MS)
    zooms = []
    for s in _nodes(source, "street")[:runs]:
        own = source.geo(NOW, node_id=s.id, level="street").extent
        assert own is not None
        cx, cy = (own.west + own.east) / 2, (own.south + own.north) / 2
        hw, hh = (own.east - own.west) / 4, (own.north - own.south) / 4
        zooms.append((own, Bounds(cx - hw, cy - hh, cx + hw, cy + hh)))
    times = []
    for street, half in zooms:
        source.geo(NOW, bbox=street, level="community")
        times.append(_ms(lambda h=half: source.geo(NOW, bbox=h, level="grid")))
    _line("zoom step (street → its half)", times, STEP_MS)
    for level in ("street", "community"):
        view = source.geo(NOW, level=level, tolerance=tolerance)
        size = len(_geojson(view))
        times = [_ms(lambda v=view: _geojson(v)) for _ in range(runs)]
        _line(f"GeoJSON of the city, level {level}", times, None, f"({size / 1024:.0f} KiB)")
    source.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
