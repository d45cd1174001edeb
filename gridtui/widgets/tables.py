"""Refilling a :class:`~textual.widgets.DataTable` without losing the reader's place."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import RenderableType
from textual.render import measure
from textual.widgets import DataTable


def refill(
    table: DataTable[Any],
    columns: list[tuple[str, str, int | None]],
    rows: Iterable[tuple[str, list[RenderableType]]],
) -> None:
    """Replace ``table``'s columns ((key, label, width)) and rows ((key, cells)),
    keeping the selected row (by key, else by position) and the scroll position.

    A column without a width gets it here, from its label and its widest cell. Left to
    DataTable's measurement when the app is next idle, a frame drawn before it (on a
    busy machine) stayed cached with header-wide columns until the next change: Textual
    does not drop its rendered rows when that measurement widens a column."""
    selected: str | None = None
    if table.row_count:
        selected = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    index, scroll_y = table.cursor_row, table.scroll_y
    body = list(rows)
    console = table.app.console
    table.clear(columns=True)
    for i, (key, label, width) in enumerate(columns):
        if width is None:
            width = max([measure(console, label, 1)] + [measure(console, c[i], 1) for _, c in body])
        table.add_column(label, key=key, width=width)
    for key, cells in body:
        table.add_row(*cells, key=key)
    if not table.row_count:
        return
    if selected is not None and selected in table.rows:
        index = table.get_row_index(selected)
    table.move_cursor(row=min(index, table.row_count - 1), scroll=False)
    table.call_after_refresh(table.scroll_to, y=scroll_y, animate=False, immediate=True)
