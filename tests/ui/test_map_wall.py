"""The wall rotates to the map when asked (``gridtui wall --screens …,map``): the city
fitted, its points, the colours named, the areas most at risk by name. And the map's
heat layer: shades in the areas, explained beside them."""

from __future__ import annotations

import pytest

from gridtui.cli.main import build_parser
from gridtui.snapshot import settle
from gridtui.wall import WALL_CHOICES, WALL_SCREENS
from gridtui.wall.app import build_wall
from gridtui.wall.map import WallMapScreen
from gridtui.wall.widgets import WallText
from gridtui.widgets.map.canvas import MapCanvas
from gridtui.widgets.map.raster import GLYPH
from tests.fakes import NOW, MemorySource
from tests.waiting import pilot_until


def canvas_text(screen: WallMapScreen) -> str:
    canvas = screen.query_one(MapCanvas)
    return "\n".join(
        "".join(s.text for s in canvas.render_line(y)) for y in range(canvas.size.height)
    )


async def test_the_wall_rotates_to_the_map() -> None:
    app = build_wall(MemorySource(), screens=["overview", "map"], rotate=1000.0, lang="zh",
                     clock=lambda: NOW, poll_seconds=0)  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot_until(pilot, lambda: app.current_mode == "overview", "the overview")
        await pilot.press("right")
        await pilot_until(pilot, lambda: isinstance(app.screen, WallMapScreen), "the map")
        screen = app.screen
        assert isinstance(screen, WallMapScreen)
        await pilot_until(pilot, lambda: set(GLYPH.values()) <= set(canvas_text(screen)),
                          "every colour's glyph on the wall's map")  # fmt: skip
        worst = str(screen.query_one("#wm-worst", WallText).render())
        assert (
            worst.startswith("最需关注") and "东园社区 ◆ 红" in worst and "西湖社区 ▲ 橙" in worst
        )
        legend = str(screen.query_one("#wm-legend", WallText).render())
        assert "◆ 红 1" in legend and "○ 绿 1" in legend
        assert app.next_screen() == "overview"


async def test_a_resized_wall_fits_the_city_again_at_once() -> None:
    # the city is fitted to the canvas at once, not at the end of the wall's load gap
    # (seconds of a map drawn for another size): after a resize, and after a first load
    # begun before the canvas had its size
    app = build_wall(MemorySource(), screens=["map", "overview"], rotate=1000.0, lang="en",
                     clock=lambda: NOW, poll_seconds=0)  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WallMapScreen)
        canvas = screen.query_one(MapCanvas)

        def fitted() -> tuple[int, int]:  # the view the canvas draws
            assert canvas.view is not None
            return canvas.view.cols, canvas.view.rows

        assert fitted() == (canvas.size.width, canvas.size.height)
        await pilot.resize_terminal(100, 30)
        await settle(app, pilot)
        assert canvas.size.height < 30
        assert fitted() == (canvas.size.width, canvas.size.height)


def test_the_wall_command_takes_the_map_but_does_not_rotate_to_it_by_default() -> None:
    args = build_parser().parse_args(["wall", "--screens", "overview,map"])
    assert args.screens == ["overview", "map"]
    assert "map" in WALL_CHOICES and "map" not in WALL_SCREENS
    assert build_parser().parse_args(["wall"]).screens == list(WALL_SCREENS)


def test_an_unknown_wall_screen_names_the_map_among_the_choices(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["wall", "--screens", "overview,plan"])
    assert "overview, risk, sla, scorecards, map" in capsys.readouterr().err


async def test_the_heat_layer_shades_the_areas_and_says_how() -> None:
    from gridtui.app import build_app
    from gridtui.screens.map import MapScreen
    from gridtui.screens.modals.map_layers import LayerMenu

    app = build_app(MemorySource(), screen="map", lang="zh", clock=lambda: NOW, poll_seconds=0,
                    prebuild=False)  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MapScreen)
        await pilot_until(pilot, lambda: screen.raster is not None, "the map")

        def shown() -> str:
            canvas = screen.canvas
            return "\n".join(
                "".join(s.text for s in canvas.render_line(y)) for y in range(canvas.size.height)
            )

        assert not set("░▒▓") & set(shown())
        await pilot.press("L")
        await pilot_until(pilot, lambda: isinstance(app.screen, LayerMenu), "the layer menu")
        await pilot.press("down", "down", "down", "space", "escape")
        await pilot_until(pilot, lambda: "heat" in screen.shown_layers, "the heat layer on")
        # the fake's heat is its open tickets (at most 4): East Garden 3, West Lake 2
        await pilot_until(pilot, lambda: {"▒", "░"} <= set(shown()), "the heat shades")
        side = str(screen.query_one("#map-side").render())
        assert "░▒▓ 热度2/3/4" in side and "热度" in side.split("中心区域")[1]
