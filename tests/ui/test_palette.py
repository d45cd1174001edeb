"""The command palette (issue 13, point 10): a ticket number opens that ticket; every
command is listed once."""

from __future__ import annotations

from collections import Counter

from textual.command import CommandList, CommandPalette

from gridtui.data.sources.records import Anchor, QueueQuery
from tests.waiting import pilot_until


async def test_typing_a_ticket_number_offers_to_open_it(make_app, source, wait):
    number = source.queue(QueueQuery(), Anchor.LAST, None, 1).rows[0].id
    app = make_app(screen="queue")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        await pilot.press("ctrl+p")
        await wait(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*str(number))
        want = f"打开工单 #{number}"
        await pilot_until(
            pilot,
            lambda: any(want in str(o.prompt) for o in app.screen.query_one(CommandList).options),
            want,
        )
        await pilot.press("enter")
        await pilot_until(pilot, lambda: app.current_mode == "ticket", "the ticket screen")
        assert app.ticket_id == number


async def test_every_command_is_listed_once(make_app, wait):
    for lang in ("zh", "en"):
        app = make_app(screen="queue", lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait(app, pilot)
            titles = Counter(c.title for c in app.get_system_commands(app.screen))
            twice = [t for t, n in titles.items() if n > 1]
            assert not twice, twice
            assert ("中/英" if lang == "zh" else "中/EN") in titles
