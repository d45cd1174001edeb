"""The map's read (issue 17) over a hand-made city whose every figure is known
(tests/geo_city.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import Bounds, GeoArea, GeoEntity, GeoPoint
from gridtui.data.sources.records.geo import Polygon
from gridtui.data.sources.source import ActionRefused
from gridtui.data.storage.boundaries import store_boundaries
from tests.conftest import NOW
from tests.geo_city import DAY, HandCity, build_hand_city, crowd, outline

NONE = {"red": 0, "orange": 0, "yellow": 0, "blue": 0, "green": 0}


def counts(**n: int) -> dict[str, int]:
    return {**NONE, **n}


def square(west: float, south: float, east: float, north: float) -> tuple[Polygon, ...]:
    """The polygons of a box outline as the read gives them (shapely's ring order)."""
    ring = ((east, south), (east, north), (west, north), (west, south), (east, south))
    return ((ring,),)


@pytest.fixture
def hand(db_url: str, factory: sessionmaker[Session]) -> Iterator[tuple[LocalSource, HandCity]]:
    city = build_hand_city(factory)
    source = LocalSource(db_url, clock=lambda: NOW)
    yield source, city
    source.close()


def by_code(areas: list[GeoArea]) -> dict[str, GeoArea]:
    return {a.node.code: a for a in areas}


def test_the_city_at_grid_level(hand) -> None:
    source, city = hand
    view = source.geo(NOW)
    assert view.level == "grid" and view.node_id is None and view.bbox is None
    assert view.extent == Bounds(100, 30, 102, 32)  # the district's outline
    areas = by_code(view.areas)
    assert [a.node.code for a in view.areas] == ["G1", "G2", "G3"]
    g1, g2, g3 = areas["G1"], areas["G2"], areas["G3"]
    assert g1.polygons == square(100, 30, 101, 31)
    assert (g1.tickets, g1.entities, g1.overdue, g1.colour) == (
        counts(red=1, blue=1), counts(red=1), 1, "red",
    )  # fmt: skip
    # t7 has no position but is G2's; t4 is closed
    assert (g2.tickets, g2.entities, g2.overdue, g2.colour) == (
        counts(yellow=1, blue=1), counts(yellow=1, green=1), 0, "yellow",
    )  # fmt: skip
    assert (g3.tickets, g3.entities, g3.overdue, g3.colour) == (
        counts(orange=1), counts(orange=1), 1, "orange",
    )  # fmt: skip
    t = city.tickets
    assert view.points == [
        GeoPoint(t["t1"], 100.2, 30.2, "red", True, "t1 标题", city.nodes["G1"]),
        GeoPoint(t["t2"], 100.8, 30.8, "blue", False, "t2 标题", city.nodes["G1"]),
        GeoPoint(t["t3"], 101.5, 30.5, "yellow", False, "t3 标题", city.nodes["G2"]),
        GeoPoint(t["t5"], 101.0, 31.5, "orange", True, "t5 标题", city.nodes["G3"]),
    ]  # t6 lies outside the city's extent, t7 has no position
    assert view.clusters == []
    assert [(e.code, e.colour, e.lon, e.lat) for e in view.entities] == [
        ("e1", "red", 100.5, 30.5), ("e2", "orange", 101.5, 31.5),
    ]  # fmt: skip
    assert all(isinstance(e, GeoEntity) for e in view.entities)
    assert view.unplaced == 1  # t6


def test_heat_compares_the_grids_by_tickets_per_km2(hand) -> None:
    source, _ = hand
    areas = by_code(source.geo(NOW).areas)
    # G1, G2: 1°×1° at latitude 30.5; G3: 2°×1° at 31.5 (km² shrink with the cosine)
    a1 = a2 = 111.32**2 * math.cos(math.radians(30.5))
    a3 = 2 * 111.32**2 * math.cos(math.radians(31.5))
    usual = 5 / (a1 + a2 + a3)
    assert (2 / a1) / usual >= 1.5 and (1 / a3) / usual < 0.5
    assert (areas["G1"].heat, areas["G2"].heat, areas["G3"].heat) == (3, 3, 1)


def test_streets_count_their_whole_subtree(hand) -> None:
    source, _ = hand
    areas = by_code(source.geo(NOW, level="street").areas)
    assert list(areas) == ["S1", "S2"]
    s1, s2 = areas["S1"], areas["S2"]
    assert s1.tickets == counts(red=1, yellow=1, blue=2) and s1.overdue == 1
    assert s1.entities == counts(red=1, yellow=1, green=1) and s1.colour == "red"
    assert s2.tickets == counts(orange=1) and s2.colour == "orange" and s2.overdue == 1
    assert s1.polygons == square(100, 30, 102, 31)


def test_a_window_shows_what_meets_it(hand) -> None:
    source, city = hand
    view = source.geo(NOW, bbox=Bounds(100.0, 30.0, 100.9, 30.9))
    assert [a.node.code for a in view.areas] == ["G1"]
    assert [p.ticket_id for p in view.points] == [city.tickets["t1"], city.tickets["t2"]]
    assert [e.code for e in view.entities] == ["e1"]
    assert view.bbox == Bounds(100.0, 30.0, 100.9, 30.9)


def test_a_node_shows_its_own_subtree(hand) -> None:
    source, city = hand
    view = source.geo(NOW, node_id=city.nodes["C2"])
    assert [a.node.code for a in view.areas] == ["G3"]
    assert view.extent == Bounds(100, 31, 102, 32)
    assert [p.ticket_id for p in view.points] == [city.tickets["t5"]]
    assert [e.code for e in view.entities] == ["e2"]
    same = source.geo(NOW, node_id=city.nodes["C2"], level="community")
    assert [a.node.code for a in same.areas] == ["C2"]


def test_layers_choose_what_comes(hand) -> None:
    source, city = hand
    late = source.geo(NOW, layers=frozenset({"overdue"}))
    assert [p.ticket_id for p in late.points] == [city.tickets["t1"], city.tickets["t5"]]
    assert late.entities == [] and all(a.heat == 0 for a in late.areas)
    bare = source.geo(NOW, layers=frozenset())
    assert bare.points == [] and bare.entities == [] and bare.clusters == []
    assert by_code(bare.areas)["G1"].colour == "red"  # the areas keep their counts


def test_above_the_threshold_tickets_cluster(hand, factory) -> None:
    source, city = hand
    crowd(factory, city)
    view = source.geo(NOW, cell=0.5)
    (c,) = view.clusters  # t1 and the crowd share cell (200, 60)
    assert c.count == 401 and c.overdue == 1 and c.colour == "red"
    assert c.by_colour == counts(red=1, green=400)
    assert c.bounds == Bounds(100.2, 30.2, 100.3, 30.3)
    assert math.isclose(c.lon, (100.2 + 400 * 100.3) / 401)
    t = city.tickets
    assert [p.ticket_id for p in view.points] == [t["t2"], t["t3"], t["t5"]]
    assert by_code(view.areas)["G1"].tickets == counts(red=1, blue=1, green=400)


def test_new_boundaries_are_read_afresh(hand, factory) -> None:
    source, city = hand
    before = source.geo(NOW)
    with factory.begin() as s:
        geometry = outline(100, 30, 100.5, 31)
        store_boundaries(s, [(city.nodes["G1"], "grid", geometry)], source="t", at=NOW + DAY)
    after = source.geo(NOW)
    assert after.boundary_version != before.boundary_version
    assert by_code(after.areas)["G1"].polygons == square(100, 30, 100.5, 31)


def test_simplifying_keeps_the_outlines_shape(hand) -> None:
    source, _ = hand
    exact = source.geo(NOW, level="street")
    rough = source.geo(NOW, level="street", tolerance=0.01)
    assert [a.polygons for a in rough.areas] == [a.polygons for a in exact.areas]  # boxes


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"level": "city"}, "level"),
        ({"node_id": 999_999}, "node"),
        ({"cell": 0.0}, "cell"),
        ({"tolerance": -1.0}, "tolerance"),
        ({"layers": frozenset({"roads"})}, "layers"),
        ({"bbox": Bounds(101, 30, 100, 31)}, "bbox"),
    ],
)
def test_a_bad_parameter_is_refused_by_name(hand, kwargs, param) -> None:
    source, _ = hand
    with pytest.raises(ActionRefused, match=rf"^{param}: "):
        source.geo(NOW, **kwargs)


