"""The screen registry is what the app, the palette, the CLI and the catalogue use."""

from __future__ import annotations

from gridtui.app import GridApp
from gridtui.i18n import CATALOG
from gridtui.registry import SCREENS, THEME_NAMES, THEMES
from gridtui.screens.base import DataScreen


def test_every_screen_loads_under_its_name_and_key():
    for entry in SCREENS:
        cls = entry.load()
        assert issubclass(cls, DataScreen) and entry.name == cls.NAME
        assert GridApp.MODES[entry.name] is cls
        assert CATALOG[f"screen.{entry.name}"] == (entry.zh, entry.en)
    assert [s.key for s in SCREENS] == [str(i) for i in range(1, len(SCREENS) + 1)]


def test_every_theme_has_its_names():
    assert tuple(t.name for t in THEMES) == THEME_NAMES
    for theme in THEMES:
        assert CATALOG[f"theme.{theme.name}"] == (theme.zh, theme.en)
