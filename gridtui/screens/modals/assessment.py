"""The figures behind an assessment score (得分明细), over the assessment screen.

Two tables from the records: each part of the score (the indicator's value on 0..100,
the weight it carried, the points it gave, then the spot-check adjustments), and the
counts behind each rate for this period beside the previous period's. The previous
period's record is read in a worker when the dialog opens (its column says so until
then). Nothing is computed here: values, weights, points, rates and counts are the
records'. Escape, Enter or ``q`` closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from gridtui.data.sources.records import AssessmentRow
from gridtui.i18n import tr
from gridtui.widgets.assessment import (
    FIGURE_ROWS,
    figure_label,
    figure_text,
    move_text,
    num,
    part_cells,
    score_text,
)
from gridtui.widgets.render import fill_table, safe


class FiguresScreen(ModalScreen[None]):
    """The parts and figures of one :class:`AssessmentRow` (``title``: its name and
    period, already in the user's language); ``previous()`` (run in a worker) reads
    the same subject's record of the previous period, or None."""

    DEFAULT_CSS = """
    FiguresScreen { align: center middle; }
    FiguresScreen > VerticalScroll {
        width: 52; max-width: 98%; height: auto; max-height: 96%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    FiguresScreen.-wide > VerticalScroll { width: 100; }
    FiguresScreen .title { text-style: bold; height: auto; }
    FiguresScreen .summary { height: auto; margin-bottom: 1; }
    FiguresScreen #figures-body { height: auto; }
    FiguresScreen.-wide #figures-body { layout: horizontal; }
    FiguresScreen .half { height: auto; width: 1fr; }
    FiguresScreen.-wide #parts-box { margin-right: 2; }
    FiguresScreen .section { height: 1; text-style: bold; background: $boost; padding: 0 1; }
    /* the box scrolls, never a table inside it */
    FiguresScreen DataTable { height: auto; max-height: 1000; margin-bottom: 1; }
    FiguresScreen .hint { color: $text-muted; height: 1; }
    """
    #: from this many columns the parts and the figures stand side by side
    SIDE_BY_SIDE = 104
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "close", show=False),
        Binding("enter", "close", show=False, priority=True),
        Binding("q", "close", show=False),
    ]

    def __init__(
        self,
        title: str,
        row: AssessmentRow,
        lang: str,
        previous: Callable[[], AssessmentRow | None],
        previous_title: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.previous_title = previous_title
        self.row = row
        self.lang = lang
        self.previous_reader = previous
        #: the previous period's record once read (None: not yet, or not assessed then)
        self.previous: AssessmentRow | None = None
        self.previous_read = False

    def compose(self) -> ComposeResult:
        """Title, summary, the parts, the figures."""
        with VerticalScroll():
            yield Static(safe(self.title_text), classes="title")
            yield Static(self._summary(), classes="summary", id="figures-summary")
            with Vertical(id="figures-body"):
                with Vertical(classes="half", id="parts-box"):
                    yield Static(tr("assess.parts", self.lang), classes="section")
                    yield DataTable(id="parts", cursor_type="none", zebra_stripes=True)
                with Vertical(classes="half", id="figures-box"):
                    yield Static(tr("assess.figures_section", self.lang), classes="section")
                    yield DataTable(id="figures", cursor_type="none", zebra_stripes=True)
            yield Static(tr("assess.close_hint", self.lang), classes="hint")

    def on_mount(self) -> None:
        """Fill the tables; read the previous period."""
        self.set_class(self.app.size.width >= self.SIDE_BY_SIDE, "-wide")
        for table in self.query(DataTable):
            table.can_focus = False  # the box takes the keys and scrolls
        lang = self.lang
        columns = [
            (k, tr(f"assess.col.{k}", lang)) for k in ("indicator", "value", "weight", "points")
        ]
        rows = [(f"{i}", part_cells(p, lang)) for i, p in enumerate(self.row.parts)]
        rows.append(
            ("total", [Text(tr("assess.total", lang), style="bold"), num(""), num(""),
                       score_text(self.row.score)])
        )  # fmt: skip
        fill_table(self.query_one("#parts", DataTable), columns, rows)
        self._fill_figures()
        self.run_worker(self.previous_reader, thread=True, group="previous", exit_on_error=False)

    def _summary(self) -> Text:
        """Score, rank and its move, the previous period's."""
        lang, row = self.lang, self.row
        out = Text()
        out.append(f"{tr('acol.score', lang)} ", style="bold")
        out.append_text(score_text(row.score))
        out.append(f"   {tr('acol.rank', lang)} {row.rank} ")
        out.append_text(move_text(row, lang))
        out.append("   ")
        if row.previous_score is None or row.previous_rank is None:
            out.append(tr("assess.previous_none", lang), style="dim")
        else:
            score = f"{row.previous_score:.2f}"
            out.append(tr("assess.previous", lang, score=score, rank=row.previous_rank))
        return out

    def _fill_figures(self) -> None:
        lang, row, before = self.lang, self.row, self.previous
        waiting = not self.previous_read
        columns = [
            ("figure", tr("assess.col.figure", lang)),
            ("now", tr("assess.col.now", lang)),
            ("before", self.previous_title or tr("assess.col.before", lang)),
        ]
        rows: list[tuple[str, list[Text]]] = []
        for kind, name in FIGURE_ROWS:
            label = Text(figure_label(kind, name, lang), style="bold" if kind == "rate" else "")
            earlier = (
                num("…", "dim")
                if waiting
                else figure_text(kind, name, before.figures if before else None,
                                 before.rates if before else None)
            )  # fmt: skip
            rows.append(
                (
                    f"{kind}.{name}",
                    [label, figure_text(kind, name, row.figures, row.rates), earlier],
                )
            )
        fill_table(self.query_one("#figures", DataTable), columns, rows)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The previous period's record arrived (or could not be read: ``—``)."""
        if event.worker.group != "previous":
            return
        if event.state is WorkerState.SUCCESS:
            self.previous = event.worker.result
        elif event.state is not WorkerState.ERROR:
            return
        self.previous_read = True
        self._fill_figures()

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)
