"""Outside text on the ticket screen, and terminals without colour."""

from __future__ import annotations

from sqlalchemy import update
from textual.widgets import DataTable

from gridtui.data.storage.models import Ticket, TicketEvent
from gridtui.screens.ticket import TicketScreen
from gridtui.widgets.render import colour_chip

EVIL = "[bold red]x[/] [@click=app.quit]q[/] \x1b[2J\x1b]52;c;cHdu\x07\x9b31m\x08"


async def test_ticket_fields_and_notes_are_shown_literally(make_app, source, wait):
    tid = source.most_urgent()
    with source.factory.begin() as s:
        s.execute(
            update(Ticket)
            .where(Ticket.id == tid)
            .values(title=EVIL, description=EVIL + "\nline two", address=EVIL)
        )
        s.execute(
            update(TicketEvent).where(TicketEvent.ticket_id == tid).values(note=EVIL, actor=EVIL)
        )
    app = make_app(screen="ticket", ticket_id=tid)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait(app, pilot)
        assert isinstance(app.screen, TicketScreen)
        svg = app.export_screenshot()
        for text in ("[bold&#160;red]x[/]", "[@click=app.quit]q[/]"):
            assert text in svg or text.replace("&#160;", " ") in svg
        assert "line&#160;two" in svg or "line two" in svg
        for bad in ("\x1b", "\x07", "\x9b", "\x08", "cHdu"):
            assert bad not in svg
        timeline = app.screen.query_one("#timeline", DataTable)
        note = timeline.get_row_at(0)[4].plain
        assert note.startswith("[bold red]x[/]") and "\x1b" not in note
        await pilot.click("#fields")  # a [@click=…] in the data must not act
        await wait(app, pilot)
        assert app.is_running


async def test_without_colour_every_colour_still_has_its_name(make_app, wait, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(screen="queue", lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait(app, pilot)
        assert app.no_color
        table = app.screen.query_one("#queue")
        names = {table.get_row_at(i)[1].plain.split()[-1] for i in range(table.row_count)}
        assert names <= {"RED", "ORANGE", "YELLOW", "BLUE", "GREEN"} and names
    assert colour_chip("red", "zh").plain == "■ 红"
