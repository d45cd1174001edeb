"""Writes ``fixtures/samples/nyc-boroughs.geojson``, the five boroughs of New York as
simplified outlines for the NYC 311 sample (the output is committed; run again to
rebuild it, and to print how the sample falls into it:
``.venv/bin/python tools/make_nyc_boroughs.py``).

**The rule.** Not surveyed borough lines: a tiling made with shapely from landmarks.
Each borough has a handful of landmark points (below, WGS84 longitude/latitude, from a
map); the box around the sample (:data:`FRAME`) is cut into the Voronoi cells of all
the landmarks (each place goes to its nearest landmark), and a borough's outline is the
union of its landmarks' cells, its coordinates rounded to 1e-6 degrees (about 10 cm).
The five outlines tile the frame: no gaps, no overlaps, so every row of the sample
with coordinates lies in exactly one (or on a shared edge, which the placement rule
settles). Near the rivers that part the boroughs a nearest-landmark line is not the
river: the script prints how many rows land in the borough their ``Borough`` column
names.

Each feature carries the codes of the nodes it outlines in ``fixtures/samples/nyc/``
(the boroughs as districts with one street, community and grid each): ``grid``,
``community``, ``street``, ``district`` and the borough's name, so the one file loads
at any level that carries outlines::

    gridtui load fixtures/samples/nyc
    gridtui geo load fixtures/samples/nyc-boroughs.geojson --level grid --key grid
    gridtui import fixtures/samples/nyc311-sample-1000.csv --map fixtures/maps/nyc311.toml
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, box, mapping

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "samples" / "nyc-boroughs.geojson"
SAMPLE = ROOT / "fixtures" / "samples" / "nyc311-sample-1000.csv"
#: west, south, east, north: the five boroughs and some water around them
FRAME = (-74.30, 40.45, -73.65, 40.95)

#: borough: (district code, grid code, landmarks as (lon, lat))
BOROUGHS: dict[str, tuple[str, str, list[tuple[float, float]]]] = {
    "MANHATTAN": (
        "NYC-MN",
        "NYC-MN-01-01-01",
        [
            (-74.0170, 40.7033),  # Battery Park
            (-73.9973, 40.7308),  # Washington Square
            (-73.9855, 40.7580),  # Times Square
            (-73.9654, 40.7829),  # Central Park
            (-73.9442, 40.8116),  # Harlem
            (-73.9397, 40.8417),  # Washington Heights
            (-73.9212, 40.8677),  # Inwood
        ],
    ),
    "BRONX": (
        "NYC-BX",
        "NYC-BX-01-01-01",
        [
            (-73.9262, 40.8296),  # Yankee Stadium
            (-73.8987, 40.8615),  # Fordham
            (-73.9124, 40.8895),  # Riverdale
            (-73.8080, 40.8656),  # Pelham Bay
            (-73.8597, 40.8377),  # Parkchester
            (-73.8803, 40.8094),  # Hunts Point
            (-73.8214, 40.8194),  # Throggs Neck
            (-73.8288, 40.8740),  # Co-op City
            (-73.8543, 40.8948),  # Wakefield
        ],
    ),
    "QUEENS": (
        "NYC-QN",
        "NYC-QN-01-01-01",
        [
            (-73.9442, 40.7447),  # Long Island City
            (-73.9232, 40.7644),  # Astoria
            (-73.9062, 40.7454),  # Woodside
            (-73.8303, 40.7675),  # Flushing
            (-73.8059, 40.7027),  # Jamaica
            (-73.8448, 40.7181),  # Forest Hills
            (-73.9057, 40.7043),  # Ridgewood
            (-73.7694, 40.7630),  # Bayside
            (-73.7553, 40.6054),  # Far Rockaway
            (-73.8360, 40.6571),  # Howard Beach
            (-73.7412, 40.7177),  # Queens Village
            (-73.7781, 40.6413),  # JFK Airport
        ],
    ),
    "BROOKLYN": (
        "NYC-BK",
        "NYC-BK-01-01-01",
        [
            (-73.9903, 40.6928),  # Downtown Brooklyn
            (-73.9571, 40.7081),  # Williamsburg
            (-73.9514, 40.7305),  # Greenpoint
            (-73.9213, 40.6944),  # Bushwick
            (-73.9800, 40.6710),  # Park Slope
            (-74.0286, 40.6264),  # Bay Ridge
            (-73.9946, 40.6019),  # Bensonhurst
            (-73.9707, 40.5755),  # Coney Island
            (-73.9590, 40.6410),  # Flatbush
            (-73.8822, 40.6590),  # East New York
            (-73.9019, 40.6402),  # Canarsie
            (-73.9442, 40.6694),  # Crown Heights
            (-73.9442, 40.5861),  # Sheepshead Bay
            (-74.0104, 40.6734),  # Red Hook
        ],
    ),
    "STATEN ISLAND": (
        "NYC-SI",
        "NYC-SI-01-01-01",
        [
            (-74.0776, 40.6437),  # St. George
            (-74.1318, 40.6355),  # Port Richmond
            (-74.1631, 40.5896),  # New Springville
            (-74.1510, 40.5543),  # Great Kills
            (-74.2375, 40.5083),  # Tottenville
        ],
    ),
}


def outlines() -> dict[str, shapely.Geometry]:
    """Each borough's outline by the rule of the module docstring."""
    frame = box(*FRAME)
    owner = {xy: name for name, (_, _, marks) in BOROUGHS.items() for xy in marks}
    cells = shapely.voronoi_polygons(MultiPoint(list(owner)), extend_to=frame)
    parts: dict[str, list[shapely.Geometry]] = {name: [] for name in BOROUGHS}
    for cell in cells.geoms:
        mark = next(xy for xy in owner if cell.covers(Point(xy)))
        parts[owner[mark]].append(cell.intersection(frame))
    return {
        name: shapely.set_precision(shapely.union_all(cells), 1e-6) for name, cells in parts.items()
    }


def feature_collection(shapes: dict[str, shapely.Geometry]) -> dict[str, object]:
    features = []
    for name, (district, grid, _) in BOROUGHS.items():
        features.append({
            "type": "Feature",
            "properties": {"grid": grid, "community": grid[:-3], "street": grid[:-6],
                           "district": district, "borough": name, "name": name.title()},
            "geometry": mapping(shapes[name]),
        })  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def sample_counts(shapes: dict[str, shapely.Geometry]) -> None:
    """How the sample's rows with coordinates fall into the outlines (shapely's
    ``covers``), and how many agree with their ``Borough`` column."""
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Latitude"] and r["Longitude"]]
    counts: Counter[str] = Counter()
    agree = 0
    for r in rows:
        point = Point(float(r["Longitude"]), float(r["Latitude"]))
        hits = sorted(BOROUGHS[n][1] for n, g in shapes.items() if g.covers(point))
        counts[hits[0] if hits else "(none)"] += 1  # the lowest code, as placement
        agree += bool(hits) and hits[0] == BOROUGHS.get(r["Borough"], ("", ""))[1]
    print(f"{len(rows)} rows with coordinates:")
    for code, n in sorted(counts.items()):
        print(f"  {code}: {n}")
    print(f"  in the borough their Borough column names: {agree}")


def main() -> None:
    shapes = outlines()
    assert all(shapely.is_valid(g) for g in shapes.values())
    OUT.write_text(json.dumps(feature_collection(shapes), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    sample_counts(shapes)


if __name__ == "__main__":
    main()
