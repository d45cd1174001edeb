"""Benchmark: place 1,000,000 tickets by location among 9,375 grid outlines (issue 17)
and print the time and points per second. Target: at most 60 s.

The outlines are a tiling generated here with shapely (``seed --scale city`` has no
outlines on this branch): the Voronoi cells of 9,375 random points over a
Taiyuan-sized box (0.9° × 0.7°), clipped to it, a seventh of them with a hole (a pond),
a hundred of the holes filled by an island grid (9,275 cells and 100 islands):
irregular polygons with shared vertices, as real grids are. The points: uniform over
the box and 2 % around it (outside every grid), 1 % exactly on a vertex.

Measured, in order:

1. **index**: the outlines as stored (GeoJSON text) read back by shapely and the
   :class:`~gridtui.domain.geo.index.GridIndex` built (once per boundary version);
2. **placement**: ``locate_many`` over the 1,000,000 points (the placement rule's
   vectorised query: what the importer, ``geo place`` and the map use), and the
   baseline in the same run, making the shapely points alone;
3. a check of 5,000 of the points against shapely's own ``covers``;
4. with ``--db``: the same outlines and 1,000,000 open tickets with coordinates in a
   fresh SQLite file, each in the grid holding it but one in a hundred unassigned;
   ``gridtui geo place`` timed, ``--dry-run`` first (reading every open ticket with a
   location, locating them, counting the moves) and then for real (moving the
   unassigned ones that lie in a grid: timeline note, change feed, one transaction per
   thousand).

    .venv/bin/python bench/geo_place.py [--points N] [--db]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon, box

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridtui.domain.geo.index import NO_GRID, GridIndex  # noqa: E402

GRIDS = 9_375
#: grids that are islands in another grid's hole (the rest are Voronoi cells)
ISLANDS = 100
FRAME = (112.30, 37.60, 113.20, 38.30)  # west, south, east, north
TARGET_SECONDS = 60.0
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
#: the columns of a bench ticket besides its location (open, in no grid yet)
TICKET = {"title": "t", "channel": "hotline", "category": "c", "colour": "blue",
          "status": "new", "opened_at": NOW, "updated_at": NOW}  # fmt: skip


def tiling(rng: np.random.Generator) -> list[shapely.Geometry]:
    """The grids' outlines (see the module docstring), in no particular order."""
    frame = box(*FRAME)
    cells_wanted = GRIDS - ISLANDS
    xs = rng.uniform(FRAME[0], FRAME[2], cells_wanted)
    ys = rng.uniform(FRAME[1], FRAME[3], cells_wanted)
    seeds = shapely.multipoints(np.column_stack([xs, ys]))
    cells = [c.intersection(frame) for c in shapely.voronoi_polygons(seeds, extend_to=frame).geoms]
    out: list[shapely.Geometry] = []
    islands: list[shapely.Geometry] = []
    for n, cell in enumerate(cells):
        if n % 7 == 0 and isinstance(cell, Polygon):
            pond = shapely.buffer(cell.centroid, (cell.area**0.5) / 6, quad_segs=3)
            if cell.contains(pond):
                cell = Polygon(cell.exterior.coords, [pond.exterior.coords])
                if len(islands) < ISLANDS:
                    islands.append(pond)
        out.append(cell)
    assert len(islands) == ISLANDS
    return out + islands


