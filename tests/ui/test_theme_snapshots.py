"""The risk board in every theme and without colour (issue 13, point 2): five risk
colours that look different, 红 the loudest without colour, each with its name.

Regenerate after an intended change with ``--snapshot-update`` and look at the SVGs
(as PNG) before committing.
"""

from __future__ import annotations

import pytest

from gridtui.snapshot import settle
from gridtui.widgets.palette import activate


@pytest.mark.parametrize("theme", ["light", "high-contrast", "ansi", "no-color"])
def test_risk_board_colours_per_theme(snap_compare, make_app, monkeypatch, theme):
    if theme == "no-color":
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(screen="risk", lang="zh", role="officer", poll_seconds=0,
                   theme="dark" if theme == "no-color" else theme)  # fmt: skip

    async def loaded(pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("enter")  # the district: five streets, every colour
        await settle(pilot.app, pilot)

    try:
        assert snap_compare(app, terminal_size=(100, 30), run_before=loaded)
    finally:
        activate("textual-dark")
