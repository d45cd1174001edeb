"""3 · Risk board: the five colours (红橙黄蓝绿) over city → district → street → community → grid.

One node at a time: where it sits (the breadcrumb), its own totals, one row per child
(most at risk first; open tickets and registered entities 人、事、地、物、组织 by colour,
patrol points, children) and the mandatory daily patrol points (日巡查必到点) under it. ``enter``
drills into a child, ``backspace`` / ``u`` go back up with the row you came from
selected again. Reloads update the rows in place and keep the cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from gridtui.data.sources.records import Board, BoardCell, PatrolPoint, Reference
from gridtui.i18n import tr
from gridtui.screens.base import DataScreen
from gridtui.screens.messages import OpenMap
from gridtui.widgets.boards import COLOURS, KINDS, ranked
from gridtui.widgets.key_bar import KeyBar
from gridtui.widgets.layout import RISK_KINDS_WIDE, SCREEN_MEDIUM, SCREEN_TALL, SCREEN_WIDE
from gridtui.widgets.palette import risk_style
from gridtui.widgets.render import colour_chip, levels_text, percent, safe
from gridtui.widgets.status_bar import StatusBar

CHILD_LEVEL = {"city": "district", "district": "street", "street": "community", "community": "grid"}

Row = tuple[str, Sequence[Text]]


@dataclass(frozen=True, slots=True)
class RiskData:
    """What one load brings: the board of one node and the names to resolve."""

    board: Board
    ref: Reference


def counts_text(counts: dict[str, int], width: int = 1) -> Text:
    """`` 1  7 14 22 17``: counts in red … green order, each right-aligned in ``width``
    cells and a space apart (so a column of them lines up and no two run together),
    each in its colour (0 dimmed).

    The section title (and, when wide, the header) names the order (红/橙/黄/蓝/绿),
    so colour is not the only signal.
    """
    out = Text(no_wrap=True)
    for i, colour in enumerate(COLOURS):
        if i:
            out.append(" ")
        n = counts.get(colour, 0)
        out.append(f"{n:>{width}}", style=risk_style(colour) if n else "dim")
    return out


def count_width(*counts: dict[str, int]) -> int:
    """The width of the widest count in ``counts``."""
    return max((len(str(n)) for c in counts for n in c.values()), default=1)


def chips_text(counts: dict[str, int], lang: str) -> Text:
    """``■ 红 1  ■ 橙 7 …``: a labelled chip per colour."""
    out = Text(no_wrap=True)
    for i, colour in enumerate(COLOURS):
        if i:
            out.append("  ")
        out.append_text(colour_chip(colour, lang, count=counts.get(colour, 0)))
    return out


def kinds_text(kinds: dict[str, int], lang: str) -> Text:
    """``人52 事41 地37 物40 组织49`` (``Person 52 · Event 41 …`` in English)."""
    sep, gap = (" ", "") if lang == "zh" else (" · ", " ")
    parts = [f"{tr(f'risk.kind.{k}', lang)}{gap}{kinds.get(k, 0)}" for k in KINDS]
    parts += [f"{safe(k).plain}{gap}{n}" for k, n in kinds.items() if k not in KINDS]
    return Text(sep.join(parts), no_wrap=True)


def fill_table(
    table: DataTable[Text],
    columns: list[tuple[str, str]],
    rows: list[Row],
    select: str | None = None,
) -> None:
    """Put ``rows`` into ``table``, in place when the columns and row keys are unchanged.

    In place means cell by cell, so the cursor and the scroll position stay. Otherwise
    the table is rebuilt and the cursor goes to the row keyed ``select``, else to the
    row it was on before (by key), else to the top.
    """
    old_cols = [(str(k.value), str(c.label)) for k, c in table.columns.items()]
    old_keys = [str(r.key.value) for r in table.ordered_rows]
    keys = [key for key, _ in rows]
    if old_cols == columns and old_keys == keys:
        for key, cells in rows:
            for (col, _), cell in zip(columns, cells, strict=True):
                table.update_cell(key, col, cell)
    else:
        current: str | None = None
        if table.row_count:
            current = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        table.clear(columns=True)
        for col, label in columns:
            table.add_column(label, key=col)
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if current in keys:
            table.move_cursor(row=keys.index(current), animate=False)
    if select in keys:
        table.move_cursor(row=keys.index(select), animate=False)


class RiskScreen(DataScreen):
    """Breadcrumb, the node's totals, its children's cells and its patrol points."""

    NAME = "risk"
    DEFAULT_CSS = """
    RiskScreen #crumb { height: auto; padding: 0 1; background: $boost; }
    RiskScreen #summary { height: auto; padding: 0 1; }
    RiskScreen .section { height: 1; padding: 0 1; text-style: bold; background: $boost; }
    RiskScreen #cells { height: auto; max-height: 60%; }
    RiskScreen #patrol { height: 1fr; min-height: 4; }
    """
    BINDINGS: ClassVar[list[Binding]] = [
        # priority: the tables would take enter (and hide it from the footer) otherwise
        Binding("enter", "drill", "drill", id="risk.drill", priority=True),
        Binding("backspace", "up", "up", id="risk.up"),
        Binding("u", "up", "up", id="risk.up", show=False),
        Binding("m", "map", "map", id="key.map"),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: the node on show; None until the first load says which node is the root
        self.node_id: int | None = None
        #: where drilling came from: (node id, key of the row selected there)
        self.history: list[tuple[int, str | None]] = []
        self._select: str | None = None
        self._shown: int | None = None  # the node whose board is on screen
        self._wide = False
        self._cells: dict[int, BoardCell] = {}

    def compose(self) -> ComposeResult:
        """Breadcrumb, totals, children, patrol points."""
        yield StatusBar()
        yield Static(id="crumb")
        yield Static(id="summary")
        yield Static(classes="section", id="cells-title")
        yield DataTable(id="cells", cursor_type="row", zebra_stripes=True)
        yield Static(classes="section", id="patrol-title")
        yield DataTable(id="patrol", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        """Label and load."""
        self.retitle()
        self.reload()

    # -- navigation --------------------------------------------------------------------

    def goto(self, node_id: int | None) -> None:
        """Show the board of ``node_id`` (None: the city), forgetting the drill history."""
        self.history.clear()
        self._move(node_id, None)

    def _move(self, node_id: int | None, select: str | None) -> None:
        self.node_id = node_id
        self._select = select
        self.reload()

    def selected_cell(self) -> BoardCell | None:
        """The child cell under the cursor, if any."""
        table = self.query_one("#cells", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._cells.get(int(key)) if key else None

    def action_drill(self) -> None:
        """Show the selected child's board (a child with children, or a grid); in the
        patrol list, show the board of the selected point's grid."""
        if self._shown is None or self._shown != self.node_id:
            return  # still loading the last move: the rows belong to another node
        patrol = self.query_one("#patrol", DataTable)
        if self.focused is patrol:
            if patrol.row_count:
                key = patrol.coordinate_to_cell_key(patrol.cursor_coordinate).row_key.value
                self._to_grid(key)
            return
        cell = self.selected_cell()
        if cell is None or self.node_id is None:
            return
        if not cell.children and cell.node.level != "grid":
            self.app.bell()
            return
        self.history.append((self.node_id, str(cell.node.id)))
        self._move(cell.node.id, None)

    def action_up(self) -> None:
        """Back to where the drill came from (or the parent), its row selected again."""
        if self.history:
            self._move(*self.history.pop())
            return
        data = self._data
        if self.node_id is None or not isinstance(data, RiskData):
            return
        node = data.ref.nodes.get(self.node_id)
        if node is None or node.parent_id is None:
            self.app.bell()
            return
        self._move(node.parent_id, str(node.id))

    def action_map(self) -> None:
        """The map on the selected child (or on the node on show)."""
        cell = self.selected_cell()
        self.app.post_message(OpenMap(cell.node.id if cell else self.node_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A click (or enter) on a child drills into it; on a patrol point, into its grid."""
        if event.data_table.id == "cells":
            self.action_drill()
        elif event.data_table.id == "patrol":
            self._to_grid(event.row_key.value)

    def _to_grid(self, patrol_key: str | None) -> None:
        """Drill straight to the grid of a patrol point (row key ``grid:code``)."""
        if not patrol_key or self.node_id is None or self._shown != self.node_id:
            return
        grid_id = int(patrol_key.split(":", 1)[0])
        if grid_id != self.node_id:
            self.history.append((self.node_id, self._cursor_key()))
            self._move(grid_id, None)

    def _cursor_key(self) -> str | None:
        table = self.query_one("#cells", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # -- loading and showing -------------------------------------------------------------

    def retitle(self) -> None:
        """Section titles in the current language (counts come with the data)."""
        self.query_one("#patrol-title", Static).update(tr("risk.patrol", self.lang))

    def fetch(self) -> RiskData:
        """The board of the current node (worker thread)."""
        src = self.host.source
        return RiskData(src.board(self.node_id), src.reference())

    def show(self, data: RiskData) -> None:
        """Fill breadcrumb, totals and both tables (ignores a load for another node)."""
        node = data.board.node.node
        if self.node_id is not None and node.id != self.node_id:
            return
        self.node_id = self._shown = node.id
        self._wide = self.app.size.width >= SCREEN_WIDE
        self._cells = {c.node.id: c for c in data.board.cells}
        self._show_head(data)
        self._fill_cells(data)
        self._fill_patrol(data)
        self._select = None

    def size_class(self) -> object:
        """Compact, wide (codes, totals, the ladder per area) or wider (kinds too)."""
        width = self.app.size.width
        return (width >= SCREEN_WIDE, width >= RISK_KINDS_WIDE, self.app.size.height >= SCREEN_TALL)

    def _show_head(self, data: RiskData) -> None:
        lang, own = self.lang, data.board.node
        crumb = Text(no_wrap=True, overflow="ellipsis")
        path = data.ref.path(own.node.id)
        for i, step in enumerate(path):
            if i:
                crumb.append(" › ", style="dim")
            crumb.append_text(safe(step.label(lang), style="bold" if step is path[-1] else ""))
        crumb.append(f"  ({tr(f'risk.level.{own.node.level}', lang)})", style="dim")
        self.query_one("#crumb", Static).update(crumb)
        summary = Text()
        summary.append(f"{tr('risk.node_tickets', lang)} {sum(own.tickets.values())}: ", "bold")
        summary.append_text(chips_text(own.tickets, lang))
        # the ladder and the callbacks beside the colours where they fit
        summary.append("   " if self.app.size.width >= SCREEN_WIDE else "\n")
        summary.append_text(levels_text(own.tickets_by_level, lang))
        summary.append(f"   {tr('col.satisfied', lang)} {percent(own.satisfaction_rate)}")
        summary.append("\n")
        summary.append(f"{tr('risk.node_entities', lang)} {sum(own.entities.values())}: ", "bold")
        summary.append_text(chips_text(own.entities, lang))
        summary.append("\n" if self.app.size.width < SCREEN_MEDIUM else "   ")
        summary.append_text(kinds_text(own.entities_by_kind, lang))
        self.query_one("#summary", Static).update(summary)
        level = CHILD_LEVEL.get(own.node.level)
        title = (
            tr(
                "risk.children",
                lang,
                level=tr(f"risk.level.{level}", lang),
                n=len(data.board.cells),
            )
            + f"  · {tr('risk.order_hint', lang)}"
            if level
            else tr("risk.no_children", lang)
        )
        self.query_one("#cells-title", Static).update(title)

    def _fill_cells(self, data: RiskData) -> None:
        lang, wide = self.lang, self._wide
        order = f" {tr('risk.order', lang)}" if wide else ""
        columns = [("area", tr("col.area", lang))]
        codes = wide and lang != "zh"  # area codes are Latin letters: the name says it in zh
        if codes:
            columns.append(("code", tr("col.code", lang)))
        columns.append(("worst", tr("col.worst", lang)))
        if wide:
            columns.append(("total", tr("col.total", lang)))
        columns += [
            ("tickets", tr("risk.tickets", lang) + order),
            ("entities", tr("col.entities", lang) + order),
        ]
        # the entities by kind only where there is room for them beside the rest
        kinds = wide and self.app.size.width >= RISK_KINDS_WIDE
        if kinds:
            columns.append(("kinds", tr("col.kinds", lang)))
        if wide:
            columns += [
                ("above", tr("col.above_grid", lang)),
                ("satisfied", tr("col.satisfied", lang)),
            ]
        columns += [("patrol", tr("col.patrol", lang)), ("children", tr("col.children", lang))]
        rows: list[Row] = []
        t_width = count_width(*(c.tickets for c in data.board.cells))
        e_width = count_width(*(c.entities for c in data.board.cells))
        for cell in ranked(data.board.cells):
            cells: list[Text] = [safe(cell.node.label(lang))]
            if codes:
                cells.append(safe(cell.node.code, style="dim"))
            cells.append(colour_chip(cell.worst, lang))
            if wide:
                cells.append(Text(str(sum(cell.tickets.values())), justify="right"))
            cells += [counts_text(cell.tickets, t_width), counts_text(cell.entities, e_width)]
            if kinds:
                cells.append(kinds_text(cell.entities_by_kind, lang))
            if wide:  # raised above the grid, and the residents' callbacks
                above = sum(n for level, n in cell.tickets_by_level.items() if level != "grid")
                cells += [
                    Text(f"{above:,}" if above else "—", justify="right", style="bold"),
                    Text(percent(cell.satisfaction_rate), justify="right"),
                ]
            cells += [
                Text(str(cell.patrol_points), justify="right"),
                Text(str(cell.children) if cell.children else "—", justify="right"),
            ]
            rows.append((str(cell.node.id), cells))
        fill_table(self.query_one("#cells", DataTable), columns, rows, self._select)

    def _fill_patrol(self, data: RiskData) -> None:
        lang, wide, ref = self.lang, self._wide, data.ref
        shown, total = len(data.board.patrol), data.board.node.patrol_points
        title = f"{tr('risk.patrol', lang)} · {total}"
        if shown < total:
            title += f"  ({tr('risk.shown', lang, n=shown)})"
        elif not total:
            title += f"  ({tr('risk.none_patrol', lang)})"
        self.query_one("#patrol-title", Static).update(title)
        columns = [("colour", tr("col.colour", lang))]
        if wide:
            columns.append(("code", tr("col.code", lang)))
        columns += [
            ("name", tr("col.name", lang)),
            ("kind", tr("col.kind", lang)),
            ("grid", tr("col.grid", lang)),
            ("reason", tr("col.reason", lang)),
        ]
        rows: list[Row] = []
        for p in data.board.patrol:
            cells: list[Text] = [colour_chip(p.colour, lang)]
            if wide:
                cells.append(safe(p.entity_code, style="dim"))
            cells += [safe(p.name), self._kind(p, lang), self._grid(p, ref, lang), safe(p.reason)]
            rows.append((f"{p.grid_id}:{p.entity_code}", cells))
        fill_table(self.query_one("#patrol", DataTable), columns, rows)

    def _kind(self, p: PatrolPoint, lang: str) -> Text:
        key = f"risk.kind.{p.kind}"
        return Text(tr(key, lang)) if p.kind in KINDS else safe(p.kind)

    def _grid(self, p: PatrolPoint, ref: Reference, lang: str) -> Text:
        grid = ref.nodes.get(p.grid_id)
        if grid is None:
            return Text("—")
        if self._wide and grid.parent_id is not None:
            return safe(f"{ref.node_label(grid.parent_id, lang)} › {grid.label(lang)}")
        return safe(grid.label(lang))
