"""The map's rules (issue 17): points or clusters, heat levels, worst colour, and what a
map read may ask for."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from gridtui.domain.colours import worst_colour
from gridtui.domain.geo.cluster import (
    CELLS_ACROSS,
    COLOURS,
    THRESHOLD,
    cluster,
    colour_index,
    default_cell,
)
from gridtui.domain.geo.heat import MAX_HEAT, area_km2, heat_levels
from gridtui.domain.geo.window import (
    GeoParamError,
    check_cell,
    check_layers,
    check_level,
    check_tolerance,
    parse_bbox,
)

Tickets = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _tickets(points: list[tuple[float, float, str, bool]]) -> Tickets:
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    return lon, lat, colour_index([p[2] for p in points]), np.array([p[3] for p in points])


def test_at_the_threshold_every_ticket_is_a_point() -> None:
    pts = [(112.5, 37.8, "blue", False)] * THRESHOLD  # all in one place, still points
    drawn = cluster(*_tickets(pts), cell=0.01)
    assert drawn.bins == [] and drawn.singles.tolist() == list(range(THRESHOLD))


def test_above_the_threshold_tickets_sharing_a_cell_are_one_cluster() -> None:
    # cell 0.5°: (100.2, 30.2) and the 400 at (100.3, 30.3) share cell (200, 60)
    pts = [(100.2, 30.2, "red", True)] + [(100.3, 30.3, "green", False)] * THRESHOLD
    pts += [(100.8, 30.8, "blue", False), (101.5, 30.5, "yellow", True)]
    drawn = cluster(*_tickets(pts), cell=0.5)
    assert drawn.singles.tolist() == [401, 402]  # alone in their cells: points
    (b,) = drawn.bins
    assert b.count == 401 and b.overdue == 1
    assert b.by_colour == {"red": 1, "orange": 0, "yellow": 0, "blue": 0, "green": 400}
    assert b.colour == "red"  # the most urgent member's
    assert (b.west, b.south, b.east, b.north) == (100.2, 30.2, 100.3, 30.3)
    assert math.isclose(b.lon, (100.2 + 400 * 100.3) / 401)
    assert math.isclose(b.lat, (30.2 + 400 * 30.3) / 401)


def test_cells_are_anchored_so_a_pan_keeps_the_clusters() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    lon, lat = rng.uniform(112.0, 112.4, n), rng.uniform(37.6, 37.9, n)
    colours, late = rng.integers(0, 5, n), np.zeros(n, dtype=bool)
    before = cluster(lon, lat, colours, late, 0.05)
    keep = lon >= 112.1  # the window moved east: what is still in it
    after = cluster(lon[keep], lat[keep], colours[keep], late[keep], 0.05)
    whole = {(round(b.west, 9), round(b.south, 9)) for b in before.bins if b.west >= 112.1}
    still = {(round(b.west, 9), round(b.south, 9)) for b in after.bins}
    assert whole <= still


def test_counts_add_up_and_clusters_hold_two_or_more() -> None:
    rng = np.random.default_rng(1)
    n = 5000
    lon, lat = rng.uniform(112.0, 113.0, n), rng.uniform(37.0, 38.0, n)
    drawn = cluster(lon, lat, rng.integers(0, 5, n), rng.random(n) < 0.2, 0.02)
    assert all(b.count >= 2 and sum(b.by_colour.values()) == b.count for b in drawn.bins)
    assert sum(b.count for b in drawn.bins) + len(drawn.singles) == n
    for b in drawn.bins:
        assert b.colour == next(c for c in COLOURS if b.by_colour[c])


def test_a_bad_cell_is_refused() -> None:
    pts = _tickets([(112.5, 37.8, "blue", False)] * (THRESHOLD + 1))
    with pytest.raises(ValueError, match="cell"):
        cluster(*pts, cell=0.0)


def test_the_default_cell_cuts_the_longer_side() -> None:
    assert default_cell(112.0, 37.0, 112.64, 37.1) == pytest.approx(0.64 / CELLS_ACROSS)
    assert default_cell(1.0, 1.0, 1.0, 1.0) == 1e-4


def test_heat_compares_each_area_with_all_of_them() -> None:
    # 12 tickets in 4.25 km²: 2.82 per km² is usual
    levels = heat_levels([0, 1, 2, 6, 3], [1, 1, 1, 1, 0.25]).tolist()
    # ratios: none | 0.35 (quiet) | 0.71 (usual) | 2.1 (busy) | 4.25 (hot)
    assert levels == [0, 1, 2, 3, 4]
    # on a step the level goes up: 2 per km² usual, ratios 0.5 and 1.5
    assert heat_levels([1, 3], [1, 1]).tolist() == [2, 3]
    assert heat_levels([2, 2], [1, 1]).tolist() == [2, 2]  # all alike: usual
    assert heat_levels([0, 0], [1, 1]).tolist() == [0, 0]
    assert max(heat_levels([1, 0, 0, 0, 0, 0], [1e-9] * 6).tolist()) == MAX_HEAT


def test_area_is_on_the_ground() -> None:
    at_equator = shapely.box(0, 0, 1, 1)
    at_60 = shapely.box(0, 59.5, 1, 60.5)
    km2 = area_km2([at_equator, at_60]).tolist()
    assert km2[0] == pytest.approx(111.32**2 * math.cos(math.radians(0.5)))
    assert km2[1] == pytest.approx(km2[0] / 2, rel=0.01)


def test_worst_colour_is_the_most_urgent_present() -> None:
    assert worst_colour({"blue": 2, "red": 0}, {"orange": 1}) == "orange"
    assert worst_colour({"green": 1}) == "green"
    assert worst_colour({"red": 0}, {}) is None


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda: parse_bbox("1,2,3"), "bbox"),
        (lambda: parse_bbox("a,b,c,d"), "bbox"),
        (lambda: parse_bbox("10,0,5,1"), "bbox"),
        (lambda: parse_bbox("0,10,1,5"), "bbox"),
        (lambda: parse_bbox("0,0,inf,1"), "bbox"),
        (lambda: check_level("city", "city"), "level"),
        (lambda: check_level("street", "community"), "level"),
        (lambda: check_cell(0.0), "cell"),
        (lambda: check_cell(float("nan")), "cell"),
        (lambda: check_tolerance(-0.1), "tolerance"),
        (lambda: check_layers(["tickets", "nope"], ["tickets"]), "layers"),
    ],
)
def test_a_bad_parameter_is_named(call, param) -> None:
    with pytest.raises(GeoParamError) as info:
        call()
    assert info.value.param == param and str(info.value).startswith(f"{param}: ")


def test_good_parameters_pass() -> None:
    assert parse_bbox("112.1,37.5,112.9,38.2") == (112.1, 37.5, 112.9, 38.2)
    check_level("grid", "community")
    check_level("community", "community")
    check_cell(None)
    check_tolerance(0.0)
    assert check_layers(["heat"], ["tickets", "heat"]) == frozenset({"heat"})
