"""The wall (``gridtui wall``): rotation and its progress, pause, stepping, read-only,
big figures, alerts (and none on the first load, none when off), outside text as
data, both languages, outages over SQLite and over the API, nothing growing, the CLI.

Time is driven by calling the rotation tick and the second tick directly (the
rotation in these tests is set long enough never to fire by itself)."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from textual.screen import ModalScreen

from gridtui.api.client import ApiSource
from gridtui.cli.main import build_parser
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import NewTicket, SlaRow, TicketRow
from gridtui.data.sources.tokens import create_token
from gridtui.snapshot import settle
from gridtui.wall import WALL_SCREENS
from gridtui.wall.alerts import AlertWatch
from gridtui.wall.app import WallApp, build_wall
from gridtui.wall.base import WallScreen
from gridtui.wall.widgets import BigFigure, RowList, WallText
from tests.api.conftest import city, free_port, serve  # noqa: F401 (fixtures)
from tests.conftest import NOW
from tests.ui.conftest import fixed_clock
from tests.waiting import pilot_until

GRID = "WH-HB-01-01"


@pytest.fixture
def make_wall(source, monkeypatch) -> Callable[..., WallApp]:
    """``make_wall(**options)`` → a wall on the test's city, on the fixed clock, with
    loads and looks not held back (the gaps keep a real wall's output low)."""
    monkeypatch.setattr(WallScreen, "MIN_GAP", 0.0)
    monkeypatch.setattr("gridtui.wall.app.WATCH_GAP", 0.0)

    def make(**options: Any) -> WallApp:
        options.setdefault("clock", fixed_clock)
        options.setdefault("poll_seconds", 0.1)
        options.setdefault("lang", "zh")
        options.setdefault("rotate", 1000.0)  # the tests tick it themselves
        return build_wall(source, **options)

    return make


def red_ticket(source: LocalSource, title: str) -> int:
    """A new red ticket, written as another officer would."""
    new = NewTicket(title, "info.collect", "hotline", GRID, "duty:测试", colour="red")
    return source.open_ticket(new, role="officer").ticket_id


def wall_screen(app: WallApp) -> WallScreen:
    screen = app.screen
    assert isinstance(screen, WallScreen)
    return screen


# -- rotation ------------------------------------------------------------------------------


async def test_rotation_follows_the_order_with_a_coarse_progress(make_wall):
    app = make_wall(screens=["sla", "overview", "scorecards"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.current_mode == "sla" and app.steps == 5
        strip = wall_screen(app).strip
        assert "下一屏: 总览 ▱▱▱▱▱" in strip.progress.shown.plain
        seen = []
        for _ in range(4):
            for step in range(1, app.steps):
                app.rotation_tick()
                await pilot.pause()
                assert app.step_no == step
                progress = wall_screen(app).strip.progress.shown.plain
                assert "▰" * step + "▱" * (app.steps - step) in progress
            app.rotation_tick()  # the last step moves on
            await settle(app, pilot)
            seen.append(app.current_mode)
        assert seen == ["overview", "scorecards", "sla", "overview"]
        screens = wall_screen(app).strip.screens.shown.plain
        assert screens.index("时限监控") < screens.index("总览") < screens.index("考核积分")
        assert "● 总览" in screens and "○ 时限监控" in screens


async def test_space_pauses_and_resumes_the_rotation(make_wall):
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.rotation_tick()
        await pilot.press("space")
        assert app.paused
        progress = wall_screen(app).strip.progress
        assert progress.has_class("-paused") and "轮播已暂停" in progress.shown.plain
        for _ in range(20):
            app.rotation_tick()
        await pilot.pause()
        assert app.current_mode == "overview" and app.step_no == 1
        await pilot.press("space")
        assert not app.paused and not progress.has_class("-paused")
        for _ in range(app.steps - 1):
            app.rotation_tick()
        await settle(app, pilot)
        assert app.current_mode == "risk"


async def test_keys_step_through_the_screens(make_wall):
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.rotation_tick()
        await pilot.press("right")
        assert app.current_mode == "risk" and app.step_no == 0
        await pilot.press("n")
        assert app.current_mode == "sla"
        await pilot.press("left")
        await pilot.press("p")
        assert app.current_mode == "overview"
        await pilot.press("p")
        await settle(app, pilot)
        assert app.current_mode == "scorecards"
        assert isinstance(app.screen, WallScreen) and app.screen.loaded


async def test_no_rotation_with_zero_or_one_screen(make_wall):
    app = make_wall(rotate=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.rotation_tick()
        assert app.current_mode == "overview" and app.steps == 0
        assert wall_screen(app).strip.progress.shown.plain == ""
        await pilot.press("n")  # stepping by hand still works
        assert app.current_mode == "risk"


# -- read-only, big figures ------------------------------------------------------------------


@pytest.mark.slow
async def test_nothing_can_be_changed_from_a_wall(make_wall, source):
    app = make_wall(role="supervisor")
    assert app.role == "viewer"
    seq = source.last_seq()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        theme = app.theme
        keys = ["d", "e", "v", "j", "o", "x", "a", "s", "f", "c", "u", "t", "slash", "enter",
                "1", "2", "6", "7", "question_mark", "ctrl+p", "tab", "escape", "backspace",
                "f5"]  # fmt: skip
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ModalScreen), key
            assert app.current_mode == "overview", key
        app.open_ticket(source.most_urgent())
        app.action_show("queue")
        await settle(app, pilot)
        assert app.current_mode == "overview" and len(app.screen_stack) == 1
        assert app.focused is None and app.theme == theme
        assert not app.use_command_palette
        assert source.last_seq() == seq


async def test_headline_figures_in_big_digits(make_wall, source):
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        ov = source.overview(NOW)
        screen = wall_screen(app)
        expected = {
            "intake_today": f"{ov.intake_today:,}",
            "open": f"{ov.open:,}",
            "overdue": f"{ov.overdue:,}",
            "closure_rate": f"{ov.closure_rate:.1%}",
            "on_time_rate": f"{ov.on_time_rate:.1%}",
        }
        for key, value in expected.items():
            tile = screen.query_one(f"#kpi-{key}", BigFigure)
            assert tile.digits.value == value and tile.digits.fits(), key
            assert tile.region.height >= 5  # border + three lines of glyphs
        red = screen.query_one("#ov-red", BigFigure)
        assert red.digits.value == str(ov.open_by_colour["red"])
        assert screen.query_one("#kpi-overdue", BigFigure).has_class("-alert") == (ov.overdue > 0)
        assert screen.header.clock.value == "10:00" and screen.header.clock.fits()


async def test_legible_at_80x24(make_wall, source):
    app = make_wall(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for name in WALL_SCREENS:
            await settle(app, pilot)
            screen = wall_screen(app)
            for tile in screen.query(BigFigure):
                digits = tile.digits
                # the glyphs when they fit, else the figure in one bold line
                assert digits.fits() or digits.value in str(digits.render()), (name, tile.id)
                assert tile.region.bottom <= 24 and tile.region.height >= 5
            assert screen.header.region.height == 3 and screen.strip.region.y == 23
            assert app.current_mode == name
            await pilot.press("n")


@pytest.mark.parametrize("theme", ["dark", "light", "high-contrast", "ansi"])
async def test_every_theme(make_wall, theme):
    from gridtui.registry import TEXTUAL_THEMES

    app = make_wall(theme=theme, screens=["sla", "overview"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.theme == TEXTUAL_THEMES[theme]
        await pilot.press("t")  # no theme key on a wall
        assert app.theme == TEXTUAL_THEMES[theme]
        assert wall_screen(app).query_one("#sla-breached", BigFigure).digits.value


# -- alerts ---------------------------------------------------------------------------------


async def test_a_new_red_ticket_rings_and_flashes_with_its_title_as_data(make_wall, source):
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert await pilot_until(pilot, lambda: app.watcher.ready)
        await settle(app, pilot)
        assert (app.alerts, app.bells, app.flash) == (0, 0, None)  # none on the first load
        ticket = red_ticket(source, "燃气泄漏 [bold red]快[/bold red] [link=http://x]x[/link]")
        assert await pilot_until(pilot, lambda: app.flash is not None)
        assert app.bells == 1 and app.flash.alert.ticket_id == ticket
        brand = wall_screen(app).header.brand
        assert brand.has_class("-alert")
        assert f"新红色工单 #{ticket}" in brand.shown.plain
        assert "燃气泄漏 [bold red]快[/bold red] [link=http://x]x[/link]" in brand.shown.plain
        # the same ticket does not alert again
        app.watch_now()
        await settle(app, pilot)
        assert app.alerts == 1 and app.bells == 1
        app.end_flash()
        await pilot.pause()
        assert not brand.has_class("-alert") and "网格化服务管理指挥中心" in brand.shown.plain


async def test_no_alert_when_alerts_are_off(make_wall, source):
    app = make_wall(alert=[])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert await pilot_until(pilot, lambda: app.watcher.ready)
        red_ticket(source, "深夜噪音")
        assert await pilot_until(pilot, lambda: app.alerts == 1)  # seen …
        await settle(app, pilot)
        assert app.bells == 0 and app.flash is None  # … but neither rung nor shown
        assert not wall_screen(app).header.brand.has_class("-alert")


async def test_bell_only_does_not_flash(make_wall, source):
    app = make_wall(alert=["bell"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert await pilot_until(pilot, lambda: app.watcher.ready)
        red_ticket(source, "火情")
        assert await pilot_until(pilot, lambda: app.bells == 1)
        assert app.flash is None


async def test_a_clock_running_out_alerts_once(make_wall, source):
    now = [NOW]
    app = make_wall(clock=lambda: now[0], lang="en")
    running = [
        r for r in source.sla_board(NOW, 200)
        if r.clock.state_at(NOW) in ("ok", "warning", "critical") and not r.clock.paused
    ]  # fmt: skip
    first = min(running, key=lambda r: (r.clock.deadline, r.ticket.id))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert await pilot_until(pilot, lambda: app.watcher.ready)
        app.second()
        assert app.alerts == 0  # the clocks breached before the wall started are old news
        now[0] = first.clock.deadline + timedelta(seconds=1)
        app.second()
        await pilot.pause()
        assert app.alerts >= 1 and app.flash is not None
        assert app.flash.alert.kind == "breach" and app.flash.alert.ticket_id == first.ticket.id
        text = wall_screen(app).header.brand.shown.plain
        assert f"SLA breach #{first.ticket.id} · {first.clock.label_en}" in text
        alerts = app.alerts
        app.second()
        assert app.alerts == alerts


def _row(id_: int, colour: str = "red") -> TicketRow:
    return TicketRow(id_, f"t{id_}", "new", colour, "hotline", "info.collect", None, None, None,
                     NOW, None, None, None, 1)  # fmt: skip


def test_the_watcher_remembers_only_its_last_look():
    watch = AlertWatch()
    assert watch.red_tickets([_row(1), _row(2, "blue")]) == []  # the baseline
    assert [a.ticket_id for a in watch.red_tickets([_row(1), _row(3)])] == [3]
    assert watch.red_tickets([_row(1), _row(3)]) == []
    # a ticket that stops being red and comes back is new again
    assert watch.red_tickets([_row(3)]) == []
    assert [a.ticket_id for a in watch.red_tickets([_row(1), _row(3)])] == [1]
    assert watch.breaches(NOW) == []  # nothing loaded yet
    assert not watch.ready


def test_the_watcher_sees_breaches_between_loads(source):
    rows: list[SlaRow] = source.sla_board(NOW, 200)
    watch = AlertWatch()
    watch.red_tickets([])
    assert watch.sla_board(rows, NOW) == [] and watch.ready
    later = NOW + timedelta(hours=3)
    new = watch.breaches(later)
    expected = {
        (r.ticket.id, r.clock.name) for r in rows
        if r.clock.state_at(NOW) != "breached" and r.clock.state_at(later) == "breached"
    }  # fmt: skip
    assert expected and {(a.ticket_id, a.clock_en) for a in new} == {
        (t, next(r.clock.label_en for r in rows if (r.ticket.id, r.clock.name) == (t, c)))
        for t, c in expected
    }
    assert watch.breaches(later) == []


# -- languages and outside text ----------------------------------------------------------------


async def test_both_languages_and_l_switches(make_wall):
    app = make_wall(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = wall_screen(app)
        assert "Overview" in screen.header.brand.shown.plain
        assert "Data live" in screen.header.fresh.shown.plain
        assert "Next: Risk board" in screen.strip.progress.shown.plain
        assert screen.query_one("#kpi-open", BigFigure).border_title == "Open"
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "zh"
        assert "总览" in screen.header.brand.shown.plain
        assert "数据实时" in screen.header.fresh.shown.plain
        assert "下一屏: 五色风险" in screen.strip.progress.shown.plain
        assert screen.query_one("#kpi-open", BigFigure).border_title == "在办"
        assert "临期预警" in screen.query_one("#ov-at-risk-title", WallText).shown.plain


async def test_outside_text_in_lists_is_shown_as_data(make_wall, source):
    title = "[b]窨井盖[/b] 缺失 [red]!"
    new = NewTicket(title, "info.collect", "hotline", GRID, "duty:测试", colour="orange")
    # opened long before the seeded history: its breached clocks lead the wall's list
    ticket = source.service.open(new, at=NOW - timedelta(days=200)).ticket_id
    app = make_wall(screens=["sla"])
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(app, pilot)
        rows = [
            r.shown
            for r in wall_screen(app).query_one("#sla-list", RowList).rows
            if f"#{ticket} " in r.shown.plain
        ]
        assert rows, "the new ticket's clock is on the SLA wall"
        assert title in rows[0].plain
        start = rows[0].plain.index(title)
        assert not [s for s in rows[0].spans if s.start >= start]  # no style from the markup


# -- outages --------------------------------------------------------------------------------


@pytest.mark.slow
async def test_an_outage_shows_on_every_screen_and_heals_by_itself(
    make_wall, source, tmp_path, monkeypatch
):
    monkeypatch.setattr("gridtui.wall.app.WATCH_PERIOD", 0.3)  # many looks fail meanwhile
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for _ in WALL_SCREENS:  # every screen built and loaded once
            await pilot.press("n")
            await settle(app, pilot)
        figure = wall_screen(app).query_one("#kpi-open", BigFigure).value_text
        timers = _census(app)[3]
        path = source.engine.url.database
        source.engine.dispose()
        os.rename(path, tmp_path / "away.sqlite")
        os.makedirs(path)  # a directory where the database was: every query fails
        assert await pilot_until(pilot, lambda: bool(wall_screen(app).banner.display))
        for _ in WALL_SCREENS:
            screen = wall_screen(app)
            assert await pilot_until(pilot, lambda: bool(wall_screen(app).banner.display))
            text = screen.banner.shown.plain
            assert "数据源中断" in text and "屏幕数据停留在 10:00:00" in text, text
            assert "数据库无法读取" in text and "正在自动重连" in text
            fresh = screen.header.fresh
            assert fresh.has_class("-stale") and "数据中断" in fresh.shown.plain
            assert "最后更新 10:00:00" in fresh.shown.plain
            await pilot.press("n")
        # what was on screen stays on screen, and retries do not pile up
        assert wall_screen(app).query_one("#kpi-open", BigFigure).value_text == figure
        # the time is what is under test: two seconds of failing retries leave no pile of timers
        await pilot.pause(2.0)
        assert _census(app)[3] <= timers + 3
        os.rmdir(path)
        os.rename(tmp_path / "away.sqlite", path)
        for _ in WALL_SCREENS:
            screen = wall_screen(app)
            assert await pilot_until(pilot, lambda: not wall_screen(app).banner.display), app.errors
            assert await pilot_until(
                pilot,
                lambda: (
                    not (s := wall_screen(app))._dirty and "数据实时" in s.header.fresh.shown.plain
                ),
            )
            await pilot.press("n")
        assert not app.errors


@pytest.mark.slow
async def test_over_the_api_an_outage_heals_and_nothing_is_missed(city, serve):  # noqa: F811
    port = free_port()
    url = serve(city, port=port)
    src = ApiSource(url, create_token(city.factory, "大屏", "viewer", at=NOW), timeout=3,
                    backoff_max=0.5)  # fmt: skip
    app = build_wall(src, clock=lambda: NOW, poll_seconds=0.2, lang="en", rotate=1000.0)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            assert await pilot_until(pilot, lambda: app.watcher.ready)
            screen = wall_screen(app)
            assert "api http://127.0.0.1" in screen.header.brand.shown.plain
            serve.stop()
            assert await pilot_until(pilot, lambda: bool(screen.banner.display))
            assert "figures on screen are from 10:00:00" in screen.banner.shown.plain
            # a red ticket comes in while the wall cannot see the server
            ticket = red_ticket(city, "停电 [blink]")
            serve(city, port=port)
            assert await pilot_until(pilot, lambda: not screen.banner.display), app.errors
            flash = await pilot_until(pilot, lambda: app.flash, "the flash")
            assert flash is not None and flash.alert.ticket_id == ticket
            assert "[blink]" in flash.alert.title
            assert await pilot_until(
                pilot,
                lambda: (
                    screen.query_one("#kpi-open", BigFigure).value_text
                    == f"{city.overview(NOW).open:,}"
                ),
            )
    finally:
        src.close()


# -- long runs --------------------------------------------------------------------------------


def _census(app: WallApp) -> tuple[int, ...]:
    """Screens, widgets, live timers and workers of the whole app."""
    gc.collect()
    screens = [s for stack in app._screen_stacks.values() for s in stack]
    nodes = [app, *screens, *(w for s in screens for w in s.walk_children(with_self=False))]
    timers = [
        f"{type(n).__name__}:{getattr(t._callback, '__qualname__', t._callback)}"
        for n in nodes for t in list(n._timers) if not t._task or not t._task.done()
    ]  # fmt: skip
    return len(app._screen_stacks), len(screens), len(nodes), len(timers)


#: rotations of the soak test: the census must come back exactly as it was, so one
#: widget, screen or timer kept per rotation would show after the first few
ROTATIONS = 64


@pytest.mark.slow
async def test_nothing_grows_over_many_rotations(make_wall, source):
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for _ in range(2 * len(WALL_SCREENS)):
            await pilot.press("n")
            await settle(app, pilot)
        before = _census(app)
        for i in range(ROTATIONS):
            if i % 20 == 10:
                red_ticket(source, f"轮播期间 {i}")  # data moves too
            app.rotation_tick() if i % 2 else await pilot.press("n")
            await pilot.pause()
        await settle(app, pilot)
        app.end_flash()  # the last alert's flash would still be counting down
        await pilot.pause()
        after = _census(app)
        assert after == before, (before, after)
        assert len(app.workers) <= 4
        assert set(app._screen_stacks) - {"_default"} == set(WALL_SCREENS)


async def test_a_resize_writes_the_whole_screen_again(make_wall):
    app = make_wall()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.output.filter("\x1b[1;1Hab")
        assert app.output.shown
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert not app.output.shown


# -- the command ----------------------------------------------------------------------------


def test_cli_wall_options():
    args = build_parser().parse_args(
        ["wall", "--screens", "sla, overview,sla", "--rotate", "30", "--alert", "none"]
    )
    assert args.screens == ["sla", "overview"] and args.rotate == 30 and args.alert == []
    assert args.role == "viewer"
    args = build_parser().parse_args(["wall"])
    assert args.screens == list(WALL_SCREENS) and args.alert == ["bell", "flash"]
    assert args.rotate == 20


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--screens", "overview,queue"], "unknown wall screen 'queue'"),
        (["--screens", ","], "(none given)"),
        (["--alert", "bell,siren"], "unknown alert 'siren'"),
        (["--rotate", "1"], "rotate must be 0 (no rotation) or 2 to 86400 seconds"),
        (["--rotate", "soon"], "'soon' is not a number of seconds"),
    ],
)
def test_cli_wall_refuses_bad_options(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["wall", *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_the_app_refuses_unknown_screens_and_alerts(source):
    with pytest.raises(ValueError, match="unknown wall screen"):
        build_wall(source, screens=["overview", "ticket"])
    with pytest.raises(ValueError, match="unknown alert siren"):
        build_wall(source, alert=["siren"])


async def test_daily_reports_on_the_wall_follow_the_due_time(make_wall, source):
    now = [NOW]  # 10:00 in Shanghai: reports are due at 20:00
    app = make_wall(clock=lambda: now[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = wall_screen(app)
        title = screen.query_one("#ov-missing-title", WallText)
        missing = screen.query_one("#ov-missing", WallText)
        ov = source.overview(NOW)
        assert title.shown.plain == "日报告" and not title.has_class("-alert")
        assert (
            missing.shown.plain == f"日报 20:00 截止 已报 {ov.reports_filed}/{ov.reports_expected}"
        )
        now[0] = NOW + timedelta(hours=10, minutes=30)
        screen.reload()
        assert await pilot_until(pilot, lambda: title.has_class("-alert"))
        ov = source.overview(now[0])
        assert title.shown.plain == "未报日报告"
        assert f"{ov.missing_count}/{ov.reports_expected} 人未报" in missing.shown.plain
        first = ov.missing_reports[0]
        assert f"{first.name}({first.code})" in missing.shown.plain
