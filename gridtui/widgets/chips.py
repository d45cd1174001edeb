"""The queue's active filters as removable chips above the table.

One chip per kind of filter ("状态：新建、已派单 ×"); removing a chip drops that kind.
Chips are focusable (Tab reaches them; Enter, Delete or Backspace removes the one in
focus) and a click removes one, so keyboard-only and mouse users both can.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from gridtui.data.sources.records import QueueQuery, Reference
from gridtui.domain.colours import RiskColour
from gridtui.domain.handling import LADDER
from gridtui.i18n import channel_label, colour_label, status_label, tr
from gridtui.widgets.render import safe


def chips_of(query: QueueQuery, ref: Reference | None, lang: str) -> list[tuple[Text, QueueQuery]]:
    """Each active filter of ``query``: its label and the query without it."""
    sep, list_sep = ("：", "、") if lang == "zh" else (": ", ", ")
    out: list[tuple[Text, QueueQuery]] = []

    def chip(key: str, values: list[str], without: QueueQuery) -> None:
        if values:
            label = Text(tr(key, lang) + sep, style="bold")
            label.append_text(safe(list_sep.join(values)))
            out.append((label, without))

    q = query
    chip("filter.status", [status_label(s, lang) for s in sorted(q.statuses)],
         replace(q, statuses=frozenset()))  # fmt: skip
    colours = [c.value for c in RiskColour.by_severity() if c.value in q.colours]
    chip("filter.colour", [colour_label(c, lang) for c in colours],
         replace(q, colours=frozenset()))  # fmt: skip
    chip("filter.channel", [channel_label(c, lang) for c in sorted(q.channels)],
         replace(q, channels=frozenset()))  # fmt: skip
    chip("filter.level", [lv.label(lang) for lv in LADDER if lv.value in q.levels],
         replace(q, levels=frozenset()))  # fmt: skip
    if ref is not None:
        cats = [ref.categories[c].label(lang) if c in ref.categories else c
                for c in sorted(q.categories)]  # fmt: skip
        chip("filter.category", cats, replace(q, categories=frozenset()))
        if q.department_id is not None:
            dep = ref.departments.get(q.department_id)
            chip("filter.department", [dep.label(lang) if dep else str(q.department_id)],
                 replace(q, department_id=None))  # fmt: skip
        if q.node_id is not None:
            chip("filter.node", [ref.node_label(q.node_id, lang)], replace(q, node_id=None))
    if q.text:
        chip("queue.search_chip", [f"“{q.text}”"], replace(q, text=""))
    return out


class Chip(Static, can_focus=True):
    """One active filter; Enter, Delete, Backspace or a click removes it."""

    DEFAULT_CSS = """
    Chip { width: auto; height: 1; padding: 0 1; margin-right: 1; background: $panel; }
    Chip:focus { background: $accent; color: $text; text-style: bold; }
    """
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("enter,delete,backspace", "remove", show=False),
    ]

    class Removed(Message):
        """A chip was removed: show ``query`` (the filters without it)."""

        def __init__(self, query: QueueQuery) -> None:
            super().__init__()
            self.query = query

    def __init__(self, label: Text, without: QueueQuery) -> None:
        text = label.copy()
        text.append(" ×")
        super().__init__(text)
        self.label = label
        self.without = without

    def action_remove(self) -> None:
        """Drop this filter."""
        self.post_message(self.Removed(self.without))

    def on_click(self, event: events.Click) -> None:
        """A click drops this filter."""
        event.stop()
        self.action_remove()


class FilterChips(Horizontal):
    """The row of chips; hidden when no filter is active."""

    DEFAULT_CSS = """
    FilterChips { height: 1; display: none; padding: 0 1; }
    FilterChips.-some { display: block; }
    """

    def set_chips(self, chips: list[tuple[Text, QueueQuery]]) -> None:
        """Show ``chips`` (nothing changes when they are the ones shown)."""
        shown = [(c.label.plain, c.without) for c in self.query(Chip)]
        if shown == [(label.plain, q) for label, q in chips]:
            return
        focused = self.screen.focused if self.is_attached else None
        refocus = isinstance(focused, Chip) and focused.parent is self
        self.remove_children()
        self.set_class(bool(chips), "-some")
        if chips:
            new = [Chip(label, q) for label, q in chips]
            self.mount(*new)
            if refocus:
                self.call_after_refresh(new[-1].focus)

    @property
    def last(self) -> Chip | None:
        """The last chip, if any."""
        chips = list(self.query(Chip))
        return chips[-1] if chips else None
