"""The top line: where you are, who you are, the time, and how fresh the data is."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual.widgets import Static


class StatusBar(Static):
    """Title, screen, role, clock and data freshness; turns to a warning when stale.

    The app calls :meth:`update_status`; the bar holds no timers of its own. It
    repaints only when its text changes (a wall or a slow SSH link pays for every
    byte), and never asks for a new layout: its size is fixed.
    """

    DEFAULT_CSS = """
    StatusBar {
        dock: top;
        height: 2;
        background: $panel;
        color: $foreground;
        padding: 0 1;
        link-style: none;
        link-style-hover: bold;
        link-background-hover: $boost;
    }
    StatusBar.-stale {
        background: $error;
        color: $text;
        text-style: bold;
    }
    """

    _shown: Text | None = None

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
        nav: list[tuple[str, str, bool]] | None = None,
    ) -> None:
        """Redraw with these values (all already in the user's language)."""
        self.set_class(stale, "-stale")
        # Most important first: what a glance must always find, even at 80 columns.
        parts: list[tuple[str, str]] = [
            (screen, "bold"),
            (("⚠ " if stale else "") + freshness, "bold" if stale else ""),
            (role, ""),
            (f"{clock:%H:%M:%S}", ""),
            (title, "bold"),
            (f"{clock:%Y-%m-%d}", ""),
            (source, "dim"),
        ]
        width = max(20, self.size.width - 2)
        # The screen and the freshness always show (a stale warning above all): the
        # warning is cut to the width if it must be; the rest come while they fit.
        room = max(8, width - cell_len(parts[0][0]) - 3)
        if cell_len(parts[1][0]) > room:
            parts[1] = (set_cell_size(parts[1][0], room - 1) + "…", parts[1][1])
        keep = [0, 1]
        used = sum(cell_len(parts[i][0]) + 3 for i in keep)
        for i, (text, _) in enumerate(parts[2:], start=2):
            cost = cell_len(text) + 3
            if used + cost <= width:
                keep.append(i)
                used += cost
        order = [4, 0, 2, 5, 3, 1, 6]  # reading order on screen
        line = Text(no_wrap=True, overflow="ellipsis")
        for i in (i for i in order if i in keep):
            if line:
                line.append(" │ ")
            line.append(parts[i][0], style=parts[i][1])
        line.append("\n")
        # The screens, clickable: every screen is one click (or one number key) away.
        room = self.content_size.width or width
        for n, (name, label, current) in enumerate(nav_fitted(nav or [], room), start=1):
            click = Style(meta={"@click": f"app.show('{name}')"})
            style = Style(bold=True, reverse=True) if current else Style()
            line.append(f" {n} {label} " if label else f" {n} ", style=style + click)
        if line != self._shown:
            self._shown = line
            self.update(line, layout=False)


def nav_fitted(nav: list[tuple[str, str, bool]], width: int) -> list[tuple[str, str, bool]]:
    """``nav`` ((name, label, current) per screen) within ``width`` cells: while the
    line is too long, the screens farthest from the current one show their number
    only, so that the current screen's name always shows and every screen stays one
    click away."""
    labels = [label for _name, label, _current in nav]
    here = next((i for i, (_n, _l, current) in enumerate(nav) if current), 0)
    farthest = sorted(range(len(nav)), key=lambda i: -abs(i - here))
    for i in [i for i in farthest if i != here]:
        if sum(cell_len(f" {n} {label} ") for n, label in enumerate(labels, start=1)) <= width:
            break
        labels[i] = ""
    return [(name, label, current) for (name, _l, current), label in zip(nav, labels, strict=True)]
