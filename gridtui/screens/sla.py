"""4 · SLA board: a live countdown for the most urgent tickets, one row per ticket.

A ticket with several running clocks shows its most urgent one (first in board
order) and how many others it has ("受理 +2"); the ticket screen lists them all.

The source is asked every :attr:`SlaScreen.PERIODIC` seconds (and on the change
feed); in between, a one-second tick recomputes each clock's remaining time and
state from its ``deadline`` / ``warning_at`` / ``critical_at`` and the app clock,
without a query, and rewrites only the cells whose text changed. Rows are ordered
by state (breached, critical, warning, ok, then the rest) and deadline; they are
re-sorted only when a state changes. Reloads keep the selected row and the scroll.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from gridtui.data.sources.records import Reference, SlaRow
from gridtui.i18n import clock_state_label, duration, tr
from gridtui.screens.base import DataScreen
from gridtui.screens.messages import OpenTicket
from gridtui.widgets.boards import COLOURS, SEVERITY, SLA_LIMIT, ordered, state_of
from gridtui.widgets.key_bar import KeyBar
from gridtui.widgets.layout import SCREEN_ROOMY, SCREEN_WIDE
from gridtui.widgets.palette import state_style
from gridtui.widgets.render import (
    colour_chip,
    remaining_text,
    safe,
    state_text,
)
from gridtui.widgets.status_bar import StatusBar
from gridtui.widgets.tables import refill

#: width of the clock name below :data:`~gridtui.widgets.layout.SCREEN_WIDE`
CLOCK_WIDTH = 14
#: a column: (catalog key, fixed width or None for automatic)
Column = tuple[str, int | None]


@dataclass(frozen=True, slots=True)
class SlaData:
    """What one load brings."""

    rows: list[SlaRow]
    ref: Reference


def row_key(row: SlaRow) -> str:
    """The table key of one clock: ``<ticket id>:<clock name>``."""
    return f"{row.ticket.id}:{row.clock.name}"


def leads(rows: Iterable[SlaRow], now: datetime) -> tuple[list[SlaRow], Counter[int]]:
    """One row per ticket, its most urgent clock, in board order; and for each ticket
    how many other clocks it has."""
    first: dict[int, SlaRow] = {}
    others: Counter[int] = Counter()
    for row in ordered(rows, now):
        if row.ticket.id in first:
            others[row.ticket.id] += 1
        else:
            first[row.ticket.id] = row
    return list(first.values()), others


class SlaScreen(DataScreen):
    """Live countdowns per running clock, breached first, with a state summary."""

    NAME = "sla"
    PERIODIC = 30.0
    #: seconds between countdown ticks (no queries)
    TICK = 1.0
    DEFAULT_CSS = """
    SlaScreen #summary { height: auto; padding: 0 1; background: $boost; }
    SlaScreen #clocks { height: 1fr; }
    """
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("enter", "open_ticket", "open", id="key.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, SlaRow] = {}
        self._states: dict[str, str] = {}
        self._shown: dict[str, tuple[str, str]] = {}  # the rows on the board (a ticket's lead)
        self._wide = False
        self._width = 0
        self.ticks = 0  # countdown ticks done, for tests
        self.resorts = 0  # re-sorts caused by a state change, for tests

    def compose(self) -> ComposeResult:
        """Summary line over the table."""
        yield StatusBar()
        yield Static(id="summary")
        yield DataTable(id="clocks", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        """Label, load, start the countdown.

        Textual itself runs :meth:`DataScreen.on_mount` (handlers of base classes are
        dispatched too), so it is not called again here: that would start a second
        periodic reload.
        """
        self.retitle()
        self.reload()
        self.set_interval(self.TICK, self.tick)

    def retitle(self) -> None:
        """The summary in the current language."""
        self._summarise()

    def fetch(self) -> SlaData:
        """The board's clocks and names (worker thread)."""
        src = self.host.source
        return SlaData(src.sla_board(self.host.now(), SLA_LIMIT), src.reference())

    def show(self, data: SlaData) -> None:
        """Rebuild the table from a load (or in a new language)."""
        self._rows = {row_key(r): r for r in data.rows}
        self._fill(self.host.now())

    # -- the table -----------------------------------------------------------------------

    def _columns(self) -> list[Column]:
        """Fixed widths (so a tick never reflows the table); below
        :data:`~gridtui.widgets.layout.SCREEN_WIDE` the clock name and the title are
        cut to fit the terminal."""
        lang = self.lang
        ids = max((len(str(r.ticket.id)) for r in self._rows.values()), default=1)
        state_w = max(cell_len(clock_state_label(s, lang)) for s in (*SEVERITY, "pending", "met"))
        cols: list[Column] = [
            ("col.id", max(ids, cell_len(tr("col.id", lang)))),
            ("col.colour", max(cell_len(colour_chip(c, lang).plain) for c in COLOURS)),
            ("col.clock", None if self._wide else 0),  # below: what the title leaves
            ("col.state", max(state_w + 1, cell_len(tr("col.state", lang)))),  # + paused mark
            ("col.remaining", 12),
            ("col.deadline", 11),
        ]
        if self._wide:
            return [
                *cols,
                ("col.category", None),
                ("col.grid", None),
                ("col.started", 11),
                ("col.title", None),
            ]
        used = sum(w or 0 for _, w in cols) + 2 * (len(cols) + 1) + 2  # cell padding, scrollbar
        # the clock names and the titles share the room there is: the names whole when
        # they take at most half of it, else cut at that half (never below CLOCK_WIDTH)
        room = self.app.size.width - used
        need = max((cell_len(r.clock.label(lang)) + 3 for r in self._rows.values()), default=0)
        clock = max(CLOCK_WIDTH, min(need, room // 2))
        cols = [(k, clock if k == "col.clock" else w) for k, w in cols]
        return [*cols, ("col.title", max(12, room - clock))]

    def _fill(self, now: datetime) -> None:
        data: SlaData | None = self._data
        if data is None:
            return
        self._width = self.app.size.width
        self._wide = self._width >= SCREEN_WIDE
        lang, tz = self.lang, self.host.tz
        widths = dict(self._columns())
        columns = [(key, tr(key, lang), width) for key, width in widths.items()]
        self._states = {k: state_of(r, now) for k, r in self._rows.items()}
        self._shown = {}
        body: list[tuple[str, list[RenderableType]]] = []
        rows, others = leads(self._rows.values(), now)
        for row in rows:
            key = row_key(row)
            state = self._states[key]
            remaining = self._remaining(row, now, state)
            self._shown[key] = (remaining.plain, str(remaining.style))
            clock = safe(row.clock.label(lang))
            more = f" +{others[row.ticket.id]}" if others[row.ticket.id] else ""
            title = safe(row.ticket.title)
            if not self._wide:
                clock.truncate(
                    (widths["col.clock"] or CLOCK_WIDTH) - len(more), overflow="ellipsis"
                )
            clock.append(more, style="bold")
            if not self._wide:
                title.truncate(widths["col.title"] or 12, overflow="ellipsis")
            cells: list[RenderableType] = [
                Text(str(row.ticket.id)),
                colour_chip(row.ticket.colour, lang),
                clock,
                self._state(row, state),
                remaining,
                _when(row.clock.deadline, tz),
            ]
            if self._wide:
                cat = data.ref.categories.get(row.ticket.category)
                cells += [
                    safe(cat.label(lang) if cat else row.ticket.category),
                    safe(data.ref.node_label(row.ticket.grid_id, lang)),
                    _when(row.clock.started_at, tz),
                ]
            cells.append(title)
            body.append((key, cells))
        refill(self.query_one("#clocks", DataTable), columns, body)
        self._summarise()

    def _state(self, row: SlaRow, state: str) -> Text:
        text = state_text(state, self.lang)
        if row.clock.paused:
            text.append("‖", style="dim")
        return text

    def _remaining(self, row: SlaRow, now: datetime, state: str) -> Text:
        clock = row.clock
        if clock.paused:  # a paused clock does not run down: show what it had left
            return Text(
                f"{duration(clock.remaining, self.lang)} {tr('sla.paused', self.lang)}", style="dim"
            )
        return remaining_text(clock.deadline, now, self.lang, state)

    def _summarise(self) -> None:
        lang = self.lang
        counts = Counter(self._states.values())
        text = Text()
        if not self._rows:
            text.append(tr("sla.empty", lang) if self._data is not None else "…", style="bold")
            self.query_one("#summary", Static).update(text)
            return
        text.append(tr("sla.running", lang, n=len(self._rows)), style="bold")
        tickets = len({r.ticket.id for r in self._rows.values()})
        text.append(("" if lang == "zh" else " ") + tr("sla.tickets", lang, n=tickets))
        text.append("  ")
        text.append(
            tr("sla.breached", lang, n=counts.get("breached", 0)),
            style=state_style("breached") if counts.get("breached") else "",
        )
        for state in ("critical", "warning", "ok", "pending", "met"):
            if counts.get(state):
                text.append("  ")
                text.append(
                    f"{clock_state_label(state, lang)} {counts[state]}", style=state_style(state)
                )
        paused = sum(1 for r in self._rows.values() if r.clock.paused)
        if paused:
            text.append(f"  {tr('sla.paused', lang)} {paused}", style="dim")
        if self.app.size.width >= SCREEN_ROOMY:
            text.append(f"  · {tr('sla.order', lang)}", style="dim")
        self.query_one("#summary", Static).update(text)

    # -- the countdown -------------------------------------------------------------------

    def tick(self) -> None:
        """Recompute remaining time and state of every row from the app clock: rewrite
        only the cells that changed, re-sort only if a state changed. No queries."""
        if not self._rows or not self.is_attached or self not in self.app.screen_stack:
            # nothing to count down, or another mode is in front (the first tick back catches up)
            return
        self.ticks += 1
        now = self.host.now()
        table = self.query_one("#clocks", DataTable)
        moved = False
        for key, row in self._rows.items():
            state = state_of(row, now)
            if state != self._states.get(key):
                self._states[key] = state
                moved = True
            if key not in self._shown:
                continue  # not its ticket's lead clock: not on the board
            remaining = self._remaining(row, now, state)
            shown = (remaining.plain, str(remaining.style))
            if shown != self._shown.get(key):
                self._shown[key] = shown
                table.update_cell(key, "col.remaining", remaining)
        if moved:
            self.resorts += 1
            self._fill(now)  # states changed: new colours and a new order

    def size_class(self) -> object:
        """The columns are fitted to the exact width."""
        return self.app.size.width

    def redraw(self) -> None:
        """Refit the columns to the width."""
        if self._data is not None:
            self._fill(self.host.now())

    # -- opening a ticket ----------------------------------------------------------------

    def row_keys(self) -> list[str]:
        """The keys of the rows in display order (``<ticket id>:<clock>``)."""
        table = self.query_one("#clocks", DataTable)
        return [
            str(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value)
            for i in range(table.row_count)
        ]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens that ticket."""
        if event.row_key.value:
            self.app.post_message(OpenTicket(int(event.row_key.value.split(":")[0])))

    def action_open_ticket(self) -> None:
        """Open the ticket of the selected clock."""
        table = self.query_one("#clocks", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key:
                self.app.post_message(OpenTicket(int(key.split(":")[0])))


def _when(at: datetime | None, tz: Any) -> Text:
    """``11-24 10:00`` in the centre's time zone, or ``—``."""
    if at is None:
        return Text("—", style="dim")
    return Text(f"{at.astimezone(tz):%m-%d %H:%M}")
