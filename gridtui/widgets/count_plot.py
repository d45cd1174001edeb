"""A plotext plot whose y-axis labels never share a row.

plotext draws one label per text row: when two ticks fall on the same row, which of
them it shows is down to the order of a set of strings, and string hashing differs
from one process to the next, so the same figure showed ``4`` in one run and ``6`` in
the next. :class:`CountPlot` chooses its ticks from the rows it has, again whenever its
height changes, so every tick has a row of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import events
from textual_plotext import PlotextPlot

from gridtui.widgets.figures import count_ticks

#: rows of the plot that are not the data's: the frame's top, the x axis and its labels
_FRAME_ROWS = 3


def fitting_ticks(top: float, rows: int) -> list[int]:
    """Whole-number ticks from 0 to at least ``top`` with a free row between two of them
    in a plot of ``rows`` data rows (at most six ticks)."""
    return count_ticks(top, most=max(1, min(5, rows // 2)))


class CountPlot(PlotextPlot):
    """A :class:`PlotextPlot` whose y ticks are chosen from its height (see the module):
    set them with :meth:`y_ticks` after drawing the series."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._choose: Callable[[int], Sequence[float]] | None = None

    def y_ticks(self, choose: Callable[[int], Sequence[float]]) -> None:
        """Ticks from ``choose(data rows)``, now and whenever the height changes."""
        self._choose = choose
        self._apply()

    def _apply(self) -> None:
        if self._choose is None:
            return
        ticks = [float(t) for t in self._choose(max(1, self.size.height - _FRAME_ROWS))]
        self.plt.yticks(ticks, [f"{t:.0f}" for t in ticks])

    def on_resize(self, event: events.Resize) -> None:
        """Choose the ticks again for the new height."""
        self._apply()
        self.refresh()
