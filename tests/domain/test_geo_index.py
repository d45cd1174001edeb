"""The placement rule (gridtui.domain.geo.index): the grid an index gives a point is the
one shapely's own ``covers`` says, on generated tilings with holes, islands and
MultiPolygons, for points on vertices, on edges, on hole rings, inside holes, inside
and outside; a point on a shared boundary goes to exactly one grid, the lowest code,
whatever the load order."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from gridtui.domain.geo.index import NO_GRID, GridIndex

Outlines = list[tuple[int, str, BaseGeometry]]


def expected(outlines: Outlines, lon: float, lat: float) -> int | None:
    """The grid shapely says holds the point: of those whose outline covers it, the
    lowest code."""
    point = Point(lon, lat)
    covering = [(code, gid) for gid, code, geom in outlines if geom.covers(point)]
    return min(covering)[1] if covering else None


@st.composite
def tilings(draw: st.DrawFn) -> tuple[Outlines, list[tuple[float, float]]]:
    """A tiling of dyadic cells (so edge midpoints are exact), codes shuffled against
    the cells' order; some cells have a hole, some holes hold an island grid, two
    cells may form one MultiPolygon grid; and the points to try."""
    nx, ny = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    size = draw(st.sampled_from([0.125, 0.25, 1.0, 0.0078125]))
    x0 = draw(st.sampled_from([116.0, -73.5, 0.0, -180.0 + 0.5]))
    y0 = draw(st.sampled_from([39.5, 40.25, -0.5]))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    cells = [box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size)
             for i in range(nx) for j in range(ny)]  # fmt: skip
    geoms: list[Polygon] = []
    islands: list[Polygon] = []
    for cell in cells:
        if rnd.random() < 0.3:  # a hole in the middle quarter, maybe an island in it
            minx, miny, maxx, maxy = cell.bounds
            q = (maxx - minx) / 4
            hole = box(minx + q, miny + q, maxx - q, maxy - q)
            geoms.append(Polygon(cell.exterior.coords, [hole.exterior.coords]))
            if rnd.random() < 0.5:
                islands.append(hole)
        else:
            geoms.append(cell)
    shapes: list[BaseGeometry] = [*geoms, *islands]
    if len(geoms) >= 2 and rnd.random() < 0.5:  # two cells as one MultiPolygon grid
        shapes[:2] = [MultiPolygon([geoms[0], geoms[1]])]
    codes = [f"G{n:03d}" for n in range(len(shapes))]
    rnd.shuffle(codes)
    outlines = [(100 + n, codes[n], g) for n, g in enumerate(shapes)]
    rnd.shuffle(outlines)
    return outlines, _points(draw, outlines, x0, y0, nx * size, ny * size)


def _points(
    draw: st.DrawFn, outlines: Outlines, x0: float, y0: float, w: float, h: float
) -> list[tuple[float, float]]:
    """Every vertex, every edge's midpoint and quarter points, hole centres, and
    random points in and around the tiling."""
    pts: list[tuple[float, float]] = []
    for _, _, geom in outlines:
        for ring in shapely.get_rings(geom):
            xy = list(ring.coords)
            pts += xy
            for (ax, ay), (bx, by) in itertools.pairwise(xy):
                pts += [((ax + bx) / 2, (ay + by) / 2), (ax + (bx - ax) / 4, ay + (by - ay) / 4)]
        cx, cy = geom.centroid.coords[0]
        pts.append((cx, cy))
    coords = st.tuples(st.floats(x0 - w / 4, x0 + w * 1.25), st.floats(y0 - h / 4, y0 + h * 1.25))
    pts += draw(st.lists(coords, max_size=40))
    return pts


@settings(max_examples=150, deadline=None)
@given(tilings())
def test_the_grid_of_a_point_is_shapely_s_answer(
    case: tuple[Outlines, list[tuple[float, float]]],
) -> None:
    outlines, points = case
    index = GridIndex(outlines)
    lons, lats = zip(*points, strict=True)
    many = index.locate_many(lons, lats)
    for (lon, lat), got in zip(points, many, strict=True):
        want = expected(outlines, lon, lat)
        assert index.locate(lon, lat) == want, (lon, lat)
        assert (None if got == NO_GRID else int(got)) == want, (lon, lat)
    # load order does not matter
    again = GridIndex(list(reversed(outlines))).locate_many(lons, lats)
    assert np.array_equal(many, again)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(3, 40))
def test_voronoi_cells_and_their_shared_vertices(seed: int, n: int) -> None:
    """Irregular cells with float vertices shared by three or more cells: each
    vertex and point on an edge goes to exactly the grid shapely's covers says."""
    rnd = random.Random(seed)
    seeds = shapely.multipoints([(rnd.uniform(0, 1), rnd.uniform(0, 1)) for _ in range(n)])
    frame = box(-0.1, -0.1, 1.1, 1.1)
    clipped = [
        c.intersection(frame) for c in shapely.voronoi_polygons(seeds, extend_to=frame).geoms
    ]
    cells = [c for c in clipped if isinstance(c, Polygon) and not c.is_empty]
    outlines: Outlines = [
        (i + 1, f"V{rnd.randrange(10**6):06d}-{i}", c) for i, c in enumerate(cells)
    ]
    index = GridIndex(outlines)
    points = [xy for c in cells for xy in c.exterior.coords]
    points += [(rnd.uniform(-0.2, 1.2), rnd.uniform(-0.2, 1.2)) for _ in range(50)]
    lons, lats = zip(*points, strict=True)
    for (lon, lat), got in zip(points, index.locate_many(lons, lats), strict=True):
        want = expected(outlines, lon, lat)
        assert (None if got == NO_GRID else int(got)) == want
    # every shared vertex is covered by two or more cells, and still has one grid
    shared = [p for p in points[:-50] if len(index.covering(*p)) >= 2]
    assert shared and all(index.locate(*p) is not None for p in shared)


