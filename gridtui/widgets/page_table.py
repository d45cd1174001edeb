"""A table for exactly one page of rows, drawn from cached lines.

Textual's ``DataTable`` renders every cell through Rich's console on each repaint
(about 2 ms a row here), which made switching to a 35-row queue take 100+ ms. A page
of the queue is small and changes only when data arrives, so this table turns each
row into one :class:`~textual.strip.Strip` when the row changes and repaints from
those: a repaint costs almost nothing. It keeps the parts of the ``DataTable``
interface the screens use (``add_column``, ``add_row``, ``update_cell``,
``get_cell``, ``clear``, ``cursor_row``, ``move_cursor``, ``rows``, ``columns``).

Cells are :class:`rich.text.Text` (outside text is never parsed as markup).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget


def row_strip(
    cells: list[Text],
    widths: list[int],
    console: Console,
    base: Style,
    width: int,
    *,
    over: bool = False,
) -> Strip:
    """One table line of ``width`` cells: each cell cut to its column's width, a blank
    before the first and two between columns, on ``base`` (``over``: over the cells'
    own colours, as a cursor is; else under them)."""
    # Each cell is its own run of segments and the padding a separate blank one:
    # terminals do not care, but SVG export places every segment at its cell, so
    # wide (CJK) text cannot push the columns after it out of line.
    segments: list[Segment] = [Segment(" ")]
    for column, (cell, cell_width) in enumerate(zip(cells, widths, strict=False)):
        # A per-column meta keeps neighbouring cells in separate segments after the
        # compositor joins equal styles (SVG export places each segment by itself).
        tag = Style(meta={"column": column})
        gap = Style(meta={"column": column, "gap": True})  # never joined with the text
        piece = cell.copy()
        piece.no_wrap = True
        piece.truncate(cell_width, overflow="ellipsis")
        piece.end = ""
        rendered = list(piece.render(console))  # the spans; the Text's own style:
        if piece.style:
            rendered = list(Segment.apply_style(rendered, console.get_style(piece.style)))
        room = cell_width - piece.cell_len
        if cell.justify == "right":  # figures stand right-aligned in their column
            segments.append(Segment(" " * room, gap))
            room = 0
        segments += Segment.apply_style(rendered, None, tag)
        segments.append(Segment(" " * (room + 2), gap))
    # The cursor's colours go over the cells' (readable on any cell colour); other
    # rows' colours go under them.
    styled = (
        Segment.apply_style(segments, None, base) if over else Segment.apply_style(segments, base)
    )
    return Strip(list(styled)).extend_cell_length(width, base).crop(0, width)


@dataclass(frozen=True, slots=True)
class Key:
    """A row or column key (``.value`` as in ``DataTable``)."""

    value: str


@dataclass(slots=True)
class Column:
    """A column: its key and header label."""

    key: Key
    label: Text


class PageTable(Widget, can_focus=True):
    """One page of rows with a header, zebra stripes and a row cursor."""

    DEFAULT_CSS = """
    PageTable { height: 1fr; }
    PageTable > .page-table--header { text-style: bold; background: $panel; }
    PageTable > .page-table--odd { background: $surface; }
    PageTable > .page-table--cursor { background: $block-cursor-blurred-background; }
    PageTable:focus > .page-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "page-table--header",
        "page-table--odd",
        "page-table--cursor",
    }
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("up,k", "cursor(-1)", show=False),
        Binding("down,j", "cursor(1)", show=False),
        Binding("enter", "select", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True)

    class RowSelected(Message):
        """Enter or a click on a row."""

        def __init__(self, table: PageTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.row_key = Key(key)

        @property
        def control(self) -> PageTable:
            """The table."""
            return self.table

    class Edge(Message):
        """The cursor tried to move past the first (-1) or last (+1) row."""

        def __init__(self, table: PageTable, direction: int) -> None:
            super().__init__()
            self.table = table
            self.direction = direction

        @property
        def control(self) -> PageTable:
            """The table."""
            return self.table

    class HeaderClicked(Message):
        """A click on the header of the column ``column_key``."""

        def __init__(self, table: PageTable, column_key: str) -> None:
            super().__init__()
            self.table = table
            self.column_key = column_key

        @property
        def control(self) -> PageTable:
            """The table."""
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._columns: list[Column] = []
        self._rows: dict[str, list[Text]] = {}
        self._strips: dict[tuple[str, int, bool], Strip] = {}
        self._widths: list[int] = []

    # -- the DataTable-like interface ----------------------------------------------------

    @property
    def columns(self) -> dict[str, Column]:
        """Columns by key, in order."""
        return {c.key.value: c for c in self._columns}

    @property
    def rows(self) -> list[Key]:
        """Row keys, in order."""
        return [Key(k) for k in self._rows]

    @property
    def row_count(self) -> int:
        """How many rows."""
        return len(self._rows)

    def add_column(self, label: str | Text, *, key: str) -> None:
        """Append a column."""
        self._columns.append(Column(Key(key), Text(label) if isinstance(label, str) else label))
        self._changed()

    def add_row(self, *cells: Text, key: str) -> None:
        """Append a row (one cell per column)."""
        self._rows[key] = list(cells)
        self._changed()

    def clear(self, columns: bool = False) -> None:
        """Remove every row (and the columns too)."""
        self._rows.clear()
        if columns:
            self._columns.clear()
        self._changed()

    def get_cell(self, row_key: str, column_key: str) -> Text:
        """One cell."""
        return self._rows[row_key][self._column_index(column_key)]

    def update_cell(self, row_key: str, column_key: str, value: Text) -> None:
        """Replace one cell."""
        self._rows[row_key][self._column_index(column_key)] = value
        self._changed()

    def get_row_at(self, index: int) -> list[Text]:
        """The cells of the row at ``index``."""
        return list(self._rows.values())[index]

    def move_cursor(self, *, row: int) -> None:
        """Put the cursor on ``row``."""
        self.cursor_row = max(0, min(row, len(self._rows) - 1))

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor."""
        keys = list(self._rows)
        return keys[self.cursor_row] if 0 <= self.cursor_row < len(keys) else None

    # -- drawing -----------------------------------------------------------------------------

    def _column_index(self, key: str) -> int:
        for i, c in enumerate(self._columns):
            if c.key.value == key:
                return i
        raise KeyError(key)

    def _changed(self) -> None:
        self._strips.clear()
        self._widths = []
        self.refresh()

    def _layout(self) -> list[int]:
        if not self._widths and self._columns:
            widths = [c.label.cell_len for c in self._columns]
            for cells in self._rows.values():
                for i, cell in enumerate(cells[: len(widths)]):
                    widths[i] = max(widths[i], cell.cell_len)
            self._widths = widths
        return self._widths

    def _line(self, cells: list[Text], base: Style, *, over: bool = False) -> Strip:
        return row_strip(cells, self._layout(), self.app.console, base, self.size.width, over=over)

    def render_line(self, y: int) -> Strip:
        """Line ``y``: the header, a row, or blank."""
        width = self.size.width
        if y == 0:
            style = self.get_component_rich_style("page-table--header")
            key = ("\0header", width, False)
            if key not in self._strips:
                self._strips[key] = self._line([c.label for c in self._columns], style)
            return self._strips[key]
        index = y - 1
        keys = list(self._rows)
        if index >= len(keys):
            return Strip([Segment(" " * width, self.rich_style)])
        cursor = index == self.cursor_row
        key = (keys[index], width, cursor)
        strip = self._strips.get(key)
        if strip is None:
            if cursor:
                style = self.get_component_rich_style("page-table--cursor")
            elif index % 2:
                style = self.get_component_rich_style("page-table--odd")
            else:
                style = self.rich_style
            strip = self._line(self._rows[keys[index]], style, over=cursor)
            self._strips[key] = strip
        return strip

    def on_mount(self) -> None:
        """Lines carry the theme's colours: drop them when it changes."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._changed())

    def watch_cursor_row(self) -> None:
        """Redraw for the moved cursor (two lines change)."""
        self.refresh()

    def on_focus(self) -> None:
        """The cursor's colour depends on focus."""
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        """The cursor's colour depends on focus."""
        self._strips.clear()
        self.refresh()

    def on_resize(self) -> None:
        """Lines are cut to the width."""
        self._strips.clear()

    # -- input -------------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        """Move the cursor; past either end, tell the screen (it may turn the page)."""
        target = self.cursor_row + step
        if target < 0 or target >= len(self._rows):
            self.post_message(self.Edge(self, -1 if target < 0 else 1))
            return
        self.cursor_row = target

    def action_select(self) -> None:
        """Enter: the row under the cursor."""
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def column_at(self, x: int) -> str | None:
        """The key of the column drawn at ``x`` (each is its width plus two blanks)."""
        left = 1
        for column, width in zip(self._columns, self._layout(), strict=False):
            if left <= x < left + width + 2:
                return column.key.value
            left += width + 2
        return None

    def on_click(self, event: events.Click) -> None:
        """A click on the header names a column; on a row it selects (and opens) it."""
        if event.y == 0:
            key = self.column_at(event.x)
            if key is not None:
                self.post_message(self.HeaderClicked(self, key))
            return
        index = event.y - 1
        if 0 <= index < len(self._rows):
            self.cursor_row = index
            self.action_select()
