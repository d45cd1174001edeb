"""What a valid boundary file is (``gridtui geo load FILE --level L --key PROP``).

A GeoJSON FeatureCollection whose features each carry a Polygon or MultiPolygon (WGS84
longitude/latitude) and, in the property ``PROP``, the code of a node of level ``L``.
:func:`read_boundary_file` checks all of it and gives the outlines, or raises
:class:`BoundaryFileError` listing **every** problem by feature (its position in
``features`` and its key value, cleaned), so that nothing is loaded from a file with
any problem:

- the file is not JSON (or not UTF-8), not a FeatureCollection, or has no features;
- a feature is not a Feature, or its geometry is missing or not Polygon/MultiPolygon;
- a coordinate is not a finite number within ±180 (longitude) / ±90 (latitude), or a
  polygon's structure is not GeoJSON's (rings of at least 4 positions, closed);
- a polygon shapely finds invalid (its reason, e.g. ``Self-intersection[…]``);
- the key property is missing or blank, names no node, or a node of another level;
- the same node twice;
- two outlines overlap: a positive-area intersection, the pair named (touching along
  an edge or at a vertex is fine); likewise an outline overlapping a stored outline of
  the same level that the file does not replace. An intersection smaller than
  :data:`OVERLAP_NOISE` of the smaller outline's area is the floating-point noise of a
  shared edge, not an overlap (placement's tie-break settles such a point anyway).

Candidate pairs come from an STRtree; geometry is shapely's throughout. Pure code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from gridtui.domain.text import clean_text

#: the levels that may carry an outline
OUTLINE_LEVELS = ("street", "community", "grid")
#: an intersection below this share of the smaller outline's area is not an overlap
OVERLAP_NOISE = 1e-6
#: the longest key value quoted in a problem
_QUOTED = 60


class ProblemKind(StrEnum):
    """What is wrong (one name per kind of problem)."""

    NOT_JSON = "not_json"
    NOT_COLLECTION = "not_collection"
    EMPTY = "empty"
    NOT_FEATURE = "not_feature"
    GEOMETRY_TYPE = "geometry_type"
    COORDINATES = "coordinates"
    INVALID = "invalid"
    MISSING_KEY = "missing_key"
    UNKNOWN_KEY = "unknown_key"
    DUPLICATE = "duplicate"
    OVERLAP = "overlap"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a boundary file: its kind, the feature (position in
    ``features``; None for the file as a whole), its key value (cleaned) and why."""

    kind: ProblemKind
    message: str
    feature: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        if self.feature is None:
            return f"{self.kind.value}: {self.message}"
        key = f" ({_quoted(self.key)})" if self.key is not None else ""
        return f"features[{self.feature}]{key}: {self.kind.value}: {self.message}"


@dataclass(frozen=True, slots=True)
class Outline:
    """A checked outline: the feature's position, the node it outlines, its GeoJSON
    geometry (2D, as shapely writes it) and the shapely geometry."""

    feature: int
    code: str
    node_id: int
    geometry: dict[str, Any]
    shape: BaseGeometry


class BoundaryFileError(ValueError):
    """A boundary file with problems; nothing of it may be loaded."""

    def __init__(self, problems: Sequence[Problem], *, shown: int = 50) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems[:shown])
        more = self.problems[shown:]
        tail = f"\n  … and {len(more)} more" if more else ""
        super().__init__(f"{len(self.problems)} problem(s); nothing was loaded:\n{lines}{tail}")


def _quoted(value: str | None) -> str:
    text = clean_text(value or "", one_line=True)
    return repr(text if len(text) <= _QUOTED else text[: _QUOTED - 1] + "…")