def test_a_point_on_a_shared_edge_goes_to_the_lowest_code_whatever_the_order() -> None:
    west, east = box(0, 0, 1, 1), box(1, 0, 2, 1)
    for order in ([(1, "B", west), (2, "A", east)], [(2, "A", east), (1, "B", west)]):
        index = GridIndex(order)
        assert index.locate(1.0, 0.5) == 2  # on the edge: A, the lower code
        assert index.covering(1.0, 0.5) == [2, 1]
        assert index.locate(0.5, 0.5) == 1  # inside B
        assert index.locate(1.5, 0.5) == 2


def test_a_vertex_shared_by_four_grids_goes_to_one() -> None:
    quads = [(10, "Q4", box(0, 0, 1, 1)), (11, "Q2", box(1, 0, 2, 1)),
             (12, "Q3", box(0, 1, 1, 2)), (13, "Q1", box(1, 1, 2, 2))]  # fmt: skip
    for k in range(4):
        index = GridIndex(quads[k:] + quads[:k])
        assert index.locate(1.0, 1.0) == 13
        assert len(index.covering(1.0, 1.0)) == 4
        assert list(index.locate_many([1.0, 1.0], [1.0, 1.0])) == [13, 13]


def test_holes_belong_to_no_grid_but_their_ring_does() -> None:
    ring = Polygon(box(0, 0, 4, 4).exterior.coords, [box(1, 1, 3, 3).exterior.coords])
    index = GridIndex([(1, "RING", ring)])
    assert index.locate(2, 2) is None  # inside the hole
    assert index.locate(1, 2) == 1  # on the hole's ring: the ring's grid covers it
    assert index.locate(0.5, 0.5) == 1
    with_island = GridIndex([(1, "RING", ring), (2, "ISLAND", box(1, 1, 3, 3))])
    assert with_island.locate(2, 2) == 2
    assert with_island.locate(1, 2) == 2  # shared: ISLAND < RING


def test_points_outside_or_not_finite_have_no_grid() -> None:
    index = GridIndex([(1, "A", box(0, 0, 1, 1))])
    got = index.locate_many([5.0, math.nan, 0.5, math.inf, 0.5], [5.0, 0.5, math.nan, 0.5, 0.5])
    assert list(got) == [NO_GRID, NO_GRID, NO_GRID, NO_GRID, 1]
    assert index.locate(math.nan, math.nan) is None
    assert list(GridIndex([]).locate_many([0.5], [0.5])) == [NO_GRID]
    assert len(index.locate_many([], [])) == 0


def test_bad_outlines_are_refused() -> None:
    with pytest.raises(ValueError, match="code given twice: A"):
        GridIndex([(1, "A", box(0, 0, 1, 1)), (2, "A", box(1, 0, 2, 1))])
    with pytest.raises(ValueError, match="grid id given twice: 1"):
        GridIndex([(1, "A", box(0, 0, 1, 1)), (1, "B", box(1, 0, 2, 1))])
    with pytest.raises(ValueError, match="not a non-empty"):
        GridIndex([(1, "A", Point(0, 0))])
    with pytest.raises(ValueError, match="longitudes but"):
        GridIndex([(1, "A", box(0, 0, 1, 1))]).locate_many([1.0, 2.0], [1.0])


def test_codes_in_tie_break_order() -> None:
    index = GridIndex([(3, "b", box(0, 0, 1, 1)), (1, "a", box(1, 0, 2, 1))])
    assert index.codes == ("a", "b") and index.grid_ids == (1, 3)
    assert index.code_of(3) == "b" and index.code_of(99) is None and len(index) == 2
