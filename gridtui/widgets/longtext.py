"""Long outside text read in full, however long: a description of 10 MB, a note of 1 MB.

:class:`LongText` keeps the text as it came and draws only the lines in view: the text
is indexed once into pieces a line wide (offsets, no copies), and each piece is
cleaned (:func:`~gridtui.domain.text.shown_text`) only when it is drawn. Opening,
scrolling and quitting stay quick whatever the length. :class:`TextViewer` shows one
such text over the current screen (the ticket screen's ``f`` and Enter).
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from gridtui.domain.text import shown_text
from gridtui.i18n import tr


def pieces(text: str, width: int) -> list[tuple[int, int]]:
    """``text`` cut into lines of at most ``width`` cells, as (start, end) offsets: at
    each newline, and within a line every ``width`` characters (``width // 2`` where a
    piece is not plain ASCII: a Chinese character takes two cells)."""
    width = max(width, 4)
    out: list[tuple[int, int]] = []
    start, size = 0, len(text)
    while True:
        end = text.find("\n", start)
        if end < 0:
            end = size
        pos = start
        while end - pos > width // 2:
            step = width if text[pos : pos + width].isascii() else width // 2
            if end - pos <= step:
                break
            out.append((pos, pos + step))
            pos += step
        out.append((pos, end))
        if end >= size:
            return out
        start = end + 1


class LongText(ScrollView, can_focus=True):
    """Outside text of any length, drawn a line at a time (see the module docstring)."""

    DEFAULT_CSS = """
    LongText { overflow-x: hidden; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("up", "scroll_up", show=False),
        Binding("down", "scroll_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("space", "page_down", show=False),
        Binding("home", "scroll_home", show=False),
        Binding("end", "scroll_end", show=False),
    ]

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = text
        self._pieces: list[tuple[int, int]] = []
        self._width = 0

    def on_resize(self, event: Resize) -> None:
        """Index the text for the new width (only when the width changed)."""
        width = self.scrollable_content_region.width
        if width and width != self._width:
            self._width = width
            self._pieces = pieces(self.text, width)
            self.virtual_size = Size(width, len(self._pieces))
            self.refresh()

    @property
    def line_count(self) -> int:
        """Lines the text takes at the current width."""
        return len(self._pieces)

    def render_line(self, y: int) -> Strip:
        """The piece on line ``y`` of the view, cleaned now."""
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if index >= len(self._pieces):
            return Strip.blank(width, style)
        start, end = self._pieces[index]
        line = shown_text(self.text[start:end], one_line=True)
        return Strip([Segment(line, style)]).crop_extend(0, width, style)


class TextViewer(ModalScreen[None]):
    """One long text over the screen, ``what`` it is above it; Esc goes back."""

    DEFAULT_CSS = """
    TextViewer { align: center middle; }
    TextViewer > Vertical {
        width: 90%; height: 90%; border: round $accent; background: $surface;
    }
    TextViewer #viewer-title { height: 1; padding: 0 1; text-style: bold; }
    TextViewer LongText { height: 1fr; }
    """
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "close", "close", id="key.close"),
        Binding("backspace", "close", "close", show=False),
        Binding("q", "app.quit", "quit", id="key.quit", show=False),  # as everywhere
    ]

    def __init__(self, what: str, text: str, lang: str) -> None:
        super().__init__()
        self.what = what
        self.text = text
        self.lang = lang

    def compose(self) -> ComposeResult:
        """The title and the text."""
        title = tr("text.length", self.lang, what=self.what, n=f"{len(self.text):,}")
        with Vertical():
            yield Static(Text(title), id="viewer-title")
            yield LongText(self.text, id="viewer-text")

    def on_mount(self) -> None:
        """Keys scroll the text."""
        self.query_one(LongText).focus()

    def action_close(self) -> None:
        """Back to the screen below."""
        self.dismiss(None)
