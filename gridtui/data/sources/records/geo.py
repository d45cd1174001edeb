"""The map's records (issue 17): node outlines, open tickets as points or clusters and
registered entities, in a window of the city (:meth:`DataSource.geo
<gridtui.data.sources.source.DataSource.geo>`, ``GET /api/v1/geo``).

Coordinates are WGS84 degrees, always in (longitude, latitude) order as in GeoJSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from gridtui.data.sources.records.reference import NodeRef

#: what the map can show over the outlines
GeoLayer = Literal["tickets", "entities", "overdue", "heat"]
GEO_LAYERS: tuple[GeoLayer, ...] = ("tickets", "entities", "overdue", "heat")

#: one ring of a polygon: (longitude, latitude) pairs, the first repeated at the end
Ring = tuple[tuple[float, float], ...]
#: one polygon: its exterior ring, then its holes
Polygon = tuple[Ring, ...]


@dataclass(frozen=True, slots=True)
class Bounds:
    """A longitude/latitude box: west ≤ east, south ≤ north."""

    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True, slots=True)
class GeoArea:
    """One node's outline and what is open inside it."""

    node: NodeRef
    #: one or more polygons (a MultiPolygon has several)
    polygons: tuple[Polygon, ...]
    #: open tickets of the node (its subtree), by colour
    tickets: dict[str, int] = field(default_factory=dict)
    #: registered entities of the node, by colour
    entities: dict[str, int] = field(default_factory=dict)
    #: open tickets past their deadline
    overdue: int = 0
    #: the area's risk colour (the domain's worst colour present), None when nothing is
    colour: str | None = None
    #: heat level 0 (none) … 4 (hottest), by the domain's heat rule
    heat: int = 0


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """One open ticket with coordinates."""

    ticket_id: int
    lon: float
    lat: float
    colour: str
    overdue: bool
    title: str
    grid_id: int | None


@dataclass(frozen=True, slots=True)
class GeoCluster:
    """Open tickets too close together to draw apart at this zoom, counted."""

    lon: float  # where to draw it: the mean of its members
    lat: float
    count: int
    by_colour: dict[str, int]
    overdue: int
    #: the members' extent (zooming to it splits the cluster)
    bounds: Bounds
    #: the most urgent colour among its members
    colour: str


@dataclass(frozen=True, slots=True)
class GeoEntity:
    """A registered red or orange entity (人、事、地、物、组织) with a position."""

    entity_id: int
    code: str
    kind: str
    name: str
    colour: str
    lon: float
    lat: float
    grid_id: int


@dataclass(frozen=True, slots=True)
class GeoView:
    """What the map draws of one window, as of ``at``."""

    at: datetime
    #: the node asked for (None: the city)
    node_id: int | None
    #: the level whose outlines ``areas`` are
    level: str
    #: the window asked for (None: the node's whole extent)
    bbox: Bounds | None
    #: the extent of the node's outlines (None: the centre has loaded no boundaries)
    extent: Bounds | None
    areas: list[GeoArea]
    #: open tickets drawn one by one
    points: list[GeoPoint]
    #: open tickets drawn as clusters (empty below the clustering threshold)
    clusters: list[GeoCluster]
    #: registered red and orange entities with positions
    entities: list[GeoEntity]
    #: open tickets in no grid (outside every outline, or never placed)
    unplaced: int
    #: changes whenever any boundary does (a cache key for drawn outlines)
    boundary_version: str
