"""The command palette's extras: jump to a ticket by its number.

The screen's keys are listed once each (:func:`palette_bindings`). Typing ``5375``
(or ``#5375``) offers "打开工单 #5375 / Open ticket #5375"; the
ticket screen says so if there is no such ticket. Nothing is read from the data
source while typing.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette, Hit, Hits, Provider

from gridtui.i18n import tr
from gridtui.registry import SCREENS, TEXTUAL_THEMES
from gridtui.textual_private import PaletteSaying


class GridPalette(PaletteSaying):
    """Textual's command palette, its search field and "no matches" in the app's language."""

    def __init__(self, lang: str, **options: Any) -> None:
        super().__init__(
            no_matches=tr("palette.no_matches", lang),
            placeholder=tr("textual.palette_search", lang),
            **options,
        )
        self.lang = lang


def open_palette(app: Any) -> None:
    """Open the command palette, its search field in the app's language (the app's
    ``action_command_palette``)."""
    if app.use_command_palette and not CommandPalette.is_open(app):
        app.push_screen(GridPalette(app.lang, id="--command-palette"))


#: binding ids the palette lists once already (screens, language, quit)
PALETTE_SKIP = ("screen.", "key.lang", "key.quit")


def palette_bindings(screen: Any) -> Iterator[Binding]:
    """The screen's described keys for the palette, each command once (a command on two
    keys, such as PageDown and ``n``, is listed by its first)."""
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or not binding.id or binding.id.startswith(PALETTE_SKIP):
            continue
        if binding.id not in seen:
            seen.add(binding.id)
            yield binding


def ticket_number(query: str) -> int | None:
    """The ticket number in ``query`` ("5375", "#5375"), if it is one."""
    digits = query.strip().removeprefix("#").strip()
    return int(digits) if digits.isdigit() and len(digits) <= 12 else None


class TicketJump(Provider):
    """Offers to open the ticket whose number is typed."""

    async def search(self, query: str) -> Hits:
        """One hit when ``query`` is a ticket number."""
        number = ticket_number(query)
        if number is None:
            return
        app: Any = self.app
        label = tr("palette.open_ticket", app.lang, n=number)
        yield Hit(1.0, Text(label), partial(app.open_ticket, number), text=label)


def system_commands(app: Any, screen: Any) -> Iterator[SystemCommand]:
    """The command palette's entries of ``app`` on ``screen``: every screen, the
    language, the themes, the screen's own keys (each once) and quit."""
    from gridtui.widgets.themes import theme_name

    lang = app.lang
    for entry in SCREENS:
        yield SystemCommand(
            tr(f"screen.{entry.name}", lang) + ("" if lang == "zh" else f" ({entry.name})"),
            tr("palette.screen_help", lang, n=entry.key),
            lambda n=entry.name: app.action_show(n),
        )
    yield SystemCommand(tr("key.lang", lang), "l", app.action_toggle_lang)
    for theme in TEXTUAL_THEMES.values():
        yield SystemCommand(
            f"{tr('key.theme', lang)}: {theme_name(theme, lang)}", tr("theme.help", lang),
            lambda t=theme: setattr(app, "theme", t),
        )  # fmt: skip
    for binding in palette_bindings(screen):  # each once, not those listed above
        yield SystemCommand(
            binding.description,
            binding.key_display or binding.key,
            lambda a=binding.action, s=screen: app.run_action(a, s),
        )
    yield SystemCommand(tr("key.quit", lang), "q", app.action_quit)
