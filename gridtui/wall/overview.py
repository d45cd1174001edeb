"""The wall's overview: headline KPIs and open tickets by colour in big digits, the
most urgent tickets with their countdowns and (wide) the channel mix, the day's rhythm
and the missing daily reports (see :mod:`gridtui.wall.base`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from gridtui.data.sources.records import Overview, Reference, TicketRow, TrendPoint
from gridtui.i18n import channel_label, tr
from gridtui.wall.base import ROWS, WallScreen, colour_tiles, countdown, show_colour_tiles
from gridtui.wall.widgets import (
    BigFigure,
    RowList,
    WallText,
    columns,
)
from gridtui.widgets.render import (
    colour_chip,
    missing_reports,
    reports_alert,
    reports_title,
    safe,
    spark,
)


@dataclass(frozen=True, slots=True)
class WallOverviewData:
    """What one load of the wall overview brings."""

    overview: Overview
    trend: list[TrendPoint]
    ref: Reference


class WallOverviewScreen(WallScreen):
    """Headline KPIs and open tickets by colour in big digits, the most urgent tickets
    with their countdowns, and (wide) the channel mix, the day's rhythm and the
    missing daily reports."""

    NAME = "overview"
    PERIODIC = 30.0
    KPIS = ("intake_today", "open", "overdue", "closure_rate", "on_time_rate")
    DEFAULT_CSS = """
    WallOverviewScreen #ov-body { height: 1fr; }
    WallOverviewScreen #ov-left { width: 2fr; }
    WallOverviewScreen #ov-side { width: 1fr; display: none; }
    WallOverviewScreen.-wide #ov-side { display: block; }
    WallOverviewScreen #ov-side WallText { height: auto; padding: 0 1; }
    WallOverviewScreen #ov-missing { text-wrap: wrap; text-overflow: fold; }
    WallOverviewScreen #ov-missing-title.-alert { background: $warning; color: $text; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.at_risk = RowList(ROWS, id="ov-at-risk")
        self._at_risk: list[TicketRow] = []

    def compose_body(self) -> ComposeResult:
        """KPI tiles, colour tiles, the at-risk list and the side panel."""
        with Horizontal(classes="wall-figures", id="ov-kpis"):
            for key in self.KPIS:
                yield BigFigure(id=f"kpi-{key}")
        yield from colour_tiles("ov")
        with Horizontal(id="ov-body"):
            with Vertical(id="ov-left"):
                yield WallText(classes="wall-section", id="ov-at-risk-title")
                yield WallText(classes="wall-head", id="ov-at-risk-head")
                yield self.at_risk
            with Vertical(id="ov-side"):
                yield WallText(classes="wall-section", id="ov-mix-title")
                yield WallText(fixed=False, id="ov-mix")
                yield WallText(classes="wall-section", id="ov-trend-title")
                yield WallText(fixed=False, id="ov-trend")
                yield WallText(classes="wall-section", id="ov-missing-title")
                yield WallText(fixed=False, id="ov-missing")

    def retitle(self) -> None:
        """Section titles and column heads in the current language."""
        lang = self.lang
        self.query_one("#ov-at-risk-title", WallText).set(Text(tr("overview.at_risk", lang)))
        self.query_one("#ov-at-risk-head", WallText).set(self._row(None, None))
        days = self._data.overview.window_days if self._data is not None else 30
        mix = f"{tr('overview.mix', lang)} · {tr('kpi.window', lang, days=days)}"
        self.query_one("#ov-mix-title", WallText).set(Text(mix))
        self.query_one("#ov-trend-title", WallText).set(Text(tr("wall.last_24h", lang)))
        overview = self._data.overview if self._data is not None else None
        title = self.query_one("#ov-missing-title", WallText)
        title.set(Text(reports_title(overview, lang) if overview else tr("overview.reports", lang)))
        title.set_class(overview is not None and reports_alert(overview), "-alert")

    def fetch(self) -> WallOverviewData:
        """KPIs, the 24-hour rhythm and names (worker thread)."""
        src, now = self.host.source, self.host.now()
        return WallOverviewData(src.overview(now), src.trend("24h", now), src.reference())

    def show(self, data: WallOverviewData) -> None:
        """Fill what changed."""
        lang, o = self.lang, data.overview
        window = tr("kpi.window", lang, days=o.window_days)
        tiles = {
            "intake_today": (f"{o.intake_today:,}", "", False),
            "open": (f"{o.open:,}", "", False),
            "overdue": (f"{o.overdue:,}", "", o.overdue > 0),
            "closure_rate": (f"{o.closure_rate:.1%}", window, False),
            "on_time_rate": (f"{o.on_time_rate:.1%}", window, o.on_time_alert),
        }
        for key, (value, note, alert) in tiles.items():
            # narrow tiles cut long labels: there the wall says less (Intake, On time)
            short = not self.wide and key in ("intake_today", "closure_rate", "on_time_rate")
            label = tr(f"wall.kpi.{key}" if short else f"kpi.{key}", lang)
            self.query_one(f"#kpi-{key}", BigFigure).set_value(label, value, note, alert=alert)
        show_colour_tiles(self, "ov", o.open_by_colour, {})
        self._at_risk = o.at_risk
        self.tick(self.host.now())
        if self.wide:
            self._side(data)
        self.retitle()

    def _row(self, row: TicketRow | None, now: datetime | None) -> Text:
        """One line of the at-risk list (``None``: the column heads)."""
        lang = self.lang
        data: WallOverviewData | None = self._data
        grid = 16 if self.wide else 0
        if row is None or now is None:
            heads = ["col.id", "col.colour", "col.remaining", "col.grid", "col.title"]
            cells = [Text(tr(k, lang)) for k in heads]
        else:
            ref = data.ref if data is not None else None
            cells = [
                Text(f"#{row.id}"),
                colour_chip(row.colour, lang),
                countdown(row.next_deadline, now, lang),
                safe(ref.node_label(row.grid_id, lang) if ref else ""),
                safe(row.title),
            ]
        spec: list[tuple[Text, int, str]] = [
            (cells[0], 7, "left"),
            (cells[1], 8, "left"),
            (cells[2], 14, "left"),  # "‼ 87d20h over"
        ]
        if grid:
            spec.append((cells[3], grid, "left"))
        spec.append((cells[4], 0, "left"))
        return columns(*spec)

    def tick(self, now: datetime) -> None:
        """Countdowns of the at-risk list, from the last load and the app clock."""
        self.at_risk.set_rows([self._row(r, now) for r in self._at_risk[: self.at_risk.capacity]])

    def _side(self, data: WallOverviewData) -> None:
        lang, o = self.lang, data.overview
        total = sum(o.channel_mix.values()) or 1
        mix = Text(no_wrap=True, overflow="ellipsis")
        for i, (channel, n) in enumerate(o.channel_mix.items()):
            share = n / total
            bar = Text("█" * max(1, round(share * 16)), style="bold")
            if i:
                mix.append("\n")
            mix.append_text(
                columns(
                    (Text(channel_label(channel, lang)), 10, "left"),
                    (bar, 16, "left"),
                    (Text(f"{share:.0%}"), 4, "right"),
                    gap=1,
                )
            )
        self.query_one("#ov-mix", WallText).set(mix)
        intake = [float(p.intake) for p in data.trend]
        closed = [float(p.closed) for p in data.trend]
        trend = Text(no_wrap=True, overflow="ellipsis")
        trend.append(f"{tr('overview.intake', lang):<6}", style="bold")
        trend.append(spark(intake), style="cyan")
        trend.append(f" {int(sum(intake))}\n")
        trend.append(f"{tr('overview.closed', lang):<6}", style="bold")
        trend.append(spark(closed), style="green")
        trend.append(f" {int(sum(closed))}")
        self.query_one("#ov-trend", WallText).set(trend)
        missing = missing_reports(o, lang, shown=12, codes=True, tz=self.host.tz)
        self.query_one("#ov-missing", WallText).set(missing)
