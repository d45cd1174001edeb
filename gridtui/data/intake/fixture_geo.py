"""The outlines of a fixtures folder (issue 17): ``boundaries.geojson``, optional.

A GeoJSON ``FeatureCollection`` whose features each name a node of ``nodes.csv`` by
the ``code`` property and carry its outline (a ``Polygon`` or ``MultiPolygon`` in WGS84
longitude/latitude); ``level``, when given, must be the node's. A folder without the
file loads as before, with no outlines. Read and checked with the rest of the folder
(:func:`~gridtui.data.intake.fixtures.read_fixtures`: any problem and nothing is
loaded), written by :func:`write_outlines` through
:func:`~gridtui.data.storage.boundaries.store_boundaries`, only the outlines that
changed (loading the same folder again records no ``geo`` change).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.storage.boundaries import store_boundaries
from gridtui.data.storage.models import Boundary, Node
from gridtui.domain.text import clean_text

if TYPE_CHECKING:
    from gridtui.data.intake.fixtures import FixtureError

#: the file of a fixtures folder that holds its outlines
BOUNDARIES = "boundaries.geojson"
#: the largest outlines file read (a city's nine thousand grids take a few MB)
MAX_BYTES = 64 * 1024 * 1024

#: an outline as stored: node code → GeoJSON geometry object
Outlines = dict[str, dict[str, Any]]


def read_outlines(folder: Path, levels: Mapping[str, str], errors: list[FixtureError]) -> Outlines:
    """The outlines of ``folder``'s :data:`BOUNDARIES` by node code (none without the
    file), each checked against the nodes' ``levels`` (by code); problems are added
    to ``errors``."""
    from gridtui.data.intake.fixtures import FixtureError

    path = folder / BOUNDARIES
    if not path.exists():
        return {}

    def problem(record: str | None, field: str | None, message: str) -> None:
        errors.append(FixtureError(BOUNDARIES, None, record, field, message))

    if path.stat().st_size > MAX_BYTES:
        problem(None, None, f"larger than {MAX_BYTES // 1024**2} MB")
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        problem(None, None, f"not UTF-8 text: {exc.reason}")
        return {}
    except json.JSONDecodeError as exc:
        errors.append(FixtureError(BOUNDARIES, exc.lineno, None, None, f"not JSON: {exc.msg}"))
        return {}
    features = data.get("features") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(features, list)
    ):
        problem(None, None, "expected a GeoJSON FeatureCollection with a features list")
        return {}
    out: Outlines = {}
    for i, feature in enumerate(features, start=1):
        found = _feature(feature, i, levels, out, problem)
        if found is not None:
            out[found[0]] = found[1]
    return out


def _feature(
    feature: Any, i: int, levels: Mapping[str, str], seen: Outlines, problem: Any
) -> tuple[str, dict[str, Any]] | None:
    """One feature's (code, geometry), or None after telling ``problem`` what is wrong."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    raw_code = props.get("code") if isinstance(props, dict) else None
    if not isinstance(raw_code, str) or not raw_code.strip():
        problem(f"feature {i}", "code", "every feature needs a code property naming its node")
        return None
    code = clean_text(raw_code).strip()
    if code not in levels:
        problem(code, "code", f"unknown node {code!r}")
        return None
    level = props.get("level") if isinstance(props, dict) else None
    if level is not None and level != levels[code]:
        problem(code, "level", f"{code!r} is a {levels[code]}, not a {level!r}")
        return None
    if code in seen:
        problem(code, "code", "a second outline for this node")
        return None
    geometry = feature.get("geometry")
    why = geometry_problem(geometry)
    if why is not None:
        problem(code, "geometry", why)
        return None
    return code, geometry


def geometry_problem(geometry: Any) -> str | None:
    """What is wrong with a GeoJSON geometry as a node's outline, or None."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return "expected a Polygon or MultiPolygon geometry"
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        return f"not a readable {geometry.get('type')}: {exc}"
    if geom.is_empty:
        return "an empty outline"
    west, south, east, north = geom.bounds
    if not all(map(math.isfinite, geom.bounds)) or not (
        -180 <= west <= east <= 180 and -90 <= south <= north <= 90
    ):
        return "coordinates must be longitude, latitude in degrees (WGS84)"
    if not geom.is_valid:
        return f"not a valid outline: {shapely.is_valid_reason(geom)}"
    if geom.area <= 0:
        return "an empty outline"
    return None


def write_outlines(
    session: Session, outlines: Outlines, *, source: str, now: datetime
) -> tuple[int, int]:
    """Store the ``outlines`` (by node code, the nodes written already) whose geometry
    differs from the stored one, in one :func:`store_boundaries` call (one ``geo``
    change, none when nothing changed): (inserted, updated)."""
    if not outlines:
        return 0, 0
    nodes = {n.code: (n.id, n.level) for n in session.scalars(select(Node))}
    stored = dict(session.execute(select(Boundary.node_id, Boundary.geometry)).all())
    changed: list[tuple[int, str, dict[str, Any]]] = []
    inserted = updated = 0
    for code, geometry in outlines.items():
        node_id, level = nodes[code]
        before = stored.get(node_id)
        if before == json.dumps(geometry, separators=(",", ":")):
            continue
        inserted, updated = inserted + (before is None), updated + (before is not None)
        changed.append((node_id, level, geometry))
    if changed:
        store_boundaries(session, changed, source=source, at=now)
    return inserted, updated
