"""Outside text of any length or kind on the screens (issue 12): a 10 MB description
and a 1 MB note open quickly, scroll and quit; bidi and zero-width controls are shown
visibly, and kept in the database."""

from __future__ import annotations

import html
import re
import time

from sqlalchemy import select, update
from textual.widgets import DataTable

from gridtui.data.storage.models import Ticket, TicketEvent
from gridtui.screens.ticket import DESCRIPTION_SHOWN, NOTE_SHOWN, TicketScreen
from gridtui.widgets.longtext import LongText, TextViewer
from tests.waiting import pilot_until

BIDI = "\u202e\u2066\u200f\u061c\u200b\u200d\ufeff"


def screen_text(app) -> str:
    """What the screen shows, without the SVG's markup and any white space."""
    return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]*>", "", app.export_screenshot())))


def _long(n: int, last: str) -> str:
    line = "居民反映楼道堆放杂物影响通行 \x1b[31mred\x1b[0m abc\n"
    return (line * (n // len(line) + 1))[: n - len(last)] + last


async def test_a_10_mb_description_and_a_1_mb_note_open_scroll_and_quit(
    make_app, source, wait
) -> None:
    tid = source.most_urgent()
    description = _long(10_000_000, "描述的最后一句END")
    note = "备注" * 500_000  # 1 MB, one line
    with source.factory.begin() as s:
        s.execute(update(Ticket).where(Ticket.id == tid).values(description=description))
        first = s.scalars(
            select(TicketEvent.id).where(TicketEvent.ticket_id == tid).order_by(TicketEvent.id)
        ).first()
        s.execute(update(TicketEvent).where(TicketEvent.id == first).values(note=note))
    app = make_app(screen="ticket", ticket_id=tid, lang="en")
    began = time.monotonic()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.detail is not None
        assert time.monotonic() - began < 30  # it took minutes, at 100 % CPU
        screen.query_one("#fields-box").scroll_end(animate=False)
        await wait(app, pilot)
        svg = app.export_screenshot()
        more = f"{len(description) - DESCRIPTION_SHOWN:,}&#160;more&#160;characters"
        assert more in svg or more.replace("&#160;", " ") in svg
        assert "\x1b" not in svg
        timeline = screen.query_one("#timeline", DataTable)
        cells = [timeline.get_row_at(i)[4].plain for i in range(timeline.row_count)]
        cut = [c for c in cells if c.startswith("备注")]
        assert len(cut) == 1 and len(cut[0]) < NOTE_SHOWN + 40
        left = re.search(r"… \(([\d,]+) more characters\)$", cut[0])
        assert left and int(left[1].replace(",", "")) >= len(note) - NOTE_SHOWN
        # f: the whole description, drawn as it scrolls
        await pilot.press("f")
        await wait(app, pilot)
        assert isinstance(app.screen, TextViewer)
        viewer = app.screen.query_one(LongText)
        assert viewer.line_count > 200_000
        await pilot.press("end")
        await wait(app, pilot)
        assert viewer.scroll_offset.y > 200_000
        assert "END" in app.export_screenshot()
        await pilot.press("escape")
        await wait(app, pilot)
        assert isinstance(app.screen, TicketScreen)
        # Enter on the timeline: the note in full
        row = cells.index(cut[0])
        timeline.move_cursor(row=row)
        timeline.focus()
        await pilot.press("enter")
        await wait(app, pilot)
        assert isinstance(app.screen, TextViewer)
        assert app.screen.query_one(LongText).text == note
        await pilot.press("q")
        await pilot_until(pilot, lambda: not app.is_running, "the app to quit", 60)
    assert time.monotonic() - began < 60


async def test_bidi_controls_in_a_title_show_visibly_and_stay_in_the_database(
    make_app, source, wait
) -> None:
    tid = source.most_urgent()
    title = f"井盖缺失{BIDI}txet sdrawkcab"
    address = "湖光路\u2067102号\u2069"
    with source.factory.begin() as s:
        s.execute(update(Ticket).where(Ticket.id == tid).values(title=title, address=address))
    app = make_app(screen="ticket", ticket_id=tid)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait(app, pilot)
        text = screen_text(app)
        shown = "".join(f"<U+{ord(c):04X}>" for c in BIDI)
        assert f"井盖缺失{shown}" in text  # (the column may wrap after it)
        assert "湖光路<U+2067>102号<U+2069>" in text
        assert not any(c in app.export_screenshot() for c in BIDI + "\u2067\u2069")
        await pilot.press("2")  # the queue: the title in its row
        await wait(app, pilot)
        assert "井盖缺失<U+202E>" in screen_text(app)
        assert "\u202e" not in app.export_screenshot()
    with source.factory() as s:
        assert s.get(Ticket, tid).title == title  # data is data
        assert s.get(Ticket, tid).address == address


async def test_names_in_the_filter_form_are_literal_and_show_bidi_visibly(
    make_app, source, wait
) -> None:
    from textual.widgets import Select

    from gridtui.data.storage.models import Department
    from gridtui.screens.modals.filters import FilterForm

    name = "[bold]城管[/]\u202e局"
    with source.factory.begin() as s:
        dept = s.scalars(select(Department).order_by(Department.id)).first()
        s.execute(update(Department).where(Department.id == dept.id).values(name=name))
        dept_id = dept.id
    app = make_app(screen="queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("f")
        await wait(app, pilot)
        assert isinstance(app.screen, FilterForm)
        app.screen.query_one("#department", Select).value = dept_id
        await wait(app, pilot)
        assert "[bold]城管[/]<U+202E>局" in screen_text(app)
        assert "\u202e" not in app.export_screenshot()
