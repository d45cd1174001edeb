"""Placeholder until the screen lands (issue 3 is open)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer, Static

from gridtui.screens.base import DataScreen
from gridtui.widgets.status_bar import StatusBar


class SlaScreen(DataScreen):
    """Placeholder."""

    NAME = "sla"

    def compose(self) -> ComposeResult:
        """Status bar and body."""
        yield StatusBar()
        yield Static("…", id="body")
        yield Footer()

    def fetch(self) -> Any:
        """Nothing yet."""
        return None

    def show(self, data: Any) -> None:
        """Nothing yet."""
