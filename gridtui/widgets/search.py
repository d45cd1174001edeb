"""The queue's incremental search: a line above the table that filters as you type.

Typing pauses for :data:`DEBOUNCE` seconds before the search runs (one query per
pause, not per key); Enter runs it at once. Matches are highlighted with
:func:`highlight`, which adds spans to a :class:`~rich.text.Text` (the title is data,
never parsed as markup).
"""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

#: seconds of quiet typing before the search runs
DEBOUNCE = 0.25
#: a match: reverse video reads on every theme, also with 16 colours
MATCH = Style(reverse=True, bold=True)


def highlight(text: Text, needle: str) -> Text:
    """``text`` with every (case-insensitive) occurrence of ``needle`` marked."""
    needle = needle.strip()
    if not needle:
        return text
    out = text.copy()
    for found in re.finditer(re.escape(needle), out.plain, flags=re.IGNORECASE):
        out.stylize(MATCH, found.start(), found.end())
    return out


class SearchBar(Input):
    """The search line: hidden until asked for; posts :class:`SearchBar.Search`."""

    DEFAULT_CSS = """
    SearchBar { display: none; height: 1; border: none; padding: 0 1; background: $boost; }
    SearchBar.-shown { display: block; }
    SearchBar:focus { border: none; }
    """

    class Search(Message):
        """Search for ``text`` now (typing paused, or Enter)."""

        def __init__(self, text: str, done: bool) -> None:
            super().__init__()
            self.text = text
            self.done = done

    _timer: Timer | None = None

    def open(self, text: str) -> None:
        """Show the line with ``text`` and take the keys."""
        self.add_class("-shown")
        self.value = text
        self.cursor_position = len(text)
        self.focus()

    def close(self) -> bool:
        """Hide the line (the results stay); whether it was shown."""
        shown = self.has_class("-shown")
        self.remove_class("-shown")
        return shown

    def _on_input_changed(self, event: Input.Changed) -> None:
        if event.input is not self or not self.has_class("-shown"):
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._fire)

    def _on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is not self:
            return
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self.post_message(self.Search(self.value.strip(), done=True))

    def _fire(self) -> None:
        self._timer = None
        self.post_message(self.Search(self.value.strip(), done=False))
