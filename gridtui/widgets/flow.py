"""Units that wrap as whole words: a line breaks between two units, never inside one.

Rich wraps text at spaces, and a run of Chinese without spaces is one "word" to it:
"段娜(L0003)、王磊(L0004)" folds wherever the line ends ("段娜(L00" / "03)"), and
"领导交办  3%" may leave "3%" alone on a line. :class:`Flow` lays the units out
itself, at the width it is given when drawn: each unit (a name with its code, a label
with its figure) stays on one line, and only a unit wider than the whole line is
folded.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text


class Flow:
    """``units`` one after another, ``sep`` after each but the last (kept with the unit
    before it, as "、" is) and ``gap`` between two units on the same line."""

    def __init__(
        self, units: Iterable[Text | str], *, sep: str = "", gap: str = " ", style: str = ""
    ) -> None:
        items = [u if isinstance(u, Text) else Text(u) for u in units]
        self.units = [
            Text.assemble(u, sep) if sep and i < len(items) - 1 else u for i, u in enumerate(items)
        ]
        self.gap = gap
        self.style = style

    @property
    def plain(self) -> str:
        """The units on one line (for tests and logs)."""
        return self.gap.join(u.plain for u in self.units)

    def lines(self, width: int) -> Text:
        """The units as lines of at most ``width`` cells (a longer unit alone)."""
        out = Text(style=self.style, overflow="fold")
        used = 0
        for unit in self.units:
            size = unit.cell_len
            if used and used + len(self.gap) + size > width:
                out.append("\n")
                used = 0
            elif used:
                out.append(self.gap)
                used += len(self.gap)
            out.append_text(unit)
            used += size
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.lines(max(1, options.max_width))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((u.cell_len for u in self.units), default=1)
        total = sum(u.cell_len for u in self.units) + len(self.gap) * max(0, len(self.units) - 1)
        return Measurement(min(widest, options.max_width), total).clamp(max_width=options.max_width)
