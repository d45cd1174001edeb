"""The map's outlines, parsed once per :func:`boundary_version` (issue 17).

Reading and parsing a city's 11,000 outlines takes a few hundred milliseconds; a map
read takes them from :class:`OutlineCache` instead: by level, each outline's node id,
prepared shapely geometry, bounding box, ground area and ancestors (so a node's
subtree and a window are numpy masks), and the outlines as the records' coordinate
tuples, made on first use for each simplification ``tolerance`` and kept. A new load of
boundaries, or a new catalogue (nodes and names), changes the key and the cache is
built again; the registered entities (:mod:`gridtui.data.reads.geo_entities`) are kept
under the same key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.reads.geo_entities import EntityIndex, load_entities
from gridtui.data.sources.records import Reference
from gridtui.data.sources.records.geo import Polygon
from gridtui.data.storage.boundaries import StoredOutline, boundary_version, read_boundaries
from gridtui.data.storage.models import Boundary
from gridtui.domain.geo.heat import area_km2

#: the ancestors a subtree is found by
ANCESTORS = ("district", "street", "community")
#: simplifications kept at once (a map asks for one or two per zoom step)
TOLERANCES_KEPT = 8


@dataclass(slots=True)
class LevelOutlines:
    """The outlines of one level, in node id order."""

    ids: np.ndarray
    geoms: np.ndarray
    #: (west, south, east, north) per outline
    bounds: np.ndarray
    km2: np.ndarray
    #: the id of each outline's district, street and community (-1: none)
    ancestors: dict[str, np.ndarray]
    #: the outlines as coordinate tuples, by tolerance, by row (made on first use)
    shapes: OrderedDict[float, dict[int, tuple[Polygon, ...]]] = field(default_factory=OrderedDict)

    def polygons(self, row: int, tolerance: float) -> tuple[Polygon, ...]:
        """Row ``row``'s outline, simplified by ``tolerance`` degrees (0: exact), as the
        records' polygons."""
        by_row = self.shapes.get(tolerance)
        if by_row is None:
            by_row = self.shapes[tolerance] = {}
            while len(self.shapes) > TOLERANCES_KEPT:
                self.shapes.popitem(last=False)
        found = by_row.get(row)
        if found is None:
            geom = self.geoms[row]
            if tolerance > 0:
                geom = shapely.simplify(geom, tolerance, preserve_topology=True)
            found = by_row[row] = _polygons(geom)
        return found


class Outlines:
    """The stored outlines as of one boundary version and catalogue: every node's
    bounding box at once, each level's outlines on first use (a city map opened at its
    streets never parses its nine thousand grids), the entities on first use."""

    def __init__(
        self,
        key: tuple[str, int],
        ref: Reference,
        bounds: dict[int, tuple[float, float, float, float]],
    ) -> None:
        self.key = key
        self.ref = ref
        #: each node's own outline bounds (west, south, east, north), any level
        self.bounds = bounds
        self.chains = _ancestors(ref)
        self._levels: dict[str, LevelOutlines | None] = {}
        self._entities: EntityIndex | None = None
        self._lock = threading.Lock()

    def level(self, s: Session, name: str) -> LevelOutlines | None:
        """The outlines of level ``name`` (None: there are none), read in ``s`` when
        first asked for."""
        with self._lock:
            if name not in self._levels:
                stored = [o for o in read_boundaries(s, level=name) if o.node_id in self.ref.nodes]
                self._levels[name] = _level(stored, self.chains) if stored else None
            return self._levels[name]

    def entities(self, s: Session) -> EntityIndex:
        """The registered entities (:mod:`gridtui.data.reads.geo_entities`), read in ``s``
        when first asked for."""
        with self._lock:
            if self._entities is None:
                self._entities = load_entities(s, self.chains)
            return self._entities


class OutlineCache:
    """The outlines of the newest boundary version and catalogue (see the module
    docstring); safe to share between threads."""

    def __init__(self) -> None:
        self._outlines: Outlines | None = None
        self._lock = threading.Lock()

    def get(self, session: Session, ref: Reference) -> tuple[str, Outlines]:
        """(the boundary version, the outlines as of it) read in ``session``."""
        version = boundary_version(session)
        key = (version, id(ref))
        with self._lock:
            found = self._outlines
            if found is None or found.key != key:
                found = self._outlines = Outlines(key, ref, _bounds(session))
            return version, found


def _bounds(s: Session) -> dict[int, tuple[float, float, float, float]]:
    """Every stored outline's bounding box, by node id (the stored columns: no parsing)."""
    rows = s.execute(
        select(
            Boundary.node_id, Boundary.min_lon, Boundary.min_lat, Boundary.max_lon, Boundary.max_lat
        )
    )
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def _level(stored: list[StoredOutline], chains: dict[int, dict[str, int]]) -> LevelOutlines:
    """The outlines of one level (``chains``: each node's ancestors, by node id)."""
    geoms = np.asarray([o.geometry for o in stored], dtype=object)
    shapely.prepare(geoms)
    ancestors = {
        name: np.asarray([chains[o.node_id].get(name, -1) for o in stored], dtype=np.int64)
        for name in ANCESTORS
    }
    ids = np.asarray([o.node_id for o in stored], dtype=np.int64)
    return LevelOutlines(ids, geoms, shapely.bounds(geoms), area_km2(geoms), ancestors)


def _ancestors(ref: Reference) -> dict[int, dict[str, int]]:
    """Each node's district, street and community ids (itself included), by node id."""
    out: dict[int, dict[str, int]] = {}

    def chain(node_id: int) -> dict[str, int]:
        found = out.get(node_id)
        if found is not None:
            return found
        node = ref.nodes[node_id]
        parent = node.parent_id
        up = chain(parent) if parent is not None and parent in ref.nodes else {}
        mine = {**up, node.level: node.id} if node.level in ANCESTORS else up
        out[node_id] = mine
        return mine

    for node_id in ref.nodes:
        chain(node_id)
    return out


def _polygons(geom: BaseGeometry) -> tuple[Polygon, ...]:
    """A Polygon or MultiPolygon as the records' polygons: rings of (lon, lat) pairs."""
    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        rings = [part.exterior, *part.interiors]
        out.append(tuple(_ring(r) for r in rings))
    return tuple(out)


def _ring(ring: BaseGeometry) -> tuple[tuple[float, float], ...]:
    to_pair: Callable[[list[float]], tuple[float, float]] = tuple  # type: ignore[assignment]
    return tuple(map(to_pair, shapely.get_coordinates(ring).tolist()))
