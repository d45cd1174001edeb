"""The queue's filter form: status, colour, channel, handling level, category,
department, area.

Every group is titled; a ticked option shows ``[✓]`` (not only a colour, so it reads
with 16 colours or none). Enter applies from anywhere in the form (Space ticks),
ctrl+s too; Esc cancels and says that the filter did not change; 应用 comes before
取消 in the Tab order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from gridtui.data.sources.records import QueueQuery, Reference
from gridtui.domain.channels import Channel
from gridtui.domain.colours import RiskColour
from gridtui.domain.handling import LADDER
from gridtui.domain.lifecycle import Status
from gridtui.i18n import channel_label, colour_label, status_label, tr
from gridtui.textual_private import TICK_BOX_INNER
from gridtui.widgets.render import safe

TICKED = Style(bold=True, color="green")


class Picks(SelectionList[str]):
    """A titled pick list: ``[✓]`` / ``[ ]`` ticks; Enter applies the form, Space ticks."""

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("enter", "screen.apply", show=False),
    ]

    def render_line(self, y: int) -> Strip:
        """The list's line with a tick box that does not depend on colour."""
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != TICK_BOX_INNER:
            return strip
        index = self.scroll_offset.y + y
        value = self.get_option_at_index(index).value
        ticked = value in self.selected
        style = (segments[3].style or Style()) + Style(meta={"option": index})
        box = Segment("[✓]" if ticked else "[ ]", style + TICKED if ticked else style)
        return Strip([box, *segments[3:]], strip.cell_length)


class Choice(Select[str]):
    """A select where Enter applies the form (Space or ↓ opens the list)."""

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("enter", "screen.apply", show=False),
    ]


class Department(Select[int]):
    """As :class:`Choice`, for department ids."""

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("enter", "screen.apply", show=False),
    ]


class FilterForm(ModalScreen[QueueQuery | None]):
    """Edit a :class:`QueueQuery`'s filters; returns the new query, or None on cancel."""

    DEFAULT_CSS = """
    FilterForm { align: center middle; }
    FilterForm > Vertical {
        width: 96; max-width: 100%; height: 30; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    FilterForm #title { height: 1; }
    FilterForm #hint { height: 1; color: $text-muted; }
    FilterForm #lists { height: 1fr; }
    FilterForm Picks {
        width: 1fr; height: 1fr; padding: 0;
        border: round $foreground 40%; border-title-color: $foreground; border-title-style: bold;
    }
    FilterForm Picks:focus { border: round $accent; border-title-color: $accent; }
    FilterForm #more { height: 2; }
    FilterForm #more > Vertical { width: 1fr; height: 2; margin-right: 1; }
    FilterForm Label { text-style: bold; }
    FilterForm #node { background: $boost; }
    FilterForm .error { color: $error; height: auto; }
    FilterForm #buttons { height: 1; align-horizontal: right; }
    FilterForm Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "cancel", show=False),
        Binding("ctrl+s", "apply", show=False, priority=True),
    ]

    def __init__(self, query: QueueQuery, ref: Reference, lang: str) -> None:
        super().__init__()
        self.query_in = query
        self.ref = ref
        self.lang = lang

    def compose(self) -> ComposeResult:
        """Four titled pick lists, two selects and the area code; Apply, Cancel."""
        lang, q = self.lang, self.query_in
        groups: list[tuple[str, str, list[tuple[str, str, bool]]]] = [
            ("statuses", "filter.status",
             [(status_label(s.value, lang), s.value, s.value in q.statuses) for s in Status]),
            ("colours", "filter.colour",
             [(colour_label(c.value, lang), c.value, c.value in q.colours)
              for c in RiskColour.by_severity()]),
            ("channels", "filter.channel",
             [(channel_label(c.value, lang), c.value, c.value in q.channels) for c in Channel]),
            ("levels", "filter.level",
             [(lv.label(lang), lv.value, lv.value in q.levels) for lv in LADDER]),
        ]  # fmt: skip
        with Vertical():
            yield Static(Text(tr("queue.filters", lang), style="bold"), id="title")
            yield Static(tr("filter.hint", lang), id="hint")
            with Horizontal(id="lists"):
                for name, key, options in groups:
                    picks = Picks(*options, id=name)
                    picks.border_title = tr(key, lang)
                    yield picks
            with Horizontal(id="more"):
                with Vertical():
                    yield Label(tr("filter.category", lang))
                    categories = sorted(self.ref.categories.values(), key=lambda c: c.code)
                    yield Choice(
                        ((safe(c.label(lang)), c.code) for c in categories),
                        value=next(iter(q.categories)) if len(q.categories) == 1 else Select.NULL,
                        prompt=tr("filter.any", lang),
                        id="category",
                        compact=True,
                    )
                with Vertical():
                    yield Label(tr("filter.department", lang))
                    departments = sorted(self.ref.departments.items(), key=lambda kv: kv[1].code)
                    yield Department(
                        ((safe(d.label(lang)), i) for i, d in departments),
                        value=q.department_id if q.department_id is not None else Select.NULL,
                        prompt=tr("filter.any", lang),
                        id="department",
                        compact=True,
                    )
                with Vertical():
                    yield Label(tr("filter.node_code", lang))
                    node = self.ref.nodes.get(q.node_id) if q.node_id is not None else None
                    yield Input(node.label(lang) if node else "", id="node", compact=True)
            yield Static("", classes="error", id="error")
            with Horizontal(id="buttons"):
                yield Button(tr("filter.apply", lang), variant="primary", id="apply", compact=True)
                yield Button(tr("act.cancel", lang), id="cancel", compact=True)

    def on_mount(self) -> None:
        """Start in the first list, on its first option."""
        for picks in self.query(Picks):
            picks.highlighted = 0
        self.query_one("#statuses", Picks).focus()

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def action_apply(self) -> None:
        """Close with the filters as ticked and chosen."""
        code = self.query_one("#node", Input).value.strip()
        node_id = None
        if code:
            node_id = find_node(self.ref, code)
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
                statuses=frozenset(self.query_one("#statuses", Picks).selected),
                colours=frozenset(self.query_one("#colours", Picks).selected),
                channels=frozenset(self.query_one("#channels", Picks).selected),
                levels=frozenset(self.query_one("#levels", Picks).selected),
                categories=frozenset({str(category)}) if isinstance(category, str) else frozenset(),
                department_id=department if isinstance(department, int) else None,
                node_id=node_id,
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without changing the filters, and say so."""
        self.app.notify(tr("filter.unchanged", self.lang), timeout=3)
        self.dismiss(None)


def find_node(ref: Reference, text: str) -> int | None:
    """The area ``text`` names: by code, by name (zh or en), or the one whose name
    holds it."""
    nodes = list(ref.nodes.values())
    for found in (
        [n for n in nodes if n.code == text],
        [n for n in nodes if text in (n.name, n.name_en)],
        [n for n in nodes if text in n.name or (n.name_en and text.lower() in n.name_en.lower())],
    ):
        if len(found) == 1:
            return found[0].id
    return None
