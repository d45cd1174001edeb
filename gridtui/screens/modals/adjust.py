"""The spot-check point adjustment form (抽查加减分): points and a reason.

Like the ticket action form, it runs the write itself (in a worker thread) so that a
refusal keeps it open with what was typed and the reason shown; it closes only on
success, returning the points applied. A points value that is not a number is
refused here, before anything is sent; an empty reason or points out of bounds are
refused by the data source (the scoring rules), whose message is shown. Escape
cancels.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker, WorkerState

from gridtui.i18n import tr
from gridtui.labels import error_text
from gridtui.widgets.render import safe


def parse_points(value: str) -> float | None:
    """``"+5"``, ``"-2.5"``, ``"３"`` → a finite number; anything else → None."""
    text = unicodedata.normalize("NFKC", value).strip().replace("−", "-")
    try:
        points = float(text)
    except ValueError:
        return None
    return points if math.isfinite(points) else None


class AdjustForm(ModalScreen[float | None]):
    """Points and reason for one worker or department (``subject``: its shown name).

    ``submit(points, reason)`` runs in a worker thread and may raise
    :class:`~gridtui.data.sources.source.SourceError` (refused, not permitted, unreachable):
    the form then shows the message and stays open with the values typed.
    """

    DEFAULT_CSS = """
    AdjustForm { align: center middle; }
    AdjustForm > Vertical {
        width: 64; max-width: 95%; height: auto; max-height: 95%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    AdjustForm .title { text-style: bold; margin-bottom: 1; }
    AdjustForm .hint { color: $text-muted; }
    AdjustForm .error { color: $error; text-style: bold; height: auto; }
    AdjustForm Input { margin-bottom: 1; }
    AdjustForm Horizontal { height: auto; align-horizontal: right; }
    AdjustForm Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", show=False)]  # type: ignore[assignment]

    def __init__(
        self,
        subject: str,
        lang: str,
        submit: Callable[[float, str], object],
        *,
        points: str = "",
        reason: str = "",
    ) -> None:
        super().__init__()
        self.subject = subject
        self.lang = lang
        self.submit = submit
        self.initial = (points, reason)
        self.error = ""  # the message shown, for tests
        self.busy = False  # a write is running
        self.attempts = 0  # submissions tried (refused or sent), for tests

    def compose(self) -> ComposeResult:
        """Title, the two inputs, the error line and the buttons."""
        lang = self.lang
        with Vertical():
            yield Static(safe(tr("adjust.title", lang, name=self.subject)), classes="title")
            yield Label(tr("adjust.points", lang))
            yield Input(self.initial[0], placeholder="+5 / -2.5", id="points")
            yield Label(tr("adjust.reason", lang))
            yield Input(self.initial[1], id="reason")
            yield Static("", classes="error", id="error")
            yield Static(tr("adjust.hint", lang), classes="hint")
            with Horizontal():
                yield Button(tr("act.cancel", lang), id="cancel")
                yield Button(tr("act.submit", lang), variant="primary", id="submit")

    def on_mount(self) -> None:
        """Start in the points field."""
        self.query_one("#points", Input).focus()

    @on(Input.Submitted, "#points")
    def _next_field(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        if self.busy:
            return
        self.attempts += 1
        points = parse_points(self.query_one("#points", Input).value)
        if points is None:
            self.show_error(tr("adjust.bad_points", self.lang))
            self.query_one("#points", Input).focus()
            return
        reason = self.query_one("#reason", Input).value
        self.show_error("")
        self.busy = True
        self.query_one("#submit", Button).disabled = True
        self.run_worker(
            lambda: self.submit(points, reason), thread=True, group="submit", exit_on_error=False
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without writing."""
        self.dismiss(None)

    def show_error(self, message: str) -> None:
        """Show ``message`` (as literal text) under the inputs; empty clears it."""
        self.error = message
        self.query_one("#error", Static).update(safe(message, one_line=False))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Close with the points on success; show the reason and stay open on refusal."""
        if event.worker.group != "submit" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        self.busy = False
        self.query_one("#submit", Button).disabled = False
        if event.state is WorkerState.SUCCESS:
            self.dismiss(parse_points(self.query_one("#points", Input).value))
            return
        error = event.worker.error
        self.show_error(error_text(error or RuntimeError(), self.lang))
