"""The queue's filter form: status, colour, channel, handling level, category,
department, area."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from gridtui.data.records import QueueQuery, Reference
from gridtui.domain.channels import Channel
from gridtui.domain.colours import RiskColour
from gridtui.domain.handling import LADDER
from gridtui.domain.lifecycle import Status
from gridtui.i18n import channel_label, colour_label, status_label, tr
from gridtui.widgets.render import safe


class FilterForm(ModalScreen[QueueQuery | None]):
    """Edit a :class:`QueueQuery`'s filters; returns the new query, or None on cancel."""

    DEFAULT_CSS = """
    FilterForm { align: center middle; }
    FilterForm > Vertical {
        width: 90; max-width: 98%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    FilterForm #lists { height: 1fr; }
    FilterForm SelectionList { width: 1fr; height: 1fr; }
    FilterForm .error { color: $error; height: auto; }
    FilterForm #buttons { height: auto; align-horizontal: right; }
    FilterForm Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", show=False)]  # type: ignore[assignment]

    def __init__(self, query: QueueQuery, ref: Reference, lang: str) -> None:
        super().__init__()
        self.query_in = query
        self.ref = ref
        self.lang = lang

    def compose(self) -> ComposeResult:
        """Three pick lists, two selects and the area code."""
        lang, q = self.lang, self.query_in
        with Vertical():
            yield Static(Text(tr("queue.filters", lang), style="bold"))
            with Horizontal(id="lists"):
                yield SelectionList[str](
                    *(
                        (status_label(s.value, lang), s.value, s.value in q.statuses)
                        for s in Status
                    ),
                    id="statuses",
                )
                yield SelectionList[str](
                    *(
                        (colour_label(c.value, lang), c.value, c.value in q.colours)
                        for c in RiskColour.by_severity()
                    ),
                    id="colours",
                )
                yield SelectionList[str](
                    *(
                        (channel_label(c.value, lang), c.value, c.value in q.channels)
                        for c in Channel
                    ),
                    id="channels",
                )
                yield SelectionList[str](
                    *(
                        (level.label(lang), level.value, level.value in q.levels)
                        for level in LADDER
                    ),
                    id="levels",
                )
            with VerticalScroll(id="more"):
                yield Label(tr("filter.category", lang))
                categories = sorted(self.ref.categories.values(), key=lambda c: c.code)
                yield Select[str](
                    ((safe(c.label(lang)), c.code) for c in categories),
                    value=next(iter(q.categories)) if len(q.categories) == 1 else Select.NULL,
                    prompt=tr("filter.any", lang),
                    id="category",
                )
                yield Label(tr("filter.department", lang))
                departments = sorted(self.ref.departments.items(), key=lambda kv: kv[1].code)
                yield Select[int](
                    ((safe(d.label(lang)), i) for i, d in departments),
                    value=q.department_id if q.department_id is not None else Select.NULL,
                    prompt=tr("filter.any", lang),
                    id="department",
                )
                yield Label(tr("filter.node", lang) + " (code)")
                node = self.ref.nodes.get(q.node_id) if q.node_id is not None else None
                yield Input(node.code if node else "", id="node")
                yield Static("", classes="error", id="error")
            with Horizontal(id="buttons"):
                yield Button(tr("act.cancel", lang), id="cancel")
                yield Button(tr("filter.apply", lang), variant="primary", id="apply")

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def _apply(self) -> None:
        code = self.query_one("#node", Input).value.strip()
        node_id = None
        if code:
            node_id = next((n.id for n in self.ref.nodes.values() if n.code == code), None)
            if node_id is None:
                self.query_one("#error", Static).update(
                    safe(f"{tr('filter.node', self.lang)}: {code}?")
                )
                return
        category = self.query_one("#category", Select).value
        department = self.query_one("#department", Select).value
        self.dismiss(
            replace(
                self.query_in,
                statuses=frozenset(self.query_one("#statuses", SelectionList).selected),
                colours=frozenset(self.query_one("#colours", SelectionList).selected),
                channels=frozenset(self.query_one("#channels", SelectionList).selected),
                levels=frozenset(self.query_one("#levels", SelectionList).selected),
                categories=frozenset({str(category)}) if isinstance(category, str) else frozenset(),
                department_id=department if isinstance(department, int) else None,
                node_id=node_id,
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without changing the filters."""
        self.dismiss(None)