def read_boundary_file(
    data: bytes | str,
    *,
    level: str,
    key: str,
    nodes: Mapping[str, tuple[int, str]],
    stored: Sequence[tuple[str, BaseGeometry]] = (),
) -> list[Outline]:
    """The outlines of the boundary file ``data`` for nodes of ``level``, keyed by the
    property ``key``; ``nodes`` maps every node's code to its (id, level); ``stored``
    holds the outlines of ``level`` already loaded, by code (those the file replaces
    are ignored).

    Raises:
        BoundaryFileError: every problem found (see the module docstring).
        ValueError: ``level`` cannot carry an outline.
    """
    if level not in OUTLINE_LEVELS:
        raise ValueError(f"level {level!r}: expected one of {', '.join(OUTLINE_LEVELS)}")
    features = _features(data)
    problems: list[Problem] = []
    outlines: list[Outline] = []
    seen: dict[str, int] = {}
    for i, feature in enumerate(features):
        code, found = _keyed(i, feature, level, key, nodes)
        problems += found
        geometry = _geometry(i, feature, code)
        if isinstance(geometry, Problem):
            problems.append(geometry)
            geometry = None
        if code is not None and code in seen:
            why = f"{level} {_quoted(code)} is outlined by features[{seen[code]}] already"
            problems.append(Problem(ProblemKind.DUPLICATE, why, i, code))
        elif code is not None and not found:
            seen[code] = i
        if geometry is not None:
            node_id = nodes[code][0] if code is not None and not found else 0
            outlines.append(Outline(i, code or "", node_id, *geometry))
    problems += _overlaps(outlines, [(c, g) for c, g in stored if c not in seen])
    if problems:
        problems.sort(key=lambda p: -1 if p.feature is None else p.feature)
        raise BoundaryFileError(problems)
    return outlines


def _features(data: bytes | str) -> list[Any]:
    """The ``features`` of a FeatureCollection.

    Raises:
        BoundaryFileError: not JSON, not a FeatureCollection, or no features.
    """
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        why = f"not UTF-8 text: {exc.reason} at byte {exc.start}"
        raise BoundaryFileError([Problem(ProblemKind.NOT_JSON, why)]) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        why = f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise BoundaryFileError([Problem(ProblemKind.NOT_JSON, why)]) from None
    except RecursionError:
        raise BoundaryFileError([Problem(ProblemKind.NOT_JSON, "nested too deeply")]) from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind != "FeatureCollection" or not isinstance(doc.get("features"), list):
        found = _quoted(str(kind)) if isinstance(kind, str) else type(doc).__name__
        why = f"expected a GeoJSON FeatureCollection with a list of features, found {found}"
        raise BoundaryFileError([Problem(ProblemKind.NOT_COLLECTION, why)])
    if not doc["features"]:
        raise BoundaryFileError([Problem(ProblemKind.EMPTY, "the collection has no features")])
    return list(doc["features"])


