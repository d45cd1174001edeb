"""The wall's screens (``gridtui wall``): read-only, large figures, no keys of their own.

:class:`WallScreen` is a :class:`~gridtui.screens.base.DataScreen` (the same loading in
workers, stale marking and retries as the interactive screens) framed by the wall's
header (title, big clock, freshness), outage banner and rotation strip, which the app
fills (:class:`~gridtui.wall.app.WallApp`). What differs from the interactive screens:

* loads are coalesced: at most one per :attr:`WallScreen.MIN_GAP` seconds however
  fast the change feed moves, and a screen out of view only notes that it is behind
  (it loads when it comes back);
* every widget repaints only what changed (see :mod:`gridtui.widgets.wall`), and the
  per-second :meth:`WallScreen.tick` recomputes countdowns without a query.

The overview is here; the risk, SLA and scorecard walls are in
:mod:`gridtui.screens.wall_boards`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message_pump import MessagePump
from textual.timer import Timer

from gridtui.data.sources.records import Overview, Reference, TicketRow, TrendPoint
from gridtui.i18n import channel_label, colour_label, duration, tr
from gridtui.screens.base import DataScreen
from gridtui.widgets.palette import risk_style, state_style
from gridtui.widgets.render import (
    colour_chip,
    missing_reports,
    overdue_text,
    reports_alert,
    reports_title,
    safe,
    spark,
)
from gridtui.widgets.wall import (
    BigFigure,
    OutageBanner,
    RotationStrip,
    RowList,
    WallHeader,
    WallText,
    columns,
)

#: the five colours, most urgent first
COLOURS = ("red", "orange", "yellow", "blue", "green")
#: rows made for each list (taller terminals show this many at most)
ROWS = 40
#: width (columns) and height (lines) from which the wall shows its side panels and notes
WIDE, TALL = 110, 36
#: seconds between two recomputations of the countdowns in the lists (minutes shown)
TICK_SECONDS = 5.0


def countdown(
    deadline: datetime | None, now: datetime, lang: str, state: str | None = None
) -> Text:
    """Time left to ``deadline`` (or over it) in minutes at most, styled by urgency.

    A wall is read from across a hall: minutes are what a person needs there, and
    seconds would rewrite every countdown every second.
    """
    if deadline is None:
        return Text("—", style="dim")
    left = deadline - now
    if left.total_seconds() < 0:
        return overdue_text(tr("time.overdue", lang, d=duration(left, lang)))
    urgent = state or ("critical" if left.total_seconds() < 3600 else "ok")
    return Text(tr("time.left", lang, d=duration(left, lang)), style=state_style(urgent))


class Coalescer:
    """Runs ``action`` at most once per ``gap`` seconds (real time): a call inside the
    gap is folded into one run at its end. Holds at most one timer."""

    def __init__(self, node: MessagePump, action: Callable[[], None], gap: float) -> None:
        self.node = node
        self.action = action
        self.gap = gap
        self.last = -float("inf")
        self.pending: Timer | None = None

    def __call__(self) -> None:
        """Run now, or once at the end of the current gap."""
        if self.pending is not None:
            return
        wait = self.gap - (time.monotonic() - self.last)
        if wait <= 0:
            self._run()
        else:
            self.pending = self.node.set_timer(wait, self._run)

    def _run(self) -> None:
        self.pending = None
        self.last = time.monotonic()
        self.action()


class WallScreen(DataScreen, inherit_bindings=False):
    """A wall screen: the frame around a body that :meth:`compose_body` yields."""

    #: seconds between two loads, however often the data changes
    MIN_GAP: ClassVar[float] = 10.0
    BINDINGS: ClassVar[list[Binding]] = []
    DEFAULT_CSS = """
    WallScreen { layout: vertical; }
    WallScreen .wall-section {
        height: 1; padding: 0 1; text-style: bold; background: $boost; color: $foreground;
    }
    WallScreen .wall-head { height: 1; padding: 0 1; color: $text-muted; }
    WallScreen .wall-figures { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.header = WallHeader()
        self.banner = OutageBanner()
        self.strip = RotationStrip()
        self._loads = Coalescer(self, self._load_now, self.MIN_GAP)

    def compose(self) -> ComposeResult:
        """Header, outage banner, the screen's body, rotation strip."""
        yield self.header
        yield self.banner
        yield from self.compose_body()
        yield self.strip

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets (override)."""
        return iter(())

    def on_mount(self) -> None:
        """Lay out for the size, label, load."""
        self._size_classes()
        self.retitle()
        self.reload()

    def on_resize(self) -> None:
        """Side panels and notes follow the size (the data is redrawn by DataScreen)."""
        self._size_classes()

    def _size_classes(self) -> None:
        size = self.app.size
        self.set_class(size.width >= WIDE, "-wide")
        self.set_class(size.height >= TALL, "-tall")

    def size_class(self) -> object:
        """Redraw when the side panels or the notes come or go."""
        size = self.app.size
        return (size.width >= WIDE, size.height >= TALL)

    @property
    def wide(self) -> bool:
        """Whether the side panels show."""
        return self.app.size.width >= WIDE

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Load soon: now if the last load is :attr:`MIN_GAP` seconds old, else at the
        end of that gap (one load for any number of changes). Out of view, only note
        that the screen is behind, unless it has never loaded (built ahead of time)."""
        if not self.is_attached:
            return
        self._dirty = True
        if self.is_current or self._data is None:
            self._loads()

    def _load_now(self) -> None:
        if self._dirty and self.is_attached and (self.is_current or self._data is None):
            super().reload()

    def tick(self, now: datetime) -> None:
        """Every :data:`TICK_SECONDS` (and on coming into view): recompute what counts
        down from the last load and the app clock, without a query."""


# -- overview ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WallOverviewData:
    """What one load of the wall overview brings."""

    overview: Overview
    trend: list[TrendPoint]
    ref: Reference


def colour_tiles(prefix: str) -> ComposeResult:
    """Five tiles, one per colour, ids ``<prefix>-red`` …"""
    with Horizontal(classes="wall-figures", id=f"{prefix}-colours"):
        for colour in COLOURS:
            yield BigFigure(id=f"{prefix}-{colour}")


def show_colour_tiles(
    screen: WallScreen, prefix: str, counts: dict[str, int], notes: dict[str, str]
) -> None:
    """Fill the tiles of :func:`colour_tiles`; a zero is dimmed, red above zero alerts."""
    lang = screen.lang
    for colour in COLOURS:
        n = counts.get(colour, 0)
        screen.query_one(f"#{prefix}-{colour}", BigFigure).set_value(
            f"■ {colour_label(colour, lang)}",
            f"{n:,}",
            notes.get(colour, ""),
            alert=colour == "red" and n > 0,
            tone=risk_style(colour) if n else "dim",
        )


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
        src, now = self.gapp.source, self.gapp.now()
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
        self.tick(self.gapp.now())
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
        missing = missing_reports(o, lang, shown=12, codes=True, tz=self.gapp.tz)
        self.query_one("#ov-missing", WallText).set(missing)


def wall_screens() -> dict[str, Any]:
    """Mode name → wall screen class, in rotation order."""
    from gridtui.screens.wall_boards import (
        WallRiskScreen,
        WallScorecardsScreen,
        WallSlaScreen,
    )

    return {
        "overview": WallOverviewScreen,
        "risk": WallRiskScreen,
        "sla": WallSlaScreen,
        "scorecards": WallScorecardsScreen,
    }
