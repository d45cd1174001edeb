"""The map of :class:`tests.fakes.MemorySource`: hand-made outlines of its street, two
communities and three grids, positions for its tickets and two registered entities.

The street (S01) lies in Shanghai around 121.47°E 31.23°N, about 2.3 km by 1.8 km:
West Lake (C02, one grid G03, with a lake that is no grid) to the west, East Garden
(C01) to the east, split into G01 (north) and G02 (south). :func:`geo_view` answers
:meth:`DataSource.geo <gridtui.data.sources.source.DataSource.geo>` from these: the
outlines of the level asked for that meet the window, the open tickets in it (binned
on a ``cell``-degree grid above :data:`CLUSTER_ABOVE`), the entities, overdue counts
and a heat that is simply the number of open tickets (at most 4). It is a test
double, not the rule: the real clustering and heat are the domain's.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from gridtui.data.sources.records import (
    GEO_LAYERS,
    Bounds,
    GeoArea,
    GeoCluster,
    GeoEntity,
    GeoPoint,
    GeoView,
    NodeRef,
    TicketRow,
)
from gridtui.data.sources.records.geo import Polygon as GeoPolygon
from gridtui.domain.colours import RiskColour

Ring = list[tuple[float, float]]

#: the lake in West Lake: inside the street's outline but in no grid
LAKE: Ring = [(121.463, 31.226), (121.466, 31.226), (121.466, 31.2285), (121.463, 31.2285)]
WEST: Ring = [
    (121.4605, 31.236), (121.472, 31.236), (121.471, 31.228), (121.4725, 31.220),
    (121.4600, 31.2215), (121.4590, 31.229),
]  # fmt: skip
NORTH_EAST: Ring = [
    (121.472, 31.236), (121.484, 31.236), (121.484, 31.2285), (121.4784, 31.2272),
    (121.471, 31.228),
]  # fmt: skip
SOUTH_EAST: Ring = [
    (121.471, 31.228), (121.4784, 31.2272), (121.484, 31.2285), (121.4835, 31.2205),
    (121.4725, 31.220),
]  # fmt: skip

#: node id → its outline (lon/lat)
OUTLINES: dict[int, BaseGeometry] = {
    4: Polygon(NORTH_EAST),
    5: Polygon(SOUTH_EAST),
    6: Polygon(WEST, [LAKE]),
}
OUTLINES[2] = shapely.union(OUTLINES[4], OUTLINES[5])
OUTLINES[3] = OUTLINES[6]
OUTLINES[1] = shapely.union(OUTLINES[2], OUTLINES[3])

#: where the fake's own tickets are (others stand near their grid's middle)
POSITIONS = {
    1: (121.4770, 31.2320),
    2: (121.4800, 31.2330),
    3: (121.4780, 31.2240),
    4: (121.4680, 31.2310),
    5: (121.4650, 31.2230),
}
#: above this many open tickets in the window they are binned into clusters
CLUSTER_ABOVE = 40
#: changes only if the outlines above do
BOUNDARY_VERSION = "fake-1"


def entities() -> list[GeoEntity]:
    """A red building in G02 and an orange person in G03."""
    return [
        GeoEntity(901, "E901", "place", "幸福小区3号楼", "red", 121.4760, 31.2225, 5),
        GeoEntity(902, "E902", "person", "独居老人 王某", "orange", 121.4700, 31.2262, 6),
    ]


def position(row: TicketRow) -> tuple[float, float] | None:
    """Where ``row`` is: its fixed place, else beside its grid's middle (spread by id)."""
    if row.id in POSITIONS:
        return POSITIONS[row.id]
    if row.grid_id not in OUTLINES:
        return None
    middle = OUTLINES[row.grid_id].representative_point()
    angle, radius = row.id * 2.399963, 0.0004 * math.sqrt(row.id % 97)
    return (middle.x + radius * math.cos(angle), middle.y + radius * math.sin(angle))


def _polygons(geometry: BaseGeometry, tolerance: float) -> tuple[GeoPolygon, ...]:
    if tolerance > 0:
        geometry = geometry.simplify(tolerance, preserve_topology=True)
    parts = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]

    def ring(coords: Iterable[tuple[float, ...]]) -> tuple[tuple[float, float], ...]:
        return tuple((x, y) for x, y, *_ in coords)

    return tuple(
        (ring(p.exterior.coords), *(ring(h.coords) for h in p.interiors))
        for p in parts
        if isinstance(p, Polygon) and not p.is_empty
    )


def _worst(counts: Iterable[dict[str, int]]) -> str | None:
    present = {c for count in counts for c, n in count.items() if n}
    ranked = sorted((RiskColour(c) for c in present), reverse=True)
    return ranked[0].value if ranked else None


