"""Issue 13 (10): the key bar reads as keys, not links; the risk board ranks its
children by risk with counts that do not run together."""

from __future__ import annotations

from textual.widgets import DataTable

from gridtui.widgets.key_bar import KeyBar
from gridtui.widgets.status_bar import StatusBar


async def test_key_bar_labels_are_not_underlined(make_app, wait):
    app = make_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        tabs = app.screen.query_one(StatusBar)  # the screens' line: keys too, not links
        for y in range(tabs.size.height):
            assert not any(s.style and s.style.underline for s in tabs.render_line(y))
        bar = app.screen.query_one(KeyBar)
        strip = bar.render_line(0)
        text = "".join(s.text for s in strip)
        assert "?" in text and len(text.strip()) > 10
        assert not any(s.style and s.style.underline for s in strip)
        await pilot.hover(KeyBar, offset=(3, 0))  # hovering may mark a key, not underline it
        await pilot.pause()
        assert not any(s.style and s.style.underline for s in bar.render_line(0))


async def test_risk_children_ranked_by_risk_with_spaced_counts(make_app, source, wait):
    from gridtui.domain.colours import risk_rank_key

    app = make_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#cells", DataTable)
        for _ in range(3):  # down to a level with several children
            if table.row_count > 3:
                break
            await pilot.press("enter")
            await wait(app, pilot)
        board = source.board(app.screen.node_id)
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        by_name = {c.node.name: c for c in board.cells}
        shown = [by_name[n] for n in names]
        keys = [risk_rank_key(c.tickets, c.entities) for c in shown]
        assert keys == sorted(keys) and len(set(keys)) > 1
        assert keys != [risk_rank_key(c.tickets, c.entities) for c in board.cells]  # not by code
        tickets = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        # every count stands apart: separated by spaces, right-aligned in one width
        assert all("/" not in t for t in tickets)
        assert len({len(t) for t in tickets}) == 1
        for text, cell in zip(tickets, shown, strict=True):
            assert text.split() == [str(cell.tickets.get(c, 0)) for c in COLOURS]


COLOURS = ("red", "orange", "yellow", "blue", "green")
