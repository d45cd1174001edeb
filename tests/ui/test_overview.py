"""Overview: KPI tiles, colour counts, at-risk list, trend, missing reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import DataTable, Static

from gridtui.screens.overview import OverviewScreen
from gridtui.snapshot import settle
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


def _unplace(source, n: int) -> list[int]:
    """Take the ``n`` oldest open tickets out of their grids (as if reported outside
    every outline); their ids, oldest first."""
    from sqlalchemy import select, update

    from gridtui.data.storage.models import Ticket

    with source.factory.begin() as s:
        ids = list(
            s.scalars(
                select(Ticket.id)
                .where(Ticket.closed_at.is_(None))
                .order_by(Ticket.opened_at, Ticket.id)
                .limit(n)
            )
        )
        none = {"grid_id": None, "community_id": None, "street_id": None}
        s.execute(update(Ticket).where(Ticket.id.in_(ids)).values(**none))
    return ids


async def test_no_unassigned_box_while_every_ticket_has_a_grid(make_app, source, wait):
    app = make_app(screen="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        assert source.overview(app.now()).unassigned == 0
        box = app.screen.query_one("#unassigned", Static)
        assert not box.has_class("-shown") and not box.display


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_open_tickets_in_no_grid_are_counted_and_listed(make_app, source, wait, lang):
    ids = _unplace(source, 7)
    app = make_app(screen="overview", lang=lang)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait(app, pilot)
        ov = source.overview(app.now())
        assert ov.unassigned == 7 and [t.id for t in ov.unassigned_tickets] == ids
        box = app.screen.query_one("#unassigned", Static)
        assert box.has_class("-shown") and box.display
        text = str(box.content)
        first = ov.unassigned_tickets[0]
        if lang == "zh":
            assert "未落入网格的在办事件 7 件" in text and "…另有 2 件" in text
        else:
            assert "7 open tickets outside every grid" in text and "… and 2 more" in text
        assert f"#{first.id} " in text and first.title[:10] in text
        assert f"#{ids[5]} " not in text  # five listed on a wide screen


@pytest.mark.parametrize(
    ("size", "lang"),
    [pytest.param((160, 50), "zh", id="160x50-zh"), pytest.param((80, 24), "en", id="80x24-en")],
)
def test_the_unassigned_list_looks_right(snap_compare, make_app, source, size, lang):
    _unplace(source, 3)
    app = make_app(screen="overview", lang=lang, role="officer", poll_seconds=0)

    async def loaded(pilot) -> None:
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)