def test_a_level_above_the_node_is_refused(hand) -> None:
    source, city = hand
    with pytest.raises(ActionRefused, match=r"^level: a grid has no street"):
        source.geo(NOW, node_id=city.nodes["G1"], level="street")


def test_a_city_without_boundaries_has_no_areas(db_url, factory) -> None:
    city = build_hand_city(factory)
    from gridtui.data.storage.models import Boundary

    with factory.begin() as s:
        s.query(Boundary).delete()
    source = LocalSource(db_url, clock=lambda: NOW)
    try:
        view = source.geo(NOW)
        assert view.areas == [] and view.extent is None and view.points == []
        assert view.unplaced == 1
        window = replace(view, bbox=Bounds(100, 30, 106, 36)).bbox
        assert window is not None
        points = source.geo(NOW, bbox=window).points
        assert city.tickets["t6"] in [p.ticket_id for p in points]  # drawn where it is
    finally:
        source.close()


def test_the_overview_counts_and_lists_the_tickets_in_no_grid(hand) -> None:
    source, city = hand
    overview = source.overview(NOW)
    assert overview.unassigned == 1
    (row,) = overview.unassigned_tickets
    assert (row.id, row.grid_id, row.title) == (city.tickets["t6"], None, "t6 标题")


def test_overdue_is_as_of_the_moment_asked(hand) -> None:
    source, _ = hand
    later = source.geo(NOW + 2 * DAY)  # t2's deadline has passed too
    assert by_code(later.areas)["G1"].overdue == 2
    assert all(p.overdue for p in later.points if p.colour in ("red", "blue"))
