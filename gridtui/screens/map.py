"""9 · The map (民情地图): where the trouble is.

Outlines of streets (the city far away), communities or grids (close up) tinted by
their risk colour, open tickets as glyphs of their colour (counted in clusters when
dense), registered red and orange entities, on a braille canvas
(:mod:`gridtui.widgets.map`). The arrows, ``hjkl`` and the mouse (drag) pan (here
``l`` moves right: the language is in the command palette), ``+``/``-`` and
the wheel zoom, ``0`` shows the whole city; Tab/``n`` select the points in view from
the middle outwards, ``c`` centres on the selected one and Enter opens it (a ticket:
the ticket screen; a cluster: zoomed in). ``L`` switches the layers. The legend, the
selection and the area at the middle are named in words beside the map (a side panel
on a wide terminal, lines under it otherwise), so the map reads without colour.

The risk board, the queue and the ticket screen jump here with ``m``
(:class:`~gridtui.screens.messages.OpenMap`, passed on by the app).
"""

from __future__ import annotations

import gc
from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from gridtui.data.sources.records import Bounds, GeoCluster, GeoPoint
from gridtui.i18n import tr
from gridtui.labels import error_text
from gridtui.screens.base import DataScreen
from gridtui.screens.messages import OpenMap, OpenTicket
from gridtui.screens.modals.map_layers import LayerMenu
from gridtui.widgets.key_bar import KeyBar
from gridtui.widgets.layout import SCREEN_ROOMY
from gridtui.widgets.map.canvas import MapCanvas
from gridtui.widgets.map.legend import panel, tickets_by_colour
from gridtui.widgets.map.loading import (
    DEFAULT_LAYERS,
    MapData,
    MapRequest,
    MapTarget,
    load_map,
    near_edge,
    window_of,
)
from gridtui.widgets.map.raster import Key, Raster, Spot, build_raster
from gridtui.widgets.map.viewport import ZOOM_MIN, Viewport
from gridtui.widgets.status_bar import StatusBar

#: the side panel shows from this many columns (narrower: lines under the map)
SIDE_FROM = SCREEN_ROOMY
#: the side panel's width
SIDE_WIDTH = 38
#: one arrow press pans this part of the view
PAN_PART = 4
#: seconds after the last pan that the window around the view is read ahead (a read
#: while keys come in would slow their frames: the drawing shares the interpreter)
READ_AHEAD_AFTER = 0.08


