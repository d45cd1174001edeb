"""The grids' outlines as loaded in the database, indexed once per version: the
:class:`~gridtui.domain.geo.index.GridIndex` that placement by location uses.

Building the index reads every grid outline (thousands of polygons at city scale), so
:class:`LoadedGrids` keeps it while :func:`~gridtui.data.storage.boundaries.boundary_version`
stays the same (one small aggregate per session), rebuilds it when a ``geo load``
changes the outlines, and pins it to a session, so that one transaction places every
ticket by one version of the outlines. One instance per database (a service, an
import, a re-placing run).
"""

from __future__ import annotations

import math
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.storage.boundaries import boundary_version, read_boundaries
from gridtui.data.storage.models import Node
from gridtui.data.writes.errors import ServiceError
from gridtui.domain.geo.index import GridIndex

#: where a session keeps the index it read (Session.info)
_GRIDS_KEY = "gridtui.grids"
#: what a session pins when no grid has an outline
_NONE = "none"


class LoadedGrids:
    """The grid index of one database, kept between sessions (see the module docstring)."""

    def __init__(self) -> None:
        #: the boundary version and the index built from it (None: no grid outlines)
        self._cached: tuple[str, GridIndex | None] | None = None

    def of(self, session: Session) -> GridIndex | None:
        """The index of the grid outlines loaded, None when no grid has one."""
        pinned = session.info.get(_GRIDS_KEY)
        if pinned is not None:
            return None if pinned == _NONE else cast(GridIndex, pinned)
        version = boundary_version(session)
        cached = self._cached
        if cached is None or cached[0] != version:
            cached = (version, build_index(session))
            self._cached = cached  # one assignment: a reader in another thread sees either
        session.info[_GRIDS_KEY] = _NONE if cached[1] is None else cached[1]
        return cached[1]

    def forget(self, session: Session | None = None) -> None:
        """Drop the kept index (and ``session``'s pinned one): the next call rebuilds."""
        self._cached = None
        if session is not None:
            session.info.pop(_GRIDS_KEY, None)


def build_index(session: Session) -> GridIndex | None:
    """A fresh index of every grid outline stored, None when there is none."""
    outlines = read_boundaries(session, level="grid")
    if not outlines:
        return None
    rows = session.execute(select(Node.id, Node.code).where(Node.level == "grid"))
    codes = {grid_id: code for grid_id, code in rows}
    return GridIndex(
        (o.node_id, codes[o.node_id], o.geometry) for o in outlines if o.node_id in codes
    )


def grid_at(
    session: Session, grids: LoadedGrids, lon: float | None, lat: float | None
) -> Node | None:
    """The grid whose outline holds (``lon``, ``lat``) by the placement rule
    (:mod:`gridtui.domain.geo.index`), None when no grid's does (the ticket is then
    unassigned).

    Raises:
        ServiceError: no grid has an outline (nothing can be placed by location), no
            location, or a coordinate that is not a finite number within range.
    """
    index = grids.of(session)
    if index is None:
        raise ServiceError(
            "a ticket needs a grid: no grid boundaries are loaded to place it by its "
            "location (gridtui geo load FILE --level grid)"
        )
    if lat is None or lon is None:
        raise ServiceError("a ticket needs a grid, or a location (lat and lon) to place it by")
    for value, name, limit in ((lat, "lat", 90), (lon, "lon", 180)):
        if not math.isfinite(value) or abs(value) > limit:
            raise ServiceError(f"{name} {value!r} is not a number within -{limit}..{limit}")
    found = index.locate(lon, lat)
    return None if found is None else session.get(Node, found)
