"""Every use of Textual's private API, in one place (``tests/ui/test_textual_private.py``
fails if Textual changes one of them; ``textual`` is pinned to the tested major
version in pyproject.toml).

Each use and why:

* :func:`unnotify` — ``App._unnotify``: the toast of a refused rules edit stays an
  hour; when the file is fixed (or refused differently) it must go at once, and
  Textual has no public way to withdraw one notification.
* :func:`built_screens` / :func:`is_built` — ``App._screen_stacks``: the change feed
  and the language switch reach every screen built so far (in any mode), and the
  prebuild step must not build a mode twice.
* :func:`build_mode` — ``App._init_mode``: builds a mode's screen in the background
  without switching to it, so that the first switch to it is instant.
* :func:`is_running` — ``App._running``: a delayed prebuild must do nothing once the
  app is shutting down (the stacks are being closed).
* :func:`key_bindings` — ``DOMNode._bindings.key_to_bindings``: the key labels change
  with the language at run time (``BINDINGS`` is read once), and the help overlay
  and the key bar list the bindings in effect.
* :func:`filter_output` — ``App._driver`` and ``Driver.write``: the wall writes only
  what changed on the terminal (:mod:`gridtui.wall.output`), by filtering what the
  driver writes.
* :data:`TICK_BOX_INNER` — ``textual.widgets._toggle_button.ToggleButton.BUTTON_INNER``:
  the queue's filter lists find the tick box SelectionList draws to replace it with
  one that does not depend on colour.
* :class:`PaletteSaying` — ``CommandPalette._start_no_matches_countdown`` (with its
  ``_NO_MATCHES`` option id, countdown and timer): the palette's "No matches found"
  is built inside that method in English; a Chinese screen needs its own words.
* :func:`frame` — ``Screen._compositor.render_update`` and ``App._background_screens``
  (what ``App.export_screenshot`` draws, without making an SVG of it): the snapshot
  waits until two frames in a row are the same, and an SVG per look cost most of
  its time.
* :func:`dimensions_pending` — ``DataTable._require_update_dimensions``: the
  snapshot waits until the tables have sized their columns.
* :func:`unpin_styles_caches` — ``textual._styles_cache.StylesCache.get_inner_outer``:
  Textual caches this method with ``lru_cache``, keyed by the instance too, so the
  cache holds up to 1,024 styles caches of widgets long gone, with every line they
  drew (Textualize/textual#6665). A wall that runs for weeks and rebuilds its tables
  kept them all, and every full garbage collection walked them. Replaced by the same
  function cached on the colours alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from rich.align import Align
from rich.text import Text
from textual._compositor import LayoutUpdate
from textual._styles_cache import StylesCache
from textual.app import App
from textual.binding import Binding
from textual.color import Color
from textual.command import CommandList, CommandPalette
from textual.notifications import Notification
from textual.screen import Screen
from textual.widgets import DataTable
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import Option

#: the character a SelectionList draws inside its tick box
TICK_BOX_INNER = ToggleButton.BUTTON_INNER


def unnotify(app: App[Any], notification: Notification) -> None:
    """Withdraw ``notification`` (its toast goes at once)."""
    app._unnotify(notification)


def built_screens(app: App[Any]) -> Iterable[Screen[Any]]:
    """Every screen on the stack of every mode built so far."""
    for stack in app._screen_stacks.values():
        yield from stack


def is_built(app: App[Any], mode: str) -> bool:
    """Whether ``mode``'s screen has been built (shown once, or by :func:`build_mode`)."""
    return mode in app._screen_stacks


def build_mode(app: App[Any], mode: str) -> None:
    """Build ``mode``'s screen without switching to it."""
    app._init_mode(mode)


def is_running(app: App[Any]) -> bool:
    """Whether the app runs (False once it is shutting down)."""
    return app._running


def key_bindings(node: Any) -> dict[str, list[Binding]]:
    """``node``'s bindings by key, as in effect (changes apply at once)."""
    bindings: dict[str, list[Binding]] = node._bindings.key_to_bindings
    return bindings


def filter_output(app: App[Any], through: Callable[[str], str]) -> bool:
    """Pass everything the app's driver writes through ``through``; False when there is
    no driver (not started)."""
    driver = app._driver
    if driver is None:
        return False
    write = driver.write
    driver.write = lambda data: write(through(data))  # type: ignore[method-assign]
    return True


def frame(app: App[Any]) -> list[tuple[Any, ...]]:
    """What the screen shows now, as lines of segments (text and style): equal frames
    look the same."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    if not isinstance(update, LayoutUpdate):  # a full update always is one
        return []
    return [tuple(segment for strip in line for segment in strip) for line in update.strips]


def dimensions_pending(table: DataTable[Any]) -> bool:
    """Whether ``table`` has yet to size its columns (it does when next idle)."""
    return bool(getattr(table, "_require_update_dimensions", False))


class PaletteSaying(CommandPalette):
    """Textual's command palette with its "no matches" line in other words."""

    def __init__(self, *, no_matches: str, **options: Any) -> None:
        super().__init__(**options)
        self.no_matches = no_matches

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """As Textual's, but the option it adds says :attr:`no_matches`."""
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                line = Align.center(Text(self.no_matches, style="not bold"))
                self.query_one(CommandList).add_option(
                    Option(line, disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


#: Textual's method without its cache (its ``self`` is not used)
_INNER_OUTER: Callable[[Any, Color, Color], Any] = StylesCache.get_inner_outer.__wrapped__


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> Any:
    return _INNER_OUTER(None, base_background, background)


def _get_inner_outer(self: StylesCache, base_background: Color, background: Color) -> Any:
    return _inner_outer(base_background, background)


def unpin_styles_caches() -> None:
    """Cache ``StylesCache.get_inner_outer`` on its colours only, so that it no longer
    keeps the styles caches of removed widgets alive (idempotent)."""
    StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign,assignment]
