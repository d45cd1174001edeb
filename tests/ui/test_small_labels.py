"""Small things a duty officer reads (issue 13, the last points): a breach note names
its clock once, a locked action's mark stands apart, the palette says "no matches" in
the screen's language, a count of one is singular, a form keeps its buttons in view
with a pick list open."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from textual.command import CommandList, CommandPalette
from textual.widgets import Button, DataTable, OptionList, Static

from gridtui.data.sources.records import Anchor, QueueQuery
from gridtui.data.sources.source import DataSource
from gridtui.data.storage.models import TicketEvent
from gridtui.i18n import tr
from gridtui.screens.modals.forms import ActionForm
from tests.conftest import NOW
from tests.ui.test_i18n import screen_lines
from tests.ui.test_ticket import ticket_in
from tests.waiting import pilot_until


def breached_ticket(source) -> int:
    """A ticket whose timeline holds a breach mark."""
    with source.factory() as s:
        tid = s.scalar(
            select(TicketEvent.ticket_id)
            .where(TicketEvent.target.like("breach:%"))
            .order_by(TicketEvent.ticket_id)
            .limit(1)
        )
    assert tid is not None
    return int(tid)


async def test_a_breach_note_names_its_clock_once(make_app, source, wait):
    tid = breached_ticket(source)
    detail = source.ticket(tid, NOW)
    for lang in ("zh", "en"):
        app = make_app(screen="ticket", ticket_id=tid, lang=lang)
        async with app.run_test(size=(160, 50)) as pilot:
            await wait(app, pilot)
            table = app.screen.query_one("#timeline", DataTable)
            rows = [
                (e, str(table.get_row_at(i)[-1]))
                for i, e in enumerate(detail.timeline)
                if e.target and e.target.startswith("breach:")
            ]
            assert rows
            for event, note in rows:
                clock = event.target.rpartition("/")[2]
                label = next(c.label(lang) for c in detail.clocks if c.name == clock)
                assert note.count(label) == 1, note
                assert note.startswith("超时：" if lang == "zh" else "breached: "), note


async def test_a_locked_action_has_a_space_before_its_mark(make_app, source, wait):
    ticket = ticket_in(source, {"new"})
    app = make_app(screen="ticket", ticket_id=ticket.id, role="viewer")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait(app, pilot)
        line = str(app.screen.query_one("#actions", Static).content)
        assert "✗" in line, line
        assert not re.search(r"\S✗", line), line


async def test_the_palette_says_no_matches_in_the_screens_language(make_app, wait):
    for lang in ("zh", "en"):
        app = make_app(screen="queue", lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait(app, pilot)
            await pilot.press("ctrl+p")
            await wait(app, pilot)
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"qqqzzz")
            want = tr("palette.no_matches", lang)

            def said(a: Any = app, w: str = want) -> bool:
                return any(w in line for line in screen_lines(a))

            await pilot_until(pilot, said, f"'{want}'")
            assert app.screen.query_one(CommandList).option_count == 1
            if lang == "zh":
                assert not any("No matches" in line for line in screen_lines(app))


def ticket_alone_in_search(source: DataSource) -> str:
    """A title only one ticket's matches (a queue search for it finds one)."""
    for row in source.queue(QueueQuery(), Anchor.FIRST, None, 50).rows:
        text = row.title.rpartition("：")[2]  # the keys typed are ASCII and CJK only
        if source.queue_count(QueueQuery(text=text), 10) == 1:
            return text
    raise AssertionError("no title matches one ticket only")


async def test_a_count_of_one_is_singular(make_app, source, wait):
    assert tr("queue.count", "en", n=1) == "1 ticket"
    assert tr("queue.count", "en", n=2) == "2 tickets"
    assert tr("sla.tickets", "en", n=1) == "on 1 ticket"
    assert tr("queue.count", "zh", n=1) == "共 1 件"
    title = ticket_alone_in_search(source)
    app = make_app(screen="queue", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("slash")
        await pilot.press(*title, "enter")
        await pilot_until(
            pilot,
            lambda: any("1 ticket" in line for line in screen_lines(app)),
            "the count of one ticket",
        )
        assert not any("1 tickets" in line for line in screen_lines(app))


async def test_form_buttons_stay_in_view_with_the_pick_list_open(make_app, source, wait):
    ticket = ticket_in(source, {"new"})
    app = make_app(screen="ticket", ticket_id=ticket.id, role="officer")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        await pilot.press("d")
        await wait(app, pilot)
        form = app.screen
        assert isinstance(form, ActionForm)
        await pilot.press("ctrl+u", "W")  # matches every worker: the longest list
        options = form.query_one("#target-options", OptionList)
        await pilot_until(pilot, lambda: options.display and options.option_count > 4, "a list")
        await wait(app, pilot)
        lines = screen_lines(app)
        for button in form.query(Button):
            label = str(button.label)
            assert any(label in line for line in lines), (label, lines)
            assert button.region.height == 3 and button.region.bottom <= 24, button.region
