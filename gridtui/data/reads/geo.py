"""The map's read (issue 17): :meth:`DataSource.geo
<gridtui.data.sources.source.DataSource.geo>` over a database.

One window of one node: the outlines of a level that meet the window (from
:class:`~gridtui.data.reads.geo_outlines.OutlineCache`, parsed once per boundary
version), each with its open tickets and registered entities by colour, its overdue
tickets, its colour and heat; the open tickets in the window as points or clusters
(:mod:`gridtui.domain.geo.cluster`); the red and orange entities in it; the open
tickets in no grid. Open tickets are read from the partial indexes over open tickets
(by the node's column), a few thousand rows even in a city of a million tickets;
everything else is numpy over the cached outlines and entities
(:mod:`gridtui.data.reads.geo_outlines`). The tickets in one snapshot.

Layers: ``tickets`` asks for every open ticket in the window as points and clusters,
``overdue`` (without ``tickets``) for the overdue ones only, ``entities`` for the red and
orange entities, ``heat`` for the areas' heat levels (0 without it). The areas' counts,
colours and overdue figures come always.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from gridtui.data.reads.geo_outlines import LevelOutlines, OutlineCache, Outlines
from gridtui.data.reads.queue import read_snapshot
from gridtui.data.sources.records import (
    GEO_LAYERS,
    Bounds,
    GeoArea,
    GeoCluster,
    GeoPoint,
    GeoView,
    NodeRef,
    Reference,
)
from gridtui.data.storage.models import Ticket
from gridtui.domain.colours import worst_colour
from gridtui.domain.geo import cluster as clustering
from gridtui.domain.geo.heat import heat_levels
from gridtui.domain.geo.window import (
    GeoParamError,
    check_bbox,
    check_cell,
    check_layers,
    check_level,
    check_tolerance,
)

#: ids per ``IN (…)`` of a follow-up read
_CHUNK = 500

_TICKET_COL: dict[str, InstrumentedAttribute[Any]] = {
    "district": Ticket.district_id,
    "street": Ticket.street_id,
    "community": Ticket.community_id,
    "grid": Ticket.grid_id,
}


@dataclass(frozen=True, slots=True)
class GeoRequest:
    """What a map read asks for (the parameters of :meth:`DataSource.geo`)."""

    at: datetime
    node_id: int | None = None
    bbox: Bounds | None = None
    level: str = "grid"
    cell: float | None = None
    tolerance: float = 0.0
    layers: frozenset[str] = frozenset(GEO_LAYERS)

    def checked(self, ref: Reference) -> NodeRef:
        """The node asked for (the city when none), every parameter checked.

        Raises:
            GeoParamError: naming the first bad parameter.
        """
        node_id = self.node_id if self.node_id is not None else ref.root_id
        node = ref.nodes.get(node_id) if node_id is not None else None
        if node is None:
            raise GeoParamError("node", f"no hierarchy node {self.node_id}")
        if self.bbox is not None:
            b = self.bbox
            check_bbox(b.west, b.south, b.east, b.north)
        check_level(self.level, node.level)
        check_cell(self.cell)
        check_tolerance(self.tolerance)
        check_layers(self.layers, GEO_LAYERS)
        return node


def geo_view(s: Session, cache: OutlineCache, ref: Reference, req: GeoRequest) -> GeoView:
    """The view of ``req`` (see the module docstring).

    Raises:
        GeoParamError: a bad parameter (named).
    """
    node = req.checked(ref)
    at = req.at.astimezone(UTC)
    read_snapshot(s)
    version, outlines = cache.get(s, ref)
    lv = outlines.level(s, req.level)
    rows = _in_node(lv, node) if lv is not None else np.zeros(0, dtype=np.int64)
    extent = _extent(outlines, lv, rows, node)
    window = req.bbox or extent
    areas = _areas(s, outlines, lv, rows, node, req, ref) if lv is not None and len(rows) else []
    points: list[GeoPoint] = []
    clusters: list[GeoCluster] = []
    if window is not None and ({"tickets", "overdue"} & req.layers):
        points, clusters = _tickets(s, node, window, req, at)
    entities = []
    if window is not None and "entities" in req.layers:
        entities = outlines.entities(s).drawn_in(node, window)
    unplaced = s.scalar(
        select(func.count()).where(Ticket.closed_at.is_(None), Ticket.grid_id.is_(None))
    )
    return GeoView(
        at=at,
        node_id=req.node_id,
        level=req.level,
        bbox=req.bbox,
        extent=extent,
        areas=areas,
        points=points,
        clusters=clusters,
        entities=entities,
        unplaced=int(unplaced or 0),
        boundary_version=version,
    )


def _in_node(lv: LevelOutlines, node: NodeRef) -> np.ndarray:
    """The rows of ``lv`` under ``node`` (itself, when it is of the level)."""
    if node.level in lv.ancestors:
        mask = (lv.ancestors[node.level] == node.id) | (lv.ids == node.id)
    elif node.level == "grid":
        mask = lv.ids == node.id
    else:  # the city
        mask = np.ones(len(lv.ids), dtype=bool)
    rows: np.ndarray = np.flatnonzero(mask)
    return rows


def _extent(
    outlines: Outlines, lv: LevelOutlines | None, rows: np.ndarray, node: NodeRef
) -> Bounds | None:
    """The node's own outline's bounds, else its level outlines' together."""
    own = outlines.bounds.get(node.id)
    if own is not None:
        return Bounds(*own)
    if lv is None or not len(rows):
        return None
    b = lv.bounds[rows]
    return Bounds(
        float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())
    )


