"""``refill`` (gridtui/widgets/tables.py): a table drawn at once after a refill shows
whole cells. The scorecards' snapshot once showed its name columns cut to the header's
width: a frame drawn before DataTable measured the new rows stayed cached after."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from gridtui.widgets.tables import refill

NAMES = ["易梅勇", "Police (local stations)"]


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


def _line(table: DataTable[Any], y: int) -> str:
    return "".join(segment.text for segment in table.render_line(y))


async def test_a_refilled_table_drawn_before_it_is_idle_shows_whole_cells() -> None:
    app = OneTable()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(DataTable)
        columns: list[tuple[str, str, int | None]] = [
            ("rank", "Rank", None),
            ("name", "Name", None),
        ]
        rows: list[tuple[str, list[RenderableType]]] = [
            (str(i), [Text(str(i + 1), justify="right"), Text(n)]) for i, n in enumerate(NAMES)
        ]
        refill(table, columns, rows)
        # drawn before the app is next idle (a busy machine), then after
        first = [_line(table, y) for y in (1, 2)]
        await pilot.pause()
        assert all(name in line for name, line in zip(NAMES, first, strict=True)), first
        after = [_line(table, y) for y in (1, 2)]
        assert all(name in line for name, line in zip(NAMES, after, strict=True)), after
