"""Pickers for the action forms (issue 13, point 5): a name instead of a code.

A :class:`Picker` is an input with the matching choices listed under it as one
types (name, code or grid, anywhere in the text): ↓ moves into the list, Enter
picks; Enter in the input picks the first match when what was typed is not yet a
choice. Its :attr:`Picker.value` is the code the service wants (``W0003``,
``dept:CIVIL``, ``up``); text that is no choice is passed on as typed, and the
service's refusal says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from gridtui.data.sources.records import Reference, TicketRow
from gridtui.i18n import tr

#: matches listed under the input at most
SHOWN = 6


@dataclass(frozen=True, slots=True)
class Choice:
    """One thing to pick: the ``value`` the service wants, the ``label`` shown, and
    the text typing matches (label, code, grid)."""

    value: str
    label: str
    search: str

    def matches(self, typed: str) -> bool:
        """Whether every word typed is in the choice's text."""
        return all(word in self.search for word in typed.lower().split())


def worker_choices(ref: Reference, lang: str) -> list[Choice]:
    """Every worker ("薛建杰 (W0003) · 某某网格"), then every department."""
    out = []
    for w in sorted(ref.workers.values(), key=lambda w: w.code):
        grid = ref.node_label(w.grid_id, lang) if w.grid_id is not None else ""
        label = f"{w.name} ({w.code})" + (f" · {grid}" if grid else "")
        out.append(Choice(w.code, label, f"{label} {w.code}".lower()))
    return out + department_choices(ref, lang)


def department_choices(
    ref: Reference, lang: str, *, first: str | None = None, up: bool = False
) -> list[Choice]:
    """Every department by name (``first``, the category's, at the top), and "one
    level up" when ``up``."""
    depts = sorted(ref.departments.values(), key=lambda d: (d.code != first, d.code))
    prefix = tr("pick.dept_prefix", lang)
    out = [
        Choice(
            f"dept:{d.code}",
            f"{prefix} · {d.label(lang)}",
            f"{d.name} {d.name_en} {d.code}".lower(),
        )
        for d in depts
    ]
    if up:
        label = tr("pick.up", lang)
        out.insert(0, Choice("up", label, f"{label} up".lower()))
    return out


def grid_worker(ref: Reference, row: TicketRow | None) -> str | None:
    """The code of the ticket's worker, else of the first worker of its grid."""
    if row is None:
        return None
    if row.worker_id is not None and row.worker_id in ref.workers:
        return ref.workers[row.worker_id].code
    on_grid = sorted(w.code for w in ref.workers.values() if w.grid_id == row.grid_id)
    return on_grid[0] if on_grid else None


def category_department(ref: Reference, row: TicketRow | None) -> str | None:
    """The code of the department the ticket's category goes to."""
    cat = ref.categories.get(row.category) if row is not None else None
    return cat.department if cat is not None else None


class Picker(Vertical):
    """An input and the choices matching what is typed."""

    class Picked(Message):
        """A choice was picked (the form moves on to its next field)."""

        def __init__(self, picker: Picker, choice: Choice) -> None:
            super().__init__()
            self.picker = picker
            self.choice = choice

    DEFAULT_CSS = """
    Picker { height: auto; }
    Picker > Input { margin-bottom: 0; }
    Picker > OptionList { height: auto; max-height: 6; border: none; margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("down", "into_list", show=False),
    ]

    def __init__(
        self, choices: list[Choice], *, value: str | None = None, placeholder: str = "", id: str
    ) -> None:
        super().__init__(id=id)
        self.choices = choices
        self._by_label = {c.label: c for c in choices}
        start = next((c for c in choices if c.value == value), None)
        self._initial = start.label if start else (value or "")
        self._placeholder = placeholder
        self._shown: list[Choice] = []

    def compose(self) -> ComposeResult:
        """The input (``#target``) and the list under it."""
        yield Input(self._initial, placeholder=self._placeholder, id="target")
        yield OptionList(id="target-options")

    def on_mount(self) -> None:
        """Nothing listed until something is typed (the default stands)."""
        self._filter(None)

    @property
    def input(self) -> Input:
        """The text field."""
        return self.query_one("#target", Input)

    @property
    def value(self) -> str | None:
        """The code for what was picked or typed (None: nothing)."""
        typed = self.input.value.strip()
        if not typed:
            return None
        if typed in self._by_label:
            return self._by_label[typed].value
        exact = [c for c in self.choices if c.value.lower() == typed.lower()]
        if exact:
            return exact[0].value
        found = [c for c in self.choices if c.matches(typed)]
        return found[0].value if len(found) == 1 else typed

    def _filter(self, typed: str | None) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        done = typed is not None and (
            typed.strip() in self._by_label
            or any(c.value.lower() == typed.strip().lower() for c in self.choices)
        )
        if not typed or done:
            self._shown = []
        else:
            self._shown = [c for c in self.choices if c.matches(typed)][:SHOWN]
        options.add_options([Option(Text(c.label), id=c.value) for c in self._shown])
        options.display = bool(self._shown)
        if self._shown:
            options.highlighted = 0

    @on(Input.Changed, "#target")
    def _typed(self, event: Input.Changed) -> None:
        self._filter(event.value)

    @on(Input.Submitted, "#target")
    def _enter(self, event: Input.Submitted) -> None:
        """Enter on a partial name picks its first match instead of submitting."""
        if self._shown:
            event.stop()
            self._pick(self._shown[0])

    def action_into_list(self) -> None:
        """↓: into the list of matches."""
        options = self.query_one(OptionList)
        if self._shown and not options.has_focus:
            options.focus()

    @on(OptionList.OptionSelected, "#target-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if 0 <= index < len(self._shown):
            self._pick(self._shown[index])

    def _pick(self, choice: Choice) -> None:
        with self.input.prevent(Input.Changed):
            self.input.value = choice.label
        self._filter(None)
        self.input.focus()
        self.post_message(self.Picked(self, choice))
