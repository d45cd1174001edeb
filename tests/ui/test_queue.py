"""Queue: keyset pages from the database, sort, filter, search, live updates, safety."""

from __future__ import annotations

from sqlalchemy import update

from gridtui.data.sources.records import Anchor, QueueQuery
from gridtui.data.storage.models import Ticket
from gridtui.screens.modals.filters import FilterForm, Picks
from gridtui.screens.queue import QueueScreen, QueueTable
from tests.waiting import pilot_until


def ids(app) -> list[int]:
    table = app.screen.query_one(QueueTable)
    return [int(k.value) for k in table.rows]


async def test_pages_come_from_the_database_by_key(make_app, source, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(100, 24)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        size = screen.page_size
        first = source.queue(QueueQuery(), Anchor.FIRST, None, size)
        assert ids(app) == [r.id for r in first.rows] and len(first.rows) == size
        await pilot.press("pagedown")
        await wait(app, pilot)
        second = source.queue(QueueQuery(), Anchor.AFTER, first.last, size)
        assert ids(app) == [r.id for r in second.rows]
        await pilot.press("pageup")
        await wait(app, pilot)
        assert ids(app) == [r.id for r in first.rows]
        await pilot.press("end")
        await wait(app, pilot)
        last = source.queue(QueueQuery(), Anchor.LAST, None, size)
        assert ids(app) == [r.id for r in last.rows]
        assert screen.count == source.queue_count(QueueQuery(), 10**6)
        await pilot.press("home")
        await wait(app, pilot)
        assert ids(app) == [r.id for r in first.rows]


async def test_sort_cycles_and_colour_sort_puts_red_first(make_app, source, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("s")
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        spec = screen.query_spec
        assert spec.sort == "colour"
        rows = screen._data.page.rows
        ranks = {"red": 5, "orange": 4, "yellow": 3, "blue": 2, "green": 1}
        got = [ranks[r.colour] for r in rows]
        assert got == sorted(got, reverse=True)
        await pilot.press("s")
        await wait(app, pilot)
        opened = [r.opened_at for r in screen._data.page.rows]
        assert screen.query_spec.sort == "age" and opened == sorted(opened)


async def test_search_and_filter_narrow_the_queue(make_app, source, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("slash")
        await pilot.press(*"纠纷")
        await pilot.press("enter")
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        assert screen.query_spec.text == "纠纷"
        rows = screen._data.page.rows
        assert rows and all("纠纷" in r.title for r in rows)
        await pilot.press("c")
        await wait(app, pilot)
        await pilot.press("f")
        await wait(app, pilot)
        form = app.screen
        assert isinstance(form, FilterForm)
        form.query_one("#colours", Picks).select("yellow")
        await pilot.click("#apply")
        await wait(app, pilot)
        assert app.screen is screen and screen.query_spec.colours == {"yellow"}
        expected = source.queue_count(QueueQuery(colours=frozenset({"yellow"})), 10**6)
        assert screen.count == expected and expected > 0
        assert {r.colour for r in screen._data.page.rows} == {"yellow"}


async def test_a_change_elsewhere_appears_without_moving_the_cursor(make_app, source, wait):
    app = make_app(screen="queue", role="officer")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one(QueueTable)
        await pilot.press("down", "down", "down")
        chosen = ids(app)[3]
        other = next(r for r in app.screen._data.page.rows if r.status == "new")
        # another officer dispatches a ticket on this page
        source.act(other.id, "dispatch", role="officer", actor="duty:other")
        await pilot_until(
            pilot, lambda: str(table.get_cell(str(other.id), "col.status")) == "已派单", "已派单"
        )
        await wait(app, pilot)
        assert str(table.get_cell(str(other.id), "col.status")) == "已派单"
        assert ids(app)[table.cursor_row] == chosen


async def test_outside_text_is_shown_literally(make_app, source, wait):
    first = source.queue(QueueQuery(), Anchor.FIRST, None, 1).rows[0]
    evil = "[bold red]x[/] \x1b[31mRED\x1b]0;pwned\x07 \x07bell"
    with source.factory.begin() as s:
        s.execute(update(Ticket).where(Ticket.id == first.id).values(title=evil))
    app = make_app(screen="queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one(QueueTable)
        cell = table.get_cell(str(first.id), "col.title")
        assert cell.plain.startswith("[bold red]x[/] ")
        assert "\x1b" not in cell.plain and "\x07" not in cell.plain
        svg = app.export_screenshot()
        assert "[bold&#160;red]x[/]" in svg or "[bold red]x[/]" in svg
        assert "\x1b" not in svg and "pwned" not in svg


async def test_the_count_follows_live_changes_with_its_rows(make_app, source, wait):
    app = make_app(screen="queue", role="officer")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        before = screen.count
        assert before is not None and before == source.queue_count(QueueQuery(), 10**6)
        gone = ids(app)[0]
        # a supervisor elsewhere cancels a ticket on this page: it leaves the open queue
        source.act(gone, "cancel", role="supervisor", actor="duty:other", note="dup")
        await pilot_until(pilot, lambda: gone not in ids(app), "the cancelled ticket to leave")
        await wait(app, pilot)
        assert screen.count == before - 1 == source.queue_count(QueueQuery(), 10**6)
        assert "共 " + f"{before - 1:,}" in str(screen.query_one("#info").render())
