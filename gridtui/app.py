"""The Textual app: one data source, eight screens, the clock, the role and the language.

Build it with :func:`build_app` (the CLI and the tests use the same factory). The
app follows the change feed (a short read in a worker, never overlapping, each time
a thread sleeping on the source's change waiter wakes: when any process writes, or
every few seconds as a fallback) and tells the visible screen to reload; it shows in
the header how fresh the data is and warns when the source has not answered for a
while, and which rules file edit was refused (if any).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from gridtui import textual_private as private
from gridtui.data.sources.records import ChangeBatch, ClockSpec, ConfigProblem
from gridtui.data.sources.source import DataSource
from gridtui.data.storage.changesignal import FALLBACK_SECONDS, ChangeWaiter
from gridtui.domain.roles import Role
from gridtui.hangup import end_on_hangup
from gridtui.i18n import role_label, tr
from gridtui.labels import error_text
from gridtui.registry import SCREEN_NAMES, SCREENS, TEXTUAL_THEMES
from gridtui.rules_errors import RulesErrors
from gridtui.screens.base import DataScreen, relabel_bindings
from gridtui.screens.messages import (
    DataLoaded,
    OpenMap,
    OpenRiskNode,
    OpenTicket,
    ScreenShown,
    ShowScreen,
    SourceFailed,
)
from gridtui.screens.modals.help import HelpScreen, help_screen
from gridtui.screens.risk import RiskScreen
from gridtui.screens.ticket import TicketScreen
from gridtui.textual_private import build_mode, built_screens, is_built, is_running
from gridtui.widgets.commands import TicketJump, open_palette, system_commands
from gridtui.widgets.palette import activate
from gridtui.widgets.status_bar import StatusBar
from gridtui.widgets.themes import HIGH_CONTRAST, theme_name

#: screens built in the background after start (see GridApp._prebuild)
PREBUILT = ("queue",)
#: seconds without an answer from the source before the header says STALE
STALE_AFTER = 5.0
#: an idle app reads the change feed this often even when nothing woke it (a lost
#: wake-up); well within STALE_AFTER, which an idle app must not reach
WAKE_FALLBACK = min(FALLBACK_SECONDS, STALE_AFTER / 2)


class DataMoved(Message):
    """The data may have changed (posted by the app's wake thread)."""

    def can_replace(self, message: Message) -> bool:
        """Several pending wake-ups are one."""
        return isinstance(message, DataMoved)


#: what the screens are told when the app took another simulated clock
CLOCK_MOVED = ChangeBatch(seq=0, ticket_ids=frozenset(), kinds=frozenset({"clock"}), count=1)


def utc_now() -> datetime:
    """The real clock (tests inject a fixed one)."""
    return datetime.now(UTC)


class GridApp(App[None]):
    """The command centre."""

    TITLE = "gridtui"
    CSS = "Screen { layout: vertical; }"
    COMMANDS: ClassVar[set[Any]] = {*App.COMMANDS, TicketJump}  # and a ticket by number
    action_command_palette = open_palette  # its search field in the current language
    MODES: ClassVar[dict[str, Any]] = {entry.name: entry.load() for entry in SCREENS}
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        *(
            Binding(s.key, f"show('{s.name}')", s.name, id=f"screen.{s.name}", show=False)
            for s in SCREENS
        ),
        Binding("question_mark", "help", "?", id="key.help", key_display="?"),
        Binding("l", "toggle_lang", "lang", id="key.lang"),
        Binding("t", "next_theme", "theme", id="key.theme", show=False),
        Binding("f5", "refresh", "refresh", id="key.refresh", show=False),
        Binding("q", "quit", "quit", id="key.quit"),
    ]

    def __init__(
        self,
        source: DataSource,
        *,
        lang: str = "zh",
        role: str = "viewer",
        theme: str = "dark",
        actor: str = "duty:local",
        clock: Callable[[], datetime] | None = None,
        clock_spec: ClockSpec | None = None,
        screen: str = "overview",
        ticket_id: int | None = None,
        poll_seconds: float = 0.5,
        prebuild: bool = True,
        freeze_gc: bool = False,
        bulletins: Path | str = "bulletins",
    ) -> None:
        super().__init__()
        private.unpin_styles_caches()  # a Textual leak (see there)
        self.source = source
        #: where the assessment screen's export writes bulletins
        self.bulletins = Path(bulletins)
        self.lang = lang
        self.role = Role(role).value
        self.actor = actor
        #: the simulated clock the source publishes (``gridtui simulate --speed``); the
        #: app follows it unless a clock was injected (tests)
        self.clock_spec = clock_spec
        self.follows_spec = clock is None
        self.clock: Callable[[], datetime] = clock or self._spec_now
        self.tz = ZoneInfo(source.timezone)
        self.start_screen = screen
        self.ticket_id = ticket_id
        self.poll_seconds = poll_seconds
        self.prebuild = prebuild
        self.freeze_gc = freeze_gc
        self.seq: int | None = None
        self.last_ok: datetime | None = None
        #: the last failure of each reader still failing: "poll" and screen names
        self.errors: dict[str, str] = {}
        #: a thread sleeps on it until the data moves, then asks for a poll (closed on
        #: unmount); while it runs, the timer polls only to retry a failed read
        self._waiter: ChangeWaiter | None = None
        self._waking = False
        self._poll_failed = False
        self._poll_again = False
        #: the poll worker took another clock spec than the screens were loaded with
        self._clock_moved = False
        #: rules files whose edit was refused, and the error toast showing them
        self.rules_errors = RulesErrors()
        self.register_theme(HIGH_CONTRAST)
        self.theme = TEXTUAL_THEMES.get(theme, theme)
        activate(self.theme, no_color=self.no_color)

    # -- layout and lifecycle ---------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Nothing of its own: every mode screen brings its status bar."""
        return iter(())

    def on_mount(self) -> None:
        """Open the first screen, label the keys, start following the change feed."""
        relabel_bindings(self, self.lang)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.switch_mode(self.start_screen)
        self.set_interval(1.0, self.update_status)
        end_on_hangup(self)
        if self.poll_seconds > 0:
            self.set_interval(self.poll_seconds, self._tick)
            threading.Thread(target=self._wake_loop, name="gridtui-app-wake", daemon=True).start()

    def now(self) -> datetime:
        """The app clock's now (aware UTC)."""
        return self.clock()

    def _spec_now(self) -> datetime:
        """Real time, or the simulated time of the published clock spec."""
        spec, real = self.clock_spec, utc_now()
        return spec.now(real) if spec is not None else real

    def _follow_clock(self) -> None:
        """(In the poll worker.) Take the clock spec the source publishes now; when it
        is another than the one the screens were loaded with, they reload with it."""
        if self.follows_spec:
            spec = self.source.clock_spec()
            if spec != self.clock_spec:
                self._clock_moved = True
            self.clock_spec = spec

    # -- live data ---------------------------------------------------------------------

    def poll(self) -> None:
        """Ask the source what changed, unless the last ask is still running (then ask
        again when it is done)."""
        if any(w.group == "poll" and not w.is_finished for w in self.workers):
            self._poll_again = True
            return
        self.run_worker(self._poll, thread=True, group="poll", exit_on_error=False)

    def _tick(self) -> None:
        """The timer: poll until the wake thread runs, and retry a failed read."""
        if not self._waking or self._poll_failed or self.seq is None:
            self.poll()

    def _wake_loop(self) -> None:
        """(A thread.) Sleep until the data moves (any process's write), then ask for a
        poll; also after :data:`WAKE_FALLBACK` in case a wake-up was lost. An idle app
        makes no query in between."""
        try:
            waiter = self._waiter = self.source.change_waiter()
        except Exception:  # no wake-ups from this source: the timer keeps polling
            return
        self._waking = True
        self.post_message(DataMoved())  # what changed while the waiter was being made
        while not waiter.closed:
            waiter.wait(WAKE_FALLBACK)
            if waiter.closed or not self.post_message(DataMoved()):
                return

    def on_data_moved(self, _message: DataMoved) -> None:
        """The wake thread says the data may have moved."""
        self.poll()

    def _poll(self) -> ChangeBatch | int:
        if self.seq is None:
            # the position first, then the clock: a simulator publishing in between
            # (``gridtui demo`` starts one beside the app) is either read here or on
            # the feed after this position, never lost
            seq = self.source.last_seq()
            self._follow_clock()
            return seq
        batch = self.source.changes(self.seq)
        if "clock" in batch.kinds:  # a simulator (re)started: the screens reload with it
            self._follow_clock()
        return batch

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Route change-feed results to the screens."""
        if event.worker.group == "config" and event.state is WorkerState.SUCCESS:
            self.show_config_problems(event.worker.result or [])
        if event.worker.group != "poll":
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._poll_failed = event.state is WorkerState.ERROR
            if self._poll_again:  # woken while reading: read what came meanwhile
                self._poll_again = False
                self.call_later(self.poll)
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            if self._clock_moved:  # the screens were loaded on another clock
                self._clock_moved = False
                self.broadcast(CLOCK_MOVED)
            self.data_loaded()
            if isinstance(result, int):
                self.seq = result
                self.check_config()
            elif isinstance(result, ChangeBatch) and result.count:
                self.seq = result.seq
                self.broadcast(result)
                if "config" in result.kinds:
                    self.check_config()
        elif event.state is WorkerState.ERROR:
            self.source_failed(event.worker.error or RuntimeError("poll failed"))

    def on_unmount(self) -> None:
        """Release the poll worker from its wait, so that the app exits at once."""
        if self._waiter is not None:
            self._waiter.close()

    # -- refused rules edits -----------------------------------------------------------------

    def check_config(self) -> None:
        """Ask the source which rules files were refused (a worker; see
        :meth:`show_config_problems`)."""
        self.run_worker(
            self.source.config_problems, thread=True, group="config", exclusive=True,
            exit_on_error=False,
        )  # fmt: skip

    def show_config_problems(self, problems: list[ConfigProblem]) -> None:
        """The refused rules edits: toast, note, marker (:mod:`gridtui.rules_errors`)."""
        self.rules_errors.show(self, problems, self.lang)
        self.update_status()

    @property
    def config_problems(self) -> list[ConfigProblem]:
        """The rules edits refused, as the source said last."""
        return self.rules_errors.problems

    def delay_update(self, delay: float = 0.05) -> None:
        """Textual holds the screen for 50 ms on every mode switch to hide the new
        screen being built; ours are built ahead (or build in one frame), so a
        frame's worth is enough and the switch feels instant."""
        super().delay_update(min(delay, 0.01))

    def _prebuild(self) -> None:
        """Build the queue screen in the background once the first screen is up, so
        that opening it (the most used key) shows a page at once. Textual builds mode
        screens on first use; :func:`~gridtui.textual_private.build_mode` is that step
        without switching to it."""
        if not is_running(self):  # shutting down: the stacks are being closed
            return
        for mode in PREBUILT:
            if not is_built(self, mode) and mode != self.current_mode:
                build_mode(self, mode)
        # What exists now (Textual, the screens, the catalogue) lives as long as the app:
        # take it out of the cyclic collector's full passes, which otherwise stall the
        # UI for 50-200 ms at a time as the heap grows. (Off in tests: many apps share
        # one process there.)
        if self.freeze_gc:
            gc.freeze()

    def broadcast(self, batch: ChangeBatch) -> None:
        """Tell every data screen that the data moved."""
        for screen in self._data_screens():
            screen.data_changed(batch)

    def _data_screens(self) -> Iterable[DataScreen]:
        seen: set[int] = set()
        for screen in built_screens(self):
            if isinstance(screen, DataScreen) and id(screen) not in seen:
                seen.add(id(screen))
                yield screen

    @property
    def error(self) -> str | None:
        """Why the data is stale, in the current language, while a reader still fails."""
        raw = next(iter(self.errors.values()), None)
        return error_text(raw, self.lang) if raw is not None else None

    def data_loaded(self, origin: str = "poll") -> None:
        """``origin`` (the change feed or a screen) read the source: fresh again.

        A success of one reader never hides another's failure: the header stays stale
        until the screen in view has loaded too."""
        if self.last_ok is None and self.prebuild:
            self.set_timer(0.3, self._prebuild)
        self.errors.pop(origin, None)
        if not self.errors:
            self.last_ok = self.now()
        self.update_status()

    def source_failed(self, error: BaseException, origin: str = "poll") -> None:
        """``origin`` failed: keep the data on screen, say so in the header."""
        self.errors[origin] = " ".join((str(error) or type(error).__name__).split())
        self.update_status()

    def is_stale(self) -> bool:
        """No answer for :data:`STALE_AFTER` seconds, or the last request failed."""
        if self.error is not None:
            return True
        if self.last_ok is None:
            return False
        # in real seconds: a simulated clock runs ``speed`` times faster
        speed = self.clock_spec.speed if self.follows_spec and self.clock_spec else 1.0
        return (self.now() - self.last_ok).total_seconds() / speed > STALE_AFTER

    def freshness(self) -> str:
        """The header's freshness text in the current language."""
        if self.last_ok is None:
            return (
                tr("header.error", self.lang) + f": {self.error}"
                if self.error
                else tr("header.loading", self.lang)
            )
        when = f"{self.last_ok.astimezone(self.tz):%H:%M:%S}"
        if self.is_stale():
            text = f"{tr('header.stale', self.lang)} {when}"
            return f"{text} ({self.error})" if self.error else text
        return f"{tr('header.updated', self.lang)} {when}"

    def update_status(self) -> None:
        """Redraw the status bar of the current screen."""
        try:
            bar = self.screen.query_one(StatusBar)
        except Exception:  # a modal or a screen without a bar
            return
        name = getattr(self.screen, "NAME", "")
        bar.update_status(
            title=tr("app.title", self.lang),
            screen=tr(f"screen.{name}", self.lang) if name else "",
            role=f"{tr('header.role', self.lang)}: {role_label(self.role, self.lang)}",
            clock=self.now().astimezone(self.tz),
            freshness=self.freshness() + self.rules_errors.marker(self.lang),
            stale=self.is_stale(),
            source=self.source.description,
            nav=[(n, tr(f"screen.{n}", self.lang), n == name) for n in SCREEN_NAMES],
        )

    def screen_changed(self) -> None:
        """A screen came into view: only the failures of the screen in view (and the
        feed's) count now. (A screen built in the background resumes too: ask which
        screen is really in view.)"""
        name = getattr(self.screen, "NAME", "")
        for origin in [o for o in self.errors if o not in ("poll", name)]:
            del self.errors[origin]
        self.update_status()

    # -- what the screens tell the app (gridtui.screens.messages) --------------------------

    def on_screen_shown(self, _message: ScreenShown) -> None:
        """A screen came into view (the message may arrive after the last screen has
        gone, as the app closes: nothing to do then)."""
        if self.screen_stack:
            self.screen_changed()

    def on_data_loaded(self, message: DataLoaded) -> None:
        """A screen read the source."""
        self.data_loaded(message.origin)

    def on_source_failed(self, message: SourceFailed) -> None:
        """A screen failed to read the source."""
        self.source_failed(message.error, message.origin)

    def on_open_ticket(self, message: OpenTicket) -> None:
        """A screen asked for a ticket."""
        self.open_ticket(message.ticket_id)

    def on_show_screen(self, message: ShowScreen) -> None:
        """A screen asked for another screen."""
        self.action_show(message.screen_name)

    async def on_open_risk_node(self, message: OpenRiskNode) -> None:
        """The grids screen asked for the risk board on a node."""
        await self.switch_mode("risk")
        screen = self.screen
        if isinstance(screen, RiskScreen):
            screen.goto(message.node_id)

    async def on_open_map(self, message: OpenMap) -> None:
        """A screen asked for the map on a node or a ticket: the map screen takes it."""
        await self.switch_mode("map")
        self.screen.post_message(OpenMap(message.node_id, message.ticket_id))

    # -- navigation and actions -----------------------------------------------------------

    def action_show(self, name: str) -> None:
        """Switch to a top-level screen."""
        if name in self.MODES and self.current_mode != name:
            self.switch_mode(name)

    def open_ticket(self, ticket_id: int) -> None:
        """Show one ticket in the detail screen."""
        self.ticket_id = ticket_id
        if self.current_mode == "ticket":
            screen = self.screen
            if isinstance(screen, TicketScreen):
                screen.reload()
        else:
            self.switch_mode("ticket")

    def action_help(self) -> None:
        """The ``?`` overlay for the current screen."""
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(help_screen(self.screen, self, self.lang))

    def action_toggle_lang(self) -> None:
        """Switch between Chinese and English everywhere, now."""
        self.set_lang("en" if self.lang == "zh" else "zh")

    def set_lang(self, lang: str) -> None:
        """Relabel every screen and key in ``lang``."""
        self.lang = lang
        relabel_bindings(self, lang)
        for screen in self._data_screens():
            screen.relabel()
        self.refresh_bindings()
        self.update_status()

    def action_next_theme(self) -> None:
        """Cycle dark → light → high contrast → ANSI (the new one is named in a toast)."""
        names = list(TEXTUAL_THEMES.values())
        i = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(i + 1) % len(names)]

    def _theme_changed(self, theme: Theme) -> None:
        """Redraw every screen in the theme's risk colours and name the theme."""
        activate(theme.name, no_color=self.no_color)
        for screen in self._data_screens():
            screen.redraw()
        self.notify(f"{tr('key.theme', self.lang)}: {theme_name(theme.name, self.lang)}", timeout=3)

    def action_refresh(self) -> None:
        """Reload the current screen now."""
        if isinstance(self.screen, DataScreen):
            self.screen.reload()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette: every screen, language, themes, and the screen's keys."""
        return system_commands(self, screen)


def build_app(source: DataSource, **options: Any) -> GridApp:
    """The one way the CLI and the tests make the app."""
    return GridApp(source, **options)
