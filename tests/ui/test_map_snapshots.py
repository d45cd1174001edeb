"""How the map looks (issue 17), on the in-memory fake's hand-made map: the city as it
opens and close up with a ticket selected, at 80x24 and 160x50 in Chinese and English;
without colour and in 16 colours; and the wall's map.

Regenerate after an intended change with ``pytest tests/ui/test_map_snapshots.py
--snapshot-update`` and look at the SVGs (as PNG) before committing.
"""

from __future__ import annotations

from typing import Any

import pytest

from gridtui.app import build_app
from gridtui.snapshot import settle
from gridtui.wall.app import build_wall
from gridtui.widgets.palette import activate
from tests.fakes import NOW, MemorySource

#: keys pressed after the map has loaded, per state shown
STATES = {"city": (), "close": ("plus", "tab", "tab")}


def map_app(**options: Any) -> Any:
    return build_app(MemorySource(), screen="map", role="officer", clock=lambda: NOW,
                     poll_seconds=0, prebuild=False, **options)  # fmt: skip


def after(*keys: str) -> Any:
    async def run(pilot: Any) -> None:
        await settle(pilot.app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot.app, pilot)

    return run


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
@pytest.mark.parametrize("state", list(STATES))
def test_map_looks_right(snap_compare, state, size, lang):
    app = map_app(lang=lang)
    assert snap_compare(app, terminal_size=size, run_before=after(*STATES[state]))


@pytest.mark.parametrize("theme", ["ansi", "no-color"])
def test_map_colours_per_theme(snap_compare, monkeypatch, theme):
    """16 colours: outlines in the areas' colours (no tint); no colour: glyphs, brackets
    and names carry it all."""
    if theme == "no-color":
        monkeypatch.setenv("NO_COLOR", "1")
    app = map_app(lang="zh", theme="dark" if theme == "no-color" else theme)
    try:
        assert snap_compare(app, terminal_size=(100, 30), run_before=after("tab"))
    finally:
        activate("textual-dark")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_wall_map_looks_right(snap_compare, lang):
    app = build_wall(MemorySource(), screens=["map", "overview"], rotate=1000.0, lang=lang,
                     clock=lambda: NOW, poll_seconds=0)  # fmt: skip
    assert snap_compare(app, terminal_size=(120, 40), run_before=after())