def _keyed(
    i: int, feature: Any, level: str, key: str, nodes: Mapping[str, tuple[int, str]]
) -> tuple[str | None, list[Problem]]:
    """The feature's key value (cleaned; None when missing) and its problems."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, [Problem(ProblemKind.NOT_FEATURE, "not a GeoJSON Feature object", i)]
    props = feature.get("properties")
    value = props.get(key) if isinstance(props, dict) else None
    if isinstance(value, bool) or not isinstance(value, str | int):
        what = (
            "missing" if value is None else f"not text or a whole number ({type(value).__name__})"
        )
        return None, [Problem(ProblemKind.MISSING_KEY, f"property {_quoted(key)} is {what}", i)]
    code = clean_text(str(value), one_line=True).strip()
    if not code:
        return None, [Problem(ProblemKind.MISSING_KEY, f"property {_quoted(key)} is blank", i)]
    node = nodes.get(code)
    if node is None:
        why = f"{_quoted(code)} names no {level}"
        return code, [Problem(ProblemKind.UNKNOWN_KEY, why, i, code)]
    if node[1] != level:
        why = f"{_quoted(code)} is a {node[1]}, not a {level}"
        return code, [Problem(ProblemKind.UNKNOWN_KEY, why, i, code)]
    return code, []


def _geometry(
    i: int, feature: Any, code: str | None
) -> tuple[dict[str, Any], BaseGeometry] | Problem | None:
    """The feature's geometry as (2D GeoJSON, shapely), or its problem (None: the
    feature itself is not one, already said)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None
    geom = feature.get("geometry")
    kind = geom.get("type") if isinstance(geom, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        found = "no geometry" if geom is None else f"a {_quoted(str(kind))} geometry"
        why = f"expected a Polygon or MultiPolygon, found {found}"
        return Problem(ProblemKind.GEOMETRY_TYPE, why, i, code)
    assert isinstance(geom, dict)
    coords = geom.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        return Problem(ProblemKind.COORDINATES, "coordinates: expected a non-empty list", i, code)
    for p, rings in enumerate(polygons):
        where = f"polygon {p} " if kind == "MultiPolygon" else ""
        problem = _rings(rings, where)
        if problem is not None:
            kind_of = ProblemKind.INVALID if "not closed" in problem else ProblemKind.COORDINATES
            return Problem(kind_of, problem, i, code)
    outline = shapely.force_2d(shape(geom))
    if outline.is_empty:
        return Problem(ProblemKind.INVALID, "the geometry is empty", i, code)
    reason = shapely.is_valid_reason(outline)
    if reason != "Valid Geometry":
        return Problem(ProblemKind.INVALID, f"invalid polygon: {reason}", i, code)
    return dict(mapping(outline)), outline


def _rings(rings: Any, where: str) -> str | None:
    """What is wrong with one polygon's ``rings`` (None: nothing)."""
    if not isinstance(rings, list) or not rings:
        return f"{where}coordinates: expected a list of rings"
    for r, ring in enumerate(rings):
        at = f"{where}ring {r}"
        if not isinstance(ring, list) or len(ring) < 4:
            return f"{at}: expected a list of at least 4 positions"
        for n, pos in enumerate(ring):
            problem = _position(pos)
            if problem:
                return f"{at} position {n}: {problem}"
        if ring[0][:2] != ring[-1][:2]:
            return f"{at} is not closed (its first and last positions differ)"
    return None


def _position(pos: Any) -> str | None:
    """What is wrong with one position (None: nothing)."""
    if not isinstance(pos, list) or len(pos) not in (2, 3):
        return "expected [longitude, latitude]"
    for value, name, limit in ((pos[0], "longitude", 180), (pos[1], "latitude", 90)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} is not a number"
        if not math.isfinite(value):
            return f"{name} {value} is not finite"
        if abs(value) > limit:
            return f"{name} {value} is outside -{limit}..{limit}"
    return None


def _overlaps(outlines: list[Outline], stored: list[tuple[str, BaseGeometry]]) -> list[Problem]:
    """Positive-area overlaps between ``outlines``, and of an outline with a ``stored``
    one; each pair once, named on the later feature."""
    if not outlines:
        return []
    shapes = np.array([o.shape for o in outlines], dtype=object)
    tree = shapely.STRtree(shapes)
    problems: list[Problem] = []
    left, right = tree.query(shapes, predicate="intersects")
    keep = left < right
    for a, b, share in _shared(shapes, left[keep], right[keep]):
        first, later = outlines[a], outlines[b]
        why = f"overlaps features[{first.feature}] ({_quoted(first.code)}){_by(share)}"
        problems.append(Problem(ProblemKind.OVERLAP, why, later.feature, later.code or None))
    if stored:
        old = np.array([g for _, g in stored], dtype=object)
        left, right = tree.query(old, predicate="intersects")
        for s, n, share in _shared(old, left, right, shapes):
            new = outlines[n]
            why = f"overlaps the stored outline of {_quoted(stored[s][0])}{_by(share)}"
            problems.append(Problem(ProblemKind.OVERLAP, why, new.feature, new.code or None))
    return problems


def _by(share: float) -> str:
    return f" by {share:.2%} of the smaller one's area"


def _shared(
    first: np.ndarray[Any, Any],
    a: np.ndarray[Any, Any],
    b: np.ndarray[Any, Any],
    second: np.ndarray[Any, Any] | None = None,
) -> list[tuple[int, int, float]]:
    """The pairs (``first[a[k]]``, ``second[b[k]]``) whose intersection is more than
    noise, with its share of the smaller area (``second`` defaults to ``first``)."""
    if not len(a):
        return []
    other = first if second is None else second
    left, right = first[a], other[b]
    overlap = shapely.area(shapely.intersection(left, right))
    smaller = np.minimum(shapely.area(left), shapely.area(right))
    share = overlap / np.where(smaller > 0, smaller, 1.0)
    hits = np.flatnonzero(share > OVERLAP_NOISE)
    return [(int(a[k]), int(b[k]), float(share[k])) for k in hits]
