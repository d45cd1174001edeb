"""Modal forms for ticket actions: pick an action, then fill note and target.

The form runs the write itself (in a worker) so that a refusal keeps it open with
what was typed and the reason shown; it closes only on success, returning the
outcome. Escape cancels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from gridtui.labels import error_text
from gridtui.widgets.pickers import Choice, Picker
from gridtui.widgets.render import safe

#: actions whose form asks for a target, and the catalog key of its hint
TARGETS = {
    "dispatch": "act.target_hint.dispatch",
    "escalate": "act.target_hint.escalate",
    "assist": "act.target_hint.assist",
    "feedback": "act.target_hint.feedback",
    "merge": "act.target_hint.merge",
    "recolour": "act.target_hint.recolour",
}

#: rows a form with a pick list takes besides the list: border, title, two labels, two
#: inputs, the error line, the buttons, and the margins between them
FORM_ROWS = 18
#: the most rows of a pick list (a tall terminal)
LIST_ROWS = 6

FORM_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 70; max-width: 95%; height: auto; max-height: 95%;
    border: round $primary; background: $surface; padding: 0 1;
}}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} .error {{ color: $error; text-style: bold; height: auto; }}
{name} Input {{ margin-bottom: 1; }}
{name} Horizontal {{ height: auto; align-horizontal: right; }}
{name} Button {{ margin-left: 1; }}
"""


class ActionMenu(ModalScreen[str | None]):
    """Choose one of ``choices`` ((action, label, allowed)); locked ones are shown and
    refused by the caller with the reason."""

    DEFAULT_CSS = FORM_CSS.format(name="ActionMenu")
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", show=False)]  # type: ignore[assignment]

    def __init__(self, title: str, choices: list[tuple[str, str, bool]], locked_note: str) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.locked_note = locked_note

    def compose(self) -> ComposeResult:
        """Title and the list."""
        with Vertical():
            yield Static(Text(self.title_text), classes="title")
            options = []
            for action, label, allowed in self.choices:
                text = Text(label)
                if not allowed:
                    text.append(" ✗ " + self.locked_note, style="dim")
                options.append(Option(text, id=action))
            yield OptionList(*options, id="actions")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)


class ActionForm(ModalScreen[Any]):
    """Note (and target) for one action; ``submit(note, target)`` runs in a worker and
    may raise :class:`~gridtui.data.sources.source.SourceError`, which keeps the form open."""

    DEFAULT_CSS = FORM_CSS.format(name="ActionForm")
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", show=False)]  # type: ignore[assignment]

    def __init__(
        self,
        title: str,
        labels: dict[str, str],
        submit: Callable[[str, str | None], Any],
        *,
        target_hint: str | None = None,
        note: str = "",
        target: str = "",
        choices: list[Choice] | None = None,
        lang: str = "zh",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.labels = labels
        self.submit = submit
        self.target_hint = target_hint
        self.initial = (note, target)
        #: the target is picked from these (a :class:`Picker`), pre-filled with ``target``
        self.choices = choices
        self.lang = lang

    def compose(self) -> ComposeResult:
        """Inputs and buttons."""
        with Vertical():
            yield Static(Text(self.title_text), classes="title")
            if self.target_hint is not None:
                yield Label(Text(self.labels["target"]))
                if self.choices is not None:
                    yield Picker(
                        self.choices,
                        value=self.initial[1] or None,
                        placeholder=self.target_hint,
                        id="picker",
                    )
                else:
                    yield Input(self.initial[1], placeholder=self.target_hint, id="target")
            yield Label(Text(self.labels["note"]))
            yield Input(self.initial[0], id="note")
            yield Static("", classes="error", id="error")
            with Horizontal():
                yield Button(self.labels["cancel"], id="cancel")
                yield Button(self.labels["submit"], variant="primary", id="submit")

    def on_mount(self) -> None:
        """Focus the first input."""
        self._fit_list()
        self.query(Input).first().focus()

    def on_resize(self) -> None:
        """The pick list's room follows the terminal's height."""
        self._fit_list()

    def _fit_list(self) -> None:
        """The pick list gets the rows the form leaves (at most 6, at least 2), so its
        buttons stay in view on a short terminal (80x24) while the list is open."""
        for options in self.query("#target-options").results(OptionList):
            room = int(self.app.size.height * 0.95) - FORM_ROWS
            options.styles.max_height = max(2, min(LIST_ROWS, room))

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        note = self.query_one("#note", Input).value
        target: str | None = None
        if self.choices is not None:
            target = self.query_one(Picker).value
        elif self.target_hint is not None:
            target = self.query_one("#target", Input).value.strip() or None
        self.error = ""
        self.query_one("#error", Static).update("")
        self.run_worker(
            lambda: self.submit(note, target), thread=True, group="submit", exit_on_error=False
        )

    @on(Picker.Picked)
    def _picked(self) -> None:
        """A target picked: on to the note."""
        self.query_one("#note", Input).focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without writing."""
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Close on success; show the reason and stay open on refusal."""
        if event.worker.group != "submit":
            return
        if event.state is WorkerState.SUCCESS:
            self.dismiss(event.worker.result)
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            message = error_text(error or RuntimeError(), self.lang)
            self.error = message
            self.query_one("#error", Static).update(safe(message, one_line=False))

    error = ""
