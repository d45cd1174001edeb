"""The wall's risk board, SLA board and scorecards (see :mod:`gridtui.wall.base`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from gridtui.data.sources.records import Board, BoardCell, Reference, Scorecards, ScoreRow, SlaRow
from gridtui.i18n import clock_state_label, colour_label, duration, tr
from gridtui.wall.base import (
    ROWS,
    WallScreen,
    colour_tiles,
    countdown,
    show_colour_tiles,
)
from gridtui.wall.widgets import BigFigure, RowList, WallText, columns
from gridtui.widgets.boards import (
    COLOURS,
    KINDS,
    SLA_LIMIT,
    board_titles,
    ordered,
    ranked,
    state_of,
)
from gridtui.widgets.palette import risk_style, state_style
from gridtui.widgets.render import (
    colour_chip,
    safe,
    spark,
    state_text,
)

#: how many levels the risk wall goes down while a node has a single child
DESCEND = 3
#: rows per scorecard list
SCORE_ROWS = 20


def colour_counts(counts: dict[str, int], width: int = 4) -> Text:
    """The five counts, red … green, right-aligned in ``width`` cells each, in colour."""
    out = Text(no_wrap=True)
    for colour in COLOURS:
        n = counts.get(colour, 0)
        out.append(f"{n:>{width}}", style=risk_style(colour) if n else "dim")
    return out


def colour_heads(lang: str, width: int = 4) -> Text:
    """Column heads for :func:`colour_counts`: 红 橙 黄 蓝 绿 / R O Y B G."""
    out = Text(no_wrap=True)
    for colour in COLOURS:
        label = colour_label(colour, lang)[:1]
        out.append(" " * (width - cell_len(label)) + label, style=risk_style(colour))
    return out


# -- risk -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WallRiskData:
    """The board shown (the first level with more than one child) and the names."""

    board: Board
    ref: Reference


class WallRiskScreen(WallScreen):
    """Open tickets by colour in big digits for the area, one row per area below it,
    and the mandatory daily patrol points."""

    NAME = "risk"
    PERIODIC = 60.0
    DEFAULT_CSS = """
    WallRiskScreen #rk-crumb { height: 1; padding: 0 1; text-style: bold; }
    WallRiskScreen #rk-cells { height: 1fr; }
    WallRiskScreen #rk-patrol { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.cells = RowList(ROWS, id="rk-cells")
        self.patrol = RowList(ROWS, id="rk-patrol")

    def compose_body(self) -> ComposeResult:
        """The colour tiles (where the other screens have theirs: rotating redraws
        less), where, the areas below, the patrol points."""
        yield from colour_tiles("rk")
        yield WallText(id="rk-crumb")
        yield WallText(classes="wall-section", id="rk-cells-title")
        yield WallText(classes="wall-head", id="rk-cells-head")
        yield self.cells
        yield WallText(classes="wall-section", id="rk-patrol-title")
        yield self.patrol

    def fetch(self) -> WallRiskData:
        """The city's board, or the first level below it with several areas."""
        src = self.host.source
        board = src.board(None)
        for _ in range(DESCEND):
            if len(board.cells) != 1 or not board.cells[0].children:
                break
            board = src.board(board.cells[0].node.id)
        return WallRiskData(board, src.reference())

    def retitle(self) -> None:
        """Column heads in the current language."""
        self.query_one("#rk-cells-head", WallText).set(self._cell_row(None))

    def show(self, data: WallRiskData) -> None:
        """Fill what changed."""
        lang, own = self.lang, data.board.node
        crumb = Text(no_wrap=True, overflow="ellipsis")
        for i, step in enumerate(data.ref.path(own.node.id)):
            if i:
                crumb.append(" › ", style="dim")
            crumb.append_text(safe(step.label(lang)))
        crumb.append(f"  ({tr(f'risk.level.{own.node.level}', lang)})", style="dim")
        crumb.append(f"   {tr('risk.node_tickets', lang)} {sum(own.tickets.values()):,}")
        self.query_one("#rk-crumb", WallText).set(crumb)
        notes = {c: f"{tr('risk.node_entities', lang)} {own.entities.get(c, 0)}" for c in COLOURS}
        show_colour_tiles(self, "rk", own.tickets, notes)
        children = ranked(data.board.cells)
        level = children[0].node.level if children else ""
        title = (
            tr("risk.children", lang, level=tr(f"risk.level.{level}", lang), n=len(children))
            if level
            else tr("risk.no_children", lang)
        )
        self.query_one("#rk-cells-title", WallText).set(Text(title))
        self.cells.set_rows([self._cell_row(c) for c in children[: self.cells.capacity]])
        total = own.patrol_points
        patrol_title = f"{tr('risk.patrol', lang)} · {total}"
        if not total:
            patrol_title += f"  ({tr('risk.none_patrol', lang)})"
        self.query_one("#rk-patrol-title", WallText).set(Text(patrol_title))
        rows = []
        for p in data.board.patrol[: self.patrol.capacity]:
            kind = tr(f"risk.kind.{p.kind}", lang) if p.kind in KINDS else p.kind
            rows.append(
                columns(
                    (colour_chip(p.colour, lang), 8, "left"),
                    (safe(p.name), 18, "left"),
                    (safe(kind), 6, "left"),
                    (safe(data.ref.node_label(p.grid_id, lang)), 18, "left"),
                    (safe(p.reason), 0, "left"),
                )
            )
        self.patrol.set_rows(rows)
        self.retitle()

    def _cell_row(self, cell: BoardCell | None) -> Text:
        lang = self.lang
        if cell is None:
            return columns(
                (Text(tr("col.area", lang)), 18, "left"),
                (Text(tr("col.worst", lang)), 8, "left"),
                (colour_heads(lang), 20, "left"),
                (Text(tr("col.total", lang)), 5, "right"),
                (Text(tr("col.patrol", lang)), 6, "right"),
                (Text(tr("col.entities", lang)), 0, "left"),
            )
        return columns(
            (safe(cell.node.label(lang)), 18, "left"),
            (colour_chip(cell.worst, lang), 8, "left"),
            (colour_counts(cell.tickets), 20, "left"),
            (Text(f"{sum(cell.tickets.values()):,}"), 5, "right"),
            (Text(str(cell.patrol_points)), 6, "right"),
            (colour_counts(cell.entities), 0, "left"),
        )


