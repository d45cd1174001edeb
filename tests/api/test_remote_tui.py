"""Remote mode end to end: the TUI over ApiSource against a real server on 127.0.0.1.

The app acts through the API (audited with the token's name); the server is killed
(the header turns into the stale warning with the time of the last update, the data
stays on screen); changes are made while it is away; the server comes back on the
same port and every one of those changes reaches the screen."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from gridtui.api.client import ApiSource
from gridtui.app import build_app
from gridtui.data.sources.tokens import create_token
from gridtui.screens.modals.forms import ActionForm
from gridtui.screens.ticket import TicketScreen
from gridtui.snapshot import settle
from gridtui.widgets.status_bar import StatusBar
from tests.api.conftest import free_port
from tests.conftest import NOW
from tests.waiting import pilot_until


@pytest.mark.slow
async def test_remote_tui_survives_a_server_outage_and_misses_nothing(city, serve):
    port = free_port()
    url = serve(city, port=port)
    src = ApiSource(url, create_token(city.factory, "远程督办", "officer", at=NOW),
                    timeout=3, backoff_max=0.5)  # fmt: skip
    urgent = city.most_urgent()
    app = build_app(src, screen="ticket", ticket_id=urgent, role=src.role, actor=src.actor,
                    clock=lambda: NOW, poll_seconds=0.2, lang="en", prebuild=False)  # fmt: skip
    try:
        async with app.run_test(size=(180, 40)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, TicketScreen)
            assert screen.detail == city.ticket(urgent, NOW)

            def notes() -> list[str]:
                assert isinstance(screen, TicketScreen) and screen.detail is not None
                return [e.note for e in screen.detail.timeline]

            bar = screen.query_one(StatusBar)
            assert "api http://127.0.0.1" in str(bar.render())

            # an action through its form goes over the API, audited as the token
            await pilot.press("n")
            await settle(app, pilot)
            form = app.screen
            assert isinstance(form, ActionForm)
            form.query_one("#note", Input).value = "远程备注 [red]x[/red]"
            await pilot.click("#submit")
            await settle(app, pilot)
            last = city.ticket(urgent, NOW).timeline[-1]
            assert (last.actor, last.note) == ("token:远程督办", "远程备注 [red]x[/red]")
            assert await pilot_until(pilot, lambda: notes()[-1] == last.note, "the note")

            # the server goes away: a stale banner with the last update, data kept
            shown = screen.detail
            serve.stop()
            assert await pilot_until(pilot, lambda: bar.has_class("-stale"))
            text = str(bar.render())
            assert "STALE DATA, last update 10:00:00" in text, text
            assert screen.detail == shown

            # meanwhile other officers keep working on the database
            for i in range(3):
                city.act(urgent, "note", role="officer", actor="duty:值班", note=f"停机期间 {i}")

            # the server returns on the same port: the stream resumes, nothing is missed
            serve(city, port=port)
            assert await pilot_until(pilot, lambda: not bar.has_class("-stale"))
            assert await pilot_until(
                pilot,
                lambda: notes()[-3:] == ["停机期间 0", "停机期间 1", "停机期间 2"],
            )
            assert screen.detail == city.ticket(urgent, NOW)
            assert app.seq == city.last_seq()
    finally:
        src.close()
