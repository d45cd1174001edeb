"""The ``?`` overlay: every key of the current screen and the app, in the user's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gridtui.i18n import tr
from gridtui.textual_private import key_bindings


class HelpScreen(ModalScreen[None]):
    """A modal list of (key, description) pairs; any of escape, ``?`` or ``q`` closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: auto; max-width: 90%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    /* a Static fills its container by default: inside an auto-sized one it would
       collapse to nothing (Textual 8); let the text size both */
    HelpScreen #help-body { width: auto; min-width: 32; height: auto; }
    """
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "dismiss", show=False),
        Binding("question_mark", "dismiss", show=False),
        Binding("q", "dismiss", show=False),
    ]

    def __init__(self, title: str, keys: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.keys = list(keys)

    def compose(self) -> ComposeResult:
        """The title and one line per key."""
        body = Text()
        body.append(self.title_text + "\n\n", style="bold")
        width = max((len(k) for k, _ in self.keys), default=4)
        for key, description in self.keys:
            body.append(f"{key:>{width}}  ", style="bold reverse")
            body.append(f" {description}\n")
        with VerticalScroll():
            yield Static(body, id="help-body")

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        """Close."""
        self.dismiss(None)


def describe(bindings: Iterable[Binding], key_display: dict[str, str]) -> list[tuple[str, str]]:
    """(shown key, description) for bindings that have a description, deduplicated."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str]] = []
    for b in bindings:
        if not b.description:
            continue
        key = b.key_display or key_display.get(b.key, b.key)
        pair = (key, b.description)
        if pair not in seen:
            seen.add(pair)
            out.append(pair)
    return out


def help_screen(screen: Any, app: Any, lang: str) -> HelpScreen:
    """The ``?`` overlay of ``screen``: its own keys and the app's, in ``lang``. Ours
    carry an id (their label in the catalogue); Textual's built-in ones (focus, copy,
    cursor movement) need no help, and have no Chinese label."""
    keys = describe(
        [b for node in (screen, app) for bs in key_bindings(node).values() for b in bs if b.id],
        {"question_mark": "?", "slash": "/"},
    )
    name = getattr(screen, "NAME", "")
    title = tr("screen.help", lang) + (f" · {tr(f'screen.{name}', lang)}" if name else "")
    return HelpScreen(title, keys)
