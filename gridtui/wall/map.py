"""The wall's map (``gridtui wall --screens …,map``): the whole city at a glance, read
from across the hall (see :mod:`gridtui.wall.base`).

The same canvas as the interactive map (:mod:`gridtui.widgets.map`), fitted to the
city and never moved: outlines tinted by their risk colour, open tickets as colour
glyphs (counted in clusters when dense), registered red and orange entities; under
it, the legend with the colours named and the counts in view, and the areas most at
risk by name (colour is never the only signal).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from gridtui.data.sources.records import Bounds
from gridtui.domain.colours import risk_rank_key
from gridtui.i18n import tr
from gridtui.wall.base import WallScreen
from gridtui.wall.widgets import WallText
from gridtui.widgets.map.canvas import MapCanvas, palette_kind
from gridtui.widgets.map.legend import glyph_chip, legend, tickets_by_colour
from gridtui.widgets.map.loading import DEFAULT_LAYERS, MapData, MapRequest, load_map
from gridtui.widgets.map.raster import Raster
from gridtui.widgets.render import safe

#: areas named under the map, most at risk first
NAMED = 5


class WallMapScreen(WallScreen):
    """The city's map, fitted, with the legend and the areas most at risk."""

    NAME = "map"
    PERIODIC = 60.0
    DEFAULT_CSS = """
    WallMapScreen #wm-map { height: 1fr; }
    WallMapScreen #wm-legend { height: 1; padding: 0 1; }
    WallMapScreen #wm-worst { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.raster: Raster | None = None
        self.extent: Bounds | None = None
        #: the canvas size the last load was fitted to
        self._fitted = (0, 0)

    def _refit(self) -> None:
        """Fit again when the load was fitted to another size than the canvas has now
        (a load begun before the first layout, on a busy machine, or a resize)."""
        size = self.query_one(MapCanvas).size
        if size.width and size.height and (size.width, size.height) != self._fitted:
            self._fitted = (size.width, size.height)
            self.reload_now()

    def on_resize(self) -> None:
        """A new terminal size: once laid out, fit the city to the canvas again."""
        self.call_after_refresh(self._refit)

    def compose_body(self) -> ComposeResult:
        """The canvas, the legend, the areas most at risk."""
        yield MapCanvas(id="wm-map")
        yield WallText(id="wm-legend")
        yield WallText(id="wm-worst")

    def fetch(self) -> MapData:
        """The city fitted to the canvas (worker thread)."""
        size = self.query_one(MapCanvas).size
        cols = size.width or self.app.size.width
        rows = size.height or max(4, self.app.size.height - 10)
        request = MapRequest(None, cols, rows, DEFAULT_LAYERS, self.lang, self.extent, None,
                             self.raster)  # fmt: skip
        return load_map(self.host.source, self.host.now(), request)

    def show(self, data: MapData) -> None:
        """Draw the city; name the colours and the areas most at risk."""
        self.raster, self.extent = data.raster, data.extent
        self._fitted = (data.request.cols, data.request.rows)
        self.call_after_refresh(self._refit)
        lang = self.lang
        notice = None if data.view is not None else tr("map.no_boundaries", lang)
        self.query_one(MapCanvas).paint(data.view, data.raster, notice=notice)
        areas = data.raster.view.areas if data.raster is not None else []
        counts = tickets_by_colour(data.raster.spots if data.raster is not None else [])
        self.query_one("#wm-legend", WallText).set(
            legend(lang, palette_kind(), False, wide=False, counts=counts)
        )
        worst = Text(
            f"{tr('map.most_at_risk', lang)}: ", style="bold", no_wrap=True, overflow="ellipsis"
        )
        ranked = sorted((a for a in areas if a.colour),
                        key=lambda a: risk_rank_key(a.tickets, a.entities))  # fmt: skip
        for i, area in enumerate(ranked[:NAMED]):
            if i:
                worst.append("  ")
            worst.append_text(safe(area.node.label(lang)))
            worst.append(" ")
            worst.append_text(glyph_chip(area.colour, lang))
        self.query_one("#wm-worst", WallText).set(worst)
