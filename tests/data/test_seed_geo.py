"""Where seeded things are (issue 17): seeded tickets lie inside their grid's outline,
the city scale generates outlines for every node and positions for its entities, and
positions change nothing else of a seeded history."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.fixture_geo import BOUNDARIES
from gridtui.data.intake.fixtures import load_fixtures, read_fixtures
from gridtui.data.seeding.citygen import generate_city
from gridtui.data.seeding.seed import seed
from gridtui.data.seeding.seedgeo import TicketPlacer
from gridtui.data.storage.boundaries import read_boundaries
from gridtui.data.storage.db import make_engine, session_factory
from gridtui.data.storage.models import Ticket
from tests.conftest import FIXTURES, NOW


def test_seeded_tickets_lie_inside_their_grids(demo_city: Callable[[int], Path]) -> None:
    engine = make_engine(f"sqlite:///{demo_city(1)}")
    try:
        with session_factory(engine)() as s:
            grids = {o.node_id: o.geometry for o in read_boundaries(s, level="grid")}
            rows = s.execute(select(Ticket.grid_id, Ticket.lon, Ticket.lat)).all()
    finally:
        engine.dispose()
    assert len(rows) > 1000 and len(grids) == 60
    geoms = np.asarray([grids[r.grid_id] for r in rows], dtype=object)
    lon = np.array([r.lon for r in rows], dtype=float)
    lat = np.array([r.lat for r in rows], dtype=float)
    assert shapely.contains_xy(geoms, lon, lat).all()


def test_without_outlines_tickets_get_no_position(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    fx = tmp_path / "fx"
    shutil.copytree(FIXTURES, fx)
    (fx / BOUNDARIES).unlink()
    load_fixtures(factory, fx, now=NOW)
    seed(factory, scale="demo", seed=2, now=NOW, fixtures=fx)
    with factory() as s:
        assert (s.scalar(select(func.count()).select_from(Ticket)) or 0) > 1000
        assert s.scalar(select(func.count()).where(Ticket.lat.is_not(None))) == 0


def test_the_placer_is_deterministic_and_keeps_to_known_grids() -> None:
    from gridtui.data.seeding.seedgen import CategoryInfo, GenTicket, GridInfo

    box = shapely.box(112.0, 37.0, 112.1, 37.1)
    category = CategoryInfo("c", "c", "order", "blue", False, None)

    def batch() -> list[GenTicket]:
        grids = [GridInfo(g, "g", 1, 2, 3, 4, "w") for g in (7, 7, 8, 7)]
        return [
            GenTicket(i, "t", "a", "patrol", category, "blue", g, 0) for i, g in enumerate(grids)
        ]

    first, again = batch(), batch()
    TicketPlacer({7: box}, seed=5).place(first)
    TicketPlacer({7: box}, seed=5).place(again)
    assert [(t.lon, t.lat) for t in first] == [(t.lon, t.lat) for t in again]
    assert first[2].lon is None and first[2].lat is None  # grid 8 has no outline
    placed = [(t.lon, t.lat) for t in first if t.grid.id == 7]
    assert all(
        x is not None and y is not None and box.contains(shapely.Point(x, y)) for x, y in placed
    )


@pytest.mark.slow
def test_the_city_scale_generates_outlines_and_positions() -> None:
    city, shape_ = generate_city(read_fixtures(FIXTURES), 1)
    levels = {r.code: r.level for _, r in city.nodes}
    by_level: dict[str, int] = {}
    for code in city.outlines:
        by_level[levels[code]] = by_level.get(levels[code], 0) + 1
    assert by_level == {
        "district": 10, "street": shape_.streets, "community": shape_.communities,
        "grid": shape_.grids,
    }  # fmt: skip
    assert shape_.grids == 9375
    districts = [shape(city.outlines[c]) for c, level in levels.items() if level == "district"]
    whole = shapely.union_all(districts)
    assert abs(sum(d.area for d in districts) - whole.area) <= 1e-9 * whole.area
    west, south, east, north = whole.bounds
    assert 112.0 < west < east < 113.1 and 37.3 < south < north < 38.4
    sample = city.entities[::50]
    grids = {code: shape(city.outlines[code]) for code in {e.grid for _, e in sample}}
    for _, e in sample:
        assert e.lon is not None and e.lat is not None
        assert grids[e.grid].contains(shapely.Point(e.lon, e.lat)), e.code
