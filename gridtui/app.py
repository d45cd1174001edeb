"""The Textual app: one data source, seven screens, the clock, the role and the language.

Build it with :func:`build_app` (the CLI and the tests use the same factory). The
app follows the change feed (one short read per second in a worker, never
overlapping) and tells the visible screen to reload; it shows in the header how
fresh the data is and warns when the source has not answered for a while.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from gridtui.data.records import ChangeBatch
from gridtui.data.source import DataSource
from gridtui.domain.roles import Role
from gridtui.i18n import role_label, tr
from gridtui.screens import SCREEN_NAMES
from gridtui.screens.base import DataScreen, relabel_bindings
from gridtui.screens.grids import GridsScreen
from gridtui.screens.overview import OverviewScreen
from gridtui.screens.queue import QueueScreen
from gridtui.screens.risk import RiskScreen
from gridtui.screens.scorecards import ScorecardsScreen
from gridtui.screens.sla import SlaScreen
from gridtui.screens.ticket import TicketScreen
from gridtui.widgets.help import HelpScreen, describe
from gridtui.widgets.status_bar import StatusBar

SCREENS = SCREEN_NAMES
THEMES = {
    "dark": "textual-dark",
    "light": "textual-light",
    "high-contrast": "gridtui-high-contrast",
    "ansi": "ansi-dark",
}
HIGH_CONTRAST = Theme(
    name="gridtui-high-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffffff",
    warning="#ffff00",
    error="#ff0000",
    success="#00ff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    boost="#333333",
    dark=True,
)
#: screens built in the background after start (see GridApp._prebuild)
PREBUILT = ("queue",)
#: seconds without an answer from the source before the header says STALE
STALE_AFTER = 5.0


def utc_now() -> datetime:
    """The real clock (tests inject a fixed one)."""
    return datetime.now(UTC)


class GridApp(App[None]):
    """The command centre."""

    TITLE = "gridtui"
    CSS = """
    Screen { layout: vertical; }
    """
    MODES: ClassVar[dict[str, Any]] = {
        "overview": OverviewScreen,
        "queue": QueueScreen,
        "risk": RiskScreen,
        "sla": SlaScreen,
        "scorecards": ScorecardsScreen,
        "ticket": TicketScreen,
        "grids": GridsScreen,
    }
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        *(
            Binding(str(i), f"show('{name}')", name, id=f"screen.{name}", show=False)
            for i, name in enumerate(SCREENS, start=1)
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
        clock: Callable[[], datetime] = utc_now,
        screen: str = "overview",
        ticket_id: int | None = None,
        poll_seconds: float = 0.5,
        prebuild: bool = True,
        freeze_gc: bool = False,
    ) -> None:
        super().__init__()
        self.source = source
        self.lang = lang
        self.role = Role(role).value
        self.actor = actor
        self.clock = clock
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
        self.register_theme(HIGH_CONTRAST)
        self.theme = THEMES.get(theme, theme)

    # -- layout and lifecycle ---------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Nothing of its own: every mode screen brings its status bar."""
        return iter(())

    def on_mount(self) -> None:
        """Open the first screen, label the keys, start following the change feed."""
        relabel_bindings(self, self.lang)
        self.switch_mode(self.start_screen)
        self.set_interval(1.0, self.update_status)
        if self.poll_seconds > 0:
            self.set_interval(self.poll_seconds, self.poll)

    def now(self) -> datetime:
        """The app clock's now (aware UTC)."""
        return self.clock()

    # -- live data ---------------------------------------------------------------------

    def poll(self) -> None:
        """Ask the source what changed, unless the last ask is still running."""
        if any(w.group == "poll" and not w.is_finished for w in self.workers):
            return
        self.run_worker(self._poll, thread=True, group="poll", exit_on_error=False)

    def _poll(self) -> ChangeBatch | int:
        if self.seq is None:
            return self.source.last_seq()
        return self.source.changes(self.seq)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Route change-feed results to the screens."""
        if event.worker.group != "poll":
            return
        if event.state is WorkerState.SUCCESS:
            result = event.worker.result
            self.data_loaded()
            if isinstance(result, int):
                self.seq = result
            elif isinstance(result, ChangeBatch) and result.count:
                self.seq = result.seq
                self.broadcast(result)
        elif event.state is WorkerState.ERROR:
            self.source_failed(event.worker.error or RuntimeError("poll failed"))

    def delay_update(self, delay: float = 0.05) -> None:
        """Textual holds the screen for 50 ms on every mode switch to hide the new
        screen being built; ours are built ahead (or build in one frame), so a
        frame's worth is enough and the switch feels instant."""
        super().delay_update(min(delay, 0.01))

    def _prebuild(self) -> None:
        """Build the queue screen in the background once the first screen is up, so
        that opening it (the most used key) shows a page at once. Textual builds mode
        screens on first use; ``_init_mode`` is that step without switching to it."""
        if not self._running:  # shutting down: the stacks are being closed
            return
        for mode in PREBUILT:
            if mode not in self._screen_stacks and mode != self.current_mode:
                self._init_mode(mode)
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
        for stack in self._screen_stacks.values():
            for screen in stack:
                if isinstance(screen, DataScreen) and id(screen) not in seen:
                    seen.add(id(screen))
                    yield screen

    @property
    def error(self) -> str | None:
        """Why the data is stale, while any reader (the change feed or the screen in
        view) is still failing."""
        return next(iter(self.errors.values()), None)

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
        return (self.now() - self.last_ok).total_seconds() > STALE_AFTER

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
            freshness=self.freshness(),
            stale=self.is_stale(),
            source=self.source.description,
            nav=[(n, tr(f"screen.{n}", self.lang), n == name) for n in SCREENS],
        )

    def screen_changed(self, screen: Screen[Any]) -> None:
        """A screen came into view: only the failures of the screen in view (and the
        feed's) count now. (A screen built in the background resumes too: ask which
        screen is really in view.)"""
        name = getattr(self.screen, "NAME", "")
        for origin in [o for o in self.errors if o not in ("poll", name)]:
            del self.errors[origin]
        self.update_status()

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
        # The screen's own keys and the app's, in the current language (widgets'
        # built-in keys such as cursor movement are Textual's and need no help).
        own = [b for bs in self.screen._bindings.key_to_bindings.values() for b in bs]
        mine = [b for bs in self._bindings.key_to_bindings.values() for b in bs if b.id]
        keys = describe([*own, *mine], {"question_mark": "?", "slash": "/"})
        name = getattr(self.screen, "NAME", "")
        title = tr("screen.help", self.lang) + (
            f" · {tr(f'screen.{name}', self.lang)}" if name else ""
        )
        self.push_screen(HelpScreen(title, keys))

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
        """Cycle dark → light → high contrast → ANSI."""
        names = list(THEMES.values())
        i = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(i + 1) % len(names)]

    def action_refresh(self) -> None:
        """Reload the current screen now."""
        if isinstance(self.screen, DataScreen):
            self.screen.reload()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette: every screen, language, themes, and the screen's keys."""
        lang = self.lang
        for i, name in enumerate(SCREENS, start=1):
            yield SystemCommand(
                f"{tr(f'screen.{name}', lang)} ({name})",
                f"{i}",
                lambda n=name: self.action_show(n),
            )
        yield SystemCommand(tr("key.lang", lang), "l", self.action_toggle_lang)
        for label, theme in THEMES.items():
            yield SystemCommand(
                f"{tr('key.theme', lang)}: {label}", theme,
                lambda t=theme: setattr(self, "theme", t),
            )  # fmt: skip
        for active in screen.active_bindings.values():
            binding = active.binding
            if binding.description and binding.id and not binding.id.startswith("screen."):
                action = binding.action
                yield SystemCommand(
                    binding.description,
                    binding.key_display or binding.key,
                    lambda a=action, s=screen: self.run_action(a, s),
                )
        yield SystemCommand(tr("key.quit", lang), "q", self.action_quit)


def build_app(source: DataSource, **options: Any) -> GridApp:
    """The one way the CLI and the tests make the app."""
    return GridApp(source, **options)
