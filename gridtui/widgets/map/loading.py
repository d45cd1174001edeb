"""One load of the map (in a worker thread): where to look, the read, the drawing.

Every read goes through :meth:`DataSource.geo
<gridtui.data.sources.source.DataSource.geo>`. The first load asks once for the
city's extent (outlines simplified to almost nothing, no tickets) to fit the view;
the extent is kept until the boundaries change (their ``boundary_version``). A load
reads a window half a view larger than the view on every side, at the view's level
(:attr:`Viewport.level <gridtui.widgets.map.viewport.Viewport.level>`), clustering
cell and tolerance, and draws it (:func:`~gridtui.widgets.map.raster.build_raster`,
reusing the last drawing's outlines when they are the same); a pan that stays inside
the window needs no load at all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime

from gridtui.data.sources.records import Bounds
from gridtui.data.sources.source import DataSource
from gridtui.widgets.map.raster import Key, Raster, build_raster
from gridtui.widgets.map.viewport import COMMUNITY_ZOOM, Viewport

#: the layers shown when the map opens (heat is asked for with ``L``)
DEFAULT_LAYERS = frozenset({"tickets", "entities", "overdue"})
#: how coarse the outlines of the extent read are (degrees: about 10 km)
COARSE = 0.1


@dataclass(frozen=True, slots=True)
class MapTarget:
    """Where a jump to the map looks: a node (its outline fills the view) or a ticket
    (close up, selected); the ticket's grid is where its position is looked up."""

    node_id: int | None = None
    ticket_id: int | None = None


@dataclass(frozen=True, slots=True)
class MapRequest:
    """What one load is for."""

    #: the view to load around (None: fit the city)
    view: Viewport | None
    cols: int
    rows: int
    layers: frozenset[str]
    lang: str
    #: the city's extent, when known
    extent: Bounds | None = None
    target: MapTarget | None = None
    #: the last drawing (its outlines may be reused)
    last: Raster | None = None


@dataclass(frozen=True, slots=True)
class MapData:
    """What one load brings."""

    request: MapRequest
    #: the view it was loaded for (None: the centre has no boundaries)
    view: Viewport | None
    raster: Raster | None
    extent: Bounds | None
    #: what a jump selected
    selected: Key | None = None
    #: a catalogue key and its values to say over the map (e.g. a ticket not found)
    notice: tuple[str, dict[str, object]] | None = None
    #: seconds the reads and the drawing took
    seconds: float = 0.0


def load_map(source: DataSource, at: datetime, request: MapRequest) -> MapData:
    """Read and draw what ``request`` asks for (see the module docstring)."""
    started = time.perf_counter()
    extent = request.extent
    if extent is None:
        extent = source.geo(at, level="street", tolerance=COARSE, layers=frozenset()).extent
    if extent is None:
        return MapData(request, None, None, None, seconds=time.perf_counter() - started)
    view = request.view or Viewport.fit(extent, request.cols, request.rows)
    if (view.cols, view.rows) != (request.cols, request.rows):
        view = view.resized(request.cols, request.rows)
    selected, notice = None, None
    if request.target is not None:
        view, selected, notice = aim(source, at, request.target, view)
    window = window_of(view)
    geo = source.geo(
        at, bbox=window.bounds, level=view.level, cell=view.cell, tolerance=view.tolerance,
        layers=request.layers,
    )  # fmt: skip
    if geo.extent is None:  # the boundaries went away since the extent was read
        return MapData(request, None, None, None, seconds=time.perf_counter() - started)
    raster = build_raster(geo, window, request.lang, request.last)
    # every read answers the city's extent: kept for the next fit (whole map, ``0``)
    extent = geo.extent
    return MapData(
        request, view, raster, extent, selected, notice, seconds=time.perf_counter() - started
    )


def window_of(view: Viewport) -> Viewport:
    """The window a load reads and draws for ``view``: half a view more on every side."""
    return view.grown(view.cols // 2, view.rows // 2)


def near_edge(view: Viewport, window: Viewport) -> bool:
    """Whether ``view`` is within a pan step (a quarter view) of ``window``'s edge, so
    that the next window is worth reading before the view leaves this one."""
    col, row = max(1, view.cols // 4), max(1, view.rows // 4)
    return (
        view.left - window.left < col
        or view.top - window.top < row
        or window.left + window.cols - (view.left + view.cols) < col
        or window.top + window.rows - (view.top + view.rows) < row
    )


def aim(
    source: DataSource, at: datetime, target: MapTarget, view: Viewport
) -> tuple[Viewport, Key | None, tuple[str, dict[str, object]] | None]:
    """The view a jump asks for: the node's outline filling it, or its ticket in the
    middle close up (grid outlines), selected. When the node has no outline or the
    ticket no position, the view stays and a notice says why."""
    if target.node_id is None:
        if target.ticket_id is not None:
            return view, None, ("map.no_position", {"id": target.ticket_id})
        return view, None, None
    layers = frozenset({"tickets", "overdue"}) if target.ticket_id is not None else frozenset()
    sub = source.geo(at, node_id=target.node_id, level="grid", tolerance=COARSE, layers=layers)
    if sub.extent is None:
        if target.ticket_id is not None:
            return view, None, ("map.no_position", {"id": target.ticket_id})
        return view, None, ("map.no_node", {})
    fitted = Viewport.fit(sub.extent, view.cols, view.rows, ref_lat=view.ref_lat)
    if target.ticket_id is None:
        return fitted, None, None
    point = next((p for p in sub.points if p.ticket_id == target.ticket_id), None)
    close = replace(fitted, zoom=min(fitted.zoom, COMMUNITY_ZOOM - 1))
    if point is None:
        middle = (
            (sub.extent.west + sub.extent.east) / 2,
            (sub.extent.south + sub.extent.north) / 2,
        )
        return close.centred_on(*middle), None, ("map.no_position", {"id": target.ticket_id})
    return close.centred_on(point.lon, point.lat), ("ticket", point.ticket_id), None
