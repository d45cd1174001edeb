"""What a map read may ask for (issue 17): the window, the level of the outlines, the
cluster cell, the simplification and the layers; each bad value refused with the name
of the parameter, by the data source and the API alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from gridtui.domain.geo.cluster import MIN_CELL

#: the hierarchy from the top; a map shows the outlines of one of :data:`LEVELS`
HIERARCHY = ("city", "district", "street", "community", "grid")
LEVELS = ("street", "community", "grid")
#: the largest cluster cell (degrees): a city is well under one degree across
MAX_CELL = 10.0
#: the largest simplification (degrees, about 11 km)
MAX_TOLERANCE = 0.1

Box = tuple[float, float, float, float]


class GeoParamError(ValueError):
    """A map read's parameter is wrong; ``param`` names it, the message says why."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.reason = message


def parse_bbox(text: str) -> Box:
    """``west,south,east,north`` in degrees.

    Raises:
        GeoParamError: not four numbers, or not a box (:func:`check_bbox`).
    """
    parts = text.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        raise GeoParamError("bbox", "expected west,south,east,north in degrees") from None
    check_bbox(w, s, e, n)
    return w, s, e, n


def check_bbox(west: float, south: float, east: float, north: float) -> None:
    """A longitude/latitude box: finite, west ≤ east within ±180, south ≤ north within ±90.

    Raises:
        GeoParamError: naming ``bbox``.
    """
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise GeoParamError("bbox", "every bound must be a finite number")
    if not (-180 <= west <= east <= 180):
        raise GeoParamError("bbox", "longitudes must satisfy -180 ≤ west ≤ east ≤ 180")
    if not (-90 <= south <= north <= 90):
        raise GeoParamError("bbox", "latitudes must satisfy -90 ≤ south ≤ north ≤ 90")


def check_level(level: str, node_level: str) -> None:
    """``level`` is one of :data:`LEVELS` and at or below ``node_level`` (a community's
    map shows its grids or itself, never its street).

    Raises:
        GeoParamError: naming ``level``.
    """
    if level not in LEVELS:
        raise GeoParamError("level", f"expected one of {', '.join(LEVELS)}, not {level!r}")
    if node_level in HIERARCHY and HIERARCHY.index(level) < HIERARCHY.index(node_level):
        raise GeoParamError("level", f"a {node_level} has no {level} outlines under it")


def check_cell(cell: float | None) -> None:
    """A cluster cell size: none (the default), or :data:`MIN_CELL` to :data:`MAX_CELL`.

    Raises:
        GeoParamError: naming ``cell``.
    """
    if cell is not None and not (math.isfinite(cell) and MIN_CELL <= cell <= MAX_CELL):
        raise GeoParamError("cell", f"expected {MIN_CELL} to {MAX_CELL} degrees")


def check_tolerance(tolerance: float) -> None:
    """A simplification: 0 (exact) to :data:`MAX_TOLERANCE` degrees.

    Raises:
        GeoParamError: naming ``tolerance``.
    """
    if not (math.isfinite(tolerance) and 0 <= tolerance <= MAX_TOLERANCE):
        raise GeoParamError("tolerance", f"expected 0 to {MAX_TOLERANCE} degrees")


def check_layers(layers: Iterable[str], known: Iterable[str]) -> frozenset[str]:
    """``layers`` as a set, each one of ``known``.

    Raises:
        GeoParamError: naming ``layers``.
    """
    names = frozenset(layers)
    allowed = tuple(known)
    unknown = sorted(names - set(allowed))
    if unknown:
        raise GeoParamError(
            "layers", f"unknown {', '.join(unknown)}; expected some of {', '.join(allowed)}"
        )
    return names
