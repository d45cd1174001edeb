"""Grid outlines for tests: a city's grids as a tiling of squares (shapely boxes), in
code order, row by row from the south-west corner, over the demo city's area (the
hotline sample's coordinates lie in it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.models import Node

#: the south-west corner of the tiling, and a square's side (degrees)
ORIGIN = (112.45, 37.80)
SIZE = 0.02
COLUMNS = 10


def grid_codes(factory: sessionmaker[Session]) -> list[str]:
    """Every grid's code, in order."""
    with factory() as s:
        return sorted(s.scalars(select(Node.code).where(Node.level == "grid")))


def square(n: int, origin: tuple[float, float] = ORIGIN) -> tuple[float, float, float, float]:
    """The bounds of the ``n``-th square: every edge ``origin + k * SIZE``, so that
    neighbours share their edges exactly."""
    col, row = n % COLUMNS, n // COLUMNS
    x0, y0 = origin
    return x0 + col * SIZE, y0 + row * SIZE, x0 + (col + 1) * SIZE, y0 + (row + 1) * SIZE


def centre(
    codes: Sequence[str], code: str, origin: tuple[float, float] = ORIGIN
) -> tuple[float, float]:
    """(lon, lat) of the middle of ``code``'s square."""
    west, south, east, north = square(sorted(codes).index(code), origin)
    return (west + east) / 2, (south + north) / 2


def tiling(
    codes: Sequence[str], *, key: str = "grid", origin: tuple[float, float] = ORIGIN
) -> dict[str, Any]:
    """A FeatureCollection of one square per code (sorted), keyed by ``key``."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {key: code},
                "geometry": mapping(box(*square(n, origin))),
            }
            for n, code in enumerate(sorted(codes))
        ],
    }


def write_tiling(path: Path, codes: Sequence[str], **kw: Any) -> Path:
    """:func:`tiling` written to ``path``."""
    path.write_text(json.dumps(tiling(codes, **kw)), encoding="utf-8")
    return path
