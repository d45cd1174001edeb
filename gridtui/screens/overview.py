"""1 · Overview, the wall screen: KPIs, the five colours, what is about to breach, trends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from gridtui.data.sources.records import Overview, Reference, TicketRow, TrendPoint, TrendSpan
from gridtui.data.sources.source import AT_RISK
from gridtui.i18n import channel_label, tr
from gridtui.screens.base import DataScreen
from gridtui.screens.messages import OpenTicket
from gridtui.widgets.count_plot import CountPlot, fitting_ticks
from gridtui.widgets.flow import Flow
from gridtui.widgets.key_bar import KeyBar
from gridtui.widgets.kpi import KpiTile
from gridtui.widgets.layout import SCREEN_ROOMY, SCREEN_TALL, SCREEN_WIDE, SCREEN_XWIDE
from gridtui.widgets.render import (
    colour_chip,
    fill_table,
    fit_flex_column,
    levels_text,
    missing_reports,
    remaining_text,
    reports_alert,
    reports_title,
    safe,
    status_text,
)
from gridtui.widgets.status_bar import StatusBar

SPANS: tuple[TrendSpan, ...] = ("24h", "7d", "30d")
#: characters of an unassigned ticket's title shown (one line of its box on a wide screen)
UNASSIGNED_TITLE = 22
#: the trend's two lines (named in the section title in the same colours)
INTAKE_COLOUR, CLOSED_COLOUR = "cyan", "magenta"


@dataclass(frozen=True, slots=True)
class OverviewData:
    """What one load brings."""

    overview: Overview
    trend: list[TrendPoint]
    span: TrendSpan
    ref: Reference | None
    #: how many at-risk tickets were asked for (as many as the terminal was tall)
    asked: int = AT_RISK


class OverviewScreen(DataScreen):
    """KPI tiles, colour counts, at-risk list, trend chart, channel mix, missing reports."""

    NAME = "overview"
    PERIODIC = 30.0
    DEFAULT_CSS = """
    OverviewScreen #kpis { height: 4; }
    OverviewScreen.-big #kpis { height: 6; }
    OverviewScreen #colours { height: auto; max-height: 2; padding: 0 1; }
    OverviewScreen #middle { height: 1fr; }
    OverviewScreen #at-risk-box { width: 1fr; }
    OverviewScreen #trend-box { width: 1fr; }
    OverviewScreen #at-risk { height: 1fr; }
    OverviewScreen .section { height: 1; padding: 0 1; text-style: bold; background: $boost; }
    OverviewScreen #trend { height: 1fr; min-height: 5; }
    OverviewScreen #bottom { height: auto; max-height: 8; }
    OverviewScreen #mix, OverviewScreen #missing { width: 1fr; height: auto; padding: 0 1; }
    OverviewScreen #missing.-alert { border-left: thick $warning; }
    OverviewScreen #unassigned { width: 1fr; height: auto; padding: 0 1; display: none; }
    OverviewScreen #unassigned.-shown { display: block; border-left: thick $warning; }
    """
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("s", "span", "span", id="key.span"),
        Binding("enter", "open_ticket", "open", id="key.open"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.span: TrendSpan = "24h"

    def compose(self) -> ComposeResult:
        """The wall layout."""
        yield StatusBar()
        with Horizontal(id="kpis"):
            for key in ("intake_today", "open", "overdue", "closure_rate", "on_time_rate"):
                yield KpiTile(id=f"kpi-{key}")
        yield Static(id="colours")
        with Horizontal(id="middle"):
            with Vertical(id="at-risk-box"):
                yield Static(classes="section", id="at-risk-title")
                yield DataTable(id="at-risk", cursor_type="row", zebra_stripes=True)
            with Vertical(id="trend-box"):
                yield Static(classes="section", id="trend-title")
                yield CountPlot(id="trend")
        with Horizontal(id="bottom"):
            yield Static(id="mix")
            yield Static(id="missing")
            yield Static(id="unassigned")
        yield KeyBar()

    def on_mount(self) -> None:
        """Label and load."""
        self.retitle()
        self.reload()

    def retitle(self) -> None:
        """Section titles in the current language."""
        self.query_one("#at-risk-title", Static).update(tr("overview.at_risk", self.lang))
        title = Text(f"{tr('overview.trend', self.lang)} · {self.span}  [s]   ")
        title.append(f"⣿ {tr('overview.intake', self.lang)}", style=f"bold {INTAKE_COLOUR}")
        title.append(f"  ⣿ {tr('overview.closed', self.lang)}", style=f"bold {CLOSED_COLOUR}")
        self.query_one("#trend-title", Static).update(title)

    def fetch(self) -> OverviewData:
        """Overview, trend and names (worker thread)."""
        src = self.host.source
        now = self.host.now()
        # Names are needed for the wide columns only; the first paint should not wait
        # for the whole catalogue on a narrow screen.
        ref = src.reference() if self.app.size.width >= SCREEN_WIDE else None
        asked = self.at_risk_rows()
        overview = src.overview(now, at_risk=asked)
        return OverviewData(overview, src.trend(self.span, now), self.span, ref, asked)

    def at_risk_rows(self) -> int:
        """How many at-risk tickets to ask for: as many as the list has rows for (a tall
        terminal shows more), never fewer than the source's default."""
        return max(AT_RISK, self.app.size.height)

    def size_class(self) -> object:
        """Wide, wider, tall, and how many at-risk rows the height asks for."""
        return (super().size_class(), self.at_risk_rows())

    def redraw(self) -> None:
        """Draw the last data again, or load again when the list should be longer."""
        data = self._data
        if isinstance(data, OverviewData) and data.asked != self.at_risk_rows():
            self.reload()
        else:
            super().redraw()

    def show(self, data: OverviewData) -> None:
        """Fill every panel."""
        big = self.app.size.height >= SCREEN_TALL
        self.set_class(big, "-big")
        for tile in self.query(KpiTile):
            tile.set_class(big, "-big")
        lang = self.lang
        o = data.overview
        window = tr("kpi.window", lang, days=o.window_days)
        tiles = {
            "intake_today": (f"{o.intake_today:,}", "", False),
            "open": (f"{o.open:,}", "", False),
            "overdue": (f"{o.overdue:,}", "", o.overdue > 0),
            "closure_rate": (f"{o.closure_rate:.1%}", window, False),
            "on_time_rate": (f"{o.on_time_rate:.1%}", window, o.on_time_alert),
        }
        for key, (value, note, alert) in tiles.items():
            self.query_one(f"#kpi-{key}", KpiTile).set_value(
                tr(f"kpi.{key}", lang), value, note, alert=alert
            )
        colours = Text(tr("overview.colours", lang) + ":  ", style="bold")
        for colour, n in o.open_by_colour.items():
            colours.append_text(colour_chip(colour, lang, count=n))
            colours.append("   ")
        # the ladder beside the colours where it fits, else on a line of its own
        colours.append("\n" if self.app.size.width < SCREEN_WIDE else " ")
        colours.append_text(levels_text(o.open_by_level, lang))
        self.query_one("#colours", Static).update(colours)
        self._fill_at_risk(data)
        self._draw_trend(data)
        self._fill_bottom(data)
        self.retitle()

    def _fill_at_risk(self, data: OverviewData) -> None:
        lang, ref, now = self.lang, data.ref, self.host.now()
        table = self.query_one("#at-risk", DataTable)
        wide = self.app.size.width >= SCREEN_WIDE and ref is not None
        cursor = table.cursor_row
        xwide = wide and self.app.size.width >= SCREEN_XWIDE
        cols = ["col.id", "col.colour", "col.remaining", "col.title"]
        if wide:
            cols += ["col.category", "col.grid"]
        if xwide:  # a wall terminal: who holds each ticket, and where it stands
            cols += ["col.status", "col.assignee"]
        rows: list[list[Text]] = []
        for row in data.overview.at_risk:
            cells: list[Text] = [
                Text(str(row.id)),
                colour_chip(row.colour, lang),
                remaining_text(row.next_deadline, now, lang),
                safe(row.title),
            ]
            if wide:
                assert ref is not None
                cat = ref.categories.get(row.category)
                cells += [
                    safe(cat.label(lang) if cat else row.category),
                    safe(ref.node_label(row.grid_id, lang)),
                ]
                if xwide:
                    cells += [status_text(row.status, lang), safe(_holder(row, ref, lang))]
                for extra in cells[4:]:  # a wider screen gives the names more room
                    extra.truncate(max(16, self.app.size.width // 10), overflow="ellipsis")
            rows.append(cells)
        headers = [tr(key, lang) for key in cols]
        fit_flex_column(rows, headers, 3, table.size.width or self.app.size.width // 2)
        keyed = [(str(r.id), cells) for r, cells in zip(data.overview.at_risk, rows, strict=True)]
        fill_table(table, list(zip(cols, headers, strict=True)), keyed)
        if data.overview.at_risk:
            table.move_cursor(row=min(cursor, len(data.overview.at_risk) - 1))

    def _draw_trend(self, data: OverviewData) -> None:
        plot = self.query_one("#trend", CountPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        xs: list[float] = [float(i) for i in range(len(data.trend))]
        fmt = "%H" if data.span == "24h" else "%m-%d"
        labels = [p.start.astimezone(self.host.tz).strftime(fmt) for p in data.trend]
        step = max(1, len(xs) // 8)
        intake = [p.intake for p in data.trend]
        closed = [p.closed for p in data.trend]
        # both series as lines (braille), counts on whole-number ticks from zero
        plt.plot(xs, intake, marker="braille", color=INTAKE_COLOUR)
        plt.plot(xs, closed, marker="braille", color=CLOSED_COLOUR)
        top = max([*intake, *closed], default=0)

        def ticks(rows: int) -> list[int]:
            chosen = fitting_ticks(top, rows)
            plt.ylim(0, chosen[-1])
            return chosen

        plot.y_ticks(ticks)
        plt.xticks(xs[::step], labels[::step])
        plot.refresh()

    def _fill_bottom(self, data: OverviewData) -> None:
        lang, o = self.lang, data.overview
        mix = Text(
            tr("overview.mix", lang) + f" ({tr('kpi.window', lang, days=o.window_days)})\n",
            style="bold",
        )
        total = sum(o.channel_mix.values()) or 1
        bars = self.app.size.width >= SCREEN_ROOMY
        bar = 40 if self.app.size.width >= SCREEN_XWIDE else 20  # a wide wall: longer bars
        shares: list[Text] = []
        for channel, n in o.channel_mix.items():
            share = n / total
            entry = Text(channel_label(channel, lang))
            if bars:
                entry.append(" " + "█" * max(1, round(share * bar)), style="bold")
            entry.append(f" {share:.0%}")
            shares.append(entry)
        if bars:
            mix.append_text(Text("\n").join(shares))
            self.query_one("#mix", Static).update(mix)
        else:  # each channel with its share on one line ("领导交办 3%", never "3%" alone)
            mix.rstrip()
            self.query_one("#mix", Static).update(Group(mix, Flow(shares, gap="  ")))
        missing = Text()
        if o.reports_past_due:  # before then the line itself says "daily reports due …"
            missing.append(reports_title(o, lang) + "  ", style="bold")
        shown = 30 if self.app.size.width >= SCREEN_WIDE else 8
        missing.append_text(missing_reports(o, lang, shown=shown, codes=True, tz=self.host.tz))
        box = self.query_one("#missing", Static)
        box.update(missing)
        box.set_class(reports_alert(o), "-alert")
        self._fill_unassigned(o)

    def _fill_unassigned(self, o: Overview) -> None:
        """The open tickets in no grid, when there are any: the count, then the first
        few, each with its colour (and its title where the screen is wide)."""
        box = self.query_one("#unassigned", Static)
        box.set_class(o.unassigned > 0, "-shown")
        if not o.unassigned:
            box.update("")
            return
        lang, wide = self.lang, self.app.size.width >= SCREEN_WIDE
        text = Text("⚠ " + tr("overview.unassigned", lang, n=o.unassigned), style="bold")
        shown = o.unassigned_tickets[: 5 if wide else 2]
        for row in shown:
            text.append(f"\n#{row.id} ")
            text.append_text(colour_chip(row.colour, lang))
            if wide:  # one line each: the title cut to the box
                text.append(" ")
                text.append_text(safe(row.title[:UNASSIGNED_TITLE]))
        if o.unassigned > len(shown):
            more = tr("overview.unassigned_more", lang, n=o.unassigned - len(shown))
            text.append("\n" + more, style="dim")
        box.update(text)

    def action_span(self) -> None:
        """Cycle the trend between 24 h, 7 days and 30 days."""
        self.span = SPANS[(SPANS.index(self.span) + 1) % len(SPANS)]
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens that ticket."""
        if event.row_key.value:
            self.app.post_message(OpenTicket(int(event.row_key.value)))

    def action_open_ticket(self) -> None:
        """Open the selected at-risk ticket."""
        table = self.query_one("#at-risk", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key:
                self.app.post_message(OpenTicket(int(key)))


def _holder(row: TicketRow, ref: Reference, lang: str) -> str:
    """Who holds ``row``: its worker (name and code), else its department, else "—"."""
    worker = ref.workers.get(row.worker_id) if row.worker_id is not None else None
    if worker is not None:
        return f"{worker.name}({worker.code})"
    dept = ref.departments.get(row.department_id) if row.department_id is not None else None
    return dept.label(lang) if dept is not None else "—"
