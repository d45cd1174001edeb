"""The app's own Textual theme (high contrast) and the themes' names for people.

Which themes there are is :data:`gridtui.registry.THEMES`.

Each theme's risk colours live in :mod:`gridtui.widgets.palette`.
"""

from __future__ import annotations

from textual.theme import Theme

from gridtui.i18n import tr
from gridtui.registry import TEXTUAL_THEMES

HIGH_CONTRAST = Theme(
    name="gridtui-high-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffffff",
    warning="#ffff00",
    error="#ff0000",
    success="#00ff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    boost="#333333",
    dark=True,
)


def theme_name(theme: str, lang: str) -> str:
    """A Textual theme's name for people ("深色" / "dark"); others as they are."""
    label = next((k for k, v in TEXTUAL_THEMES.items() if v == theme), None)
    return tr(f"theme.{label}", lang) if label else theme
