"""How the wall looks: every wall screen at 120x40 (big digits) and 80x24, in Chinese
and English, with all four screens in the rotation strip.

Regenerate after an intended change with ``pytest tests/ui/test_wall_snapshots.py
--snapshot-update`` and look at the SVGs before committing.
"""

from __future__ import annotations

import pytest

from gridtui.data.sources.source import SourceUnavailable
from gridtui.snapshot import settle
from gridtui.wall import WALL_SCREENS
from gridtui.wall.alerts import Alert
from gridtui.wall.app import build_wall
from tests.ui.conftest import fixed_clock


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
@pytest.mark.parametrize("screen", WALL_SCREENS)
def test_wall_looks_right(snap_compare, source, screen, size, lang):
    i = WALL_SCREENS.index(screen)
    rotation = [*WALL_SCREENS[i:], *WALL_SCREENS[:i]]  # this screen first, the others next
    app = build_wall(source, screens=rotation, rotate=1000.0, lang=lang, clock=fixed_clock,
                     poll_seconds=0)  # fmt: skip

    async def loaded(pilot) -> None:
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_wall_alert_and_outage_look_right(snap_compare, source, lang):
    """The header flashing a new red ticket (its title shown as text) and the outage
    banner, together."""
    app = build_wall(source, rotate=1000.0, lang=lang, clock=fixed_clock, poll_seconds=0)

    async def broken(pilot) -> None:
        await settle(pilot.app, pilot)
        app.raise_alerts(
            [Alert("red", 6001, "燃气泄漏 [bold]快[/bold]"), Alert("breach", 5318, "环境卫生")]
        )
        app.source_failed(SourceUnavailable("database unavailable: disk I/O error"), "poll")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=broken)
