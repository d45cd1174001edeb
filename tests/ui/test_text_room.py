"""Text gets the room there is, and names are never split mid-word (issue 13, point 9)."""

from __future__ import annotations

import re

import pytest
from textual.widgets import DataTable

from gridtui.screens.sla import SlaScreen
from tests.ui.test_sla import cell


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
