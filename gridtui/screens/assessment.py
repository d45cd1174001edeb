"""8 · Assessment (考核评估): streets, communities, grids, workers and departments ranked
for a week, a month or a year (周督查、月通报、年总评).

``p`` switches week → month → year; ``[`` / ``]`` go to the period before / after (never
past the running one, marked 至今 / so far); ``v`` cycles the level (street → community
→ grid → worker → department). ``→`` / ``d`` drill from a street into its communities,
their grids and their workers, ``←`` / backspace go back up with the row you came from
selected (the breadcrumb says where; ranks stay the city-wide ranks of the level).
Enter shows the figures behind the selected row's score; ``b`` writes the bulletin
(通报) of the period and level shown. Read-only: every role sees the same.

One load is one ``DataSource.assessment(level, period, at, history=HISTORY)``: the
level's rows, their previous period, and the scores of the periods before (the
trend). Every figure, rate, score and rank is the record's (:mod:`gridtui.domain`
computes them); the screen only chooses which columns fit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static

from gridtui.data.sources.records import (
    ASSESSMENT_LEVELS,
    CHILD_LEVEL,
    Assessment,
    AssessmentLevel,
    AssessmentRow,
    ChangeBatch,
    Period,
)
from gridtui.i18n import tr
from gridtui.i18n_assess import period_title
from gridtui.screens.base import DataScreen
from gridtui.screens.modals.assessment import FiguresScreen
from gridtui.widgets.assessment import row_line, totals_text
from gridtui.widgets.assessment_pane import RowPane
from gridtui.widgets.bulletin_export import BulletinExport
from gridtui.widgets.key_bar import KeyBar
from gridtui.widgets.layout import SCREEN_WIDE
from gridtui.widgets.rank_table import RankTable
from gridtui.widgets.ranking import ranking_columns, row_cells
from gridtui.widgets.render import safe
from gridtui.widgets.status_bar import StatusBar

PERIODS: tuple[Period, ...] = ("week", "month", "year")
#: periods of score history asked for the trend (the trend shows these and this one)
HISTORY = 6
#: the side pane's width on a wide terminal (SCREEN_WIDE columns and more)
SIDE_WIDTH = 54
#: cells the ranking keeps for its vertical scrollbar
SCROLLBAR = 2
#: select the top row after the next load (a new level: no row to keep)
TOP = ""
EPSILON = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class View:
    """What the screen asks for: a level of a period; ``at`` None: the running one."""

    level: AssessmentLevel
    period: Period
    at: datetime | None


@dataclass(frozen=True, slots=True)
class AssessData:
    """What one load brings: the view asked for and its assessment."""

    view: View
    assessment: Assessment
    #: the period had not ended at the app's now (counted so far)
    running: bool


class AssessmentScreen(DataScreen):
    """The ranking of one level in one period, its breadcrumb, the selected row's trend."""

    NAME = "assessment"
    PERIODIC = 60.0  # overdue "now" moves with the clock
    #: seconds between two reloads the change feed asks for: a busy centre writes
    #: every second, and a city's grids take a while to score (the periodic reload
    #: and the keys are not held back)
    CHANGE_DELAY = 5.0
    DEFAULT_CSS = """
    AssessmentScreen .section { height: 1; padding: 0 1; text-style: bold; background: $boost; }
    AssessmentScreen #crumb { height: 1; padding: 0 1; }
    AssessmentScreen #totals { height: 1; padding: 0 1; color: $text-muted; }
    AssessmentScreen #body { height: 1fr; }
    AssessmentScreen #ranking { height: 1fr; width: 1fr; }
    AssessmentScreen #side { display: none; width: %d; border-left: tall $boost; }
    AssessmentScreen.-wide #side { display: block; }
    AssessmentScreen #trend-line { height: 1; padding: 0 1; }
    AssessmentScreen.-wide #trend-line { display: none; }
    """ % (SIDE_WIDTH,)  # noqa: UP031 (CSS braces)
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("p", "period", "period", id="key.assess_period"),
        Binding("left_square_bracket", "earlier", "[", id="key.assess_prev", key_display="["),
        Binding("right_square_bracket", "later", "]", id="key.assess_next", key_display="]"),
        Binding("v", "level", "level", id="key.assess_level"),
        # priority: the ranking takes no left/right/enter, but a focused widget might
        Binding("enter", "figures", "figures", id="key.assess_figures", priority=True),
        Binding("right", "drill", "drill", id="key.assess_drill", key_display="→", priority=True),
        Binding("d", "drill", "drill", id="key.assess_drill", show=False),
        Binding("left", "up", "up", id="key.assess_up", key_display="←", priority=True),
        Binding("backspace", "up", "up", id="key.assess_up", show=False),
        Binding("b", "export", "export", id="key.assess_export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.level: AssessmentLevel = "street"
        self.period: Period = "month"
        #: an instant in the period shown; None: the running period (the app's now)
        self.at: datetime | None = None
        #: the rows drilled through, from a street down (their children are shown)
        self.path: list[AssessmentRow] = []
        self._select: str | None = None
        #: the start of each kind's running period, once seen (a ``]`` into it asks at now)
        self._running_since: dict[str, datetime] = {}
        self._loaded_at = 0.0  # when the last load was asked for (monotonic)
        self._held = False  # a reload the change feed asked for waits
        self._rows: dict[str, AssessmentRow] = {}

    def compose(self) -> ComposeResult:
        """Title, breadcrumb, city totals, the ranking beside the selected row."""
        yield StatusBar()
        yield Static(classes="section", id="assess-title")
        yield Static(id="crumb")
        yield Static(id="totals")
        with Horizontal(id="body"):
            yield RankTable(id="ranking")
            yield RowPane(id="side")
        yield Static(id="trend-line")
        yield BulletinExport(id="export")
        yield KeyBar()

    def on_mount(self) -> None:
        """Label and load."""
        self.retitle()
        self.reload()

    def reload(self) -> None:
        """Load again now (see :meth:`data_changed` for the change feed's)."""
        self._loaded_at = time.monotonic()
        super().reload()

    def data_changed(self, batch: ChangeBatch) -> None:
        """The change feed moved: reload, at most once every :data:`CHANGE_DELAY`."""
        self._dirty = True
        if not self.is_current or self._held:
            return
        wait = self._loaded_at + self.CHANGE_DELAY - time.monotonic()
        if wait <= 0:
            self.reload()
        else:
            self._held = True
            self.set_timer(wait, self._release)

    def _release(self) -> None:
        self._held = False
        if self._dirty and self.is_current:
            self.reload()

    def view(self) -> View:
        """What the next load asks for."""
        return View(self.level, self.period, self.at)

    def fetch(self) -> AssessData:
        """The level's assessment for the period (worker thread). A period that has
        not ended is the running one, counted to now (a past ``at`` inside it would
        count only to that instant)."""
        view, now, source = self.view(), self.host.now(), self.host.source
        at = view.at
        if at is not None and at >= self._running_since.get(view.period, now):
            at = None  # in the running period (its start is known): counted to now
        found = source.assessment(view.level, view.period, at or now, history=HISTORY)
        if at is not None and found.end > now:  # it was the running one after all
            found = source.assessment(view.level, view.period, now, history=HISTORY)
        elif view.at is not None and found.start > view.at:  # a new period began since
            found = source.assessment(view.level, view.period, view.at, history=HISTORY)
        return AssessData(view, found, running=found.end > now)

    def size_class(self) -> object:
        """The breakpoints and the width itself: the columns are fitted to it."""
        return (super().size_class(), self.app.size.width)

    # -- drawing ---------------------------------------------------------------------------

    def shown_rows(self, assessment: Assessment) -> list[AssessmentRow]:
        """The rows under the breadcrumb's last row (all of the level at the top), by rank."""
        rows = assessment.rows
        if self.path:
            parent = self.path[-1].subject_id
            rows = [r for r in rows if r.parent_id == parent]
        return sorted(rows, key=lambda r: r.rank)

    def show(self, data: AssessData) -> None:
        """Fill the ranking (keeping the selected row, or selecting the one asked for),
        the titles and the selected row's trend."""
        if (data.view.level, data.view.period) != (self.level, self.period):
            return  # an older load: the one asked for last follows
        if data.running:
            self._running_since[self.period] = data.assessment.start
            if self.at is not None:
                self.at = None  # the running period: follow the clock
                self._data = replace(data, view=self.view())
        wide = self.app.size.width >= SCREEN_WIDE
        self.set_class(wide, "-wide")
        rows = self.shown_rows(data.assessment)
        self._rows = {str(r.subject_id): r for r in rows}
        room = self.app.size.width - (SIDE_WIDTH if wide else 0) - SCROLLBAR
        columns = ranking_columns(rows, data.assessment.level, self.lang, room)
        shown, lang = [key for key, _label, _width in columns], self.lang
        keys = list(self._rows)
        select = self._select
        if select == TOP:
            select = keys[0] if keys else None
        self.query_one(RankTable).set_rows(
            columns, keys, lambda i: row_cells(rows[i], lang, shown), select=select
        )
        self._select = None
        self.retitle()
        self.show_selected()

    def retitle(self) -> None:
        """The title (period and level), the breadcrumb and the city's totals."""
        lang = self.lang
        data: AssessData | None = self._data
        period = tr(f"assess.period.{self.period}", lang)
        title = Text(f"{tr('screen.assessment', lang)} · {period} ")
        if data is not None and data.view.period == self.period:
            a = data.assessment
            title.append(period_title(a.period, a.period_key, lang, running=data.running))
            if self.app.size.width >= SCREEN_WIDE:
                last = (a.end - EPSILON).astimezone(self.host.tz)
                title.append(f"  {a.start.astimezone(self.host.tz):%Y-%m-%d} – {last:%Y-%m-%d}")
        title.append(f" · {tr(f'assess.level.{self.level}', lang)}")
        self.query_one("#assess-title", Static).update(title)
        self.query_one("#crumb", Static).update(self._crumb())
        totals = totals_text(data.assessment, lang) if data is not None else Text("")
        self.query_one("#totals", Static).update(totals)

    def _crumb(self) -> Text:
        lang = self.lang
        out = Text(tr("assess.city", lang), style="bold")
        for row in self.path:
            out.append(" › ")
            out.append_text(safe(row.label(lang), style="bold"))
        out.append(f" · {tr(f'assess.level.{self.level}', lang)}")
        if self._data is not None:
            out.append(f" {tr('assess.count', lang, n=len(self._rows))}")
        out.append(f" · {tr('assess.city_ranks', lang)}", style="dim")
        return out

    def selected(self) -> AssessmentRow | None:
        """The row under the cursor, if any."""
        return self._rows.get(self.query_one(RankTable).cursor_key or "")

    def on_rank_table_highlighted(self, _event: RankTable.Highlighted) -> None:
        """Another row: its trend."""
        self.show_selected()

    def show_selected(self) -> None:
        """The selected row: a line under the ranking, or the side pane when wide."""
        row, lang = self.selected(), self.lang
        ranked = len(self._data.assessment.rows) if self._data is not None else 0
        line = row_line(row, ranked, lang, loaded=self._data is not None)
        self.query_one("#trend-line", Static).update(line)
        if self.has_class("-wide"):
            self.query_one(RowPane).show(row, ranked, lang)

    # -- keys ------------------------------------------------------------------------------

    def _move_to(self, *, select: str | None = TOP) -> None:
        self._select = select
        self.retitle()
        self.reload()

    def action_period(self) -> None:
        """Week → month → year → week (around the same instant)."""
        self.period = PERIODS[(PERIODS.index(self.period) + 1) % len(PERIODS)]
        self._move_to(select=None)

    def action_earlier(self) -> None:
        """The period before the one shown."""
        if self._data is None:
            self.app.bell()
            return
        self.at = self._data.assessment.start - EPSILON
        self._move_to(select=None)

    def action_later(self) -> None:
        """The period after the one shown, never past the running one."""
        data: AssessData | None = self._data
        if data is None or data.running or data.assessment.end > self.host.now():
            self.app.bell()
            self.notify(tr("assess.latest", self.lang), timeout=2)
            return
        self.at = data.assessment.end
        self._move_to(select=None)

    def action_level(self) -> None:
        """The next level, city-wide."""
        self.path.clear()
        self.level = ASSESSMENT_LEVELS[
            (ASSESSMENT_LEVELS.index(self.level) + 1) % len(ASSESSMENT_LEVELS)
        ]
        self._move_to()

    def action_drill(self) -> None:
        """Into the selected row's children (a street's communities …)."""
        row = self.selected()
        if row is None or row.level != self.level:
            self.app.bell()
            return
        child = CHILD_LEVEL.get(row.level)
        if child is None:
            self.app.bell()
            level = tr(f"assess.level.{row.level}", self.lang)
            self.notify(tr("assess.no_drill", self.lang, level=level), timeout=3)
            return
        self.path.append(row)
        self.level = child
        self._move_to()

    def action_up(self) -> None:
        """Back to the level above, the row drilled from selected."""
        if not self.path:
            self.app.bell()
            return
        row = self.path.pop()
        self.level = row.level  # type: ignore[assignment]  # a level of CHILD_LEVEL's keys
        self._move_to(select=str(row.subject_id))

    def action_figures(self) -> None:
        """The figures behind the selected row's score."""
        row, data = self.selected(), self._data
        if row is None or data is None:
            self.app.bell()
            return
        a, lang, source = data.assessment, self.lang, self.host.source
        shown = period_title(a.period, a.period_key, lang, running=data.running)
        title = f"{row.label(lang)} · {shown}"
        before = a.start - EPSILON

        def previous() -> AssessmentRow | None:
            found = source.assessment(a.level, a.period, before)
            return next((r for r in found.rows if r.subject_id == row.subject_id), None)

        earlier = period_title(a.period, a.previous_key, lang)
        self.app.push_screen(FiguresScreen(title, row, lang, previous, earlier))

    def action_export(self) -> None:
        """Write the bulletin of the period and level shown."""
        data: AssessData | None = self._data
        if data is None:
            self.app.bell()
            self.notify(tr("assess.no_data_yet", self.lang), timeout=2)
            return
        host = self.host
        self.query_one(BulletinExport).start(
            host.source, host.bulletins, data.assessment, data.view.at or host.now(),
            [self.level], self.lang,
        )  # fmt: skip
