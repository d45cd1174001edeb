"""A table over a long list (a city's 9,000 grids ranked) that draws only what shows.

Textual's ``DataTable`` builds and measures every row when it is filled (seconds for
ten thousand rows). This one is given the column widths, the row keys and a function
that makes a row's cells; it makes the cells of a row when the row comes into view
and keeps the drawn line until the rows change. The header stays on top; a row
cursor moves with the arrows, page keys, home and end, or a click, and the view
follows it. Lines are drawn as :func:`~gridtui.widgets.page_table.row_strip` draws
the queue's (each cell its own run: CJK text cannot push the columns after it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gridtui.widgets.page_table import row_strip

#: (key, header, width) of a column
ColumnSpec = tuple[str, str, int]


class RankTable(ScrollView, can_focus=True):
    """A header and any number of rows, drawn as they come into view."""

    DEFAULT_CSS = """
    RankTable { height: 1fr; overflow-x: hidden; overflow-y: auto; }
    RankTable > .rank-table--header { text-style: bold; background: $panel; }
    RankTable > .rank-table--odd { background: $surface; }
    RankTable > .rank-table--cursor { background: $block-cursor-blurred-background; }
    RankTable:focus > .rank-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rank-table--header",
        "rank-table--odd",
        "rank-table--cursor",
    }
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("up,k", "cursor(-1)", show=False),
        Binding("down,j", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "to(0)", show=False),
        Binding("end", "to(-1)", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        """The cursor moved to the row ``index`` (or the rows changed under it)."""

        def __init__(self, table: RankTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

        @property
        def control(self) -> RankTable:
            """The table."""
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._columns: list[ColumnSpec] = []
        self._keys: list[str] = []
        self._cells: Callable[[int], list[Text]] = lambda _i: []
        self._made: dict[int, list[Text]] = {}
        self._strips: dict[tuple[int, int, bool], Strip] = {}

    # -- what the screen gives and reads ------------------------------------------------------

    def set_rows(
        self,
        columns: Sequence[ColumnSpec],
        keys: Sequence[str],
        cells: Callable[[int], list[Text]],
        *,
        select: str | None = None,
    ) -> None:
        """Show ``keys`` (row ``i``'s cells: ``cells(i)``) under ``columns``. The cursor
        goes to the row keyed ``select``, else stays on the row it was on (by key),
        else at its position."""
        current = self.cursor_key
        self._columns, self._keys, self._cells = list(columns), list(keys), cells
        self._made.clear()
        self._strips.clear()
        self.virtual_size = Size(self.size.width, len(self._keys) + 1)
        index = {k: i for i, k in enumerate(self._keys)}
        target = select if select in index else current
        row = index[target] if target in index else min(self.cursor_row, len(keys) - 1)
        self.cursor_row = max(0, row)
        self._follow()
        self.refresh()

    @property
    def columns(self) -> list[str]:
        """The column keys, in order."""
        return [key for key, _label, _width in self._columns]

    @property
    def row_count(self) -> int:
        """How many rows."""
        return len(self._keys)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor."""
        return self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None

    def cells_at(self, index: int) -> list[Text]:
        """Row ``index``'s cells (made once)."""
        made = self._made.get(index)
        if made is None:
            made = self._made[index] = self._cells(index)
        return made

    def move_cursor(self, row: int) -> None:
        """Put the cursor on ``row`` (within the rows) and bring it into view."""
        if self._keys:
            self.cursor_row = max(0, min(row, len(self._keys) - 1))
            self._follow()

    # -- drawing ------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the view: the header, a row, or blank."""
        width = self.size.width
        if y == 0:
            style = self.get_component_rich_style("rank-table--header")
            key = (-1, width, False)
            if key not in self._strips:
                # a header stands as its column's figures do (right-aligned numbers)
                first = self.cells_at(0) if self._keys else []
                labels = [
                    Text(label, justify=first[i].justify if i < len(first) else None)
                    for i, (_k, label, _w) in enumerate(self._columns)
                ]
                self._strips[key] = self._line(labels, style)
            return self._strips[key]
        index = round(self.scroll_y) + y - 1
        if not 0 <= index < len(self._keys):
            return Strip([Segment(" " * width, self.rich_style)])
        cursor = index == self.cursor_row
        key = (index, width, cursor)
        strip = self._strips.get(key)
        if strip is None:
            if cursor:
                style = self.get_component_rich_style("rank-table--cursor")
            elif index % 2:
                style = self.get_component_rich_style("rank-table--odd")
            else:
                style = self.rich_style
            strip = self._strips[key] = self._line(self.cells_at(index), style, over=cursor)
        return strip

    def _line(self, cells: list[Text], base: Style, *, over: bool = False) -> Strip:
        widths = [w for _k, _l, w in self._columns]
        return row_strip(cells, widths, self.app.console, base, self.size.width, over=over)

    def _follow(self) -> None:
        """Scroll so that the cursor's row shows (under the header)."""
        rows = max(1, self.size.height - 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + rows:
            self.scroll_to(y=self.cursor_row - rows + 1, animate=False, immediate=True)

    def watch_cursor_row(self) -> None:
        """Redraw; tell the screen."""
        self.refresh()
        self.post_message(self.Highlighted(self, self.cursor_row))

    def _restyle(self) -> None:
        self._strips.clear()
        self.refresh()

    def on_mount(self) -> None:
        """Lines carry the theme's colours: drop them when it changes."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())

    def on_focus(self) -> None:
        """The cursor's colour depends on focus."""
        self._restyle()

    def on_blur(self) -> None:
        """The cursor's colour depends on focus."""
        self._restyle()

    def on_resize(self) -> None:
        """Lines are cut to the width; the cursor stays in view."""
        self.virtual_size = Size(self.size.width, len(self._keys) + 1)
        self._strips.clear()
        self._follow()

    # -- input --------------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        """One row up or down."""
        self.move_cursor(self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        """A view's worth of rows up or down."""
        self.move_cursor(self.cursor_row + direction * max(1, self.size.height - 2))

    def action_to(self, row: int) -> None:
        """The first row (0) or the last (-1)."""
        self.move_cursor(row if row >= 0 else len(self._keys) - 1)

    def on_click(self, event: events.Click) -> None:
        """A click on a row puts the cursor there."""
        if event.y >= 1:
            self.move_cursor(round(self.scroll_y) + event.y - 1)
