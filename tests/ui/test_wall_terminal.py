"""A wall terminal (240x67) shows more, not stretched tiles (issue 13): the overview lists
as many at-risk tickets as it has rows for, with who holds each; the grid tree counts
each node's open tickets by colour."""

from __future__ import annotations

from textual.widgets import DataTable

from gridtui.data.sources.source import AT_RISK
from gridtui.i18n import colour_label
from gridtui.screens.grids import GridsScreen
from tests.conftest import NOW
from tests.waiting import pilot_until


def open_with_deadline(source) -> int:
    """How many tickets could be on the at-risk list at all."""
    return len(source.overview(NOW, at_risk=10_000).at_risk)


async def test_a_tall_overview_lists_more_at_risk_tickets(make_app, source, wait):
    assert len(source.overview(NOW).at_risk) == AT_RISK  # the default for other callers
    everyone = open_with_deadline(source)
    assert everyone > AT_RISK
    app = make_app(screen="overview")
    async with app.run_test(size=(240, 67)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#at-risk", DataTable)
        assert table.row_count == min(everyone, 67) > AT_RISK
        keys = [c.key.value for c in table.ordered_columns]
        assert keys[-2:] == ["col.status", "col.assignee"], keys
        assert any(str(table.get_row_at(i)[-1]) != "—" for i in range(table.row_count))
    app = make_app(screen="overview")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#at-risk", DataTable)
        assert table.row_count == AT_RISK
        assert "col.status" not in [c.key.value for c in table.ordered_columns]


async def test_a_wide_grid_tree_counts_open_tickets_by_colour(make_app, source, wait):
    city = source.board(None).node
    app = make_app(screen="grids")
    async with app.run_test(size=(240, 67)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, GridsScreen)
        node = screen.tree_node(city.node.id)
        assert node is not None
        label = str(node.label)
        assert "按颜色" in label, label
        for colour, n in city.tickets.items():
            if n:
                assert f"■ {colour_label(colour, 'zh')} {n}" in label, label
    app = make_app(screen="grids")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait(app, pilot)
        assert "按颜色" not in str(app.screen.tree_node(city.node.id).label)


async def test_growing_the_terminal_lengthens_the_list(make_app, source, wait):
    everyone = open_with_deadline(source)
    app = make_app(screen="overview")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#at-risk", DataTable)
        assert table.row_count == AT_RISK
        await pilot.resize_terminal(240, 67)
        await pilot_until(
            pilot, lambda: table.row_count == min(everyone, 67), "the longer at-risk list"
        )
        await wait(app, pilot)
        assert "col.assignee" in [c.key.value for c in table.ordered_columns]


async def test_a_wall_terminal_puts_the_scorecards_side_by_side(make_app, wait):
    app = make_app(screen="scorecards")
    async with app.run_test(size=(240, 67)) as pilot:
        await wait(app, pilot)
        workers = app.screen.query_one("#workers", DataTable)
        departments = app.screen.query_one("#departments", DataTable)
        assert departments.region.x > workers.region.right - 1  # beside, not below
        assert workers.region.height > 55  # the workers' board has the terminal's height
    app = make_app(screen="scorecards")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait(app, pilot)
        workers = app.screen.query_one("#workers", DataTable)
        assert app.screen.query_one("#departments", DataTable).region.y > workers.region.y
