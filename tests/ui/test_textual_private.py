"""Each private Textual API we use (gridtui/textual_private.py) still exists and still
does what we need: a Textual upgrade that changes one fails here, by name."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.notifications import Notification, Notify
from textual.screen import Screen
from textual.widgets import DataTable, SelectionList, Static

from gridtui import textual_private as private
from tests.waiting import pilot_until


class First(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static("first")


class Second(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static("second")


class Modes(App[None]):
    MODES: ClassVar[dict[str, Any]] = {"first": First, "second": Second}
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("q", "quit", "quit", id="key.quit")
    ]

    def on_mount(self) -> None:
        self.switch_mode("first")


class Widgets(App[None]):
    def compose(self) -> ComposeResult:
        yield SelectionList[str](("one", "one"), id="picks")
        yield DataTable[str](id="table")


async def test_unnotify_withdraws_one_notification():
    assert "notification" in inspect.signature(App._unnotify).parameters
    app = Modes()
    async with app.run_test() as pilot:
        toast = Notification("refused", "rules", "error", 3600.0)
        app.post_message(Notify(toast))
        await pilot_until(pilot, lambda: toast in app._notifications, "the toast")
        private.unnotify(app, toast)
        assert toast not in app._notifications


async def test_a_mode_builds_without_switching_and_its_screens_are_listed():
    assert list(inspect.signature(App._init_mode).parameters) == ["self", "mode"]
    app = Modes()
    async with app.run_test() as pilot:
        await pilot_until(pilot, lambda: isinstance(app.screen, First), "the first mode")
        assert private.is_built(app, "first") and not private.is_built(app, "second")
        private.build_mode(app, "second")
        assert private.is_built(app, "second")
        assert isinstance(app.screen, First)  # still there
        kinds = {type(s) for s in private.built_screens(app)}
        assert {First, Second} <= kinds


async def test_is_running_until_shutdown():
    app = Modes()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert private.is_running(app)
    assert not private.is_running(app)


async def test_key_bindings_are_the_ones_in_effect():
    app = Modes()
    async with app.run_test() as pilot:
        await pilot.pause()
        by_key = private.key_bindings(app)
        assert [b.id for b in by_key["q"]] == ["key.quit"]
        by_key["q"] = [Binding("q", "quit", "退出", id="key.quit")]
        app.refresh_bindings()
        assert private.key_bindings(app)["q"][0].description == "退出"
        assert app.active_bindings["q"].binding.description == "退出"


async def test_filter_output_sees_what_the_driver_writes():
    app = Modes()
    seen: list[str] = []

    def through(data: str) -> str:
        seen.append(data)
        return data

    assert not private.filter_output(app, through)  # no driver before the app runs
    async with app.run_test() as pilot:
        await pilot.pause()
        assert private.filter_output(app, through)
        assert app._driver is not None
        app._driver.write("\x1b[0m")
        assert seen == ["\x1b[0m"]


async def test_a_selection_list_draws_the_tick_box_inner_where_the_filter_form_looks():
    app = Widgets()
    async with app.run_test() as pilot:
        picks = app.query_one("#picks", SelectionList)
        await pilot.pause()
        segments = list(picks.render_line(0))
        assert len(segments) >= 3 and segments[1].text == private.TICK_BOX_INNER


async def test_a_table_says_when_its_columns_are_still_to_be_sized():
    app = Widgets()
    async with app.run_test() as pilot:
        table = app.query_one("#table", DataTable)
        await pilot.pause()
        table.add_column("col")
        table.add_row("x" * 30)
        assert private.dimensions_pending(table)
        await pilot_until(pilot, lambda: not private.dimensions_pending(table), "the sizing")


class Palette(App[None]):
    def on_mount(self) -> None:
        self.push_screen(private.PaletteSaying(no_matches="没有匹配的命令"))


async def test_the_palette_says_no_matches_in_our_words():
    method = inspect.signature(CommandPalette._start_no_matches_countdown)
    assert list(method.parameters) == ["self", "search_value"]
    for name in ("_NO_MATCHES", "_NO_MATCHES_COUNTDOWN", "_stop_no_matches_countdown"):
        assert hasattr(CommandPalette, name), name
    app = Palette()
    async with app.run_test() as pilot:
        await pilot_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"qqqzzz")
        options = app.screen.query_one(CommandList)

        def said() -> bool:
            return options.option_count == 1 and "没有匹配的命令" in str(
                options.get_option_at_index(0).prompt
            )

        await pilot_until(pilot, said, "the no-matches line in our words")


async def test_a_frame_is_what_the_screen_shows_and_changes_with_it():
    app = Widgets()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        first = private.frame(app)
        assert len(first) == 8
        assert "one" in "".join(segment.text for segment in first[0] + first[1])
        assert private.frame(app) == first  # nothing changed: the same frame
        app.query_one(SelectionList).clear_options()
        await pilot_until(pilot, lambda: private.frame(app) != first, "a frame without 'one'")
        assert "one" not in "".join(seg.text for line in private.frame(app) for seg in line)


def test_a_removed_widgets_styles_cache_is_not_kept() -> None:
    import gc
    import weakref

    from textual._styles_cache import StylesCache
    from textual.color import Color

    # Textual still caches the method on the instance too (Textualize/textual#6665): when
    # a release fixes it, this fails and the workaround can go
    method = StylesCache.__dict__["get_inner_outer"]
    unpinned = private._get_inner_outer
    assert method is unpinned or hasattr(method, "cache_info")
    assert list(inspect.signature(private._INNER_OUTER).parameters) == [
        "cls", "base_background", "background"
    ]  # fmt: skip
    private.unpin_styles_caches()
    base, over = Color(10, 20, 30), Color(200, 100, 0, 0.5)
    cache = StylesCache()
    assert cache.get_inner_outer(base, over) == private._INNER_OUTER(None, base, over)
    gone = weakref.ref(cache)
    del cache
    gc.collect()
    assert gone() is None  # not held by the method's cache
