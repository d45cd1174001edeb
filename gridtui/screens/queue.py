"""2 · Queue: every ticket, live, one page at a time straight from the database.

The table holds exactly one page (as many rows as fit). Paging is by key
(:mod:`gridtui.data.reads.queue`), so the last page of a million tickets costs what the
first does. A reload (the change feed, a timer) fetches the same page again and
updates it in place: unchanged rows stay, changed cells are rewritten, the cursor
stays on its ticket.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from gridtui.data.sources.records import (
    Anchor,
    Cursor,
    Page,
    QueueQuery,
    Reference,
    SortKey,
    TicketRow,
)
from gridtui.i18n import channel_label, tr
from gridtui.screens.base import DataScreen
from gridtui.screens.messages import OpenMap, OpenTicket
from gridtui.screens.modals.acting import open_menu
from gridtui.screens.modals.filters import FilterForm
from gridtui.widgets.chips import Chip, FilterChips, chips_of
from gridtui.widgets.key_bar import KeyBar
from gridtui.widgets.layout import SCREEN_MEDIUM, SCREEN_WIDE
from gridtui.widgets.page_table import PageTable
from gridtui.widgets.render import (
    colour_chip,
    fit_flex_column,
    remaining_text,
    safe,
    status_text,
)
from gridtui.widgets.search import SearchBar, highlight
from gridtui.widgets.status_bar import StatusBar

SORTS: tuple[SortKey, ...] = ("deadline", "colour", "age")
COUNT_CAP = 100_000
#: the column whose header carries a sort's arrow (and a click on which sorts by it)
SORT_COLUMN: dict[str, SortKey] = {
    "col.remaining": "deadline",
    "col.colour": "colour",
    "col.opened": "age",
    "col.id": "age",
}


class QueueTable(PageTable):
    """The queue's page: moving past its first or last row turns the page."""


@dataclass(frozen=True, slots=True)
class QueueData:
    """One load: the page and how it was asked for."""

    page: Page
    query: QueueQuery
    anchor: Anchor
    cursor: Cursor | None
    ref: Reference
    size: int


