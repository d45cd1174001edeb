"""Text gets the room there is, and names are never split mid-word (issue 13, point 9)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Static

from gridtui.screens.sla import SlaScreen
from gridtui.snapshot import settle
from gridtui.wall.app import build_wall
from gridtui.wall.widgets import RowList
from tests.conftest import NOW
from tests.ui.conftest import fixed_clock
from tests.ui.test_sla import cell
from tests.ui.test_ticket import ticket_in


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_sla_rule_names_are_whole_when_there_is_room(make_app, wait, lang):
    app = make_app(screen="sla", lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, SlaScreen)
        table = screen.query_one("#clocks", DataTable)
        shown = screen.row_keys()
        assert shown
        for k in shown:
            label = re.sub(r" \+\d+$", "", cell(table, k, "col.clock"))
            if lang == "zh":
                assert not label.endswith("…"), label
            else:  # long English names are cut at half the room, not at 14 cells
                assert not label.endswith("…") or len(label) >= 25, label
            title = cell(table, k, "col.title")
            assert len(title.rstrip("…")) >= 12, title  # the titles keep their share


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80", "120"])
async def test_a_long_note_wraps_in_the_timeline(make_app, source, wait, size):
    ticket = ticket_in(source, {"new"})
    note = "居民反映楼道堆放杂物堵塞消防通道，网格员已现场劝导，物业承诺三日内清理完毕并复查结束"
    source.act(ticket.id, "note", role="officer", actor="duty:other", note=note)
    app = make_app(screen="ticket", ticket_id=ticket.id)
    async with app.run_test(size=size) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#timeline", DataTable)
        table.scroll_end(animate=False, immediate=True)  # the newest event is the last
        await pilot.pause()
        shown = "".join(
            "".join(seg.text for seg in table.render_line(y)).strip()
            for y in range(table.size.height)
        )
        assert "复查结束" in shown, shown  # the note's end is on screen, wrapped


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(120, 40), (240, 67)], ids=["120", "240"])
async def test_wall_department_names_get_their_share(source, size, lang):
    app = build_wall(source, screens=["scorecards"], rotate=1000.0, lang=lang,
                     clock=fixed_clock, poll_seconds=0)  # fmt: skip
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        cards = source.scorecards("week", fixed_clock(), 20)
        rows = app.screen.query_one("#sc-departments", RowList)
        shown = "\n".join(
            "".join(seg.text for seg in line.render_line(0)) for line in rows.children
        )
        # half of 120 columns leaves 18 cells to the names; 240 columns all they need
        room = 18 if size[0] == 120 else 60
        for row in cards.departments:
            if cell_len(row.label(lang)) <= room:
                assert row.label(lang) in shown, shown  # whole, not "区司法局（司法 …"


@pytest.mark.parametrize("size", [(80, 24), (240, 67)], ids=["80", "240"])
async def test_missing_report_names_stay_whole(make_app, source, wait, size):
    late = NOW + timedelta(hours=11)  # 21:00 local: the daily reports are past due
    app = make_app(screen="overview", clock=lambda: late)
    async with app.run_test(size=size) as pilot:
        await wait(app, pilot)
        box = app.screen.query_one("#missing", Static)
        lines = ["".join(s.text for s in box.render_line(y)) for y in range(box.size.height)]
        missing = source.overview(late).missing_reports
        assert missing
        shown = [w for w in missing if w.name in "".join(lines)]
        assert len(shown) >= 8, lines
        for w in shown:  # each name with its code on one line, never "段娜(L00" / "03)"
            assert any(f"{w.name}({w.code})" in line for line in lines), lines


async def test_a_wide_overview_gives_grid_names_more_room(make_app, source, wait):
    app = make_app(screen="overview")
    async with app.run_test(size=(240, 67)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#at-risk", DataTable)
        ref = source.reference()
        names = [ref.node_label(r.grid_id, "zh") for r in source.overview(NOW).at_risk]
        shown = [cell(table, str(r.id), "col.grid") for r in source.overview(NOW).at_risk]
        assert any(cell_len(n) > 16 for n in names)  # names longer than the narrow cut
        for name, text in zip(names, shown, strict=True):
            if cell_len(name) <= 24:
                assert text == name, (name, text)
