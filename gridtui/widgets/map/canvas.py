"""The map canvas: a drawn window of the city (:mod:`.raster`) cut to the view and
painted line by line (Textual's Line API: only the lines in view, each once per
change), with the north arrow, the scale bar and a notice over it.

Colour follows the app's rules (:mod:`gridtui.widgets.palette`): with a truecolour
theme an area is tinted with its risk colour (the cell background) and the outlines
are neutral; with the 16-colour theme the outlines take the area's colour instead (a
tint cannot be made from a terminal's own palette); without colour nothing is
coloured. Points always carry their colour in their glyph (◆▲●■○, :data:`GLYPH`), an
overdue one is reversed, and the selected one stands in brackets, so the map reads
the same in every theme; the screen names the colours beside it (the legend and the
status line).

The canvas only draws and reports the mouse (drag, click, wheel) as messages; the
screen decides what the view is.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.color import Color
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from gridtui.widgets.map.raster import (
    COLOUR_OF,
    ENTITY_GLYPH,
    GLYPH,
    Mark,
    Raster,
    Spot,
    cluster_text,
)
from gridtui.widgets.map.viewport import Viewport, distance_label, scale_bar
from gridtui.widgets.palette import NO_COLOUR, active, risk_style, state_style

#: what a cell of an area shows with the heat layer on, by heat (0 … 4)
HEAT_CHARS = {2: "░", 3: "▒", 4: "▓"}
#: how strongly an area's risk colour tints its cells (truecolour themes)
TINT = 0.22
NORTH = "N↑"


def palette_kind() -> str:
    """``true`` (hex colours: tints possible), ``ansi`` (the terminal's own 16) or
    ``none`` (NO_COLOR)."""
    palette = active()
    if palette is NO_COLOUR:
        return "none"
    return "true" if all(v.startswith("#") for v in palette.colours.values()) else "ansi"


class MapCanvas(Widget, can_focus=True):
    """See the module docstring."""

    DEFAULT_CSS = """
    MapCanvas { width: 1fr; height: 1fr; }
    """
    #: cells the mouse may miss a point by and still select it
    REACH: ClassVar[int] = 2

    class Dragged(Message):
        """The mouse dragged the map by (``cols``, ``rows``) cells."""

        def __init__(self, cols: int, rows: int) -> None:
            super().__init__()
            self.cols, self.rows = cols, rows

    class Zoomed(Message):
        """The wheel asked for ``steps`` closer (negative: farther) at a view cell."""

        def __init__(self, steps: int, at: tuple[int, int]) -> None:
            super().__init__()
            self.steps, self.at = steps, at

    class Clicked(Message):
        """A click (without a drag) on view cell (``col``, ``row``)."""

        def __init__(self, col: int, row: int) -> None:
            super().__init__()
            self.col, self.row = col, row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: Viewport | None = None
        self.raster: Raster | None = None
        self.selected: Spot | None = None
        self.notice: str | None = None
        self.heat = False
        self._strips: dict[int, Strip] = {}
        self._styles: dict[tuple[object, ...], Style] = {}
        self._drag: tuple[int, int] | None = None
        self._dragged = False

    # -- what the screen gives ----------------------------------------------------------

    def paint(
        self,
        view: Viewport | None,
        raster: Raster | None,
        *,
        selected: Spot | None = None,
        notice: str | None = None,
        heat: bool = False,
    ) -> None:
        """Show ``view`` of ``raster`` (a raster at another zoom is not drawn)."""
        self.view, self.selected, self.notice, self.heat = view, selected, notice, heat
        compatible = raster is not None and view is not None and raster.window.zoom == view.zoom
        self.raster = raster if compatible else None
        self._strips.clear()
        self.refresh()

    def restyle(self) -> None:
        """The theme changed: make the styles again."""
        self._styles.clear()
        self._strips.clear()
        self.refresh()

    def on_mount(self) -> None:
        """Lines carry the theme's colours: drop them when it changes."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.restyle())

    def on_resize(self) -> None:
        """Lines are cut to the width."""
        self._strips.clear()

    # -- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Line ``y``: the window's cells in view, the marks, the overlays."""
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = Strip(list(self._segments(y)), self.size.width)
        return strip

    def _segments(self, y: int) -> list[Segment]:
        width = self.size.width
        cells: list[tuple[str, tuple[object, ...]]] = [(" ", ("blank",))] * width
        view, raster = self.view, self.raster
        if view is not None and raster is not None:
            self._cells(cells, raster, view, y)
        self._overlays(cells, view, y)
        out: list[Segment] = []
        run, key = "", cells[0][1] if cells else ("blank",)
        for text, cell_key in cells:
            if cell_key != key:
                out.append(Segment(run, self._style(key)))
                run, key = "", cell_key
            run += text
        if run:
            out.append(Segment(run, self._style(key)))
        return out

    def _cells(
        self, cells: list[tuple[str, tuple[object, ...]]], raster: Raster, view: Viewport, y: int
    ) -> None:
        row = view.top - raster.window.top + y
        if not 0 <= row < raster.window.rows:
            return
        shift = view.left - raster.window.left
        first, last = max(0, -shift), min(len(cells), raster.window.cols - shift)
        codes, edge = raster.codes[row], raster.edge[row]
        fill, heat = raster.fill[row], raster.heat[row]
        tints = [0] * len(cells)
        for x in range(first, last):
            c = x + shift
            code, tint = int(codes[c]), int(fill[c])
            tints[x] = tint
            if code:
                cells[x] = (chr(0x2800 + code), ("edge", int(edge[c]), tint))
            elif self.heat and int(heat[c]) in HEAT_CHARS:
                cells[x] = (HEAT_CHARS[int(heat[c])], ("heat", tint))
            elif tint:
                cells[x] = (" ", ("fill", tint))
        for col, mark in raster.marks.get(row, []):
            self._put(cells, col - shift, mark, tints)
        spot = self.selected
        if spot is not None and spot.row == row:
            self._select(cells, spot, raster, shift, tints)

    def _put(
        self, cells: list[tuple[str, tuple[object, ...]]], x: int, mark: Mark, tints: list[int]
    ) -> None:
        """Draw ``mark`` from view column ``x`` over the area's tint (a wide character
        takes two cells)."""
        for ch in mark.text:
            w = cell_len(ch)
            if x >= 0 and x + w <= len(cells):
                key = ("mark", mark.colour, mark.overdue, tints[x])
                cells[x] = (ch, key)
                for k in range(1, w):
                    cells[x + k] = ("", key)
            x += w

    def _select(
        self,
        cells: list[tuple[str, tuple[object, ...]]],
        spot: Spot,
        raster: Raster,
        shift: int,
        tints: list[int],
    ) -> None:
        """The selected point in brackets: ``[◆]`` (drawn even where another mark won)."""
        mark = next((m for _c, m in raster.marks.get(spot.row, []) if m.key == spot.key), None)
        if mark is None:
            mark = self._mark_of(spot)
        x = spot.col - shift
        self._put(cells, x, mark, tints)
        for at, ch in ((x - 1, "["), (x + cell_len(mark.text), "]")):
            if 0 <= at < len(cells):
                cells[at] = (ch, ("bracket",))

    @staticmethod
    def _mark_of(spot: Spot) -> Mark:
        record = spot.record
        if spot.kind == "cluster":
            return Mark(cluster_text(record), record.colour, record.overdue > 0, spot.key)  # type: ignore[union-attr,arg-type]
        if spot.kind == "entity":
            return Mark(ENTITY_GLYPH, record.colour, key=spot.key)
        return Mark(GLYPH.get(record.colour, "●"), record.colour, record.overdue, spot.key)  # type: ignore[union-attr,arg-type]

    def _overlays(
        self, cells: list[tuple[str, tuple[object, ...]]], view: Viewport | None, y: int
    ) -> None:
        width, height = len(cells), self.size.height
        if view is not None and y == 0 and width > 4:
            self._text(cells, width - len(NORTH) - 1, NORTH)
        if view is not None and y == height - 1 and width > 12:
            bar, metres = scale_bar(view, max(2, width // 5))
            lang = getattr(self.app, "lang", "zh")
            label = f" ├{'─' * max(0, bar - 2)}┤ {distance_label(metres, lang)} "
            self._text(cells, 0, label)
        if self.notice and y == height // 2:
            text = f" {self.notice} "
            self._text(cells, max(0, (width - cell_len(text)) // 2), text, ("notice",))

    @staticmethod
    def _text(
        cells: list[tuple[str, tuple[object, ...]]],
        x: int,
        text: str,
        key: tuple[object, ...] = ("overlay",),
    ) -> None:
        for ch in text:
            w = cell_len(ch)
            if x + w > len(cells):
                return
            if x >= 0:
                cells[x] = (ch, key)
                for k in range(1, w):
                    cells[x + k] = ("", key)
            x += w

    # -- styles -------------------------------------------------------------------------

    def _style(self, key: tuple[object, ...]) -> Style:
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = self.rich_style + self._make_style(key)
        return style

    def _make_style(self, key: tuple[object, ...]) -> Style:
        kind, *rest = key
        if kind == "edge":
            edge, tint = rest
            return self._edge_style(int(edge)) + self._tint(int(tint))  # type: ignore[call-overload]
        if kind in ("fill", "heat"):
            dim = Style(dim=True) if kind == "heat" else Style()
            return dim + self._tint(int(rest[0]))  # type: ignore[call-overload]
        if kind == "mark":
            colour, overdue, tint = rest
            if colour is None:  # an area's name
                return Style(italic=palette_kind() != "none") + self._tint(int(tint))  # type: ignore[call-overload]
            style = self._tint(int(tint)) + Style.parse(risk_style(str(colour)) or "none")  # type: ignore[call-overload]
            return style + Style.parse(state_style("breached")) if overdue else style
        if kind == "bracket":
            return Style(bold=True)
        if kind == "notice":
            return Style(bold=True, reverse=True)
        if kind == "overlay":
            return Style(bold=True)
        return Style()

    def _edge_style(self, rank: int) -> Style:
        kind = palette_kind()
        if kind == "ansi" and rank:
            return Style.parse(risk_style(COLOUR_OF[rank]).replace("bold", "").strip() or "none")
        if kind == "true":
            fg, bg = self._colours()
            return Style(color=bg.blend(fg, 0.6).rich_color)
        return Style(dim=True)  # the glyphs stand out

    def _tint(self, rank: int) -> Style:
        """The area's colour as a background (truecolour themes only)."""
        if not rank or palette_kind() != "true":
            return Style()
        value = active().colours.get(COLOUR_OF[rank], "")
        _fg, bg = self._colours()
        return Style(bgcolor=bg.blend(Color.parse(value), TINT).rich_color)

    def _colours(self) -> tuple[Color, Color]:
        """The canvas's foreground and background."""
        base = self.rich_style
        fg = Color.from_rich_color(base.color) if base.color else Color(224, 224, 224)
        bg = Color.from_rich_color(base.bgcolor) if base.bgcolor else Color(18, 18, 18)
        return fg, bg

    # -- the mouse ----------------------------------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Start a drag (or a click)."""
        self._drag, self._dragged = (event.x, event.y), False
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Dragging moves the map with the mouse."""
        if self._drag is None:
            return
        dx, dy = event.x - self._drag[0], event.y - self._drag[1]
        if dx or dy:
            self._drag, self._dragged = (event.x, event.y), True
            self.post_message(self.Dragged(-dx, -dy))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        """The end of a drag, or a click."""
        self.release_mouse()
        if self._drag is not None and not self._dragged:
            self.post_message(self.Clicked(event.x, event.y))
        self._drag = None

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """The wheel zooms in where the mouse is."""
        event.stop()
        self.post_message(self.Zoomed(1, (event.x, event.y)))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """The wheel zooms out where the mouse is."""
        event.stop()
        self.post_message(self.Zoomed(-1, (event.x, event.y)))