class QueueScreen(DataScreen):
    """The live queue: sort, filter, search, page, open, act."""

    NAME = "queue"
    AUTO_FOCUS = "#queue"
    PERIODIC = 30.0
    DEFAULT_CSS = """
    QueueScreen #info { height: 1; padding: 0 1; background: $boost; }
    QueueScreen QueueTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("slash", "search", "/", id="key.search", key_display="/"),
        Binding("s", "sort", "sort", id="key.sort"),
        Binding("S", "reverse", "reverse", id="key.reverse", key_display="S"),
        Binding("f", "filter", "filter", id="key.filter"),
        Binding("c", "clear", "clear", id="key.clear"),
        Binding("backspace", "unfilter", "unfilter", id="key.unfilter", show=False),
        Binding("x", "act", "act", id="key.act"),
        Binding("m", "map", "map", id="key.map"),
        Binding("pagedown", "page('next')", "next", id="key.next", priority=True),
        Binding("pageup", "page('prev')", "prev", id="key.prev", priority=True),
        Binding("n", "page('next')", "next", id="key.next", show=False),
        Binding("p", "page('prev')", "prev", id="key.prev", show=False),
        Binding("home,g", "page('first')", "first", id="key.first", show=False),
        Binding("end,G", "page('last')", "last", id="key.last", show=False),
        Binding("escape", "close_search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_spec = QueueQuery()
        self.page_anchor = Anchor.FIRST
        self.cursor: Cursor | None = None
        self.count: int | None = None
        self.page_no: int | None = 1  # None: the last page (its number comes with the count)
        self._pages: int | None = None
        self._land: str | None = None  # where the cursor goes on the next page

    def compose(self) -> ComposeResult:
        """Info line, (hidden) search, the page."""
        yield StatusBar()
        yield Static(id="info")
        yield FilterChips(id="chips")
        yield SearchBar(id="search")
        yield QueueTable(id="queue")
        yield KeyBar()

    def on_mount(self) -> None:
        """Label and load."""
        self.query_one(SearchBar).placeholder = tr("queue.search", self.lang)
        # Load once the table is laid out (its height says how many rows a page holds);
        # a screen built in the background is not drawn yet: load now, by estimate.
        if self.is_current:
            self.call_after_refresh(self.reload)
        else:
            self.reload()

    def retitle(self) -> None:
        """Search placeholder and info line."""
        self.query_one(SearchBar).placeholder = tr("queue.search", self.lang)
        self._chips()
        self._info()

    @property
    def page_size(self) -> int:
        """Rows that fit in the table (its header takes one)."""
        # Before the first layout, estimate from the screen: status bar (2), info
        # line (1), footer (1) and the chips (1, when filtered) take four or five lines.
        chips = 1 if chips_of(self.query_spec, None, self.lang) else 0
        height = self.query_one(QueueTable).size.height or (self.app.size.height - 4 - chips)
        return max(5, height - 1)

    @property
    def table(self) -> QueueTable:
        """The page table."""
        return self.query_one(QueueTable)

    # -- loading ---------------------------------------------------------------------------

    def fetch(self) -> QueueData:
        """The current page (worker thread)."""
        src = self.host.source
        query, anchor, cursor = self.query_spec, self.page_anchor, self.cursor
        size = self.page_size
        page = src.queue(query, anchor, cursor, size, COUNT_CAP)  # rows and count: one read
        return QueueData(page, query, anchor, cursor, src.reference(), size)

    def show(self, data: QueueData) -> None:
        """Put the page on screen, in place when only cells changed."""
        self.count = data.page.count
        table = self.table
        lang, now = self.lang, self.host.now()
        width = self.app.size.width
        columns = ["col.id", "col.colour", "col.remaining", "col.status", "col.title"]
        if width >= SCREEN_MEDIUM:
            columns.append("col.category")
        if width >= SCREEN_WIDE:
            columns += ["col.channel", "col.grid", "col.assignee", "col.opened"]
        q = data.query
        arrow_on = next(c for c in SORT_COLUMN if c in columns and SORT_COLUMN[c] == q.sort)
        headers = [
            tr(k, lang) + ((" ▼" if q.descending else " ▲") if k == arrow_on else "")
            for k in columns
        ]
        if [str(c.label) for c in table.columns.values()] != headers:
            table.clear(columns=True)
            for key, header in zip(columns, headers, strict=True):
                table.add_column(header, key=key)
        rows = {str(r.id): self._cells(r, data.ref, columns, now) for r in data.page.rows}
        # Titles take the width left over, so the table never scrolls sideways.
        fit_flex_column(
            list(rows.values()), headers, columns.index("col.title"), table.size.width or width
        )
        selected = self._selected_key()
        if list(rows) == [k.value for k in table.rows]:
            for key, cells in rows.items():
                for col, cell in zip(columns, cells, strict=True):
                    if table.get_cell(key, col) != cell:
                        table.update_cell(key, col, cell)
            if self._land is not None and rows:
                table.move_cursor(row=0 if self._land == "top" else len(rows) - 1)
        else:
            row_index = table.cursor_row
            table.clear()
            for key, cells in rows.items():
                table.add_row(*cells, key=key)
            if self._land is not None and rows:
                table.move_cursor(row=0 if self._land == "top" else len(rows) - 1)
            elif selected in rows:
                table.move_cursor(row=list(rows).index(selected))
            elif rows:
                table.move_cursor(row=min(row_index, len(rows) - 1))
        self._land = None
        self._number_page(data)
        self._chips()
        self._info()
        if data.size != self.page_size:  # laid out (or resized) since: fill the table
            self.set_timer(0.05, self.reload)

    def on_resize(self) -> None:
        """A new size changes how many rows a page holds."""
        data = self._data if isinstance(self._data, QueueData) else None
        if data is not None and data.size != self.page_size:
            self.set_timer(0.2, self.reload)

    def _cells(self, r: TicketRow, ref: Reference, columns: list[str], now: object) -> list[Text]:
        lang = self.lang
        cat = ref.categories.get(r.category)
        values: dict[str, Text] = {
            "col.id": Text(str(r.id)),
            "col.colour": colour_chip(r.colour, lang),
            "col.remaining": remaining_text(r.next_deadline, now, lang),  # type: ignore[arg-type]
            "col.status": status_text(r.status, lang),
            "col.title": highlight(safe(r.title), self.query_spec.text),
            "col.category": safe(cat.label(lang) if cat else r.category),
        }
        if "col.channel" in columns:
            worker = ref.workers.get(r.worker_id) if r.worker_id is not None else None
            values |= {
                "col.channel": Text(channel_label(r.channel, lang)),
                "col.grid": safe(ref.node_label(r.grid_id, lang)),
                "col.assignee": safe(worker.name if worker else "—"),
                "col.opened": Text(f"{r.opened_at.astimezone(self.host.tz):%m-%d %H:%M}"),
            }
        # Names of places and categories can be long; the title matters more.
        for key, most in (("col.category", 16), ("col.grid", 22), ("col.assignee", 10)):
            if key in values:
                values[key].truncate(most, overflow="ellipsis")
        return [values[c] for c in columns]

    def _selected_key(self) -> str | None:
        return self.table.cursor_key

    def _number_page(self, data: QueueData) -> None:
        """This page's number: counted from the first page, or back from the last."""
        page, size = data.page, max(1, data.size)
        pages = None
        if page.count is not None and page.count < COUNT_CAP:
            pages = max(1, -(-page.count // size))
        if not page.has_before:
            self.page_no = 1
        elif not page.has_after:
            self.page_no = pages
        elif self.page_no is not None and pages is not None:
            self.page_no = max(2, min(self.page_no, pages - 1))
        self._pages = pages

    def _chips(self) -> None:
        data = self._data if isinstance(self._data, QueueData) else None
        ref = data.ref if data is not None else None
        self.query_one(FilterChips).set_chips(chips_of(self.query_spec, ref, self.lang))

    def _info(self) -> None:
        lang, q = self.lang, self.query_spec
        arrow = "▼" if q.descending else "▲"
        line = Text(f"{tr('queue.sort', lang)}: {tr(f'sort.{q.sort}', lang)} {arrow}", "bold")
        if not chips_of(q, None, lang):
            line.append(f"  │ {tr('queue.filters', lang)}: {tr('queue.no_filter', lang)}")
        if self.count is not None:
            key = "queue.count_capped" if self.count >= COUNT_CAP else "queue.count"
            line.append("  │ " + tr(key, lang, n=f"{self.count:,}"))
        data = self._data if isinstance(self._data, QueueData) else None
        if data is not None:
            total = f"{self._pages:,}" if self._pages is not None else "…"
            number = f"{self.page_no:,}" if self.page_no is not None else "…"
            line.append("  │ " + tr("queue.page_of", lang, n=number, total=total))
            if not data.page.rows:
                line.append("  │ " + tr("queue.empty", lang), style="bold")
        self.query_one("#info", Static).update(line)

    # -- keys ---------------------------------------------------------------------------

    def set_query(self, query: QueueQuery) -> None:
        """Show ``query`` from its first page, the cursor on its top row."""
        self.query_spec = query
        self.page_anchor, self.cursor = Anchor.FIRST, None
        self.page_no, self._land = 1, "top"
        self._chips()
        self.reload()

    def action_page(self, where: str) -> None:
        """Next / previous / first / last page."""
        data = self._data if isinstance(self._data, QueueData) else None
        if where == "first":
            self.page_anchor, self.cursor, self.page_no = Anchor.FIRST, None, 1
            self._land = self._land or "top"
        elif where == "last":
            self.page_anchor, self.cursor, self.page_no = Anchor.LAST, None, None
            self._land = self._land or "bottom"
        elif data is None:
            return
        elif where == "next" and data.page.has_after:
            self.page_anchor, self.cursor = Anchor.AFTER, data.page.last
            self.page_no = self.page_no + 1 if self.page_no is not None else None
        elif where == "prev" and data.page.has_before:
            self.page_anchor, self.cursor = Anchor.BEFORE, data.page.first
            self.page_no = self.page_no - 1 if self.page_no is not None else None
        else:
            return
        self.reload()

    def action_sort(self) -> None:
        """Cycle SLA remaining → colour → age (each ascending)."""
        q = self.query_spec
        sort = SORTS[(SORTS.index(q.sort) + 1) % len(SORTS)]
        self.set_query(replace(q, sort=sort, descending=False))

    def action_reverse(self) -> None:
        """The same order, the other way round."""
        self.set_query(replace(self.query_spec, descending=not self.query_spec.descending))

    def on_page_table_header_clicked(self, event: PageTable.HeaderClicked) -> None:
        """A click on a sortable header sorts by it; on the sorted one, reverses."""
        sort = SORT_COLUMN.get(event.column_key)
        if sort is None:
            return
        if sort == self.query_spec.sort:
            self.action_reverse()
        else:
            self.set_query(replace(self.query_spec, sort=sort, descending=False))

    def action_search(self) -> None:
        """Show the search line (it filters as you type)."""
        self.query_one(SearchBar).open(self.query_spec.text)

    def on_search_bar_search(self, event: SearchBar.Search) -> None:
        """Typing paused (or Enter): search; Enter also goes back to the table."""
        if event.done:
            self.query_one(SearchBar).close()
            self.table.focus()
        if event.text != self.query_spec.text:
            self.set_query(replace(self.query_spec, text=event.text))

    def action_close_search(self) -> None:
        """Hide the search line, keeping the current results."""
        if self.query_one(SearchBar).close():
            self.table.focus()

    def on_chip_removed(self, event: Chip.Removed) -> None:
        """A chip was removed: drop its filter."""
        if not chips_of(event.query, None, self.lang):
            self.table.focus()
        self.set_query(event.query)

    def action_unfilter(self) -> None:
        """Backspace: drop the last active filter."""
        chip = self.query_one(FilterChips).last
        if chip is not None:
            chip.action_remove()

    def action_filter(self) -> None:
        """The filter form."""
        data = self._data if isinstance(self._data, QueueData) else None
        if data is None:
            return

        def chosen(query: QueueQuery | None) -> None:
            if query is not None:
                self.set_query(query)

        self.app.push_screen(FilterForm(self.query_spec, data.ref, self.lang), chosen)

    def action_clear(self) -> None:
        """Drop every filter and the search, keep the sort."""
        q = self.query_spec
        self.set_query(QueueQuery(sort=q.sort, descending=q.descending))

    def _selected_row(self) -> TicketRow | None:
        key = self._selected_key()
        data = self._data if isinstance(self._data, QueueData) else None
        if key is None or data is None:
            return None
        return next((r for r in data.page.rows if str(r.id) == key), None)

    def action_act(self) -> None:
        """Act on the selected ticket."""
        row = self._selected_row()
        if row is not None:
            open_menu(self, row.id, row.version, row.status)

    def action_map(self) -> None:
        """The map on the selected ticket."""
        row = self._selected_row()
        if row is not None:
            self.app.post_message(OpenMap(row.grid_id, row.id))

    def on_page_table_row_selected(self, event: PageTable.RowSelected) -> None:
        """Enter (or a click) opens the ticket."""
        self.app.post_message(OpenTicket(int(event.row_key.value)))

    def on_page_table_edge(self, event: PageTable.Edge) -> None:
        """Arrowing past the page turns it, landing on the near row of the new page."""
        data = self._data if isinstance(self._data, QueueData) else None
        if data is None:
            return
        if event.direction > 0 and data.page.has_after:
            self._land = "top"
            self.action_page("next")
        elif event.direction < 0 and data.page.has_before:
            self._land = "bottom"
            self.action_page("prev")
