"""A KPI tile: a label, a large figure and a note, with an alert style."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static


class KpiTile(Static):
    """One figure of the wall screen. ``alert`` paints it in the error colour."""

    DEFAULT_CSS = """
    KpiTile {
        width: 1fr;
        height: 4;
        border: round $primary-darken-1;
        padding: 0 1;
        content-align: center middle;
    }
    KpiTile.-alert { border: heavy $error; color: $error; }
    """

    value_text = ""

    def set_value(self, label: str, value: str, note: str = "", *, alert: bool = False) -> None:
        """Show ``value`` under ``label`` (all plain data, never markup)."""
        self.value_text = value
        self.set_class(alert, "-alert")
        self.border_title = label
        lines = [Text(value, style="bold", justify="center")]
        if note:
            lines.append(Text(note, style="dim", justify="center"))
        self.update(Group(*lines))
