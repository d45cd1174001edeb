"""The registered entities as the map reads them (issue 17), kept with the outlines.

A city registers about 105,000 entities (人、事、地、物、组织); counting them by colour
for each of 1,900 communities is a scan of the table, and the red and orange ones with
a position are five thousand rows to read and build: too slow for every step of a pan.
Entities change only when a city's fixtures are loaded again (a ``bulk`` change, which
also renews the catalogue), so :class:`EntityIndex` reads them once per catalogue, as
numpy arrays and ready records, and answers each map read from memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.sources.records import Bounds, GeoEntity, NodeRef
from gridtui.data.storage.models import Entity
from gridtui.domain.geo.cluster import COLOURS

#: the colours an entity must have to be drawn on its own
DRAWN = ("red", "orange")
#: the levels an entity is counted by
LEVELS = ("district", "street", "community", "grid")


@dataclass(slots=True)
class EntityIndex:
    """Every entity's place in the hierarchy and colour; the drawn ones as records."""

    #: node id of each entity's district, street, community and grid (-1: none)
    places: dict[str, np.ndarray]
    colours: np.ndarray
    #: the red and orange entities with a position, by id, and where they are
    drawn: list[GeoEntity]
    lon: np.ndarray
    lat: np.ndarray
    drawn_places: dict[str, np.ndarray]
    _counts: dict[str, dict[int, dict[str, int]]] = field(default_factory=dict)

    def counts(self, level: str) -> dict[int, dict[str, int]]:
        """Entities by colour for every node of ``level`` (computed once)."""
        found = self._counts.get(level)
        if found is None:
            found = self._counts[level] = _by_colour(self.places[level], self.colours)
        return found

    def drawn_in(self, node: NodeRef, window: Bounds) -> list[GeoEntity]:
        """The drawn entities under ``node`` with a position in ``window``, by id."""
        mask = (
            (self.lon >= window.west)
            & (self.lon <= window.east)
            & (self.lat >= window.south)
            & (self.lat <= window.north)
        )
        if node.level in self.drawn_places:
            mask &= self.drawn_places[node.level] == node.id
        return [self.drawn[i] for i in np.flatnonzero(mask).tolist()]


def load_entities(s: Session, ancestors: Mapping[int, Mapping[str, int]]) -> EntityIndex:
    """Read every entity (see the module docstring): their grids and colours in one
    pass of the ``(grid, colour)`` index, straight from the driver (a hundred thousand
    rows), the other levels from each grid's ``ancestors`` (by node id); the drawn ones
    as records."""
    rank = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(COLOURS))
    sql = f"SELECT grid_id, CASE colour {rank} ELSE {len(COLOURS) - 1} END FROM entities"
    cursor = s.connection().connection.cursor()
    try:
        cursor.execute(sql)
        table = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    finally:
        cursor.close()
    up = _lookup(ancestors)
    places = {level: _up(up, level, table[:, 0]) for level in LEVELS}
    rows = s.execute(
        select(
            Entity.id, Entity.code, Entity.kind, Entity.name, Entity.colour,
            Entity.lon, Entity.lat, Entity.grid_id,
        )
        .where(Entity.colour.in_(DRAWN), Entity.lon.is_not(None), Entity.lat.is_not(None))
        .order_by(Entity.id)
    ).all()  # fmt: skip
    drawn = [  # lon and lat are never null here
        GeoEntity(r.id, r.code, r.kind, r.name, r.colour, r.lon or 0.0, r.lat or 0.0, r.grid_id)
        for r in rows
    ]
    grids = np.fromiter((e.grid_id for e in drawn), np.int64, len(drawn))
    return EntityIndex(
        places,
        table[:, 1],
        drawn,
        np.fromiter((e.lon for e in drawn), np.float64, len(drawn)),
        np.fromiter((e.lat for e in drawn), np.float64, len(drawn)),
        {level: _up(up, level, grids) for level in LEVELS},
    )


def _lookup(ancestors: Mapping[int, Mapping[str, int]]) -> dict[str, np.ndarray]:
    """For each level above the grid, an array from node id to that ancestor's id (-1)."""
    size = max(ancestors, default=0) + 1
    out = {}
    for level in LEVELS[:-1]:
        table = np.full(size, -1, dtype=np.int64)
        for node_id, chain in ancestors.items():
            table[node_id] = chain.get(level, -1)
        out[level] = table
    return out


def _up(up: dict[str, np.ndarray], level: str, grids: np.ndarray) -> np.ndarray:
    """The ``level`` node of each of ``grids`` (-1: not known)."""
    if level == "grid":
        return grids
    table = up[level]
    known = (grids >= 0) & (grids < len(table))
    return np.where(known, table[np.clip(grids, 0, len(table) - 1)], -1)


def _by_colour(place: np.ndarray, colours: np.ndarray) -> dict[int, dict[str, int]]:
    """Counts by colour for each node id in ``place`` (entities without one left out)."""
    k = len(COLOURS)
    keys, counts = np.unique(place * k + colours, return_counts=True)
    out: dict[int, dict[str, int]] = {}
    for key, n in zip(keys.tolist(), counts.tolist(), strict=True):
        node_id, colour = divmod(key, k)
        if node_id >= 0:
            out.setdefault(node_id, {})[COLOURS[colour]] = n
    return out
