"""The map's layer switcher (``L``): tickets, entities, overdue and heat, each ticked
on or off (``[✓]`` / ``[ ]``, readable without colour); Space ticks, Enter or Esc
closes and applies."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from gridtui.data.sources.records import GEO_LAYERS
from gridtui.i18n import tr
from gridtui.screens.modals.filters import Picks


class LayerMenu(ModalScreen[frozenset[str]]):
    """Which layers the map draws (dismissed with the ticked ones)."""

    DEFAULT_CSS = """
    LayerMenu { align: center middle; }
    LayerMenu > Vertical {
        width: auto; min-width: 30; height: auto;
        border: round $primary; background: $surface; padding: 0 1;
    }
    LayerMenu #layers-title { width: auto; text-style: bold; }
    LayerMenu Picks { width: auto; min-width: 26; height: auto; border: none; }
    """
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "apply", show=False),
        Binding("L", "apply", show=False),
    ]

    def __init__(self, layers: frozenset[str], lang: str) -> None:
        super().__init__()
        self.shown_layers = layers
        self.lang = lang

    def compose(self) -> ComposeResult:
        """The title and the four layers."""
        with Vertical():
            yield Static(tr("map.layers_title", self.lang), id="layers-title")
            yield Picks(
                *((tr(f"map.layer.{name}", self.lang), name, name in self.shown_layers)
                  for name in GEO_LAYERS),
                id="layers",
            )  # fmt: skip

    def action_apply(self) -> None:
        """Close with the layers ticked."""
        self.dismiss(frozenset(self.query_one(Picks).selected))
