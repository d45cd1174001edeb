"""The map's arithmetic and drawing without an app: the view (zoom, pan, fit, scale
bar, level), and a window of the fake city drawn into cells (outlines, the lake that
is no grid, marks and what can be selected)."""

from __future__ import annotations

import math

import pytest

from gridtui.data.sources.records import Bounds
from gridtui.widgets.map.raster import ENTITY_GLYPH, GLYPH, build_raster
from gridtui.widgets.map.viewport import (
    M_PER_DEG,
    ZOOM_MAX,
    ZOOM_MIN,
    Viewport,
    distance_label,
    scale_bar,
)
from tests.fake_geo import LAKE, POSITIONS
from tests.fakes import NOW, MemorySource

CITY = Bounds(121.459, 31.220, 121.484, 31.236)


def test_a_fit_holds_the_whole_extent_at_the_closest_zoom() -> None:
    view = Viewport.fit(CITY, 80, 18)
    inner = view.bounds
    assert inner.west <= CITY.west and inner.east >= CITY.east
    assert inner.south <= CITY.south and inner.north >= CITY.north
    closer = view.zoomed(1)  # one step closer it no longer fits
    b = closer.bounds
    assert b.west > CITY.west or b.east < CITY.east or b.south > CITY.south or b.north < CITY.north


def test_a_dot_is_square_in_metres() -> None:
    view = Viewport.fit(CITY, 100, 30)
    b = view.bounds
    across = (b.east - b.west) * M_PER_DEG * math.cos(math.radians(view.ref_lat))
    down = (b.north - b.south) * M_PER_DEG
    # 100 cells of 2 dots across, 30 cells of 4 dots down: both mpd metres a dot
    assert across / 200 == pytest.approx(view.mpd, rel=1e-9)
    assert down / 120 == pytest.approx(view.mpd, rel=1e-9)


def test_zooming_keeps_the_point_under_the_mouse() -> None:
    view = Viewport.fit(CITY, 80, 20)
    at = (10, 5)
    before = view.lonlat(at[0] + 0.5, at[1] + 0.5)
    closer = view.zoomed(1, at)
    assert closer.mpd == view.mpd / 2
    after = closer.lonlat(at[0] + 0.5, at[1] + 0.5)
    # the same place within a cell of the new zoom
    assert abs(after[0] - before[0]) < 2 * closer.mpd / M_PER_DEG * 2
    assert abs(after[1] - before[1]) < 4 * closer.mpd / M_PER_DEG
    assert view.zoomed(1).zoomed(-1).centre == pytest.approx(
        view.centre, abs=4 * view.mpd / M_PER_DEG
    )


def test_zoom_stops_at_its_ends() -> None:
    view = Viewport(ZOOM_MIN, 0, 0, 10, 10, 31.0)
    assert view.zoomed(1) == view
    far = Viewport(ZOOM_MAX, 0, 0, 10, 10, 31.0)
    assert far.zoomed(-1) == far


def test_the_level_follows_the_zoom() -> None:
    view = Viewport(6, 0, 0, 10, 10, 31.0)
    assert [view.zoomed(s).level for s in range(4)] == ["street", "street", "community", "grid"]
    assert view.zoomed(1).tolerance == pytest.approx(view.tolerance / 2)
    assert view.zoomed(1).cell == pytest.approx(view.cell / 2)


def test_a_pan_moves_whole_cells_and_a_window_holds_it() -> None:
    view = Viewport.fit(CITY, 40, 12)
    window = view.grown(20, 6)
    assert window.holds(view) and window.holds(view.panned(20, -6))
    assert not window.holds(view.panned(21, 0))
    assert not window.holds(view.zoomed(1))


@pytest.mark.parametrize(
    ("zoom", "cells", "metres", "label"),
    [(0, 10, 20, "20 m"), (3, 12, 200, "200 m"), (5, 16, 1000, "1 km"), (6, 16, 2000, "2 km")],
)
def test_the_scale_bar_is_a_round_length(zoom: int, cells: int, metres: int, label: str) -> None:
    view = Viewport(zoom, 0, 0, 100, 30, 31.0)
    bar, shown = scale_bar(view, 20)
    assert shown == metres and distance_label(shown, "en") == label
    assert distance_label(shown, "zh") == label.replace(" km", " 公里").replace(" m", " 米")
    assert bar == cells and bar <= 20
    assert bar * 2 * view.mpd == pytest.approx(metres, rel=0.1)


def test_a_window_of_the_fake_city_is_drawn_into_cells() -> None:
    source = MemorySource()
    view = Viewport.fit(CITY, 60, 20).zoomed(1)  # community zoom: two outlines
    window = view.grown(30, 10)
    geo = source.geo(NOW, bbox=window.bounds, level=view.level, cell=view.cell)
    raster = build_raster(geo, window, "zh")
    assert raster.codes.any(), "outlines drawn"
    ids = {geo.areas[i].node.code for i in set(raster.area.flatten()) if i >= 0}
    assert ids == {"C01", "C02"}
    # the lake is inside the street but in no grid or community: its cells are no area's
    lake_col, lake_row = window.cell_of(sum(x for x, _ in LAKE) / 4, sum(y for _, y in LAKE) / 4)
    assert raster.area[lake_row, lake_col] == -1
    west = raster.area_at(*window.cell_of(121.4620, 31.2320))
    assert west is not None and west.node.code == "C02" and west.colour == "orange"
    # every ticket and entity is a spot at its cell; each colour draws its own glyph
    assert {s.key for s in raster.spots} == {("ticket", t) for t in POSITIONS} | {
        ("entity", 901),
        ("entity", 902),
    }
    drawn = {m.text for row in raster.marks.values() for _c, m in row}
    assert set(GLYPH.values()) | {ENTITY_GLYPH, "东园社区", "西湖社区"} <= drawn
    red = next(s for s in raster.spots if s.key == ("ticket", 1))
    assert (red.col, red.row) == window.cell_of(*POSITIONS[1])
    marks = dict(raster.marks[red.row])
    assert marks[red.col].text == "◆" and marks[red.col].overdue


def test_a_reload_with_the_same_outlines_reuses_the_drawing() -> None:
    source = MemorySource()
    view = Viewport.fit(CITY, 60, 20)
    window = view.grown(30, 10)
    first = build_raster(source.geo(NOW, bbox=window.bounds, level=view.level), window, "zh")
    source.recolour(5, "red")
    again = build_raster(source.geo(NOW, bbox=window.bounds, level=view.level), window, "zh", first)
    assert again.codes is first.codes and again.area is first.area
    green = next(s for s in again.spots if s.key == ("ticket", 5))
    assert dict(again.marks[green.row])[green.col].text == GLYPH["red"]
    moved = build_raster(source.geo(NOW, bbox=window.bounds, level=view.level),
                         window.panned(1, 0), "zh", first)  # fmt: skip
    assert moved.codes is not first.codes
