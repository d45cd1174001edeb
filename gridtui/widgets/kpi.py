"""A KPI tile: a label, a large figure and a note, with an alert style.

On tall screens (the ``-big`` class) the figure is drawn in the 3-line block font
(:mod:`gridtui.widgets.bigfont`), centred, readable from across a hall; otherwise in
bold text.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from gridtui.widgets.bigfont import big_text, can_draw


class KpiTile(Static):
    """One figure of the wall screen. ``alert`` paints it in the error colour."""

    DEFAULT_CSS = """
    KpiTile {
        width: 1fr;
        height: 1fr;
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
        big = self.has_class("-big")
        number = value.replace(",", "")
        lines: list[RenderableType]
        if big and can_draw(number):  # a rate keeps its "%" on the same line
            lines = [big_text(number, style="bold")]
        else:
            lines = [Text(value, style="bold", justify="center")]
        if note:
            lines.append(Text(note, style="dim", justify="center"))
        self.update(Group(*lines))
