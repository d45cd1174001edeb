"""What every data screen shares: loading in a worker, live reloads, relabelling.

A screen implements :meth:`DataScreen.fetch` (runs in a thread: may block on the data
source) and :meth:`DataScreen.show` (runs on the UI thread with the result). Loads
never overlap (``exclusive``), a failed load keeps what is on screen and marks the
data stale in the header, and a change on the feed reloads the visible screen (the
others reload when they come back into view).

Screens never import the app: they read it through :class:`ScreenHost` and tell it
what happened with the messages of :mod:`gridtui.screens.messages`.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, ClassVar, Protocol, cast

from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from gridtui.data.sources.records import ChangeBatch
from gridtui.data.sources.source import DataSource
from gridtui.i18n import action_label, tr
from gridtui.screens.messages import DataLoaded, ScreenShown, SourceFailed
from gridtui.textual_private import is_running, key_bindings
from gridtui.widgets.layout import SCREEN_TALL, SCREEN_WIDE, SCREEN_XWIDE


def binding_label(binding: Binding, lang: str) -> str:
    """A binding's description in ``lang``: its ``id`` is a catalog key, or
    ``action.<name>`` for a lifecycle action."""
    if binding.action == "app.command_palette" or binding.action == "command_palette":
        return tr("key.palette", lang)
    if not binding.id:
        from gridtui.labels import TEXTUAL_ACTIONS

        key = TEXTUAL_ACTIONS.get(binding.action)
        return tr(key, lang) if key else binding.description
    if binding.id.startswith("action."):
        return action_label(binding.id.removeprefix("action."), lang)
    return tr(binding.id, lang)


def relabel_bindings(node: Any, lang: str) -> None:
    """Give ``node``'s bindings the descriptions of ``lang``."""
    from dataclasses import replace

    by_key = key_bindings(node)
    for key, bindings in list(by_key.items()):
        by_key[key] = [replace(b, description=binding_label(b, lang)) for b in bindings]


#: seconds before a failed load is tried again (while the screen is in view)
RETRY_SECONDS = 2.0


class ScreenHost(Protocol):
    """What the screens read from the app (:class:`gridtui.app.GridApp` has it all)."""

    #: where the data comes from
    source: DataSource
    #: the current language (``zh`` or ``en``)
    lang: str
    #: the role acting (``viewer``, ``officer`` …)
    role: str
    #: who the actions are recorded as
    actor: str
    #: where the times are shown
    tz: tzinfo
    #: the ticket the ticket screen shows (``None``: the most urgent one)
    ticket_id: int | None
    #: the folder the assessment screen's export writes bulletins to
    bulletins: Path

    def now(self) -> datetime:
        """The app clock's now (aware UTC)."""
        ...


class DataScreen(Screen[None]):
    """A top-level screen fed by the app's data source."""

    #: the mode name (``overview``, ``queue`` …) and catalog key of the title
    NAME: ClassVar[str] = ""
    #: reload this often even without changes (time-based figures), seconds; 0: never
    PERIODIC: ClassVar[float] = 0.0
    BINDINGS: ClassVar[list[Binding]] = []  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._dirty = True
        self._data: Any = None
        self.loaded = 0  # completed loads, for tests and the status line
        self._shown_layout: object = None

    @property
    def host(self) -> ScreenHost:
        """The app, as far as the screens read it."""
        return cast(ScreenHost, self.app)

    @property
    def lang(self) -> str:
        """The current language."""
        return self.host.lang

    def on_mount(self) -> None:
        """Label the keys, start the periodic reload.

        Textual calls this handler for every class in the MRO that defines one, so
        subclasses' ``on_mount`` must not call ``super().on_mount()``.
        """
        relabel_bindings(self, self.lang)
        if self.PERIODIC:
            self.set_interval(self.PERIODIC, self.reload)

    def on_screen_resume(self) -> None:
        """Tell the app, and reload on return if something changed while hidden."""
        self.app.post_message(ScreenShown())
        if self._dirty:
            self.reload()

    def data_changed(self, batch: ChangeBatch) -> None:
        """The change feed moved: reload now if visible, else on return."""
        self._dirty = True
        if self.is_current:
            self.reload()

    def reload(self) -> None:
        """Fetch again in a worker; results arrive in :meth:`show`."""
        if not self.is_attached:
            return
        self._dirty = False
        self.run_worker(self._fetch, thread=True, exclusive=True, group="load", exit_on_error=False)

    def _fetch(self) -> Any:
        return self.fetch()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Deliver a load's result, or report its failure (keeping the old data)."""
        if event.worker.group != "load":
            return
        if event.state is WorkerState.SUCCESS:
            self._data = event.worker.result
            self._shown_layout = self.size_class()
            try:
                self.show(self._data)
            except NoMatches:
                if is_running(self.app) and self.is_attached:
                    raise
                return  # the app is closing: its widgets are already going
            self.loaded += 1
            self.app.post_message(DataLoaded(self.NAME))
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            self._dirty = True
            if not self.is_current:
                return  # a screen out of view loads again when it comes back
            self.app.post_message(SourceFailed(error or RuntimeError("load failed"), self.NAME))
            self.set_timer(RETRY_SECONDS, self._retry)

    def _retry(self) -> None:
        """Try a failed load again while the screen is in view and still behind."""
        if self._dirty and self.is_current:
            self.reload()

    def relabel(self) -> None:
        """The language changed: label the keys again and redraw the last data."""
        relabel_bindings(self, self.lang)
        self.refresh_bindings()
        from gridtui.widgets.key_bar import KeyBar

        for bar in self.query(KeyBar):
            bar.redraw()
        self.retitle()
        self.redraw()

    def size_class(self) -> object:
        """What of the terminal's size the drawing depends on; a change redraws.

        Default: whether the screen is wide, wider (a wall terminal) and tall
        (:mod:`gridtui.widgets.layout`).
        """
        size = self.app.size
        return (
            size.width >= SCREEN_WIDE,
            size.width >= SCREEN_XWIDE,
            size.height >= SCREEN_TALL,
        )

    def on_resize(self) -> None:
        """Redraw the last data when the size crosses what :meth:`size_class` depends on
        (a resize within the same layout only reflows)."""
        if self._data is not None and self.size_class() != self._shown_layout:
            self._shown_layout = self.size_class()
            self.call_after_refresh(self.redraw)

    def redraw(self) -> None:
        """Draw the last data again (for a new size or language)."""
        if self._data is not None:
            self.show(self._data)

    def retitle(self) -> None:
        """Set static labels in the current language (override for a screen's own)."""

    def fetch(self) -> Any:
        """Read the screen's data (in a worker thread)."""
        raise NotImplementedError

    def show(self, data: Any) -> None:
        """Put ``data`` on screen (UI thread)."""
        raise NotImplementedError
