"""Issue 13 (8): figures that do not lie. Sparklines from zero with blank days to
come and losses that hang below the line, whole-number ticks on the trend with both
series drawn as lines, rates with their "%" on the figure's line, big figures drawn
in block characters every monospace font has."""

from __future__ import annotations

import re

from textual.widgets import DataTable
from textual_plotext import PlotextPlot

from gridtui.widgets.kpi import KpiTile
from gridtui.widgets.render import spark
from tests.conftest import NOW

BLOCKS = set("█▀▄ ")


def test_spark_starts_at_zero_and_leaves_days_to_come_blank():
    assert spark([0, 1, 2, 4]) == "▁▃▅█"  # 1 is a small bar, not the floor
    assert spark([3, 4]) == "▆█"  # the lowest value is not drawn as zero
    assert spark([1.0, 2.0, None, None]) == "▅█  "
    assert spark([None, None]) == "  "


def test_spark_draws_losses_below_the_line_and_zero_low():
    line = spark([-10, 0, 10, -2])
    assert line[1] == "▁"  # zero is the baseline, not a tall bar
    assert line[2] == "█"
    assert line[0] in "▔▀" and line[3] in "▔▀" and line[0] != line[3]


def test_month_trend_has_no_days_to_come(source):
    cards = source.scorecards("month", NOW, 5)
    # NOW is 24 November (Shanghai): 24 days begun, 6 to come
    for row in [*cards.workers, *cards.departments]:
        assert len(row.trend) == 30
        assert all(v is not None for v in row.trend[:24])
        assert row.trend[24:] == [None] * 6


async def test_month_sparkline_is_blank_after_today(make_app, wait):
    app = make_app(screen="scorecards")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait(app, pilot)
        await pilot.press("p")  # week → month
        await wait(app, pilot)
        assert app.screen.period == "month"
        table = app.screen.query_one("#workers", DataTable)
        trend = str(table.get_row_at(0)[-1])
        assert len(trend) == 30 and trend.endswith(" " * 6) and trend[:24].strip()


def plot_lines(plot: PlotextPlot) -> list[str]:
    return ["".join(s.text for s in plot.render_line(y)) for y in range(plot.size.height)]


async def test_trend_ticks_whole_numbers_and_draws_both_lines(make_app, wait):
    app = make_app(screen="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        lines = plot_lines(app.screen.query_one("#trend", PlotextPlot))
        ticks = [m.group(1) for line in lines if (m := re.match(r"\s*(\S+)\s*┤", line))]
        assert len(ticks) >= 2
        assert all(re.fullmatch(r"\d+", t) for t in ticks), ticks
        assert not any("•" in line for line in lines)  # no series of loose dots


async def test_big_rates_keep_their_percent_on_the_figure_line(make_app, wait):
    app = make_app(screen="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        tiles = [t for t in app.screen.query(KpiTile) if t.value_text.endswith("%")]
        assert tiles
        for tile in tiles:
            assert tile.has_class("-big")
            rows = ["".join(s.text for s in tile.render_line(y)) for y in range(tile.size.height)]
            figure = [r for r in rows if set(r.strip("│╭╮╰╯─ ")) & {"█", "▀", "▄"}]
            assert len(figure) == 3, rows
            for r in figure:
                inner = r.strip("│")
                assert set(inner) <= BLOCKS, r
                left, right = len(inner) - len(inner.lstrip()), len(inner) - len(inner.rstrip())
                assert abs(left - right) <= 2, r  # centred, not left-aligned
            assert not any(r.strip("│ ").startswith("%") for r in rows), rows
