"""``gridtui wall``: the command centre's wall display, read-only, for weeks on end.

:class:`WallApp` is the :class:`~gridtui.app.GridApp` (same data source, change feed,
clock, language and stale tracking) with other screens and other keys:

* the wall screens (:mod:`gridtui.wall.overview`, :mod:`gridtui.wall.boards`), built
  once at start and rotated every ``rotate`` seconds (real time, whatever the app
  clock does); the strip at the bottom shows the screens, the next one and the
  progress in a few coarse steps; ``space`` pauses, ``→``/``n`` and ``←``/``p``
  step, ``l`` switches the language, ``q`` quits; nothing else: no actions, forms,
  palette or help;
* always in view: the big clock and the data freshness; during an outage a banner
  says since when and why, on every screen, until the source answers again;
* an alert on a ticket that became red or a clock that ran out since the last look
  (:mod:`gridtui.wall.alerts`): the terminal bell and the header flashing red with
  what happened, each switchable (``alert={"bell", "flash"}``, empty for none).

Nothing grows with time: the screens, their rows and the timers are made once, the
alert watcher keeps only its last look, and every repaint is of what changed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ScreenStackError, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from gridtui.app import GridApp
from gridtui.data.sources.records import Anchor, QueueQuery, SlaRow, TicketRow
from gridtui.data.sources.source import DataSource
from gridtui.i18n import tr
from gridtui.screens.base import RETRY_SECONDS
from gridtui.textual_private import build_mode, filter_output, is_built, is_running
from gridtui.wall import ALERT_MODES, DEFAULT_ROTATE, WALL_CHOICES, WALL_SCREENS
from gridtui.wall.alerts import Alert, AlertWatch
from gridtui.wall.base import TICK_SECONDS, Coalescer, WallScreen
from gridtui.wall.boards import WallRiskScreen, WallScorecardsScreen, WallSlaScreen
from gridtui.wall.map import WallMapScreen
from gridtui.wall.output import DiffOutput
from gridtui.wall.overview import WallOverviewScreen
from gridtui.widgets.render import safe

#: steps of the progress indicator per screen (it repaints this often, no more)
PROGRESS_STEPS = 5
#: seconds the header stays red after an alert
FLASH_SECONDS = 10.0
#: the bell rings at most this often (seconds), however many alerts come
BELL_GAP = 10.0
#: seconds between looks for new red tickets and breaches when nothing changes
WATCH_PERIOD = 30.0
#: at most one look this often (seconds) when the data changes
WATCH_GAP = 5.0
#: red tickets and SLA-board tickets one look reads
WATCH_LIMIT = 200
#: a screen switch writes the whole screen again at least this often (seconds), in
#: case something else wrote on the terminal (a broadcast message, a console log)
REPAINT_SECONDS = 900.0
#: seconds without an answer (real time) before the data counts as stale: longer than
#: the change feed's idle wait (a quiet feed answers every few seconds, not at once)
STALE_AFTER = 15.0


@dataclass(frozen=True, slots=True)
class WatchData:
    """One look for alerts."""

    red: list[TicketRow]
    sla: list[SlaRow]
    at: datetime


@dataclass(frozen=True, slots=True)
class Flash:
    """The alert on show: the first new thing, how many more came with it, and when."""

    alert: Alert
    more: int
    at: datetime


class WallApp(GridApp, inherit_bindings=False):
    """The wall display (see the module docstring)."""

    ENABLE_COMMAND_PALETTE = False
    #: mode name → wall screen, in rotation order
    MODES: ClassVar[dict[str, Any]] = {
        "overview": WallOverviewScreen,
        "risk": WallRiskScreen,
        "sla": WallSlaScreen,
        "scorecards": WallScorecardsScreen,
        "map": WallMapScreen,
    }
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("space", "toggle_pause", "pause", id="wall.pause"),
        Binding("right,n", "step(1)", "next", id="wall.next"),
        Binding("left,p", "step(-1)", "previous", id="wall.previous"),
        Binding("l", "toggle_lang", "lang", id="key.lang"),
        Binding("q,ctrl+q,ctrl+c", "quit", "quit", id="key.quit"),
        Binding("ctrl+l", "redraw", show=False),
    ]

    def __init__(
        self,
        source: DataSource,
        *,
        screens: Sequence[str] = WALL_SCREENS,
        rotate: float = DEFAULT_ROTATE,
        alert: Iterable[str] = ALERT_MODES,
        diff_output: bool = True,
        **options: Any,
    ) -> None:
        unknown = [s for s in screens if s not in self.MODES]
        if unknown or not screens:
            raise ValueError(
                f"unknown wall screen(s) {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(WALL_CHOICES)}"
            )
        modes = set(alert)
        if modes - set(ALERT_MODES):
            raise ValueError(
                f"unknown alert {', '.join(sorted(modes - set(ALERT_MODES)))}; "
                "use bell, flash, both (bell,flash) or none"
            )
        if rotate < 0:
            raise ValueError("the rotation must be 0 (none) or a number of seconds")
        options["role"] = "viewer"  # a wall never changes anything, whatever was asked
        options.pop("ticket_id", None)
        super().__init__(source, screen=screens[0], **options)
        self.rotation = list(dict.fromkeys(screens))
        self.rotate_seconds = rotate
        self.alert_modes = frozenset(modes)
        self.paused = False
        self.steps = max(1, min(PROGRESS_STEPS, int(rotate))) if rotate else 0
        self.step_no = 0  # progress steps done on the current screen
        self.watcher = AlertWatch()
        self.flash: Flash | None = None
        self.seconds = 0  # seconds ticked
        #: the app clock and the last answer as of the last second tick (what the
        #: header shows)
        self._second_at: datetime | None = None
        self._second_ok: datetime | None = None
        self.bells = 0  # bells rung, for tests and the soak benchmark
        self.alerts = 0  # alerts raised (bell, flash or neither)
        self._last_bell = -float("inf")
        self._last_answer: float | None = None  # time.monotonic() of the last success
        self._flash_timer: Timer | None = None
        self._rotation_timer: Timer | None = None
        self._watch_soon = Coalescer(self, self.watch_now, WATCH_GAP)
        self._look_again = False  # asked to look during a look
        self._retry_timer: Timer | None = None  # the look after a failed one
        #: what the terminal shows: only changed cells are written (see on_mount)
        self.output = DiffOutput()
        self.diff_output = diff_output
        self._full_repaint = time.monotonic()

    # -- lifecycle ----------------------------------------------------------------------

    def on_mount(self) -> None:
        """Start the rotation, the second tick and the alert watcher (GridApp's own
        on_mount opens the first screen and follows the change feed)."""
        if self.steps and len(self.rotation) > 1:
            self._rotation_timer = self.set_interval(
                self.rotate_seconds / self.steps, self.rotation_tick
            )
        self.set_interval(1.0, self.second)
        self.set_interval(WATCH_PERIOD, self.watch_now)
        self.watch_now()
        if not self.is_headless and self.diff_output:
            filter_output(self, self.output.filter)

    def on_resize(self) -> None:
        """The terminal may have moved or cleared what it shows: write it all again."""
        self.output.forget()

    def action_redraw(self) -> None:
        """``ctrl+l``: write the whole screen again (something else wrote on it)."""
        self.output.forget()
        self._full_repaint = time.monotonic()
        self.screen.refresh()

    def _prebuild(self) -> None:
        """Build every screen of the rotation once the first one is up: rotating
        then only switches between screens that already exist."""
        if not is_running(self):
            return
        for mode in self.rotation:
            if not is_built(self, mode) and mode != self.current_mode:
                build_mode(self, mode)
        if self.freeze_gc:
            gc.freeze()

    def wall_screen(self) -> WallScreen | None:
        """The wall screen in view (None while starting or shutting down)."""
        try:
            screen = self.screen
        except ScreenStackError:
            return None
        return screen if isinstance(screen, WallScreen) else None

    def second(self) -> None:
        """Every second: clocks that ran out; every few, the countdowns in view."""
        now = self.now()
        self.seconds += 1
        self._second_at, self._second_ok = now, self.last_ok
        screen = self.wall_screen()
        if screen is not None and self.seconds % int(TICK_SECONDS) == 0:
            screen.tick(now)
        self.raise_alerts(self.watcher.breaches(now))
        self.update_status()

    # -- rotation ----------------------------------------------------------------------------

    def rotation_tick(self) -> None:
        """One step of the progress; the last step moves to the next screen."""
        if self.paused or not self.steps or len(self.rotation) < 2:
            return
        self.step_no += 1
        if self.step_no >= self.steps:
            self._go(1)
        else:
            self.update_status()

    def action_step(self, delta: int) -> None:
        """The next (1) or previous (-1) screen now; the progress starts again."""
        self._go(delta)
        if self._rotation_timer is not None:
            self._rotation_timer.reset()

    def action_toggle_pause(self) -> None:
        """Stop or restart the rotation (the progress stays where it was)."""
        self.paused = not self.paused
        self.update_status()

    def _go(self, delta: int) -> None:
        self.step_no = 0
        current = self.current_mode if self.current_mode in self.rotation else self.rotation[0]
        target = self.rotation[(self.rotation.index(current) + delta) % len(self.rotation)]
        if target != self.current_mode:
            if time.monotonic() - self._full_repaint > REPAINT_SECONDS:
                self.output.forget()  # this switch repaints everything: write it all
                self._full_repaint = time.monotonic()
            self.switch_mode(target)
        self.update_status()

    def next_screen(self) -> str:
        """The mode the rotation shows next."""
        current = self.current_mode if self.current_mode in self.rotation else self.rotation[0]
        return self.rotation[(self.rotation.index(current) + 1) % len(self.rotation)]

    # -- alerts -----------------------------------------------------------------------------

    def broadcast(self, batch: Any) -> None:
        """The data moved: the screens reload (coalesced) and the watcher looks soon."""
        super().broadcast(batch)
        self._watch_soon()

    def watch_now(self) -> None:
        """Look for new red tickets and breaches in a worker (never two at once: asked
        during a look, the next look follows it)."""
        if any(w.group == "watch" and not w.is_finished for w in self.workers):
            self._look_again = True
            return
        self._look_again = False
        self.run_worker(self._look, thread=True, group="watch", exit_on_error=False)

    def _retry_look(self) -> None:
        self._retry_timer = None
        self.watch_now()

    def _look(self) -> WatchData:
        at = self.now()
        red = QueueQuery(sort="age", colours=frozenset({"red"}))
        rows = self.source.queue(red, Anchor.LAST, None, WATCH_LIMIT).rows
        return WatchData(rows, self.source.sla_board(at, WATCH_LIMIT), at)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Results of a look (GridApp's handler takes the change feed's)."""
        if event.worker.group != "watch":
            return
        if event.state is WorkerState.SUCCESS:
            data = event.worker.result
            if isinstance(data, WatchData):
                found = self.watcher.red_tickets(data.red)
                found += self.watcher.sla_board(data.sla, self.now())
                self.data_loaded("watch")
                self.raise_alerts(found)
        elif event.state is WorkerState.ERROR:
            self.source_failed(event.worker.error or RuntimeError("watch failed"), "watch")
            if self._retry_timer is None:  # one retry pending at most, however long it lasts
                self._retry_timer = self.set_timer(RETRY_SECONDS, self._retry_look)
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR) and self._look_again:
            self.watch_now()

    def raise_alerts(self, found: list[Alert]) -> None:
        """Ring and flash (as configured) for what is new."""
        if not found:
            return
        self.alerts += len(found)
        if "bell" in self.alert_modes and time.monotonic() - self._last_bell >= BELL_GAP:
            self._last_bell = time.monotonic()
            self.bell()
        if "flash" in self.alert_modes:
            showing = self.flash is not None
            self.flash = Flash(found[0], len(found) - 1, self.now())
            if self._flash_timer is not None:
                self._flash_timer.stop()
            self._flash_timer = self.set_timer(FLASH_SECONDS, self.end_flash)
            if not showing:  # at once; a flash already on show changes with the next second
                self.update_status()

    def end_flash(self) -> None:
        """The alert has been on show long enough."""
        self.flash = None
        if self._flash_timer is not None:
            self._flash_timer.stop()
            self._flash_timer = None
        self.update_status()

    def bell(self) -> None:
        """Ring the terminal bell (counted)."""
        self.bells += 1
        super().bell()

    # -- freshness and the frame ---------------------------------------------------------

    def data_loaded(self, origin: str = "poll") -> None:
        """A reader got an answer (real time kept: the app clock may run fast)."""
        self._last_answer = time.monotonic()
        super().data_loaded(origin)

    def is_stale(self) -> bool:
        """A reader is failing, or nothing answered for :data:`STALE_AFTER` real seconds."""
        if self.error is not None:
            return True
        if self._last_answer is None:
            return False
        return time.monotonic() - self._last_answer > STALE_AFTER

    def screen_changed(self) -> None:
        """A screen came into view: forget the failures of the others (the change feed's
        and the watcher's stay), and draw its frame. (The screen recomputed its
        countdowns as it came into view: :meth:`WallScreen.on_screen_resume`.)"""
        name = getattr(self.wall_screen(), "NAME", "")
        for origin in [o for o in self.errors if o not in ("poll", "watch", name)]:
            del self.errors[origin]
        self.update_status()

    def update_status(self) -> None:
        """Fill the frame of the screen in view; each part repaints only if it changed."""
        screen = self.wall_screen()
        if screen is None:
            return
        # the clock and "updated at" move once a second (a fast simulated clock and a
        # busy change feed would otherwise redraw them at every answer)
        local = (self._second_at or self.now()).astimezone(self.tz)
        stale = self.is_stale()
        screen.header.show(
            brand=self._brand(screen),
            alert=self.flash is not None,
            clock=f"{local:%H:%M}",
            fresh=self._freshness(local, stale),
            stale=stale,
        )
        screen.banner.show(self._outage() if stale else None)
        screen.strip.show(screens=self._screens(), progress=self._progress(), paused=self.paused)

    def _brand(self, screen: WallScreen) -> Text:
        lang = self.lang
        flash = self.flash
        if flash is not None:
            alert = flash.alert
            head = (
                tr("wall.alert_red", lang, id=alert.ticket_id)
                if alert.kind == "red"
                else tr("wall.alert_breach", lang, id=alert.ticket_id, clock=alert.clock(lang))
            )
            text = Text(f"⚠ {head}\n", style="bold", no_wrap=True, overflow="ellipsis")
            text.append_text(safe(alert.title))
            text.append("\n")
            if flash.more:
                text.append(tr("wall.alert_more", lang, n=flash.more) + " · ")
            text.append(f"{flash.at.astimezone(self.tz):%H:%M:%S}")
            return text
        text = Text(tr("app.title", lang) + "\n", style="bold", no_wrap=True, overflow="ellipsis")
        text.append(tr(f"screen.{screen.NAME}", lang), style="bold")
        if screen.NAME in self.rotation and len(self.rotation) > 1:
            text.append(f"  {self.rotation.index(screen.NAME) + 1}/{len(self.rotation)}")
        text.append("\n")
        text.append_text(safe(self._source_label(), style="dim"))
        return text

    def _source_label(self) -> str:
        """Where the data comes from, short: ``sqlite demo.sqlite``, ``api http://…``."""
        description = self.source.description
        kind, _, where = description.partition(" ")
        return f"{kind} {PurePath(where).name}" if kind == "sqlite" and where else description

    def _freshness(self, local: datetime, stale: bool) -> Text:
        lang = self.lang
        weekday = tr(f"wall.weekday.{local.weekday()}", lang)
        text = Text(f"{local:%Y-%m-%d} {weekday}\n", no_wrap=True, overflow="ellipsis")
        if self.last_ok is None and not stale:
            text.append(tr("header.loading", lang))
            return text
        last = self.last_ok.astimezone(self.tz) if self.last_ok is not None else None
        if stale:
            text.append(f"⚠ {tr('wall.down', lang)}\n", style="bold")
            text.append(
                f"{tr('wall.last_update', lang)} {last:%H:%M:%S}"
                if last
                else tr("header.never", lang)
            )
        else:
            text.append(f"● {tr('wall.live', lang)}\n", style="bold green")
            shown = self._second_ok or self.last_ok
            if shown is not None:
                text.append(f"{tr('header.updated', lang)} {shown.astimezone(self.tz):%H:%M}")
        return text

    def _outage(self) -> Text:
        lang = self.lang
        last = self.last_ok.astimezone(self.tz) if self.last_ok is not None else None
        when = f"{last:%H:%M:%S}" if last is not None else tr("header.never", lang)
        text = Text(f"⚠ {tr('wall.outage', lang)}  ", no_wrap=True, overflow="ellipsis")
        text.append(tr("wall.outage_since", lang, time=when))
        text.append("\n")
        reason = self.error or tr("wall.no_answer", lang)
        text.append_text(safe(reason))
        text.append("\n")
        text.append(tr("wall.reconnecting", lang))
        return text

    def _screens(self) -> Text:
        lang = self.lang
        text = Text(no_wrap=True, overflow="ellipsis")
        for name in self.rotation:
            current = name == self.current_mode
            mark = "●" if current else "○"
            text.append(
                f" {mark} {tr(f'screen.{name}', lang)} ",
                style="bold reverse" if current else "dim",
            )
            text.append(" ")
        return text

    def _progress(self) -> Text:
        lang = self.lang
        if not self.steps or len(self.rotation) < 2:
            return Text()
        if self.paused:
            return Text(f"⏸ {tr('wall.paused', lang)}", style="bold")
        text = Text(f"{tr('wall.next', lang)}: {tr(f'screen.{self.next_screen()}', lang)} ")
        text.append("▰" * self.step_no, style="bold")
        text.append("▱" * (self.steps - self.step_no), style="dim")
        return text

    # -- what a wall does not do -----------------------------------------------------------

    def open_ticket(self, ticket_id: int) -> None:
        """A wall opens nothing."""

    def action_show(self, name: str) -> None:
        """Only the screens of the rotation."""
        if name in self.rotation:
            super().action_show(name)

    def action_help(self) -> None:
        """No help overlay on a wall."""

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """No command palette on a wall."""
        return iter(())


def build_wall(source: DataSource, **options: Any) -> WallApp:
    """The one way the CLI and the tests make the wall."""
    return WallApp(source, **options)
