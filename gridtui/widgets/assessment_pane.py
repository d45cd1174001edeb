"""The selected assessment row beside the ranking (a wide terminal): its score, rank
and previous period, its score over the last periods (a plotext chart) and what the
score is made of. Everything drawn is the record's."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from gridtui.data.sources.records import AssessmentRow
from gridtui.i18n import tr
from gridtui.widgets.assessment import (
    parts_lines,
    previous_text,
    rank_text,
    score_line,
    trend_values,
)
from gridtui.widgets.count_plot import CountPlot, fitting_ticks
from gridtui.widgets.render import safe


class RowPane(Vertical):
    """Title, summary, trend chart and parts of one row (or nothing)."""

    DEFAULT_CSS = """
    RowPane > .section { height: 1; padding: 0 1; text-style: bold; background: $boost; }
    RowPane #pane-summary { height: auto; padding: 0 1; margin-bottom: 1; }
    RowPane #pane-trend-title { height: 1; padding: 0 1; }
    RowPane #pane-trend { height: 1fr; min-height: 8; }
    RowPane #pane-parts { height: auto; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        """The parts of the pane."""
        yield Static(classes="section", id="pane-title")
        yield Static(id="pane-summary")
        yield Static(id="pane-trend-title")
        yield CountPlot(id="pane-trend")
        yield Static(id="pane-parts")

    def show(self, row: AssessmentRow | None, ranked: int, lang: str) -> None:
        """Draw ``row`` (one of ``ranked`` in its level), or empty the pane."""
        title = safe(row.label(lang)) if row is not None else Text("")
        self.query_one("#pane-title", Static).update(title)
        summary, parts = Text(), Text()
        if row is not None:
            summary.append(f"{tr('acol.score', lang)} ", style="bold")
            summary.append_text(score_line(row))
            summary.append("\n")
            summary.append_text(rank_text(row, ranked, lang))
            summary.append("\n")
            summary.append_text(previous_text(row, lang))
            parts.append(tr("assess.parts", lang) + "\n", style="bold")
            parts.append_text(parts_lines(row.parts, lang))
        self.query_one("#pane-summary", Static).update(summary)
        self.query_one("#pane-parts", Static).update(parts)
        self._plot(row, lang)

    def _plot(self, row: AssessmentRow | None, lang: str) -> None:
        """The score over the last periods, on 0..100 (wider when a score is outside)."""
        plot = self.query_one("#pane-trend", CountPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        values = trend_values(row) if row is not None else []
        n = len(values)
        # the title above the chart, not plotext's: it centres a Chinese title off to
        # the right (it counts a character as one cell)
        title = Text(tr("assess.trend", lang, n=n) if n else "", style="bold")
        self.query_one("#pane-trend-title", Static).update(title)
        points = [(float(i), v) for i, v in enumerate(values) if v is not None]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        if points:
            plt.plot(xs, ys, marker="braille", color="cyan")
            plt.scatter(xs, ys, marker="●", color="cyan")
        plt.ylim(min([0.0, *ys]), max([100.0, *ys]))
        plot.y_ticks(lambda rows: fitting_ticks(100, rows))  # 0..100 by 20 when there is room
        # periods counted back from this one (0); numbers only, for the same reason
        shown = list(range(n - 1, -1, -2 if n > 4 else -1))[::-1]
        plt.xticks([float(i) for i in shown], [str(i - (n - 1)) for i in shown])
        if n:
            plt.xlim(-0.8, n - 0.2)
        plot.refresh()
