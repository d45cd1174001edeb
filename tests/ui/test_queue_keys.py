"""Queue as handy as k9s (issue 13, point 6): search as you type with highlighted
matches, sortable headers with an arrow and reverse order, a page number, vim keys,
the cursor on the top row after a re-sort, active filters as removable chips."""

from __future__ import annotations

from dataclasses import replace

from gridtui.data.sources.records import Anchor, QueueQuery
from gridtui.screens.queue import QueueScreen, QueueTable
from gridtui.widgets.chips import Chip, FilterChips
from gridtui.widgets.search import MATCH, SearchBar
from tests.waiting import pilot_until


def ids(app) -> list[int]:
    return [int(k.value) for k in app.screen.query_one(QueueTable).rows]


def info(app) -> str:
    return str(app.screen.query_one("#info").render())


def header(app) -> str:
    table = app.screen.query_one(QueueTable)
    return " ".join(str(c.label) for c in table.columns.values())


async def until(pilot, wait, app, check) -> None:
    await wait(app, pilot)
    await pilot_until(pilot, check, "the queue")
    await wait(app, pilot)  # and the screen loaded for it


async def test_search_filters_as_you_type_and_highlights_matches(make_app, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.query_one(QueueTable)
        await pilot.press("slash", *"纠纷")  # no Enter
        await until(pilot, wait, app, lambda: screen.query_spec.text == "纠纷")
        rows = screen._data.page.rows
        assert rows and all("纠纷" in r.title for r in rows)
        cell = table.get_cell(str(rows[0].id), "col.title")
        start = cell.plain.index("纠纷")
        assert any(s.style == MATCH and s.start == start and s.end == start + 2 for s in cell.spans)
        # the search line sits above the table: the header stays in view
        bar = screen.query_one(SearchBar)
        assert bar.has_focus and bar.region.height == 1
        assert table.region.y >= bar.region.bottom
        assert "编号" in "".join(s.text for s in table.render_line(0))
        await pilot.press("escape")
        assert table.has_focus and screen.query_spec.text == "纠纷"


async def test_headers_sort_with_an_arrow_and_reverse(make_app, source, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.query_one(QueueTable)
        assert "剩余 ▲" in header(app) or "剩余时限 ▲" in header(app)
        x = next(x for x in range(table.size.width) if table.column_at(x) == "col.colour")
        await pilot.click(QueueTable, offset=(x, 0))
        await until(pilot, wait, app, lambda: screen.query_spec.sort == "colour")
        assert not screen.query_spec.descending and "▲" in header(app)
        await pilot.click(QueueTable, offset=(x, 0))
        await until(pilot, wait, app, lambda: screen.query_spec.descending)
        want = source.queue(
            QueueQuery(sort="colour", descending=True), Anchor.FIRST, None, screen.page_size
        )
        await until(pilot, wait, app, lambda: ids(app) == [r.id for r in want.rows])
        assert "▼" in header(app) and "▼" in info(app)
        ranks = {"red": 5, "orange": 4, "yellow": 3, "blue": 2, "green": 1}
        got = [ranks[r.colour] for r in screen._data.page.rows]
        assert got == sorted(got)  # least severe first
        await pilot.press("S")  # the key reverses too
        await until(pilot, wait, app, lambda: not screen.query_spec.descending)
        assert "▲" in header(app)


async def test_after_a_resort_enter_opens_the_top_row(make_app, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        table = screen.query_one(QueueTable)
        await pilot.press("j", "j", "j")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2
        await pilot.press("s")
        await until(pilot, wait, app, lambda: screen.query_spec.sort == "colour")
        await until(pilot, wait, app, lambda: table.cursor_row == 0)
        top = ids(app)[0]
        await pilot.press("enter")
        await until(pilot, wait, app, lambda: app.current_mode == "ticket")
        assert app.ticket_id == top


async def test_page_number_and_vim_keys(make_app, source, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        size = screen.page_size
        total = -(-source.queue_count(QueueQuery(), 10**6) // size)
        assert total >= 3
        assert f"页 1 / {total:,}" in info(app)
        await pilot.press("pagedown")
        await until(pilot, wait, app, lambda: f"页 2 / {total:,}" in info(app))
        await pilot.press("G")
        await until(pilot, wait, app, lambda: f"页 {total:,} / {total:,}" in info(app))
        last = source.queue(QueueQuery(), Anchor.LAST, None, size)
        assert ids(app) == [r.id for r in last.rows]
        assert screen.query_one(QueueTable).cursor_row == len(last.rows) - 1
        await pilot.press("j")  # past the last row of the last page: stays
        await pilot.press("g")
        await until(pilot, wait, app, lambda: f"页 1 / {total:,}" in info(app))
        assert screen.query_one(QueueTable).cursor_row == 0


async def test_active_filters_are_removable_chips(make_app, source, wait):
    app = make_app(screen="queue", lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        chips = screen.query_one(FilterChips)
        assert not chips.display
        screen.set_query(
            replace(
                screen.query_spec,
                colours=frozenset({"red", "orange"}),
                statuses=frozenset({"new"}),
                text="a",
            )
        )
        await until(pilot, wait, app, lambda: len(screen.query(Chip)) == 3)
        labels = [c.label.plain for c in screen.query(Chip)]
        assert labels == ["Status: New", "Colour: RED, ORANGE", "Search: “a”"]
        assert chips.display and chips.region.height == 1
        await pilot.press("backspace")  # the last chip goes
        await until(pilot, wait, app, lambda: screen.query_spec.text == "")
        # keyboard: Tab reaches a chip, Enter removes it
        first = screen.query(Chip).first()
        first.focus()
        await pilot.press("enter")
        await until(pilot, wait, app, lambda: not screen.query_spec.statuses)
        assert screen.query_spec.colours == {"red", "orange"}
        await until(pilot, wait, app, lambda: len(screen.query(Chip)) == 1)
        await pilot.click(Chip)
        await until(pilot, wait, app, lambda: not screen.query_spec.colours)
        await until(pilot, wait, app, lambda: not chips.display)
        assert screen.query_one(QueueTable).has_focus
