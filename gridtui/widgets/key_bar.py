"""The bottom line: the keys of the current screen, clickable, in the user's language.

The keys are clickable but do not look like links (no underline): a key bar, not a
page of hyperlinks.

Textual's ``Footer`` rebuilds one widget per key whenever a screen comes into view
(about 50 ms for a screen of keys), which made switching screens feel slow; this is
one line of text, redrawn only when the keys or the language change.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from gridtui.textual_private import key_bindings


class KeyBar(Static):
    """``key description`` pairs for the screen's and the app's shown bindings."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
        link-style: none;
        link-style-hover: bold;
        link-background-hover: $boost;
    }
    """

    def on_mount(self) -> None:
        """Draw now and whenever the bindings change (a language switch relabels them)."""
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.redraw())
        self.redraw()

    def redraw(self) -> None:
        """Rebuild the line from the screen's and the app's bindings."""
        screen = self.screen
        pairs: list[tuple[str, Binding]] = []
        seen: set[str] = set()
        # a key the screen binds is the screen's (the map's l pans): not the app's there
        taken = set(key_bindings(screen))
        for namespace, node in (("screen", screen), ("app", self.app)):
            for key, bindings in key_bindings(node).items():
                if namespace == "app" and key in taken:
                    continue
                for b in bindings:
                    palette = b.action in ("command_palette", "app.command_palette")
                    if (b.show or palette) and b.description and b.action not in seen:
                        seen.add(b.action)
                        pairs.append((namespace, b))
        # the app's keys (help, language, quit, commands) always show; when the line
        # is too narrow the screen's last keys give way (``?`` lists them all)
        width = self.content_size.width or self.app.size.width - 2
        while len(pairs) > 1 and _width(pairs, self.app) > width:
            screen_keys = [i for i, (namespace, _b) in enumerate(pairs) if namespace == "screen"]
            if not screen_keys:
                break
            del pairs[screen_keys[-1]]
        line = Text(no_wrap=True, overflow="ellipsis")
        for namespace, b in pairs:
            key = _key(b, self.app)
            click = Style(meta={"@click": f"{namespace}.{b.action}"})
            line.append(f" {key} ", style=Style(bold=True, reverse=True) + click)
            line.append(f" {b.description}  ", style=click)
        self._drawn_width = width
        self.update(line)

    def on_resize(self) -> None:
        """Another width: other keys may fit."""
        if self.content_size.width != getattr(self, "_drawn_width", None):
            self.redraw()


def _key(b: Binding, app: Any) -> str:
    return b.key_display or str(app.get_key_display(b))


def _width(pairs: list[tuple[str, Binding]], app: Any) -> int:
    """Cells the line takes (the last pair's trailing spaces may go)."""
    cells = sum(cell_len(f" {_key(b, app)}  {b.description}  ") for _n, b in pairs)
    return cells - 2
