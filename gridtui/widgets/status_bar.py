"""The top line: where you are, who you are, the time, and how fresh the data is."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static


class StatusBar(Static):
    """Title, screen, role, clock and data freshness; turns to a warning when stale.

    The app calls :meth:`update_status`; the bar holds no timers of its own.
    """

    DEFAULT_CSS = """
    StatusBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    StatusBar.-stale {
        background: $error;
        color: $text;
        text-style: bold;
    }
    """

    def update_status(
        self,
        *,
        title: str,
        screen: str,
        role: str,
        clock: datetime,
        freshness: str,
        stale: bool,
        source: str,
    ) -> None:
        """Redraw with these values (all already in the user's language)."""
        self.set_class(stale, "-stale")
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(title, style="bold")
        line.append(" │ ")
        line.append(screen, style="bold")
        line.append(" │ ")
        line.append(role)
        line.append(" │ ")
        line.append(f"{clock:%Y-%m-%d %H:%M:%S}")
        line.append(" │ ")
        line.append(("⚠ " if stale else "") + freshness, style="bold" if stale else "")
        line.append(" │ ")
        line.append(source, style="dim")
        self.update(line)