def points(
    rng: np.random.Generator, n: int, outlines: list[shapely.Geometry]
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points: 97 % in the box, 2 % around it, 1 % on a vertex."""
    west, south, east, north = FRAME
    inside, around = int(n * 0.97), int(n * 0.02)
    vertices = shapely.get_coordinates(np.array(outlines, dtype=object))
    on = vertices[rng.integers(0, len(vertices), n - inside - around)]
    lons = np.concatenate(
        [rng.uniform(west, east, inside), rng.uniform(west - 1, west - 0.1, around), on[:, 0]]
    )
    lats = np.concatenate(
        [rng.uniform(south, north, inside), rng.uniform(south, north, around), on[:, 1]]
    )
    return lons, lats


def index_of(outlines: list[shapely.Geometry]) -> tuple[GridIndex, list[str], float]:
    """The index built from the outlines as stored (GeoJSON text), and the seconds it took."""
    stored = [shapely.to_geojson(g) for g in outlines]
    started = time.perf_counter()
    shapes = shapely.from_geojson(stored)
    codes = [f"G{n:05d}" for n in range(len(outlines))]
    index = GridIndex((n + 1, codes[n], g) for n, g in enumerate(shapes.tolist()))
    return index, codes, time.perf_counter() - started


def check(index: GridIndex, outlines: list[shapely.Geometry], codes: list[str], lons: np.ndarray,
          lats: np.ndarray, got: np.ndarray) -> int:  # fmt: skip
    """How many of 5,000 points the index places differently from shapely's covers."""
    tree = shapely.STRtree(outlines)
    wrong = 0
    for i in np.linspace(0, len(lons) - 1, 5000).astype(int):
        point = shapely.Point(lons[i], lats[i])
        hits = [int(j) for j in tree.query(point) if outlines[int(j)].covers(point)]
        want = min(hits, key=lambda j: codes[j]) + 1 if hits else NO_GRID
        wrong += int(got[i]) != want
    return wrong


def with_database(
    outlines: list[shapely.Geometry], lons: np.ndarray, lats: np.ndarray, grids: np.ndarray
) -> None:
    """The outlines and the tickets in a fresh SQLite file (deleted afterwards; grid
    ``G<n>`` has the id ``100 + n`` there, ``n + 1`` in :func:`index_of`); ``geo place``
    timed."""
    from sqlalchemy import insert

    from gridtui.data.storage.boundaries import store_boundaries
    from gridtui.data.storage.db import make_engine, session_factory, upgrade
    from gridtui.data.storage.models import Node, Ticket
    from gridtui.data.writes.geo_place import replace_tickets
    from gridtui.data.writes.loaded_grids import LoadedGrids

    folder = Path(tempfile.mkdtemp(prefix="gridtui-geo-"))
    url = f"sqlite:///{folder}/geo.sqlite"
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    started = time.perf_counter()
    with factory.begin() as s:
        chain = [
            ("C", None, "city"),
            ("D", "C", "district"),
            ("S", "D", "street"),
            ("M", "S", "community"),
        ]
        ids: dict[str | None, int | None] = {None: None}
        for code, parent, level in chain:
            node = Node(code=code, parent_id=ids[parent], level=level, name=code)
            s.add(node)
            s.flush()
            ids[code] = node.id
        place = {"parent_id": ids["M"], "level": "grid", "kind": "urban", "district_id": ids["D"],
                 "street_id": ids["S"], "community_id": ids["M"]}  # fmt: skip
        rows = [{"id": 100 + n, "code": f"G{n:05d}", "name": f"G{n}", **place}
                for n in range(len(outlines))]  # fmt: skip
        s.execute(insert(Node), rows)
        geoms = [
            (100 + n, "grid", json.loads(shapely.to_geojson(g))) for n, g in enumerate(outlines)
        ]
        store_boundaries(s, geoms, source="bench", at=NOW)
    for start in range(0, len(lons), 50_000):
        with factory.begin() as s:
            s.execute(insert(Ticket), [
                {**TICKET, "lon": float(lons[i]), "lat": float(lats[i]),
                 "grid_id": None if i % 100 == 0 or grids[i] == NO_GRID else int(grids[i]) + 99}
                for i in range(start, min(start + 50_000, len(lons)))
            ])  # fmt: skip
    print(f"database: {len(lons):,} open tickets and {len(outlines):,} outlines written in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    for dry_run in (True, False):
        started = time.perf_counter()
        report = replace_tickets(factory, LoadedGrids(), at=NOW, dry_run=dry_run)
        took = time.perf_counter() - started
        what = "would move" if dry_run else "moved"
        print(f"geo place{' --dry-run' if dry_run else ''}: {report.checked:,} tickets read "
              f"and located, {report.moved:,} {what}, {report.outside:,} outside every "
              f"outline: {took:.1f} s")  # fmt: skip
    engine.dispose()
    shutil.rmtree(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--db", action="store_true", help="also time geo place on SQLite")
    args = parser.parse_args()
    rng = np.random.default_rng(17)
    started = time.perf_counter()
    outlines = tiling(rng)
    took = time.perf_counter() - started
    vertices = int(shapely.get_num_coordinates(np.array(outlines, dtype=object)).sum())
    print(f"tiling: {len(outlines):,} grid outlines ({vertices:,} vertices) in {took:.1f} s")
    lons, lats = points(rng, args.points, outlines)
    index, codes, built = index_of(outlines)
    print(f"index: read back and built in {built:.2f} s")
    started = time.perf_counter()
    shapely.points(lons, lats)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    got = index.locate_many(lons, lats)
    took = time.perf_counter() - started
    placed = int(np.count_nonzero(got != NO_GRID))
    print(
        f"placement: {len(lons):,} points in {took:.2f} s = {len(lons) / took:,.0f} points/s; "
        f"{placed:,} in a grid, {len(lons) - placed:,} in none (target ≤ {TARGET_SECONDS:.0f} s)"
    )
    print(f"  baseline, same run: making the {len(lons):,} shapely points alone {baseline:.2f} s")
    wrong = check(index, outlines, codes, lons, lats, got)
    print(f"check: {wrong} of 5,000 points placed differently from shapely's covers")
    if args.db:
        with_database(outlines, lons, lats, got)
    return 0 if took <= TARGET_SECONDS and wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