def _visible(lv: LevelOutlines, rows: np.ndarray, bbox: Bounds | None) -> np.ndarray:
    """The ``rows`` whose outline meets ``bbox`` (all of them without one)."""
    if bbox is None:
        return rows
    b = lv.bounds[rows]
    near = rows[
        (b[:, 0] <= bbox.east)
        & (b[:, 2] >= bbox.west)
        & (b[:, 1] <= bbox.north)
        & (b[:, 3] >= bbox.south)
    ]
    box = shapely.box(bbox.west, bbox.south, bbox.east, bbox.north)
    meets: np.ndarray = near[shapely.intersects(lv.geoms[near], box)]
    return meets


def _node_filter(cols: dict[str, InstrumentedAttribute[Any]], node: NodeRef) -> list[Any]:
    col = cols.get(node.level)
    return [] if col is None else [col == node.id]


def _areas(
    s: Session,
    outlines: Outlines,
    lv: LevelOutlines,
    rows: np.ndarray,
    node: NodeRef,
    req: GeoRequest,
    ref: Reference,
) -> list[GeoArea]:
    """The areas of ``rows`` (the level's outlines under ``node``) that meet the window."""
    visible = _visible(lv, rows, req.bbox)
    if not len(visible):
        return []
    ids = lv.ids[visible].tolist()
    tickets, late = _counts(s, req.level, node, req.at)
    entities = outlines.entities(s).counts(req.level)
    heat: dict[int, int] = {}
    if "heat" in req.layers:
        under = lv.ids[rows].tolist()
        totals = {i: sum(c.values()) for i, c in tickets.items()}
        counts = np.fromiter((totals.get(i, 0) for i in under), np.int64, len(under))
        heat = dict(zip(under, heat_levels(counts, lv.km2[rows]).tolist(), strict=True))
    out = []
    for row, node_id in zip(visible.tolist(), ids, strict=True):
        t, e = _ordered(tickets.get(node_id, {})), _ordered(entities.get(node_id, {}))
        out.append(
            GeoArea(
                node=ref.nodes[node_id],
                polygons=lv.polygons(row, req.tolerance),
                tickets=t,
                entities=e,
                overdue=late.get(node_id, 0),
                colour=worst_colour(t, e),
                heat=heat.get(node_id, 0),
            )
        )
    return out


def _counts(
    s: Session, level: str, node: NodeRef, at: datetime
) -> tuple[dict[int, dict[str, int]], dict[int, int]]:
    """By area of ``level`` under ``node``: open tickets by colour (all the node's areas:
    the heat compares them) and overdue tickets as of ``at``."""
    col = _TICKET_COL[level]
    where = [Ticket.closed_at.is_(None), *_node_filter(_TICKET_COL, node)]
    overdue = func.sum(case((Ticket.due_at < at, 1), else_=0))
    rows = s.execute(
        select(col, Ticket.colour, func.count(), overdue).where(*where).group_by(col, Ticket.colour)
    )
    tickets: dict[int, dict[str, int]] = {}
    late: dict[int, int] = {}
    for area, colour, n, n_late in rows:
        if area is not None:
            tickets.setdefault(int(area), {})[str(colour)] = int(n)
            late[int(area)] = late.get(int(area), 0) + int(n_late or 0)
    return tickets, late


def _ordered(counts: dict[str, int]) -> dict[str, int]:
    return {c: counts.get(c, 0) for c in clustering.COLOURS}


def _in_window(lon: Any, lat: Any, window: Bounds) -> list[ColumnElement[bool]]:
    return [
        lon.is_not(None),
        lat.is_not(None),
        lon >= window.west,
        lon <= window.east,
        lat >= window.south,
        lat <= window.north,
    ]


def _tickets(
    s: Session, node: NodeRef, window: Bounds, req: GeoRequest, at: datetime
) -> tuple[list[GeoPoint], list[GeoCluster]]:
    """The open tickets in ``window`` under ``node`` (only the overdue ones when the
    ``tickets`` layer is off), as points and clusters."""
    where = [
        Ticket.closed_at.is_(None),
        *_node_filter(_TICKET_COL, node),
        *_in_window(Ticket.lon, Ticket.lat, window),
    ]
    if "tickets" not in req.layers:
        where.append(Ticket.due_at < at)
    cols = (Ticket.id, Ticket.lon, Ticket.lat, Ticket.colour, Ticket.due_at, Ticket.grid_id)
    rows = s.execute(select(*cols).where(*where).order_by(Ticket.id)).all()
    if not rows:
        return [], []
    lon = np.fromiter((r.lon for r in rows), np.float64, len(rows))
    lat = np.fromiter((r.lat for r in rows), np.float64, len(rows))
    late = np.fromiter((r.due_at is not None and r.due_at < at for r in rows), bool, len(rows))
    colours = clustering.colour_index([r.colour for r in rows])
    cell = req.cell or clustering.default_cell(window.west, window.south, window.east, window.north)
    drawn = clustering.cluster(lon, lat, colours, late, cell)
    singles = [rows[i] for i in drawn.singles.tolist()]
    titles = _titles(s, [r.id for r in singles])
    points = [
        GeoPoint(
            r.id,
            float(r.lon),
            float(r.lat),
            r.colour,
            bool(late[i]),
            titles.get(r.id, ""),
            r.grid_id,
        )
        for i, r in zip(drawn.singles.tolist(), singles, strict=True)
    ]
    clusters = [
        GeoCluster(
            b.lon, b.lat, b.count, b.by_colour, b.overdue,
            Bounds(b.west, b.south, b.east, b.north), b.colour,
        )
        for b in drawn.bins
    ]  # fmt: skip
    return points, clusters


def _titles(s: Session, ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        out.update(s.execute(select(Ticket.id, Ticket.title).where(Ticket.id.in_(chunk))).all())
    return out
