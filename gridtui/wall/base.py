"""What every wall screen shares (``gridtui wall``): read-only, large figures, no keys.

:class:`WallScreen` is a :class:`~gridtui.screens.base.DataScreen` (the same loading in
workers, stale marking and retries as the interactive screens) framed by the wall's
header (title, big clock, freshness), outage banner and rotation strip, which the app
fills (:class:`~gridtui.wall.app.WallApp`). What differs from the interactive screens:

* loads are coalesced: at most one per :attr:`WallScreen.MIN_GAP` seconds however
  fast the change feed moves, and a screen out of view only notes that it is behind
  (it loads when it comes back);
* every widget repaints only what changed (see :mod:`gridtui.wall.widgets`), and the
  per-second :meth:`WallScreen.tick` recomputes countdowns without a query.

The overview is in :mod:`gridtui.wall.overview`; the risk, SLA and scorecard walls in
:mod:`gridtui.wall.boards`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message_pump import MessagePump
from textual.timer import Timer

from gridtui.i18n import colour_label, duration, tr
from gridtui.screens.base import DataScreen
from gridtui.wall.widgets import (
    BigFigure,
    OutageBanner,
    RotationStrip,
    WallHeader,
)
from gridtui.widgets.boards import COLOURS
from gridtui.widgets.layout import WALL_TALL, WALL_WIDE
from gridtui.widgets.palette import risk_style, state_style
from gridtui.widgets.render import (
    overdue_text,
)

#: rows made for each list (taller terminals show this many at most)
ROWS = 40
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

    def on_screen_resume(self) -> None:
        """In view: the countdowns as of now, before it is drawn (DataScreen's handler,
        called after this one, tells the app and reloads if behind)."""
        if self.is_current:
            self.tick(self.host.now())

    def on_resize(self) -> None:
        """Side panels and notes follow the size (the data is redrawn by DataScreen)."""
        self._size_classes()

    def _size_classes(self) -> None:
        size = self.app.size
        self.set_class(size.width >= WALL_WIDE, "-wide")
        self.set_class(size.height >= WALL_TALL, "-tall")

    def size_class(self) -> object:
        """Redraw when the side panels or the notes come or go."""
        size = self.app.size
        return (size.width >= WALL_WIDE, size.height >= WALL_TALL)

    @property
    def wide(self) -> bool:
        """Whether the side panels show."""
        return self.app.size.width >= WALL_WIDE

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

    def reload_now(self) -> None:
        """Load at once, outside the gap: for what the layout changed, not the data (a
        load held back to the end of the gap would leave it wrong for seconds)."""
        self._dirty = True
        self._load_now()

    def _load_now(self) -> None:
        if self._dirty and self.is_attached and (self.is_current or self._data is None):
            super().reload()

    def tick(self, now: datetime) -> None:
        """Every :data:`TICK_SECONDS` (and on coming into view): recompute what counts
        down from the last load and the app clock, without a query."""


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
