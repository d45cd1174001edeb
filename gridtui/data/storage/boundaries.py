"""Storing and reading node outlines (the ``boundaries`` table, issue 17).

The one place that writes the table: :func:`store_boundaries` replaces the outlines of
the nodes it is given inside the caller's transaction and records one ``geo`` change, so
the caches of placement (the grid index) and of the map notice. Validating a file
(:mod:`gridtui.domain.geo.validate`) is the caller's job: this stores what it is given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import Boundary

#: rows per INSERT statement
_BATCH = 1000


@dataclass(frozen=True, slots=True)
class StoredOutline:
    """One node's outline as read back."""

    node_id: int
    level: str
    geometry: BaseGeometry


def store_boundaries(
    session: Session,
    outlines: Iterable[tuple[int, str, dict[str, Any]]],
    *,
    source: str,
    at: datetime,
) -> int:
    """Replace the outlines of the nodes in ``outlines`` — ``(node_id, level, GeoJSON
    geometry)`` — and record one ``geo`` change; returns how many were stored. Runs in the
    caller's transaction (all or nothing with the rest of it)."""
    rows = []
    for node_id, level, geometry in outlines:
        west, south, east, north = shape(geometry).bounds
        rows.append(
            {
                "node_id": node_id,
                "level": level,
                "geometry": json.dumps(geometry, separators=(",", ":")),
                "min_lon": west,
                "min_lat": south,
                "max_lon": east,
                "max_lat": north,
                "source": source[:200],
                "loaded_at": at,
            }
        )
    ids = [r["node_id"] for r in rows]
    for i in range(0, len(ids), _BATCH):
        session.execute(delete(Boundary).where(Boundary.node_id.in_(ids[i : i + _BATCH])))
    for i in range(0, len(rows), _BATCH):
        session.execute(insert(Boundary), rows[i : i + _BATCH])
    record_change(
        session, at=at, kind="geo", op="load", data={"outlines": len(rows), "source": source[:200]}
    )
    return len(rows)


def read_boundaries(session: Session, level: str | None = None) -> list[StoredOutline]:
    """Every stored outline (of ``level`` only, when given), by node id."""
    query = select(Boundary.node_id, Boundary.level, Boundary.geometry).order_by(Boundary.node_id)
    if level is not None:
        query = query.where(Boundary.level == level)
    rows = session.execute(query).all()
    if not rows:
        return []
    shapes = shapely.from_geojson([r.geometry for r in rows])
    return [
        StoredOutline(r.node_id, r.level, g) for r, g in zip(rows, shapes.tolist(), strict=True)
    ]


def boundary_version(session: Session) -> str:
    """A key that changes whenever the stored outlines do (how many, and the newest load)."""
    count, newest = session.execute(select(func.count(), func.max(Boundary.loaded_at))).one()
    return f"{count}:{newest.isoformat() if newest else '-'}"
