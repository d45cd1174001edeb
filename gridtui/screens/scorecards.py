"""5 · Scorecards: the grid workers' leaderboard and the departments' scorecards.

``p`` switches the period (week → month → year, the period key in the title);
supervisors press ``a`` on a worker or department row for a spot-check adjustment
(抽查加减分). The role is checked here for an immediate, clear refusal and again by
the data source, which is what really enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from gridtui.data.sources.records import Period, Scorecards, ScoreRow
from gridtui.data.sources.source import NotPermitted
from gridtui.domain.roles import ADJUST_POINTS, may, required_role
from gridtui.i18n import duration, role_label, tr
from gridtui.labels import error_text
from gridtui.screens.base import DataScreen
from gridtui.screens.modals.adjust import AdjustForm
from gridtui.widgets.boards import board_titles
from gridtui.widgets.key_bar import KeyBar
from gridtui.widgets.layout import SCREEN_WIDE, SCREEN_XWIDE
from gridtui.widgets.render import safe, spark
from gridtui.widgets.status_bar import StatusBar
from gridtui.widgets.tables import refill

PERIODS: tuple[Period, ...] = ("week", "month", "year")
#: rows per leaderboard
LIMIT = 30


@dataclass(frozen=True, slots=True)
class ScoreData:
    """What one load brings."""

    cards: Scorecards


def _num(text: str, style: str = "") -> Text:
    return Text(text, style=style, justify="right")


def _rate(value: float | None, *, alert: bool) -> Text:
    if value is None:
        return _num("—", "dim")
    return _num(f"{value:.0%}", "bold red" if alert else "")


def _points(value: float) -> Text:
    return _num(f"{value:,.2f}".rstrip("0").rstrip("."), "bold red" if value < 0 else "bold")


class ScorecardsScreen(DataScreen):
    """Worker leaderboard and department scorecards for a week, month or year."""

    NAME = "scorecards"
    PERIODIC = 60.0
    DEFAULT_CSS = """
    ScorecardsScreen .section { height: 1; padding: 0 1; text-style: bold; background: $boost; }
    ScorecardsScreen #boards { height: 1fr; }
    ScorecardsScreen #workers-box { height: 2fr; }
    ScorecardsScreen #departments-box { height: 1fr; }
    ScorecardsScreen DataTable { height: 1fr; }
    ScorecardsScreen.-xwide #boards { layout: horizontal; }
    ScorecardsScreen.-xwide #workers-box, ScorecardsScreen.-xwide #departments-box {
        height: 1fr; width: 1fr;
    }
    """
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("p", "period", "period", id="key.period"),
        Binding("a", "adjust", "adjust", id="key.adjust"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period: Period = "week"
        self._by_key: dict[str, ScoreRow] = {}
        self._wide = False
        self.message = ""  # the last refusal or result shown, for tests

    def compose(self) -> ComposeResult:
        """Title, the two leaderboards."""
        yield StatusBar()
        yield Static(classes="section", id="score-title")
        # one over the other; side by side on a wall terminal (XWIDE), where the workers'
        # board then shows as many rows as the terminal is tall
        with Vertical(id="boards"):
            with Vertical(id="workers-box"):
                yield Static(classes="section", id="workers-title")
                yield DataTable(id="workers", cursor_type="row", zebra_stripes=True)
            with Vertical(id="departments-box"):
                yield Static(classes="section", id="departments-title")
                yield DataTable(id="departments", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        """Label and load (Textual runs :meth:`DataScreen.on_mount` itself)."""
        self.retitle()
        self.reload()

    def retitle(self) -> None:
        """Titles in the current language, with the period and its key."""
        lang = self.lang
        cards: Scorecards | None = self._data.cards if self._data is not None else None
        key = f" {cards.period_key}" if cards is not None and cards.period == self.period else ""
        self.query_one("#score-title", Static).update(
            Text(
                f"{tr('screen.scorecards', lang)} · {tr('score.period', lang)}: "
                f"{tr(f'period.{self.period}', lang)}{key}  [p]"
            )
        )
        workers, departments = board_titles(cards, lang)
        self.query_one("#workers-title", Static).update(Text(workers))
        self.query_one("#departments-title", Static).update(Text(departments))

    def fetch(self) -> ScoreData:
        """The period's leaderboards (worker thread)."""
        limit = max(LIMIT, self.app.size.height)  # a tall terminal shows more of the board
        return ScoreData(self.host.source.scorecards(self.period, self.host.now(), limit))

    def show(self, data: ScoreData) -> None:
        """Fill both tables, keeping each one's selection and scroll."""
        self._wide = self.app.size.width >= SCREEN_WIDE
        self.set_class(self.app.size.width >= SCREEN_XWIDE, "-xwide")
        cards = data.cards
        self._by_key = {_key(r): r for r in (*cards.workers, *cards.departments)}
        self._fill("#workers", cards.workers, "col.name", reports=True)
        self._fill("#departments", cards.departments, "col.department", reports=False)
        self.retitle()

    def _fill(self, selector: str, rows: list[ScoreRow], name_key: str, *, reports: bool) -> None:
        lang = self.lang
        keys = ["col.rank", name_key, "col.points", "col.closures", "col.on_time", "col.arrival"]
        keys.append("col.satisfied")
        if reports:
            keys.append("col.reports")
        keys.append("col.trend")
        if self._wide and (reports or lang != "zh"):  # department codes are English words
            keys.insert(1, "col.code")
        columns: list[tuple[str, str, int | None]] = [(k, tr(k, lang), None) for k in keys]
        body: list[tuple[str, list[RenderableType]]] = []
        for row in rows:
            cells: dict[str, RenderableType] = {
                "col.rank": _num(str(row.rank)),
                "col.code": safe(row.code),
                name_key: safe(row.label(lang)),
                "col.points": _points(row.points),
                "col.closures": _num(str(row.closures)),
                "col.on_time": _rate(row.on_time_rate, alert=row.on_time_alert),
                "col.arrival": _num(duration(row.avg_arrival, lang)),
                "col.satisfied": _rate(row.satisfaction_rate, alert=row.satisfaction_alert),
                "col.reports": _rate(row.report_compliance, alert=row.report_alert),
                "col.trend": Text(spark(row.trend), style="cyan"),
            }
            body.append((_key(row), [cells[k] for k in keys]))
        refill(self.query_one(selector, DataTable), columns, body)

    # -- actions ---------------------------------------------------------------------------

    def action_period(self) -> None:
        """Week → month → year → week."""
        self.period = PERIODS[(PERIODS.index(self.period) + 1) % len(PERIODS)]
        self.retitle()
        self.reload()

    def selected(self) -> ScoreRow | None:
        """The selected row of the focused table (the workers' when neither has focus)."""
        focused = self.focused
        table = (
            focused
            if isinstance(focused, DataTable) and focused.id == "departments"
            else self.query_one("#workers", DataTable)
        )
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._by_key.get(key or "")

    def _say(self, message: str, *, error: bool = False, title: str = "") -> None:
        self.message = message
        self.notify(
            message, title=title, severity="error" if error else "information", markup=False
        )

    def action_adjust(self) -> None:
        """Open the adjustment form for the selected row, or say why not."""
        host, lang = self.host, self.lang
        if not may(host.role, ADJUST_POINTS):
            need = required_role(ADJUST_POINTS)
            self._say(
                tr(
                    "act.role_refused",
                    lang,
                    role=role_label(host.role, lang),
                    action=tr("key.adjust", lang),
                    need=role_label(need.value, lang) if need else "—",
                ),
                error=True,
                title=tr("act.refused", lang),
            )
            return
        row = self.selected()
        if row is None:
            self._say(tr("adjust.no_row", lang), error=True)
            return
        name = f"{tr(f'adjust.subject.{row.subject_kind}', lang)} {row.label(lang)} ({row.code})"

        def submit(points: float, reason: str) -> None:
            try:
                host.source.adjust(
                    row.subject_kind,
                    row.subject_id,
                    points,
                    reason,
                    role=host.role,
                    actor=host.actor,
                )
            except NotPermitted as exc:
                why = error_text(exc, lang)
                self.app.call_from_thread(self._say, why, error=True, title=tr("act.refused", lang))
                raise

        def done(points: float | None) -> None:
            if points is None:
                return
            self._say(tr("adjust.done", self.lang, name=name, points=points))
            self.reload()

        self.app.push_screen(AdjustForm(name, lang, submit), done)


def _key(row: ScoreRow) -> str:
    """The table key of a card: ``worker:<id>`` or ``department:<id>``."""
    return f"{row.subject_kind}:{row.subject_id}"
