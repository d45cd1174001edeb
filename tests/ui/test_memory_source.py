"""Screens on the in-memory fake (tests/fakes.py): no database file anywhere, so these
show the screens need nothing but the DataSource protocol."""

from __future__ import annotations

from textual.widgets import DataTable

from gridtui.app import build_app
from gridtui.screens.queue import QueueScreen, QueueTable
from gridtui.screens.risk import RiskScreen
from gridtui.snapshot import settle
from tests.fakes import NOW, MemorySource
from tests.waiting import pilot_until


async def test_the_queue_shows_the_fakes_tickets_in_its_order() -> None:
    source = MemorySource()
    app = build_app(source, screen="queue", clock=lambda: NOW, lang="zh", poll_seconds=0.2)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one(QueueTable)
        assert [int(str(k.value)) for k in table.rows] == [t.id for t in source.tickets]
        shown = " ".join(str(c) for c in table.get_row_at(0))
        assert "楼道堆放杂物" in shown
        assert app.screen.count == len(source.tickets)


async def test_the_queue_follows_a_change_on_the_feed() -> None:
    source = MemorySource()
    app = build_app(source, screen="queue", clock=lambda: NOW, lang="zh", poll_seconds=0.2)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        screen = app.screen
        source.recolour(5, "red")
        await pilot_until(
            pilot, lambda: screen._data.page.rows[-1].colour == "red", "the recoloured row"
        )


async def test_the_risk_board_counts_the_fakes_tickets_per_community() -> None:
    source = MemorySource()
    app = build_app(source, screen="risk", clock=lambda: NOW, lang="zh", poll_seconds=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, RiskScreen)
        table = app.screen.query_one("#cells", DataTable)
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        assert set(rows) == {"东园社区", "西湖社区"}
        east = " ".join(str(rows["东园社区"][2]).split())
        west = " ".join(str(rows["西湖社区"][2]).split())
        assert east == "1 1 1 0 0" and west == "0 0 0 1 1"
        assert str(rows["东园社区"][1]).endswith("红") and str(rows["西湖社区"][1]).endswith("蓝")
