"""The NYC 311 sample placed by location (SQLite and PostgreSQL): the five boroughs
(``fixtures/samples/nyc/`` and ``nyc-boroughs.geojson``, made by
``tools/make_nyc_boroughs.py``) loaded, the 1,000-row export imported: every imported
row with coordinates is in a grid, and the counts per borough are the literal numbers
below, which shapely's own ``covers`` on the raw CSV gives too."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.intake.importer import import_file, load_map
from gridtui.data.storage.models import Boundary, Node, Ticket
from gridtui.data.writes.geo_load import load_boundary_file
from gridtui.data.writes.geo_place import replace_tickets
from gridtui.data.writes.loaded_grids import LoadedGrids
from tests.conftest import FIXTURES, NOW

SAMPLES = FIXTURES / "samples"
BOROUGHS = SAMPLES / "nyc-boroughs.geojson"
SAMPLE = SAMPLES / "nyc311-sample-1000.csv"
#: imported tickets per borough grid: the 890 rows with coordinates the importer
#: accepts (of 893 in the file; 10 rows are rejected, 3 of them with coordinates)
PLACED = {
    "NYC-BK-01-01-01": 304,
    "NYC-BX-01-01-01": 139,
    "NYC-MN-01-01-01": 194,
    "NYC-QN-01-01-01": 201,
    "NYC-SI-01-01-01": 52,
}
#: imported tickets without coordinates: no place
UNPLACED = 100

Factory = sessionmaker[Session]


@pytest.fixture
def nyc(factory: Factory) -> Factory:
    load_fixtures(factory, SAMPLES / "nyc", now=NOW)
    data = BOROUGHS.read_bytes()
    load_boundary_file(factory, data, level="grid", key="grid", source=BOROUGHS.name, at=NOW)
    load_boundary_file(factory, data, level="street", key="street", source=BOROUGHS.name,
                       at=NOW)  # fmt: skip
    return factory


def shapely_counts(imported: set[str]) -> Counter[str]:
    """Each imported row with coordinates placed by shapely alone: the borough outline
    covering it (the lowest grid code on a shared edge)."""
    features = json.loads(BOROUGHS.read_text(encoding="utf-8"))["features"]
    outlines = [(f["properties"]["grid"], shape(f["geometry"])) for f in features]
    counts: Counter[str] = Counter()
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Unique Key"] not in imported or not row["Latitude"]:
                continue
            point = Point(float(row["Longitude"]), float(row["Latitude"]))
            counts[min(code for code, g in outlines if g.covers(point))] += 1
    return counts


def test_every_row_with_coordinates_is_placed_and_counted(nyc: Factory) -> None:
    report = import_file(nyc, SAMPLE, load_map(FIXTURES / "maps" / "nyc311.toml"), now=NOW)
    assert report.inserted == sum(PLACED.values()) + UNPLACED
    with nyc() as s:
        rows = s.execute(
            select(Node.code, func.count())
            .select_from(Ticket)
            .outerjoin(Node, Node.id == Ticket.grid_id)
            .group_by(Node.code)
        ).all()
        lost = s.scalar(
            select(func.count()).where(Ticket.lat.is_not(None), Ticket.grid_id.is_(None))
        )
        without = s.scalar(select(func.count()).where(Ticket.lat.is_(None)))
        keys = set(s.scalars(select(Ticket.external_id)))
    counts = {code: n for code, n in rows if code is not None}
    assert lost == 0 and without == UNPLACED
    assert counts == PLACED
    assert shapely_counts({k for k in keys if k}) == Counter(PLACED)
    # already where they belong: re-placing moves nothing
    assert replace_tickets(nyc, LoadedGrids(), at=NOW).moved == 0


def test_the_boroughs_loaded_at_two_levels(nyc: Factory) -> None:
    with nyc() as s:
        rows = s.execute(select(Boundary.level, func.count()).group_by(Boundary.level))
        levels = {level: n for level, n in rows}
    assert levels == {"grid": 5, "street": 5}
