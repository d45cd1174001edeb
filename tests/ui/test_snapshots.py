"""How every screen looks: SVG snapshots at 80x24 and 160x50, in Chinese and English.

Regenerate after an intended change with ``pytest tests/ui/test_snapshots.py
--snapshot-update`` and look at the report (or the SVGs) before committing.
"""

from __future__ import annotations

import pytest

from gridtui.registry import SCREEN_NAMES
from gridtui.snapshot import settle

#: every screen on the demo city (the map's close-ups, themes and NO_COLOR are
#: tests/ui/test_map_snapshots.py, on the in-memory fake's map)
ON_THE_DEMO_CITY = list(SCREEN_NAMES)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
@pytest.mark.parametrize("screen", ON_THE_DEMO_CITY)
def test_screen_looks_right(snap_compare, make_app, screen, size, lang):
    app = make_app(screen=screen, lang=lang, role="officer", poll_seconds=0)

    async def loaded(pilot) -> None:
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("screen", ["overview", "grids", "queue", "scorecards"])
def test_a_wall_terminal_shows_more(snap_compare, make_app, source, screen):
    """At 240x67 (zh) the screens show more rows and columns, not stretched tiles."""
    source.description = "sqlite demo.sqlite"  # the header has room for it: not tmp's path
    app = make_app(screen=screen, lang="zh", role="officer", poll_seconds=0)

    async def loaded(pilot) -> None:
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=(240, 67), run_before=loaded)
