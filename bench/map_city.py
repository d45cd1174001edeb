"""A synthetic city for the map benchmark (``bench/map_screen.py --source synthetic``)
until the real read (``DataSource.geo`` over the city database) is there: the size of
the seeded city at map scale, answered from memory, so that what is measured is the
map's own work (drawing, painting, the frame), not a query.

About 9,000 grids of ~300 m on a jittered lattice (neighbours share their edges), in
communities of 3×3 grids and streets of 4×4 communities, 30,000 open tickets (a fifth
around a few hot spots), 2,000 registered red and orange entities. ``geo`` answers as
the contract says: the outlines of the level that meet the window, the tickets in it
(binned on ``cell`` degrees into clusters above 400), the entities, the counts and the
worst colour per area. Every other read is :class:`tests.fakes.MemorySource`'s.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from gridtui.data.sources.records import (
    GEO_LAYERS,
    Bounds,
    GeoArea,
    GeoCluster,
    GeoEntity,
    GeoPoint,
    GeoView,
    NodeRef,
)
from tests.fakes import MemorySource

COLOURS = ("red", "orange", "yellow", "blue", "green")
#: the contract's clustering threshold (B's ``domain/geo/cluster.py`` decides it for real)
CLUSTER_ABOVE = 400
#: where the city is (its south-west corner) and a grid's size in degrees (~300 m)
WEST, SOUTH, STEP = 121.30, 31.10, 0.003


class SyntheticCity(MemorySource):
    """See the module docstring."""

    description = "synthetic city (bench/map_city.py)"

    def __init__(self, side: int = 96, tickets: int = 30_000, seed: int = 1) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.side = side
        jitter = rng.uniform(-0.3, 0.3, (side + 1, side + 1, 2)) * STEP
        jitter[0, :], jitter[-1, :], jitter[:, 0], jitter[:, -1] = 0, 0, 0, 0
        xs, ys = np.meshgrid(np.arange(side + 1), np.arange(side + 1), indexing="ij")
        self.lattice = np.stack([WEST + xs * STEP, SOUTH + ys * STEP], -1) + jitter
        self.nodes: dict[str, list[tuple[NodeRef, tuple[int, int, int]]]] = {}
        for level, size in (("grid", 1), ("community", 3), ("street", 12)):
            self.nodes[level] = [
                (NodeRef(len(self.nodes) * 100_000 + i * side + j, None, level,
                         f"{level[0].upper()}{i:03}{j:03}", f"{level}{i}-{j}", f"{level} {i}-{j}"),
                 (i, j, size))
                for i in range(0, side, size) for j in range(0, side, size)
            ]  # fmt: skip
        origin = np.array([WEST, SOUTH])
        hot = rng.uniform(0, side * STEP, (6, 2)) + origin
        spread = rng.uniform(0, side * STEP, (tickets, 2)) + origin
        near = hot[rng.integers(0, 6, tickets // 5)] + rng.normal(0, 0.004, (tickets // 5, 2))
        self.points = np.concatenate([spread[: tickets - len(near)], near])
        self.colours = rng.choice(5, tickets, p=[0.04, 0.1, 0.26, 0.3, 0.3])
        self.overdue = rng.random(tickets) < 0.08
        self.cells = np.clip(((self.points - origin) / STEP).astype(int), 0, side - 1)
        self.ents = rng.uniform(0, side * STEP, (2000, 2)) + origin
        self.counts = np.zeros((side, side, 5), int)
        np.add.at(self.counts, (self.cells[:, 0], self.cells[:, 1], self.colours), 1)

    def _outline(self, i: int, j: int, size: int) -> tuple[tuple[float, float], ...]:
        """The block's boundary along the lattice (shared with its neighbours)."""
        lat = self.lattice
        ring = [*(lat[i + k, j] for k in range(size)), *(lat[i + size, j + k] for k in range(size)),
                *(lat[i + size - k, j + size] for k in range(size)),
                *(lat[i, j + size - k] for k in range(size)), lat[i, j]]  # fmt: skip
        return tuple((float(x), float(y)) for x, y in ring)

    def geo(
        self,
        at: datetime,
        *,
        node_id: int | None = None,
        bbox: Bounds | None = None,
        level: str = "grid",
        cell: float | None = None,
        tolerance: float = 0.0,
        layers: frozenset[str] = frozenset(GEO_LAYERS),
    ) -> GeoView:
        """See :meth:`DataSource.geo` (``node_id`` of a block: that block's window)."""
        self.calls.append("geo")
        extent = Bounds(WEST, SOUTH, WEST + self.side * STEP, SOUTH + self.side * STEP)
        if node_id is not None:
            _node, (i, j, size) = next(n for lv in self.nodes.values() for n in lv
                                      if n[0].id == node_id)  # fmt: skip
            extent = Bounds(WEST + i * STEP, SOUTH + j * STEP, WEST + (i + size) * STEP,
                            SOUTH + (j + size) * STEP)  # fmt: skip
        box = bbox or extent
        w, s, e, n = max(box.west, extent.west), max(box.south, extent.south), \
            min(box.east, extent.east), min(box.north, extent.north)  # fmt: skip
        inside = ((self.points[:, 0] >= w) & (self.points[:, 0] <= e)
                  & (self.points[:, 1] >= s) & (self.points[:, 1] <= n))  # fmt: skip
        areas = self._areas(level, w, s, e, n, at)
        points, clusters = self._tickets(np.flatnonzero(inside), cell or (e - w) / 40, layers)
        ents = [] if "entities" not in layers else [
            GeoEntity(k, f"E{k}", "place", f"entity {k}", ("red", "orange")[k % 2], float(x),
                      float(y), 0)
            for k, (x, y) in enumerate(self.ents) if w <= x <= e and s <= y <= n
        ]  # fmt: skip
        return GeoView(at, node_id, level, bbox, extent, areas, points, clusters, ents, 0, "syn-1")

    def _areas(
        self, level: str, w: float, s: float, e: float, n: float, at: datetime
    ) -> list[GeoArea]:
        counts, out = self.counts, []
        for node, (i, j, size) in self.nodes[level]:
            x0, y0 = WEST + i * STEP, SOUTH + j * STEP
            if x0 > e or y0 > n or x0 + size * STEP < w or y0 + size * STEP < s:
                continue
            block = counts[i : i + size, j : j + size].sum((0, 1))
            tickets = {COLOURS[k]: int(c) for k, c in enumerate(block) if c}
            colour = next((c for c in COLOURS if tickets.get(c)), None)
            out.append(GeoArea(node, ((self._outline(i, j, size),),), tickets, {}, 0, colour,
                               min(4, sum(tickets.values()) // (3 * size * size))))  # fmt: skip
        return out

    def _tickets(
        self, index: np.ndarray, cell: float, layers: frozenset[str]
    ) -> tuple[list[GeoPoint], list[GeoCluster]]:
        if "tickets" not in layers:
            return [], []
        pts = self.points[index]
        if len(index) <= CLUSTER_ABOVE:
            return [GeoPoint(int(k), float(x), float(y), COLOURS[self.colours[k]],
                             bool(self.overdue[k]), f"ticket {k}", None)
                    for k, (x, y) in zip(index, pts, strict=True)], []  # fmt: skip
        # binned on the cell grid with numpy (a fair implementation of the rule)
        bx, by = (
            np.floor(pts[:, 0] / cell).astype(np.int64),
            np.floor(pts[:, 1] / cell).astype(np.int64),
        )
        _keys, inverse, counts = np.unique(bx * 10_000_019 + by, return_inverse=True,
                                           return_counts=True)  # fmt: skip
        n = len(counts)
        single = counts[inverse] == 1
        points = [GeoPoint(int(k), float(x), float(y), COLOURS[self.colours[k]],
                           bool(self.overdue[k]), f"ticket {k}", None)
                  for k, (x, y) in zip(index[single], pts[single], strict=True)]  # fmt: skip
        sx = np.bincount(inverse, pts[:, 0], n) / counts
        sy = np.bincount(inverse, pts[:, 1], n) / counts
        lo = np.full((n, 2), np.inf)
        hi = np.full((n, 2), -np.inf)
        np.minimum.at(lo, inverse, pts)
        np.maximum.at(hi, inverse, pts)
        colours = np.bincount(inverse * 5 + self.colours[index], minlength=5 * n).reshape(n, 5)
        late = np.bincount(inverse, self.overdue[index].astype(float), n)
        clusters = []
        for b in np.flatnonzero(counts > 1).tolist():
            by_colour = {COLOURS[c]: int(colours[b, c]) for c in range(5) if colours[b, c]}
            clusters.append(GeoCluster(
                float(sx[b]), float(sy[b]), int(counts[b]), by_colour, int(late[b]),
                Bounds(float(lo[b, 0]), float(lo[b, 1]), float(hi[b, 0]), float(hi[b, 1])),
                next(c for c in COLOURS if c in by_colour),
            ))  # fmt: skip
        return points, clusters

    def a_grid(self) -> int:
        """A grid near the middle of the city (where the grid-zoom jump goes)."""
        middle = self.side // 2
        return next(n.id for n, (i, j, _s) in self.nodes["grid"] if (i, j) == (middle, middle))
