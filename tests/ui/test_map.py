"""The map screen on the in-memory fake (its hand-made map: tests/fake_geo.py): pan,
zoom, centre, open, layers, jumps from the other screens, the messages, NO_COLOR."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from textual import events

from gridtui.app import GridApp, build_app
from gridtui.data.sources.records import GeoView, TicketRow
from gridtui.data.sources.source import SourceError
from gridtui.screens.map import MapScreen
from gridtui.screens.modals.map_layers import LayerMenu
from gridtui.screens.ticket import TicketScreen
from gridtui.snapshot import settle
from gridtui.widgets.map.canvas import MapCanvas
from gridtui.widgets.map.raster import ENTITY_GLYPH, GLYPH
from gridtui.widgets.palette import activate
from tests.fakes import NOW, TICKETS, MemorySource
from tests.waiting import pilot_until

TICKET_GLYPHS = set(GLYPH.values())


def map_app(source: MemorySource | None = None, **options: Any) -> GridApp:
    options.setdefault("screen", "map")
    options.setdefault("lang", "zh")
    return build_app(source or MemorySource(), clock=lambda: NOW, poll_seconds=0, prebuild=False,
                     **options)  # fmt: skip


def the_map(app: GridApp) -> MapScreen:
    screen = app.screen
    assert isinstance(screen, MapScreen)
    return screen


def lines(screen: MapScreen) -> list[str]:
    """What the canvas shows, line by line."""
    canvas = screen.canvas
    return ["".join(s.text for s in canvas.render_line(y)) for y in range(canvas.size.height)]


def where(screen: MapScreen, glyph: str) -> tuple[int, int]:
    """The cell of the first ``glyph`` on the canvas."""
    for y, line in enumerate(lines(screen)):
        if glyph in line:
            return line.index(glyph), y
    raise AssertionError(f"{glyph} not on the map:\n" + "\n".join(lines(screen)))


def scale_of(screen: MapScreen) -> str:
    """The scale bar's length (``200 米``, ``2 公里``) on the canvas's last line."""
    found = re.search(r"┤ (\d+(\.\d+)? (米|公里))", lines(screen)[-1])
    assert found, lines(screen)[-1]
    return found.group(1)


def side(screen: MapScreen) -> str:
    return str(screen.query_one("#map-side").render())


async def select_ticket(pilot: Any, screen: MapScreen, ticket_id: int) -> None:
    for _ in range(20):
        if screen.selected == ("ticket", ticket_id):
            return
        await pilot.press("tab")
    raise AssertionError(f"ticket {ticket_id} not among the points in view")


async def test_the_map_shows_outlines_points_entities_and_names_the_colours() -> None:
    app = map_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        screen = the_map(app)
        shown = "\n".join(lines(screen))
        assert any(0x2800 < ord(ch) <= 0x28FF for ch in shown), "braille outlines"
        assert set(shown) >= TICKET_GLYPHS and ENTITY_GLYPH in shown
        assert "N↑" in shown and re.search("┤ 500 (米|公里)", lines(screen)[-1])  # north, scale
        legend = side(screen)
        for name in ("◆ 红 1", "▲ 橙 1", "● 黄 1", "■ 蓝 1", "○ 绿 1", "反白=超期"):
            assert name in legend, legend
        assert "未落图工单 0 件" in legend


async def test_pan_moves_the_view_and_the_points_with_it() -> None:
    source = MemorySource()
    app = map_app(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = the_map(app)
        before, x, y = screen.view, *where(screen, GLYPH["blue"])
        assert before is not None
        calls = source.calls.count("geo")
        await pilot.press("right")
        await settle(app, pilot)
        step = before.cols // 4
        assert screen.view == before.panned(step, 0)
        assert where(screen, GLYPH["blue"]) == (x - step, y)
        assert source.calls.count("geo") == calls, "a pan inside the drawn window reads nothing"
        await pilot.press("down", "left")
        await settle(app, pilot)
        assert screen.view == before.panned(0, before.rows // 4)
        for _ in range(3):  # out of the window: read again
            await pilot.press("right")
        await settle(app, pilot)
        assert source.calls.count("geo") > calls
        assert screen.raster is not None and screen.raster.window.holds(screen.view)
        # vim's keys too: h j k l are left, down, up, right
        here = screen.view
        for key, (cols, rows) in {"l": (1, 0), "j": (0, 1), "h": (-1, 0), "k": (0, -1)}.items():
            await pilot.press(key)
            await settle(app, pilot)
            assert screen.view == here.panned(cols * step, rows * (before.rows // 4)), key
            here = screen.view
        assert app.lang == "zh"  # l panned: the language stays


async def test_dragging_pans_and_the_wheel_zooms() -> None:
    app = map_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = the_map(app)
        before = screen.view
        assert before is not None
        await pilot.mouse_down(MapCanvas, offset=(40, 10))
        await pilot.hover(MapCanvas, offset=(45, 12))
        await pilot.mouse_up(MapCanvas, offset=(45, 12))
        await settle(app, pilot)
        assert screen.view == before.panned(-5, -2)
        canvas = screen.canvas
        canvas.post_message(events.MouseScrollUp(canvas, 20, 8, 0, 0, 0, False, False, False))
        closer = before.zoom - 1
        await pilot_until(pilot, lambda: screen.view and screen.view.zoom == closer, "the zoom")


async def test_zoom_changes_the_scale_and_the_outlines() -> None:
    app = map_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = the_map(app)
        assert screen.view is not None
        zoom, scale = screen.view.zoom, scale_of(screen)
        await pilot.press("plus")
        await settle(app, pilot)
        assert screen.view.zoom == zoom - 1
        closer = scale_of(screen)
        assert closer != scale and ("比例尺 " + closer) in side(screen)
        assert screen.raster is not None and screen.raster.view.level == screen.view.level
        seen = set()
        for key in ("minus", "minus", "minus", "plus", "plus", "plus", "plus", "plus"):
            await pilot.press(key)
            await settle(app, pilot)
            levels = {a.node.level for a in screen.raster.view.areas}
            assert levels == {screen.view.level}, (screen.view.zoom, levels)
            seen |= levels
            outlines = {"street": "街道", "community": "社区", "grid": "网格"}[screen.view.level]
            assert f"边界 {outlines}" in side(screen)
        assert seen == {"street", "community", "grid"}
        await pilot.press("0")  # the whole city again
        await settle(app, pilot)
        assert screen.view.zoom == zoom


async def test_c_centres_on_the_selected_ticket() -> None:
    app = map_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = the_map(app)
        await select_ticket(pilot, screen, 5)
        assert "选中" in side(screen) and "绿化带垃圾" in side(screen)
        x, y = where(screen, "[○]")
        assert screen.view is not None
        middle = (screen.view.cols // 2, screen.view.rows // 2)
        assert (x + 1, y) != middle
        await pilot.press("c")
        await settle(app, pilot)
        assert where(screen, "[○]") == (middle[0] - 1, middle[1])
        assert screen.selected == ("ticket", 5)


async def test_enter_opens_the_selected_ticket() -> None:
    app = map_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await select_ticket(pilot, the_map(app), 3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == "ticket" and app.ticket_id == 3
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.detail is not None
        assert screen.detail.row.title == "噪音扰民"


async def test_the_layer_switcher_hides_the_tickets() -> None:
    source = MemorySource()
    app = map_app(source, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = the_map(app)
        await pilot.press("L")
        await pilot_until(pilot, lambda: isinstance(app.screen, LayerMenu), "the layer menu")
        await pilot.press("space")  # the first layer: tickets, off
        await pilot.press("escape")
        await settle(app, pilot)
        assert screen.shown_layers == frozenset({"entities", "overdue"})
        shown = set("\n".join(lines(screen)))
        # the overdue layer still shows the one overdue ticket; the others are gone
        assert shown & TICKET_GLYPHS == {GLYPH["red"]} and ENTITY_GLYPH in shown
        assert "□Tickets" in side(screen)
        await pilot.press("L")
        await pilot_until(pilot, lambda: isinstance(app.screen, LayerMenu), "the layer menu")
        await pilot.press("down", "space", "down", "space")  # entities and overdue off
        await pilot.press("escape")
        await settle(app, pilot)
        shown = set("\n".join(lines(screen)))
        assert not shown & (TICKET_GLYPHS | {ENTITY_GLYPH})


async def test_without_colour_the_map_still_names_every_colour(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = map_app(lang="en")
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            screen = the_map(app)
            shown = "\n".join(lines(screen))
            assert set(shown) >= TICKET_GLYPHS
            foot = str(screen.query_one("#map-foot").render())
            for name in (
                "◆ RED",
                "▲ ORANGE",
                "● YELLOW",
                "■ BLUE",
                "○ GREEN",
                "reversed = overdue",
            ):
                assert name in foot, foot
            assert "area tint" not in foot  # no tint without colour: not promised
            await pilot.press("plus")
            await select_ticket(pilot, screen, 1)
            foot = str(screen.query_one("#map-foot").render())
            assert "#1 ◆ RED 楼道堆放杂物 ‼ OVERDUE" in foot
            assert "At the centre:" in foot and "(Community)" in foot
            # no segment of the canvas carries a colour
            strips = [screen.canvas.render_line(y) for y in range(screen.canvas.size.height)]
            assert not [s for strip in strips for s in strip if s.style and s.style.bgcolor
                        and s.style.bgcolor != screen.canvas.rich_style.bgcolor]  # fmt: skip
    finally:
        activate("textual-dark")


@pytest.mark.parametrize("start", ["queue", "ticket"])
async def test_m_shows_the_ticket_on_the_map(start: str) -> None:
    app = map_app(screen=start, ticket_id=4 if start == "ticket" else None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        if start == "queue":
            await pilot.press("down", "down", "down")  # the fourth row: ticket 4
        await pilot.press("m")
        await pilot_until(pilot, lambda: isinstance(app.screen, MapScreen), "the map")
        screen = the_map(app)
        await pilot_until(pilot, lambda: screen.selected == ("ticket", 4), "ticket 4 selected")
        await settle(app, pilot)
        assert screen.view is not None and screen.view.level == "grid"
        middle = (screen.view.cols // 2, screen.view.rows // 2)
        assert where(screen, "[■]") == (middle[0] - 1, middle[1])


async def test_m_on_the_risk_board_shows_the_selected_node() -> None:
    app = map_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("m")  # the first child: 东园社区 (the most at risk)
        await pilot_until(pilot, lambda: isinstance(app.screen, MapScreen), "the map")
        screen = the_map(app)
        await pilot_until(pilot, lambda: screen.target is None and screen.loaded, "the jump")
        await settle(app, pilot)
        assert screen.view is not None
        west, south, east, north = 121.471, 31.220, 121.484, 31.236  # East Garden
        b = screen.view.bounds
        assert b.west <= west and b.east >= east and b.south <= south and b.north >= north
        assert b.west > 121.459 - 0.01  # closer than the whole street would need
        assert "东园社区" in side(screen) or "东园" in side(screen)


async def test_a_ticket_without_a_position_is_said_so() -> None:
    rows = [*TICKETS, replace(TICKETS[0], id=77, grid_id=None, title="无处可寻")]
    app = map_app(MemorySource(rows), screen="queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("end", "m")
        await pilot_until(pilot, lambda: isinstance(app.screen, MapScreen), "the map")
        screen = the_map(app)
        await pilot_until(pilot, lambda: screen.target is None, "the jump")
        await settle(app, pilot)
        assert "工单 #77 没有坐标" in "\n".join(lines(screen))
        assert "未落图工单 1 件" in side(screen)


class NoBoundaries(MemorySource):
    def geo(self, at: datetime, **kwargs: Any) -> GeoView:
        return replace(super().geo(at, **kwargs), extent=None, areas=[], points=[])


class NoMap(MemorySource):
    def geo(self, at: datetime, **kwargs: Any) -> GeoView:
        raise SourceError("map not available")


@pytest.mark.parametrize(
    ("source", "lang", "said"),
    [
        (NoBoundaries, "zh", "尚未导入网格边界"),
        (NoBoundaries, "en", "No boundaries loaded"),
        (NoMap, "zh", "地图暂不可用"),
        (NoMap, "en", "Map not available"),
    ],
)
async def test_a_map_with_nothing_to_draw_says_why(source: type, lang: str, said: str) -> None:
    app = map_app(source(), lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = the_map(app)
        await pilot_until(pilot, lambda: said in "\n".join(lines(screen)), said)


async def test_dense_tickets_are_clusters_and_enter_zooms_into_one() -> None:
    base = TICKETS[0]
    crowd = [replace(base, id=100 + i, colour=("red", "green")[i % 2],
                     due_at=NOW + timedelta(hours=1), next_deadline=NOW + timedelta(hours=1))
             for i in range(60)]  # fmt: skip
    app = map_app(MemorySource([*TICKETS, *crowd]))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = the_map(app)
        assert screen.raster is not None and screen.raster.view.clusters
        cluster = max(screen.raster.view.clusters, key=lambda c: c.count)
        assert f"◆{cluster.count}" in "\n".join(lines(screen))
        for _ in range(30):
            if screen.selected and screen.selected[0] == "cluster":
                break
            await pilot.press("tab")
        assert "件工单聚合" in side(screen)
        zoom = screen.view.zoom if screen.view else 0
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.view is not None and screen.view.zoom < zoom


async def test_the_language_switch_relabels_the_map() -> None:
    app = map_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = the_map(app)
        assert screen.raster is not None
        areas = screen.raster.view.areas
        shown = "\n".join(lines(screen))
        assert [a.node.name for a in areas if a.node.name in shown] and "图例" in side(screen)
        # on the map l pans (vim's hjkl): the language is the command palette's
        # command (tests/ui/test_palette.py lists it), which runs this action
        await app.run_action("toggle_lang")
        await settle(app, pilot)
        assert app.lang == "en"
        shown = "\n".join(lines(screen))
        assert [a.node.name_en for a in areas if a.node.name_en in shown]
        assert not [a.node.name for a in areas if a.node.name in shown]
        assert "Legend" in side(screen)
        assert "图例" not in side(screen)


def test_the_fake_places_every_ticket() -> None:
    rows: list[TicketRow] = MemorySource().tickets
    view = MemorySource().geo(NOW, level="grid")
    assert {p.ticket_id for p in view.points} == {r.id for r in rows}
