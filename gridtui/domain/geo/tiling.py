"""Plausible outlines for a generated city (issue 17): a region cut into tiles that
cover it exactly, level after level, and random positions inside an outline.

A parent polygon is split into ``n`` tiles by the Voronoi cells of ``n`` seed points
drawn inside it, relaxed a few times towards their cells' centres (Lloyd) so the tiles
come out of similar size and roughly round, and clipped to the parent. Neighbouring
cells share their Voronoi edges vertex for vertex, and the clip is exact to the last
bit of a double, so the tiles of a parent cover it with no gap and no overlap (to
1e-14 of its area); the coordinates are written out as computed, unrounded
(:func:`geojson_geometry`): rounding them would open slivers between the tiles of two
neighbouring parents. The same seed gives the same tiles.

Coordinates are WGS84 (longitude, latitude) degrees. Geometry through shapely only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry

#: the precision of a generated region's own vertices, in degrees (about 0.1 m)
GRID = 1e-6
#: Lloyd relaxation rounds: tiles of even size without the cost of a full relaxation
RELAX = 2
#: kilometres per degree of latitude
KM_PER_DEGREE = 111.32


def region(
    lon: float, lat: float, radius_km: float, rng: np.random.Generator, *, vertices: int = 72
) -> BaseGeometry:
    """A plausible irregular outline around (``lon``, ``lat``), about ``radius_km`` across
    each way: a circle whose radius wanders smoothly (a few random harmonics), longitude
    stretched by the latitude so it is round on the ground."""
    angles = np.linspace(0.0, 2 * math.pi, vertices, endpoint=False)
    wobble = np.ones_like(angles)
    for k in (2, 3, 5, 7):
        wobble += rng.uniform(0.03, 0.16) / k * 2 * np.sin(k * angles + rng.uniform(0, 2 * math.pi))
    r_lat = radius_km / KM_PER_DEGREE * wobble
    r_lon = r_lat / math.cos(math.radians(lat))
    ring = np.column_stack([lon + r_lon * np.cos(angles), lat + r_lat * np.sin(angles)])
    return _on_grid(Polygon(ring))


def points_in(polygon: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random positions inside ``polygon``, uniform over its area, as an ``(n, 2)``
    array of (longitude, latitude): vectorised rejection sampling over its bounding box
    (:func:`shapely.contains_xy`).

    Raises:
        ValueError: ``polygon`` is empty.
    """
    if n <= 0:
        return np.empty((0, 2))
    if polygon.is_empty or polygon.area <= 0:
        raise ValueError("no positions inside an empty outline")
    shapely.prepare(polygon)
    west, south, east, north = polygon.bounds
    share = max(polygon.area / ((east - west) * (north - south)), 0.05)
    found: list[np.ndarray] = []
    have = 0
    while have < n:
        want = int((n - have) / share * 1.25) + 8
        xs = rng.uniform(west, east, want)
        ys = rng.uniform(south, north, want)
        inside = shapely.contains_xy(polygon, xs, ys)
        found.append(np.column_stack([xs[inside], ys[inside]]))
        have += int(inside.sum())
    return np.concatenate(found)[:n]


def points_in_each(
    polygons: Sequence[BaseGeometry] | np.ndarray, which: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A random position inside ``polygons[which[i]]`` for every ``i``, as an
    ``(len(which), 2)`` array: the rejection sampling of :func:`points_in` for a
    million tickets at once (one vectorised test per round, each element against its
    own polygon)."""
    geoms = np.asarray(polygons, dtype=object)
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)
    out = np.empty((len(which), 2))
    todo = np.arange(len(which))
    while todo.size:
        b = bounds[which[todo]]
        xs = rng.uniform(b[:, 0], b[:, 2])
        ys = rng.uniform(b[:, 1], b[:, 3])
        inside = shapely.contains_xy(geoms[which[todo]], xs, ys)
        out[todo[inside], 0] = xs[inside]
        out[todo[inside], 1] = ys[inside]
        todo = todo[~inside]
    return out


def tile(parent: BaseGeometry, n: int, rng: np.random.Generator) -> list[BaseGeometry]:
    """``parent`` cut into ``n`` tiles that cover it exactly (see the module docstring),
    north-west first, row by row."""
    if n <= 1:
        return [parent]
    seeds = points_in(parent, n, rng)
    for _ in range(RELAX):
        cells = _cells(parent, seeds)
        centres = shapely.centroid(cells)
        # a centre outside its (non-convex) cell keeps the old seed
        inside = shapely.contains(cells, centres)
        moved = np.column_stack([shapely.get_x(centres), shapely.get_y(centres)])
        seeds = np.where(inside[:, None], moved, seeds)
    tiles = [t for t in (_polygonal(c) for c in _cells(parent, seeds)) if not t.is_empty]
    key = [(-round(t.centroid.y, 3), round(t.centroid.x, 3)) for t in tiles]
    return [tiles[i] for i in sorted(range(len(tiles)), key=key.__getitem__)]


def tile_tree(
    root: BaseGeometry,
    children: Mapping[str, Sequence[str]],
    root_code: str,
    rng: np.random.Generator,
) -> dict[str, BaseGeometry]:
    """Outlines for a whole hierarchy: ``root`` is ``root_code``'s, and each node's
    children (``children[code]``, in order) tile their parent's; the tiles are handed
    out in order (north-west first). Returns every node's outline by code."""
    out = {root_code: root}
    stack = [root_code]
    while stack:
        code = stack.pop(0)
        kids = list(children.get(code, ()))
        if not kids:
            continue
        for kid, shape in zip(kids, tile(out[code], len(kids), rng), strict=False):
            out[kid] = shape
            stack.append(kid)
    return out


def geojson_geometry(geom: BaseGeometry) -> dict[str, Any]:
    """``geom`` as a GeoJSON geometry object (Polygon or MultiPolygon) in lists, ready
    for :func:`json.dumps` (coordinates as computed: see the module docstring)."""
    geometry: dict[str, Any] = json.loads(shapely.to_geojson(geom))
    return geometry


def _cells(parent: BaseGeometry, seeds: np.ndarray) -> np.ndarray:
    """The Voronoi cells of ``seeds`` clipped to ``parent``, in the seeds' order."""
    west, south, east, north = parent.bounds
    pad = max(east - west, north - south)
    frame = shapely.box(west - pad, south - pad, east + pad, north + pad)
    voronoi = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=frame, ordered=True)
    return shapely.intersection(np.asarray(shapely.get_parts(voronoi), dtype=object), parent)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of an overlay's result (a clip may leave stray lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else Polygon()


def _on_grid(geom: BaseGeometry) -> BaseGeometry:
    return shapely.set_precision(geom, GRID)