class MapScreen(DataScreen):
    """See the module docstring."""

    NAME = "map"
    AUTO_FOCUS = "#map"
    PERIODIC = 60.0  # overdue marks follow the clock
    DEFAULT_CSS = f"""
    MapScreen #map-body {{ height: 1fr; }}
    MapScreen #map-side {{ width: {SIDE_WIDTH}; height: 1fr; padding: 0 1; background: $boost;
                          display: none; }}
    MapScreen.-wide #map-side {{ display: block; }}
    MapScreen #map-foot {{ height: 3; padding: 0 1; background: $boost;
                          text-wrap: nowrap; text-overflow: ellipsis; }}
    MapScreen.-wide #map-foot {{ display: none; }}
    """
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("left,h", "pan(-1, 0)", "left", id="map.pan_left", key_display="← h", show=False),
        Binding("right,l", "pan(1, 0)", "right", id="map.pan_right", key_display="→ l", show=False),
        Binding("up,k", "pan(0, -1)", "up", id="map.pan_up", key_display="↑ k", show=False),
        Binding("down,j", "pan(0, 1)", "down", id="map.pan_down", key_display="↓ j", show=False),
        Binding("plus,equals_sign", "zoom(1)", "+", id="map.zoom_in", key_display="+"),
        Binding("minus", "zoom(-1)", "-", id="map.zoom_out", key_display="-"),
        Binding("tab,n", "cycle(1)", "next", id="map.next", key_display="Tab"),
        Binding("shift+tab,N", "cycle(-1)", "previous", id="map.previous", show=False),
        Binding("c", "centre", "centre", id="map.centre"),
        Binding("enter", "open", "open", id="map.open"),
        Binding("L", "layers", "layers", id="map.layers_key", key_display="L"),
        Binding("0", "fit", "fit", id="map.fit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: what is in view (None until the first load fits the city)
        self.view: Viewport | None = None
        #: the last window drawn
        self.raster: Raster | None = None
        self.extent: Bounds | None = None
        self.shown_layers: frozenset[str] = DEFAULT_LAYERS
        self.selected: Key | None = None
        #: a jump waiting for the next load
        self.target: MapTarget | None = None
        self.notice: tuple[str, dict[str, object]] | None = None
        #: why the last load failed (None: it did not)
        self.failure: str | None = None
        #: seconds the last load took (the benchmark reads it)
        self.load_seconds = 0.0
        self._request: MapRequest | None = None
        self._answered = False  # a load came back (none yet: "loading")
        #: the last view painted whole (shown while another zoom loads)
        self._last: Viewport | None = None
        self._ahead: Timer | None = None  # the read ahead after the last pan

    def compose(self) -> ComposeResult:
        """The canvas, the side panel (wide) or the lines under it (narrow)."""
        yield StatusBar()
        with Horizontal(id="map-body"):
            yield MapCanvas(id="map")
            yield Static(id="map-side")
        yield Static(id="map-foot")
        yield KeyBar()

    def on_mount(self) -> None:
        """Lay out for the width, load once the canvas has its size."""
        self.set_class(self.app.size.width >= SIDE_FROM, "-wide")
        self.call_after_refresh(self.reload)

    @property
    def canvas(self) -> MapCanvas:
        """The map itself."""
        return self.query_one(MapCanvas)

    # -- loading ----------------------------------------------------------------------

    def _canvas_size(self) -> tuple[int, int]:
        size = self.canvas.size
        if size.width and size.height:
            return size.width, size.height
        wide = self.app.size.width >= SIDE_FROM
        width = self.app.size.width - (SIDE_WIDTH if wide else 0)
        return max(10, width), max(4, self.app.size.height - (3 if wide else 6))

    def reload(self) -> None:
        """Load the window around the view (or fit the city, or a jump's target)."""
        if not self.is_attached:
            return
        cols, rows = self._canvas_size()
        self._request = MapRequest(
            self.view,
            cols,
            rows,
            self.shown_layers,
            self.lang,
            self.extent,
            self.target,
            self.raster,
        )
        super().reload()

    def fetch(self) -> MapData:
        """Read and draw (worker thread)."""
        request = self._request or MapRequest(
            None, *self._canvas_size(), self.shown_layers, self.lang
        )
        return load_map(self.host.source, self.host.now(), request)

    def show(self, data: MapData) -> None:
        """Take a load: the jump's view, or the first fit; the user's view otherwise."""
        self.failure, self.load_seconds, self._answered = None, data.seconds, True
        if data.view is None:  # no boundaries at all
            self.view = self.raster = None
            self.extent = None
            self._paint()
            return
        if data.request.target is not None and data.request.target == self.target:
            self.target = None
            self.view, self.selected, self.notice = data.view, data.selected, data.notice
        elif self.view is None or data.request.view is None:
            self.view = data.view
        self.raster, self.extent = data.raster, data.extent
        self._paint()
        self._read_ahead()
        if getattr(self.app, "freeze_gc", False):
            # the outlines and entities a read cached live as long as the source: out of
            # the collector's full passes, as the app does with what it built at start
            # (one of those over a city's map stalled a zoom for 100-200 ms)
            gc.freeze()

    def _holds(self, view: Viewport) -> bool:
        return self.raster is not None and self.raster.window.holds(view)

    def _loading(self, view: Viewport) -> bool:
        """Whether a load under way reads a window that holds ``view``."""
        request = self._request
        busy = any(w.group == "load" and not w.is_finished for w in self.workers)
        if not busy or request is None or request.view is None or request.target is not None:
            return False
        return window_of(request.view).holds(view)

    def _read_ahead(self) -> None:
        """Load for the view now when it left the drawing (unless a load under way
        covers it), or came near its edge: the next pans then need no wait."""
        view, raster = self.view, self.raster
        if view is None or self._loading(view):
            return
        if raster is None or not raster.window.holds(view) or near_edge(view, raster.window):
            self.reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed load says why over the map (the header says it too)."""
        if event.worker.group == "load" and event.state is WorkerState.ERROR:
            error = event.worker.error
            self.failure = " ".join(str(error or "").split()) or type(error).__name__
            self._paint()

    def on_open_map(self, message: OpenMap) -> None:
        """A jump from another screen (passed on by the app)."""
        self.target = MapTarget(message.node_id, message.ticket_id)
        self.notice = None
        self.reload()

    # -- moving -----------------------------------------------------------------------

    def move(self, view: Viewport) -> None:
        """Show ``view``: at once from the last drawing (then read ahead, once the frame
        is out), or load now when it is not in the drawing (another zoom, far away)."""
        self.view, self.notice = view, None
        provisional = None if self._holds(view) else self._rezoomed(view)
        if provisional is not None:  # drawn at once; the read for this zoom follows
            self.raster = provisional
        if self._holds(view):
            self._paint()
            if self._ahead is not None:
                self._ahead.stop()
            self._ahead = None
            # counted from the frame: a read begun before it is out would hold it up
            self.call_after_refresh(self._arm_read_ahead)
        else:
            self._read_ahead()
            self._paint()

    def _arm_read_ahead(self) -> None:
        """Read ahead :data:`READ_AHEAD_AFTER` seconds from now, unless another move
        comes first (it arms it again)."""
        if self._ahead is not None:
            self._ahead.stop()
        self._ahead = self.set_timer(READ_AHEAD_AFTER, self._read_ahead)

    def _rezoomed(self, view: Viewport) -> Raster | None:
        """Another zoom of what was read last, drawn into ``view`` when that read
        covers it (a zoom in, or out by one step: a read reaches half a view beyond the
        view): the outlines of the last read's level, its points and clusters."""
        raster = self.raster
        if raster is None or raster.window.zoom == view.zoom or self.failure is not None:
            return None
        have, want = raster.window.bounds, view.bounds
        # a cell's worth of rounding at the edges is no reason to wait
        dx, dy = (want.east - want.west) / view.cols, (want.north - want.south) / view.rows
        covered = (
            have.west - dx <= want.west and want.east <= have.east + dx
            and have.south - dy <= want.south and want.north <= have.north + dy
        )  # fmt: skip
        return build_raster(raster.view, view, self.lang) if covered else None

    def action_pan(self, cols: int, rows: int) -> None:
        """A quarter of the view left, right, up or down."""
        if self.view is not None:
            step_x, step_y = max(1, self.view.cols // PAN_PART), max(1, self.view.rows // PAN_PART)
            self.move(self.view.panned(cols * step_x, rows * step_y))

    def action_zoom(self, steps: int, at: tuple[int, int] | None = None) -> None:
        """Closer (positive) or farther, around the middle (or ``at``)."""
        if self.view is not None:
            zoomed = self.view.zoomed(steps, at)
            if zoomed == self.view:
                self.app.bell()
            else:
                self.move(zoomed)

    def action_fit(self) -> None:
        """The whole city."""
        if self.view is not None and self.extent is not None:
            self.move(
                Viewport.fit(self.extent, self.view.cols, self.view.rows, ref_lat=self.view.ref_lat)
            )

    def on_map_canvas_dragged(self, event: MapCanvas.Dragged) -> None:
        """The map follows the mouse."""
        if self.view is not None:
            self.move(self.view.panned(event.cols, event.rows))

    def on_map_canvas_zoomed(self, event: MapCanvas.Zoomed) -> None:
        """The wheel zooms where the mouse is."""
        self.action_zoom(event.steps, event.at)

    def on_map_canvas_clicked(self, event: MapCanvas.Clicked) -> None:
        """A click selects the point under (or next to) it."""
        spots = self.spots_in_view()
        near = sorted(spots, key=lambda s: self._distance(s, event.col, event.row))
        if near and self._distance(near[0], event.col, event.row) <= MapCanvas.REACH:
            self.selected = near[0].key
            self._paint()

    def on_resize(self) -> None:
        """Another size: the view keeps its middle (side panel or lines as they fit)."""
        self.set_class(self.app.size.width >= SIDE_FROM, "-wide")
        self.call_after_refresh(self._resize_view)

    def _resize_view(self) -> None:
        cols, rows = self._canvas_size()
        if self.view is not None and (cols, rows) != (self.view.cols, self.view.rows):
            self.move(self.view.resized(cols, rows))

    # -- selecting --------------------------------------------------------------------

    def _view_cell(self, spot: Spot) -> tuple[int, int]:
        assert self.view is not None and self.raster is not None
        window = self.raster.window
        return spot.col - (self.view.left - window.left), spot.row - (self.view.top - window.top)

    def _distance(self, spot: Spot, col: float, row: float) -> float:
        x, y = self._view_cell(spot)
        return float(((x - col) ** 2 + (2 * (y - row)) ** 2) ** 0.5)  # cells are twice as tall

    def spots_in_view(self) -> list[Spot]:
        """What can be selected in view, nearest the middle first."""
        view, raster = self.view, self.raster
        if view is None or raster is None or raster.window.zoom != view.zoom:
            return []
        inside = [
            s for s in raster.spots
            if 0 <= self._view_cell(s)[0] < view.cols and 0 <= self._view_cell(s)[1] < view.rows
        ]  # fmt: skip
        middle = (view.cols / 2, view.rows / 2)
        return sorted(inside, key=lambda s: (self._distance(s, *middle), s.key))

    def selected_spot(self) -> Spot | None:
        """The selected point, if it is in the last drawing."""
        if self.selected is None or self.raster is None:
            return None
        return next((s for s in self.raster.spots if s.key == self.selected), None)

    def action_cycle(self, step: int) -> None:
        """The next (or previous) point in view, from the middle outwards."""
        spots = self.spots_in_view()
        if not spots:
            self.app.bell()
            return
        keys = [s.key for s in spots]
        if self.selected in keys:
            index = (keys.index(self.selected) + step) % len(keys)
        else:
            index = 0 if step > 0 else len(keys) - 1
        self.selected = keys[index]
        self._paint()

    def action_centre(self) -> None:
        """The selected point in the middle."""
        spot = self.selected_spot()
        if spot is None or self.view is None:
            self.app.bell()
            return
        self.move(self.view.centred_on(spot.lon, spot.lat))

    def action_open(self) -> None:
        """A ticket: the ticket screen; a cluster: zoom in on it; nothing: select."""
        spot = self.selected_spot()
        if spot is None:
            self.action_cycle(1)
            return
        record = spot.record
        if isinstance(record, GeoPoint):
            self.app.post_message(OpenTicket(record.ticket_id))
        elif isinstance(record, GeoCluster) and self.view is not None:
            b, view = record.bounds, self.view
            fit = Viewport.fit(b, view.cols, view.rows, ref_lat=view.ref_lat)
            closer = replace(view, zoom=max(ZOOM_MIN, min(fit.zoom, view.zoom - 1)))
            self.selected = None
            self.move(closer.centred_on((b.west + b.east) / 2, (b.south + b.north) / 2))
        else:
            self.action_centre()

    def action_layers(self) -> None:
        """The layer switcher."""

        def chosen(layers: frozenset[str] | None) -> None:
            if layers is not None and layers != self.shown_layers:
                self.shown_layers = layers
                self.reload()
                self._paint()

        self.app.push_screen(LayerMenu(self.shown_layers, self.lang), chosen)

    # -- painting ---------------------------------------------------------------------

    def redraw(self) -> None:
        """Another language or theme: the names on the map and the words beside it."""
        if self.raster is not None:
            raster = self.raster
            self.raster = build_raster(raster.view, raster.window, self.lang, raster)
        self._paint()

    def _notice(self) -> str | None:
        lang = self.lang
        if self.failure is not None:
            return tr("map.unavailable", lang, error=error_text(self.failure, lang))
        if self.view is None:
            return tr("map.no_boundaries", lang) if self._answered else tr("map.loading", lang)
        if self.notice is not None:
            key, values = self.notice
            return tr(key, lang, **values)
        if self.raster is None or self.raster.window.zoom != self.view.zoom:
            return tr("map.loading", lang)
        return None

    def _paint(self) -> None:
        if not self.is_attached:
            return
        spot, heat = self.selected_spot(), "heat" in self.shown_layers
        view, raster, notice = self.view, self.raster, self._notice()
        if view is not None and raster is not None and raster.window.holds(view):
            self._last = view
        elif (
            view is not None and raster is not None and self._last is not None
            and raster.window.zoom != view.zoom and raster.window.holds(self._last)
            and self.failure is None
        ):  # fmt: skip
            view, notice = self._last, None  # the last picture stays until the zoom comes
        self.canvas.paint(view, raster, selected=spot, notice=notice, heat=heat)
        self._describe(spot)

    def _describe(self, spot: Spot | None) -> None:
        """The legend, the selection and the middle's area, beside or under the map."""
        view, raster, wide = self.view, self.raster, self.has_class("-wide")
        area = None
        if view is not None and raster is not None:
            window = raster.window
            area = raster.area_at(view.left - window.left + view.cols // 2,
                                  view.top - window.top + view.rows // 2)  # fmt: skip
        text = panel(
            view, raster, spot, area, self.shown_layers, self.lang,
            counts=tickets_by_colour(self.spots_in_view()) if wide else None,
        )  # fmt: skip
        self.query_one("#map-side" if wide else "#map-foot", Static).update(text)
