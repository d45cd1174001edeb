"""Where things are in a seeded city (issue 17): the generated city's outlines, its
registered entities' positions, and each seeded ticket's position inside its grid.

Positions come from their own random stream (numpy's, seeded by the run's seed), so
the rest of a seeded history is the same as without them: same seed, same tickets,
now with coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from shapely.geometry.base import BaseGeometry

from gridtui.data.seeding.seedgen import GenTicket
from gridtui.domain.geo.tiling import points_in_each, region, tile_tree

#: the generated Taiyuan-scale city: its centre (longitude, latitude) and its radius,
#: about 2,500 km² for 9,375 grids (a grid about 500 m across)
CITY_CENTRE = (112.549, 37.870)
CITY_RADIUS_KM = 28.0
#: salt of the positions' random stream (apart from the outlines')
_POSITIONS = 1


def city_outlines(
    parents: Sequence[tuple[str, str]], root: str, seed: int
) -> dict[str, BaseGeometry]:
    """Outlines for a generated city: ``root``'s a plausible region around
    :data:`CITY_CENTRE`, each node's children (``parents``: (code, parent code) in
    layout order) tiling it. Every node's outline by code, the root's included."""
    children: dict[str, list[str]] = {}
    for code, parent in parents:
        if parent:
            children.setdefault(parent, []).append(code)
    rng = np.random.default_rng([seed, 0])
    outline = region(CITY_CENTRE[0], CITY_CENTRE[1], CITY_RADIUS_KM, rng, vertices=144)
    return tile_tree(outline, children, root, rng)


def positions(
    outlines: Sequence[BaseGeometry], which: Sequence[int], seed: int, salt: int
) -> np.ndarray:
    """A random (longitude, latitude) inside ``outlines[which[i]]`` for every ``i``,
    from the stream of ``seed`` and ``salt``."""
    rng = np.random.default_rng([seed, _POSITIONS, salt])
    return points_in_each(outlines, np.asarray(which, dtype=np.int64), rng)


class TicketPlacer:
    """Gives seeded tickets a position inside their grid's outline (tickets of a grid
    without one keep none), batch after batch from one random stream."""

    def __init__(self, outlines: dict[int, BaseGeometry], seed: int) -> None:
        self.index = {grid_id: i for i, grid_id in enumerate(outlines)}
        self.outlines = np.asarray(list(outlines.values()), dtype=object)
        self.rng = np.random.default_rng([seed, _POSITIONS, 2])

    def place(self, batch: Sequence[GenTicket]) -> None:
        """Set ``lat`` and ``lon`` of each ticket of ``batch`` whose grid has an outline."""
        if not len(self.outlines):
            return
        placed = [t for t in batch if t.grid.id in self.index]
        which = np.fromiter((self.index[t.grid.id] for t in placed), np.int64, len(placed))
        xy = points_in_each(self.outlines, which, self.rng).tolist()
        for t, (lon, lat) in zip(placed, xy, strict=True):
            t.lon, t.lat = lon, lat
