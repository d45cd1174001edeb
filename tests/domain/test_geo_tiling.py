"""Generated outlines (issue 17): tiles cover their parent exactly, with no overlap,
the same seed gives the same tiles, and random positions fall inside their outline."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gridtui.domain.geo.tiling import (
    geojson_geometry,
    points_in,
    points_in_each,
    region,
    tile,
    tile_tree,
)

#: how far from exact a cover may be, as a share of the parent's area (floating point)
EXACT = 1e-9


def _district(seed: int = 7) -> BaseGeometry:
    return region(112.55, 37.85, 5.0, np.random.default_rng(seed))


def _tree() -> dict[str, list[str]]:
    """A district of 3 streets, each of 3 communities, each of 4 grids."""
    children: dict[str, list[str]] = {"D": ["S1", "S2", "S3"]}
    for s in children["D"]:
        children[s] = [f"{s}-C{i}" for i in range(3)]
        for c in children[s]:
            children[c] = [f"{c}-G{i}" for i in range(4)]
    return children


def assert_tiles(parent: BaseGeometry, tiles: Sequence[BaseGeometry]) -> None:
    """``tiles`` cover ``parent`` exactly: their areas add up to its area, their union is
    it, and no two overlap (all to :data:`EXACT` of its area)."""
    assert all(t.is_valid and not t.is_empty for t in tiles)
    assert abs(sum(t.area for t in tiles) - parent.area) <= EXACT * parent.area
    union = shapely.union_all(tiles)
    assert shapely.symmetric_difference(union, parent).area <= EXACT * parent.area
    tree = shapely.STRtree(tiles)
    left, right = tree.query(tiles, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            assert tiles[i].intersection(tiles[j]).area <= EXACT * parent.area


def test_a_region_is_a_valid_outline_of_about_the_asked_size() -> None:
    outline = _district()
    assert outline.is_valid and outline.geom_type == "Polygon"
    _, south, _, north = outline.bounds
    km_north_south = (north - south) * 111.32
    assert 7 <= km_north_south <= 13  # a 5 km radius, wobbling
    assert outline.contains(shapely.Point(112.55, 37.85))


@pytest.mark.parametrize("n", [2, 5, 12])
def test_tiles_cover_their_parent_exactly(n: int) -> None:
    parent = _district()
    tiles = tile(parent, n, np.random.default_rng(1))
    assert len(tiles) == n
    assert_tiles(parent, tiles)


def test_a_whole_hierarchy_tiles_level_by_level() -> None:
    children = _tree()
    shapes = tile_tree(_district(), children, "D", np.random.default_rng(3))
    assert len(shapes) == 1 + 3 + 9 + 36
    for parent, kids in children.items():
        assert_tiles(shapes[parent], [shapes[k] for k in kids])
    grids = [g for code, g in shapes.items() if "-G" in code]
    assert_tiles(shapes["D"], grids)  # the grids of neighbouring communities meet too


def test_the_same_seed_gives_the_same_tiles_and_another_seed_others() -> None:
    def outlines(seed: int) -> list[str]:
        shapes = tile_tree(region(112.5, 37.8, 5, np.random.default_rng(seed)), _tree(), "D",
                           np.random.default_rng(seed))  # fmt: skip
        return [json.dumps(geojson_geometry(g)) for g in shapes.values()]

    assert outlines(11) == outlines(11)
    assert outlines(11) != outlines(12)


def test_one_tile_is_the_parent_itself() -> None:
    parent = _district()
    assert tile(parent, 1, np.random.default_rng(0)) == [parent]


def test_geojson_geometry_is_read_back_to_the_same_coordinates() -> None:
    parent = _district()
    for t in tile(parent, 4, np.random.default_rng(5)):
        again = shape(json.loads(json.dumps(geojson_geometry(t))))
        assert shapely.equals_exact(again, t, tolerance=0)


def test_points_fall_inside_their_outline() -> None:
    rng = np.random.default_rng(2)
    outline = _district()
    xy = points_in(outline, 500, rng)
    assert xy.shape == (500, 2)
    assert shapely.contains_xy(outline, xy[:, 0], xy[:, 1]).all()
    assert len({(x, y) for x, y in xy.tolist()}) == 500
    # spread over the outline: each half of its box gets a fair share
    mid = (outline.bounds[0] + outline.bounds[2]) / 2
    assert 150 <= int((xy[:, 0] < mid).sum()) <= 350


def test_points_in_each_put_every_point_in_its_own_outline() -> None:
    tiles = tile(_district(), 6, np.random.default_rng(4))
    which = np.random.default_rng(9).integers(0, 6, 2000)
    xy = points_in_each(tiles, which, np.random.default_rng(10))
    geoms = np.asarray(tiles, dtype=object)[which]
    assert shapely.contains_xy(geoms, xy[:, 0], xy[:, 1]).all()


def test_no_points_in_an_empty_outline() -> None:
    with pytest.raises(ValueError, match="empty"):
        points_in(shapely.Polygon(), 3, np.random.default_rng(0))
    assert points_in(_district(), 0, np.random.default_rng(0)).shape == (0, 2)