# -- SLA --------------------------------------------------------------------------------------


class WallSlaScreen(WallScreen):
    """Running SLA clocks by state in big digits, then the most urgent clocks with live
    countdowns (recomputed every second from the last load, without a query)."""

    NAME = "sla"
    PERIODIC = 30.0
    STATES = ("breached", "critical", "warning", "ok")
    DEFAULT_CSS = """
    WallSlaScreen #sla-list { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.clocks = RowList(ROWS, id="sla-list")
        self._rows: list[SlaRow] = []

    def compose_body(self) -> ComposeResult:
        """State tiles (five, as on the other screens), the list."""
        with Horizontal(classes="wall-figures"):
            for state in (*self.STATES, "paused"):
                yield BigFigure(id=f"sla-{state}")
        yield WallText(classes="wall-section", id="sla-title")
        yield WallText(classes="wall-head", id="sla-head")
        yield self.clocks

    def fetch(self) -> list[SlaRow]:
        """The clocks of the most urgent tickets (worker thread)."""
        return self.host.source.sla_board(self.host.now(), SLA_LIMIT)

    def retitle(self) -> None:
        """Title and column heads in the current language."""
        lang = self.lang
        self.query_one("#sla-title", WallText).set(
            Text(f"{tr('screen.sla', lang)} · {tr('sla.order', lang)}")
        )
        self.query_one("#sla-head", WallText).set(self._row(None, None, ""))

    def show(self, data: list[SlaRow]) -> None:
        """Keep the rows; the tick draws them."""
        self._rows = data
        self.retitle()
        self.tick(self.host.now())

    def tick(self, now: datetime) -> None:
        """States, counts and countdowns as of ``now``; repaint only what changed."""
        if self._data is None:
            return
        lang = self.lang
        counts = Counter(state_of(r, now) for r in self._rows)
        for state in self.STATES:
            n = counts.get(state, 0)
            self.query_one(f"#sla-{state}", BigFigure).set_value(
                clock_state_label(state, lang),
                f"{n:,}",
                alert=state == "breached" and n > 0,
                tone=state_style(state).replace("reverse", "").strip() if n else "dim",
            )
        paused = sum(1 for r in self._rows if r.clock.paused)
        self.query_one("#sla-paused", BigFigure).set_value(
            tr("sla.paused", lang), f"{paused:,}", tone="" if paused else "dim"
        )
        rows = ordered(self._rows, now)[: self.clocks.capacity]
        self.clocks.set_rows([self._row(r, now, state_of(r, now)) for r in rows])

    def _row(self, row: SlaRow | None, now: datetime | None, state: str) -> Text:
        lang = self.lang
        if row is None or now is None:
            keys = ("col.id", "col.colour", "col.clock", "col.state", "col.remaining", "col.title")
            cells = [Text(tr(k, lang)) for k in keys]
        else:
            clock = row.clock
            if clock.paused:
                remaining = Text(
                    f"{duration(clock.remaining, lang)} {tr('sla.paused', lang)}", style="dim"
                )
            else:
                remaining = countdown(clock.deadline, now, lang, state)
            cells = [
                Text(f"#{row.ticket.id}"),
                colour_chip(row.ticket.colour, lang),
                safe(clock.label(lang)),
                state_text(state, lang),
                remaining,
                safe(row.ticket.title),
            ]
        return columns(
            (cells[0], 7, "left"),
            (cells[1], 8, "left"),
            (cells[2], 14, "left"),
            (cells[3], 8, "left"),
            (cells[4], 14, "left"),
            (cells[5], 0, "left"),
        )


# -- scorecards -------------------------------------------------------------------------------


#: the scorecard columns' widths (rank, name, points, closures, on time): narrow, wide
SCORE_WIDTHS = {False: (4, 8, 6, 4, 5), True: (4, 16, 7, 5, 7)}


class WallScorecardsScreen(WallScreen):
    """This week's leaderboards: grid workers and departments, side by side."""

    NAME = "scorecards"
    PERIODIC = 60.0
    DEFAULT_CSS = """
    WallScorecardsScreen #sc-title { height: 1; padding: 0 1; text-style: bold; }
    WallScorecardsScreen #sc-body { height: 1fr; }
    WallScorecardsScreen #sc-body > Vertical { width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        #: the name columns' widths for the data shown (by column key)
        self._names: dict[str, int] = {}
        self.worker_rows = RowList(SCORE_ROWS, id="sc-workers")
        self.department_rows = RowList(SCORE_ROWS, id="sc-departments")

    def compose_body(self) -> ComposeResult:
        """Title, the two leaderboards."""
        yield WallText(id="sc-title")
        with Horizontal(id="sc-body"):
            with Vertical():
                yield WallText(classes="wall-section", id="sc-workers-title")
                yield WallText(classes="wall-head", id="sc-workers-head")
                yield self.worker_rows
            with Vertical():
                yield WallText(classes="wall-section", id="sc-departments-title")
                yield WallText(classes="wall-head", id="sc-departments-head")
                yield self.department_rows

    def fetch(self) -> Scorecards:
        """This week's leaderboards (worker thread)."""
        return self.host.source.scorecards("week", self.host.now(), SCORE_ROWS)

    def retitle(self) -> None:
        """Titles and column heads in the current language."""
        if not self.query("#sc-workers-title"):  # not composed yet: on_mount titles it
            return
        lang = self.lang
        cards: Scorecards | None = self._data
        key = f" {cards.period_key}" if cards is not None else ""
        self.query_one("#sc-title", WallText).set(
            Text(f"{tr('screen.scorecards', lang)} · {tr('period.week', lang)}{key}")
        )
        workers, departments = board_titles(cards, lang)
        self.query_one("#sc-workers-title", WallText).set(Text(workers))
        self.query_one("#sc-departments-title", WallText).set(Text(departments))
        self.query_one("#sc-workers-head", WallText).set(self._row(None, "col.name"))
        self.query_one("#sc-departments-head", WallText).set(self._row(None, "col.department"))

    def show(self, data: Scorecards) -> None:
        """Fill what changed."""
        self._names = {
            "col.name": self._name_width(data.workers),
            "col.department": self._name_width(data.departments),
        }
        self.worker_rows.set_rows([self._row(r, "col.name") for r in data.workers])
        self.department_rows.set_rows([self._row(r, "col.department") for r in data.departments])
        self.retitle()

    def _name_width(self, rows: list[ScoreRow]) -> int:
        """The name column: the longest name when its half of the screen has the room
        (after the figures and the trend), else what there is (never below the
        default)."""
        widths, gap = SCORE_WIDTHS[self.wide], 2 if self.wide else 1
        names = max((cell_len(r.label(self.lang)) for r in rows), default=0)
        trend = max((len(spark(r.trend)) for r in rows), default=0)
        room = self.app.size.width // 2 - 2 - sum(widths) + widths[1] - 5 * gap - trend
        return max(widths[1], min(names, room))

    def _row(self, row: ScoreRow | None, name_key: str) -> Text:
        lang = self.lang
        if row is None:
            heads = ("col.rank", name_key, "col.points", "col.closures", "col.on_time")
            cells = [Text(tr(k, lang)) for k in heads] + [Text(tr("col.trend", lang))]
        else:
            points = f"{row.points:,.2f}".rstrip("0").rstrip(".")
            rate = "—" if row.on_time_rate is None else f"{row.on_time_rate:.0%}"
            late = row.on_time_alert
            cells = [
                Text(str(row.rank), style="bold" if row.rank <= 3 else ""),
                safe(row.label(lang)),
                Text(points, style="bold red" if row.points < 0 else "bold"),
                Text(str(row.closures)),
                Text(rate, style="bold red" if late else ""),
                Text(spark(row.trend), style="cyan"),
            ]
        widths = list(SCORE_WIDTHS[self.wide])
        widths[1] = self._names.get(name_key, widths[1])
        aligns = ("right", "left", "right", "right", "right")
        spec = [
            (cell, width, align) for cell, width, align in zip(cells, widths, aligns, strict=False)
        ]
        return columns(*spec, (cells[5], 0, "left"), gap=2 if self.wide else 1)
