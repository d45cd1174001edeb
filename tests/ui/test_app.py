"""The shell: every screen by number key, click and palette; help; language; themes;
freshness and the stale warning; a dead database."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette

from gridtui.data.sources.records import ChangeBatch
from gridtui.registry import SCREEN_NAMES
from gridtui.screens.base import DataScreen
from gridtui.screens.modals.help import HelpScreen
from gridtui.widgets.status_bar import StatusBar
from tests.waiting import pilot_until


@pytest.mark.slow
async def test_number_keys_reach_every_screen(make_app, wait):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        for number, name in enumerate(SCREEN_NAMES, start=1):
            await pilot.press(str(number))
            await wait(app, pilot)
            assert app.current_mode == name
            assert isinstance(app.screen, DataScreen) and name == app.screen.NAME


async def test_a_click_on_the_nav_line_switches_screen(make_app, wait):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        # the nav line is the bar's second row; "2 工单队列" starts after "1 总览"
        await pilot.click(StatusBar, offset=(14, 1))
        await wait(app, pilot)
        assert app.current_mode == "queue"


async def test_palette_lists_every_screen_by_name(make_app, wait):
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for name in SCREEN_NAMES:
            assert any(f"({name})" in t for t in titles), name
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"scorecards")
        found = app.screen.query_one(CommandList)
        await pilot_until(
            pilot,
            lambda: (
                found.highlighted is not None
                and "(scorecards)" in str(found.get_option_at_index(found.highlighted).prompt)
            ),
            "the scorecards command",
        )
        await pilot.press("enter")
        await wait(app, pilot)
        assert app.current_mode == "scorecards"


@pytest.mark.parametrize("name", SCREEN_NAMES)
async def test_help_lists_the_screens_keys_in_both_languages(make_app, wait, name):
    app = make_app(screen=name)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        own = [
            b for bs in app.screen._bindings.key_to_bindings.values() for b in bs
            if b.description and b.id
        ]  # fmt: skip
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        described = dict((d, k) for k, d in help_screen.keys)
        # drawn, not just listed: the box holds every line (Textual 8 once collapsed it)
        body = help_screen.query_one("#help-body").region
        assert body.height >= min(len(help_screen.keys) + 2, 30) and body.width > 20, body
        for binding in own:
            assert binding.description in described, binding
        assert "帮助" in described and "退出" in described
        # no English on a Chinese screen (Textual's own "Focus Next" and "Copy …")
        assert not [d for d in described if d.isascii() and any(c.isalpha() for c in d)]
        await pilot.press("escape")
        await app.run_action("toggle_lang")  # the l key's (the map's l pans)
        await wait(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        english = dict((d, k) for k, d in app.screen.keys)
        assert "Help" in english and "Quit" in english


async def test_language_switch_relabels_screen_header_and_keys(make_app, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#queue")
        assert [str(c.label) for c in table.columns.values()][:2] == ["编号", "颜色"]
        await pilot.press("l")
        await wait(app, pilot)
        assert app.lang == "en"
        assert [str(c.label) for c in table.columns.values()][:2] == ["ID", "Colour"]
        assert "Queue" in str(app.screen.query_one(StatusBar).render())
        descriptions = {b.description for b in app.screen._bindings.key_to_bindings["s"]}
        assert descriptions == {"Sort"}
        cell = table.get_row_at(0)[1].plain
        assert cell.split()[-1] in {"RED", "ORANGE", "YELLOW", "BLUE", "GREEN"}


@pytest.mark.parametrize("theme", ["dark", "light", "high-contrast", "ansi"])
async def test_themes(make_app, wait, theme):
    from gridtui.registry import TEXTUAL_THEMES

    app = make_app(theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        assert app.theme == TEXTUAL_THEMES[theme]
        await pilot.press("t")
        assert app.theme != TEXTUAL_THEMES[theme]


async def test_header_warns_when_the_database_stops_answering(make_app, source, wait, tmp_path):
    app = make_app(screen="overview", poll_seconds=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        bar = app.screen.query_one(StatusBar)
        assert "数据更新于" in str(bar.render()) and not bar.has_class("-stale")
        before = app.screen.query_one("#kpi-open").value_text
        path = source.engine.url.database
        source.engine.dispose()
        import os

        os.rename(path, str(tmp_path / "gone.sqlite"))
        os.makedirs(path)  # a directory where the database was: every query fails
        await pilot_until(pilot, lambda: bar.has_class("-stale"), "the stale header")
        assert "数据已过期" in str(bar.render())
        # what was on screen stays on screen
        assert app.screen.query_one("#kpi-open").value_text == before
        os.rmdir(path)
        os.rename(str(tmp_path / "gone.sqlite"), path)
        await pilot_until(pilot, lambda: not bar.has_class("-stale"), f"fresh data {app.errors}")


def polling(app) -> bool:
    """Whether the app's change-feed read is under way."""
    return any(w.group == "poll" and not w.is_finished for w in app.workers)


async def test_a_working_change_feed_does_not_hide_a_failing_screen(
    make_app, source, wait, monkeypatch
):
    """The feed (changes table) answers while the screen's reads (tickets) fail: the
    header stays stale until the screen itself has loaded again, which it retries."""
    from sqlalchemy import text

    app = make_app(screen="overview", poll_seconds=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        bar = app.screen.query_one(StatusBar)
        with source.engine.begin() as c:
            c.execute(text("ALTER TABLE tickets RENAME TO tickets_away"))
        app.screen.reload()
        await pilot_until(pilot, lambda: bar.has_class("-stale"), "the stale header")
        polls: list[int] = []  # several successful polls of the feed meanwhile
        real_changes = source.changes

        def changes(since: int) -> ChangeBatch:
            polls.append(since)
            batch: ChangeBatch = real_changes(since)
            return batch

        monkeypatch.setattr(source, "changes", changes)
        for n in range(1, 4):
            app.poll()
            await pilot_until(pilot, lambda: len(polls) >= n and not polling(app), "a poll")  # noqa: B023 (awaited at once)
        assert bar.has_class("-stale") and "overview" in app.errors, app.errors
        assert "数据已过期" in str(bar.render())
        with source.engine.begin() as c:
            c.execute(text("ALTER TABLE tickets_away RENAME TO tickets"))
        await pilot_until(pilot, lambda: not bar.has_class("-stale"), f"fresh data {app.errors}")