def _clusters(points: list[GeoPoint], cell: float) -> tuple[list[GeoPoint], list[GeoCluster]]:
    bins: dict[tuple[int, int], list[GeoPoint]] = defaultdict(list)
    for p in points:
        bins[(math.floor(p.lon / cell), math.floor(p.lat / cell))].append(p)
    singles, clusters = [], []
    for members in bins.values():
        if len(members) == 1:
            singles.extend(members)
            continue
        by_colour: dict[str, int] = defaultdict(int)
        for p in members:
            by_colour[p.colour] += 1
        lons, lats = [p.lon for p in members], [p.lat for p in members]
        clusters.append(
            GeoCluster(
                lon=sum(lons) / len(lons), lat=sum(lats) / len(lats), count=len(members),
                by_colour=dict(by_colour), overdue=sum(p.overdue for p in members),
                bounds=Bounds(min(lons), min(lats), max(lons), max(lats)),
                colour=_worst([by_colour]) or "green",
            )
        )  # fmt: skip
    return singles, clusters


def geo_view(
    nodes: list[NodeRef],
    tickets: list[TicketRow],
    at: datetime,
    *,
    node_id: int | None,
    bbox: Bounds | None,
    level: str,
    cell: float | None,
    tolerance: float,
    layers: frozenset[str],
) -> GeoView:
    """The fake city's map (see the module docstring)."""
    root = node_id if node_id is not None else 1
    under = {root}
    for node in nodes:  # parents come before their children
        if node.parent_id in under:
            under.add(node.id)
    window = box(bbox.west, bbox.south, bbox.east, bbox.north) if bbox else OUTLINES[root]
    grids_of = {n.id: {g.id for g in nodes if g.level == "grid" and _within(nodes, g, n.id)}
                for n in nodes}  # fmt: skip
    open_rows = [r for r in tickets if r.closed_at is None and r.grid_id in under]
    placed = [(r, position(r)) for r in open_rows]
    points = [
        GeoPoint(r.id, lon, lat, r.colour, r.due_at is not None and r.due_at < at, r.title,
                 r.grid_id)
        for r, pos in placed
        if pos is not None and window.intersects(Point(pos)) for lon, lat in [pos]
    ]  # fmt: skip
    areas = []
    for node in nodes:
        if node.level != level or node.id not in under or not window.intersects(OUTLINES[node.id]):
            continue
        rows = [r for r in open_rows if r.grid_id in grids_of[node.id]]
        counts: dict[str, int] = defaultdict(int)
        for r in rows:
            counts[r.colour] += 1
        ents: dict[str, int] = defaultdict(int)
        for e in entities():
            if e.grid_id in grids_of[node.id]:
                ents[e.colour] += 1
        overdue = sum(r.due_at is not None and r.due_at < at for r in rows)
        areas.append(
            GeoArea(node, _polygons(OUTLINES[node.id], tolerance), dict(counts), dict(ents),
                    overdue, _worst([counts, ents]), min(4, len(rows)))
        )  # fmt: skip
    clusters: list[GeoCluster] = []
    if len(points) > CLUSTER_ABOVE:
        points, clusters = _clusters(points, cell or 0.002)
    if "tickets" not in layers:
        points, clusters = [p for p in points if "overdue" in layers and p.overdue], []
    shown = [
        e for e in entities() if "entities" in layers and window.intersects(Point(e.lon, e.lat))
    ]
    minx, miny, maxx, maxy = OUTLINES[root].bounds
    return GeoView(
        at=at, node_id=node_id, level=level, bbox=bbox, extent=Bounds(minx, miny, maxx, maxy),
        areas=areas, points=points, clusters=clusters,
        entities=[e for e in shown if e.grid_id in under],
        unplaced=sum(r.grid_id is None for r in tickets if r.closed_at is None),
        boundary_version=BOUNDARY_VERSION,
    )  # fmt: skip


def _within(nodes: list[NodeRef], node: NodeRef, ancestor: int) -> bool:
    parents = {n.id: n.parent_id for n in nodes}
    current: int | None = node.id
    while current is not None:
        if current == ancestor:
            return True
        current = parents.get(current)
    return False


class FakeMap:
    """:meth:`DataSource.geo` for :class:`tests.fakes.MemorySource` (a mixin: it reads
    the fake's tickets and notes the call in its ``calls``)."""

    tickets: list[TicketRow]
    calls: list[str]

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
        """See :func:`geo_view`."""
        from tests.fakes import COMMUNITIES, GRIDS, STREET

        self.calls.append("geo")
        return geo_view(
            [STREET, *COMMUNITIES, *GRIDS], self.tickets, at, node_id=node_id, bbox=bbox,
            level=level, cell=cell, tolerance=tolerance, layers=layers,
        )  # fmt: skip
