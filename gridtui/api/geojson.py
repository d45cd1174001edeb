"""The map's answer as GeoJSON (issue 17): a :class:`GeoView` written as a
``FeatureCollection`` by the server (``GET /api/v1/geo``) and read back into an equal
record by the client.

Every feature has a ``kind`` property:

- ``area``: a node's outline (``Polygon``, or ``MultiPolygon`` for several parts) with
  ``node`` (id, parent_id, level, code, name, name_en), ``tickets`` and ``entities`` by
  colour, ``overdue``, ``colour`` (null: nothing) and ``heat`` (0–4);
- ``ticket``: an open ticket (``Point``) with ``ticket_id``, ``colour``, ``overdue``,
  ``title`` and ``grid_id``;
- ``cluster``: open tickets drawn together (``Point`` at their mean) with ``count``,
  ``by_colour``, ``overdue``, ``colour``, and the members' extent as the feature's
  ``bbox``;
- ``entity``: a red or orange registered entity (``Point``) with ``entity_id``,
  ``code``, ``entity_kind`` (person, event, place, thing, org), ``name``, ``colour``
  and ``grid_id``.

The top-level ``view`` member holds what is not a feature: ``at``, ``node_id``,
``level``, ``bbox`` and ``extent`` (``[west, south, east, north]`` or null), ``unplaced``
and ``boundary_version``. Coordinates are ``[longitude, latitude]``, written as Python
writes a float (read back bit for bit).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridtui.data.sources.records import (
    Bounds,
    GeoArea,
    GeoCluster,
    GeoEntity,
    GeoPoint,
    GeoView,
    NodeRef,
)
from gridtui.data.sources.records.geo import Polygon
from gridtui.data.sources.source import SourceError

#: the media type of the answer
GEOJSON = "application/geo+json"


def encode(view: GeoView) -> dict[str, Any]:
    """``view`` as a GeoJSON FeatureCollection (see the module docstring)."""
    features: list[dict[str, Any]] = [_area(a) for a in view.areas]
    features += [_point(p.lon, p.lat, {
        "kind": "ticket", "ticket_id": p.ticket_id, "colour": p.colour,
        "overdue": p.overdue, "title": p.title, "grid_id": p.grid_id,
    }) for p in view.points]  # fmt: skip
    features += [{**_point(c.lon, c.lat, {
        "kind": "cluster", "count": c.count, "by_colour": c.by_colour,
        "overdue": c.overdue, "colour": c.colour,
    }), "bbox": _box(c.bounds)} for c in view.clusters]  # fmt: skip
    features += [_point(e.lon, e.lat, {
        "kind": "entity", "entity_id": e.entity_id, "code": e.code, "entity_kind": e.kind,
        "name": e.name, "colour": e.colour, "grid_id": e.grid_id,
    }) for e in view.entities]  # fmt: skip
    return {
        "type": "FeatureCollection",
        "features": features,
        "view": {
            "at": view.at.isoformat(),
            "node_id": view.node_id,
            "level": view.level,
            "bbox": _box(view.bbox),
            "extent": _box(view.extent),
            "unplaced": view.unplaced,
            "boundary_version": view.boundary_version,
        },
    }


def _area(a: GeoArea) -> dict[str, Any]:
    many = len(a.polygons) != 1
    geometry = {
        "type": "MultiPolygon" if many else "Polygon",
        "coordinates": a.polygons if many else a.polygons[0],
    }
    n = a.node
    node = {"id": n.id, "parent_id": n.parent_id, "level": n.level, "code": n.code,
            "name": n.name, "name_en": n.name_en}  # fmt: skip
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "kind": "area", "node": node, "tickets": a.tickets, "entities": a.entities,
            "overdue": a.overdue, "colour": a.colour, "heat": a.heat,
        },
    }  # fmt: skip


def _point(lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def _box(b: Bounds | None) -> list[float] | None:
    return None if b is None else [b.west, b.south, b.east, b.north]


def decode(data: Any) -> GeoView:
    """The :class:`GeoView` of an answer :func:`encode` wrote.

    Raises:
        SourceError: the answer is not such a collection (what is wrong, in short).
    """
    try:
        view = data["view"]
        areas, points, clusters, entities = [], [], [], []
        for f in data["features"]:
            props = f["properties"]
            kind = props["kind"]
            if kind == "area":
                areas.append(_read_area(f["geometry"], props))
                continue
            lon, lat = (float(v) for v in f["geometry"]["coordinates"])
            if kind == "ticket":
                points.append(_read_point(lon, lat, props))
            elif kind == "cluster":
                clusters.append(_read_cluster(lon, lat, props, f["bbox"]))
            elif kind == "entity":
                entities.append(_read_entity(lon, lat, props))
        return GeoView(
            at=datetime.fromisoformat(str(view["at"])),
            node_id=_int_or_none(view["node_id"]),
            level=str(view["level"]),
            bbox=_read_box(view["bbox"]),
            extent=_read_box(view["extent"]),
            areas=areas,
            points=points,
            clusters=clusters,
            entities=entities,
            unplaced=int(view["unplaced"]),
            boundary_version=str(view["boundary_version"]),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise SourceError(f"the server sent a map this client cannot read ({exc!r})") from exc


def _read_area(geometry: dict[str, Any], p: dict[str, Any]) -> GeoArea:
    coords = geometry["coordinates"]
    parts = coords if geometry["type"] == "MultiPolygon" else [coords]
    n = p["node"]
    node = NodeRef(
        int(n["id"]), _int_or_none(n["parent_id"]), str(n["level"]), str(n["code"]),
        str(n["name"]), str(n["name_en"]),
    )  # fmt: skip
    colour = p["colour"]
    return GeoArea(
        node=node,
        polygons=tuple(_polygon(part) for part in parts),
        tickets=_counts(p["tickets"]),
        entities=_counts(p["entities"]),
        overdue=int(p["overdue"]),
        colour=None if colour is None else str(colour),
        heat=int(p["heat"]),
    )


def _polygon(rings: list[Any]) -> Polygon:
    return tuple(tuple((float(x), float(y)) for x, y in ring) for ring in rings)


def _read_point(lon: float, lat: float, p: dict[str, Any]) -> GeoPoint:
    return GeoPoint(
        int(p["ticket_id"]), lon, lat, str(p["colour"]), bool(p["overdue"]), str(p["title"]),
        _int_or_none(p["grid_id"]),
    )  # fmt: skip


def _read_cluster(lon: float, lat: float, p: dict[str, Any], bbox: Any) -> GeoCluster:
    bounds = _read_box(bbox)
    if bounds is None:
        raise ValueError("a cluster without its bbox")
    return GeoCluster(
        lon, lat, int(p["count"]), _counts(p["by_colour"]), int(p["overdue"]), bounds,
        str(p["colour"]),
    )  # fmt: skip


def _read_entity(lon: float, lat: float, p: dict[str, Any]) -> GeoEntity:
    return GeoEntity(
        int(p["entity_id"]), str(p["code"]), str(p["entity_kind"]), str(p["name"]),
        str(p["colour"]), lon, lat, int(p["grid_id"]),
    )  # fmt: skip


def _counts(value: dict[str, Any]) -> dict[str, int]:
    return {str(k): int(v) for k, v in value.items()}


def _read_box(value: Any) -> Bounds | None:
    if value is None:
        return None
    west, south, east, north = (float(v) for v in value)
    return Bounds(west, south, east, north)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
