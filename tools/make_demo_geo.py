"""Writes the demo city's outlines and entity positions in fixtures/ (issue 17).

- ``fixtures/boundaries.geojson``: an outline for 望湖区 and each of its streets,
  communities and grids, by :mod:`gridtui.domain.geo.tiling` (a plausible irregular
  district around :data:`CENTRE`, about :data:`RADIUS_KM` km across, cut into streets,
  each street into its communities, each community into its grids: no gap, no
  overlap), one feature per line;
- ``fixtures/entities.csv``: the same rows with ``lat`` and ``lon`` columns, each entity
  at a random place inside its grid (6 decimals, about 0.1 m).

The fictional 龙城 lies where Taiyuan does (龙城 is its old name). Run after
``tools/make_demo_fixtures.py`` (which writes entities.csv without positions); the
output depends only on nodes.csv, the entities' rows and :data:`SEED`, so running it
again rebuilds the same bytes (a test checks the committed files are what it writes).

    .venv/bin/python tools/make_demo_geo.py
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridtui.domain.geo.tiling import geojson_geometry, points_in, region, tile_tree  # noqa: E402

FIXTURES = ROOT / "fixtures"
#: the district's centre (longitude, latitude) and its radius
CENTRE = (112.553, 37.851)
RADIUS_KM = 5.5
SEED = 20261124
ENTITY_COLUMNS = ["code", "kind", "name", "grid", "colour", "patrol_point", "reason"]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def build(folder: Path = FIXTURES) -> dict[str, str]:
    """The files' new text by name, from ``folder``'s nodes.csv and entities.csv."""
    nodes = _rows((folder / "nodes.csv").read_text(encoding="utf-8"))
    children: dict[str, list[str]] = {}
    for n in nodes:
        if n["parent"]:
            children.setdefault(n["parent"], []).append(n["code"])
    district = next(n for n in nodes if n["level"] == "district")
    rng = np.random.default_rng(SEED)
    outline = region(CENTRE[0], CENTRE[1], RADIUS_KM, rng)
    shapes = tile_tree(outline, children, district["code"], rng)
    lines = []
    for n in nodes:
        if n["code"] not in shapes:
            continue  # the city: only its district has an outline
        feature = {
            "type": "Feature",
            "properties": {"code": n["code"], "level": n["level"], "name": n["name"]},
            "geometry": geojson_geometry(shapes[n["code"]]),
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    geojson = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    return {
        "boundaries.geojson": geojson,
        "entities.csv": _entities(folder, shapes, rng),
    }


def _entities(folder: Path, shapes: dict[str, shapely.Geometry], rng: np.random.Generator) -> str:
    """entities.csv with each entity placed inside its grid."""
    rows = _rows((folder / "entities.csv").read_text(encoding="utf-8"))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([*ENTITY_COLUMNS, "lat", "lon"])
    for row in rows:
        grid = shapes[row["grid"]]
        while True:  # a position that is still inside once rounded
            lon, lat = (round(float(v), 6) for v in points_in(grid, 1, rng)[0])
            if shapely.contains_xy(grid, lon, lat):
                break
        w.writerow([*(row[c] for c in ENTITY_COLUMNS), f"{lat:.6f}", f"{lon:.6f}"])
    return out.getvalue()


def main() -> None:
    """Write the files into fixtures/."""
    for name, text in build().items():
        (FIXTURES / name).write_text(text, encoding="utf-8")
        print(f"wrote fixtures/{name}")


if __name__ == "__main__":
    main()
