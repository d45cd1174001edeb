"""Overview: KPI tiles, colour counts, at-risk list, trend, missing reports."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Static

from gridtui.screens.overview import OverviewScreen
from gridtui.widgets.kpi import KpiTile
from tests.conftest import NOW


async def test_overview_shows_the_sources_figures(make_app, source, wait):
    app = make_app(screen="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        ov = source.overview(app.now(), at_risk=40)  # a list as long as the screen is tall
        tile = app.screen.query_one("#kpi-open", KpiTile)
        assert tile.value_text == f"{ov.open:,}"
        assert tile.border_title == "在办"
        table = app.screen.query_one("#at-risk", DataTable)
        assert table.row_count == len(ov.at_risk) > 0
        first = table.get_row_at(0)
        assert str(first[0]) == str(ov.at_risk[0].id)
        overdue = app.screen.query_one("#kpi-overdue", KpiTile)
        assert overdue.has_class("-alert") == (ov.overdue > 0)


async def test_enter_opens_the_selected_at_risk_ticket(make_app, source, wait):
    app = make_app(screen="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#at-risk", DataTable)
        table.focus()
        await pilot.press("down", "enter")
        await wait(app, pilot)
        assert app.current_mode == "ticket"
        assert app.ticket_id == source.overview(app.now()).at_risk[1].id


async def test_span_key_cycles_the_trend(make_app, wait):
    app = make_app(screen="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        await pilot.press("s")
        await wait(app, pilot)
        assert screen.span == "7d"
        assert screen._data.span == "7d" and len(screen._data.trend) == 7


async def test_daily_reports_are_due_in_the_evening_not_missing_in_the_morning(
    make_app, source, wait
):
    app = make_app(screen="overview")  # 10:00 in Shanghai
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        ov = source.overview(app.now())
        box = app.screen.query_one("#missing", Static)
        text = str(box.content)
        assert f"日报 20:00 截止 已报 {ov.reports_filed}/{ov.reports_expected}" in text
        assert ov.reports_expected == ov.workers_active > 0 and ov.missing_count == 0
        assert "未报" not in text and not box.has_class("-alert")


async def test_after_the_due_time_the_missing_workers_are_an_alert(make_app, source, wait):
    evening = NOW + timedelta(hours=10, minutes=30)  # 20:30 in Shanghai
    app = make_app(screen="overview", clock=lambda: evening, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        ov = source.overview(evening)
        assert ov.reports_past_due and ov.missing_count == ov.reports_expected
        box = app.screen.query_one("#missing", Static)
        text = str(box.content)
        assert text.startswith("Missing daily reports")
        assert f"{ov.missing_count} of {ov.reports_expected} missing" in text
        first = ov.missing_reports[0]
        assert f"{first.name}({first.code})" in text
        assert box.has_class("-alert")
