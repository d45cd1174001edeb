"""6 · Ticket detail: every field, the audit trail, each SLA clock, the actions.

Outside text of any length stays quick: the description shows its first
:data:`DESCRIPTION_SHOWN` characters and each note its first :data:`NOTE_SHOWN`, with
how many more there are; ``f`` reads the description in full and Enter the selected
note (:class:`~gridtui.widgets.longtext.TextViewer`, which draws only what is in view).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from gridtui.data.sources.records import Reference, TicketDetail
from gridtui.domain.callback import Satisfaction
from gridtui.domain.handling import Level
from gridtui.domain.roles import may
from gridtui.i18n import action_label, channel_label, duration, status_label, tr
from gridtui.labels import (
    actor_label,
    one_language,
    policy_label,
    source_label,
    timeline_note,
)
from gridtui.screens.base import DataScreen
from gridtui.screens.messages import OpenMap, ShowScreen
from gridtui.screens.modals.acting import open_menu, start_action
from gridtui.widgets.flow import Flow
from gridtui.widgets.key_bar import KeyBar
from gridtui.widgets.layout import TICKET_CLOCKS_WIDE, TICKET_NARROW
from gridtui.widgets.longtext import TextViewer
from gridtui.widgets.render import (
    colour_chip,
    fill_table,
    remaining_text,
    safe,
    state_text,
    status_text,
)
from gridtui.widgets.status_bar import StatusBar

#: characters of the description shown among the fields (``f`` shows all)
DESCRIPTION_SHOWN = 600
#: characters of a note shown on the timeline (Enter shows all)
NOTE_SHOWN = 200
#: direct keys for the common actions (the rest are in the `x` menu)
ACTION_KEYS = {
    "d": "dispatch",
    "a": "accept",
    "e": "escalate",
    "n": "note",
    "v": "verify",
    "j": "reject",
    "o": "reopen",
}


@dataclass(frozen=True, slots=True)
class TicketData:
    """One load: the ticket (or None when there is none) and the names."""

    detail: TicketDetail | None
    ref: Reference


class TicketScreen(DataScreen):
    """All of one ticket. Which ticket: ``app.ticket_id`` (default: the most urgent)."""

    NAME = "ticket"
    AUTO_FOCUS = "#timeline"
    PERIODIC = 30.0
    DEFAULT_CSS = """
    TicketScreen #top { height: auto; max-height: 50%; }
    TicketScreen.-narrow #top { layout: vertical; max-height: 60%; }
    TicketScreen.-narrow #fields-box { height: auto; max-height: 9; }
    TicketScreen #fields { width: 1fr; height: auto; }
    TicketScreen #clocks-box { width: 1fr; height: auto; }
    TicketScreen #clocks { height: auto; max-height: 8; }
    TicketScreen .section { height: 1; padding: 0 1; text-style: bold; background: $boost; }
    TicketScreen #timeline { height: 1fr; }
    TicketScreen #actions { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("x", "menu", "act", id="key.act"),
        *(
            Binding(key, f"act('{action}')", action, id=f"action.{action}", show=False)
            for key, action in ACTION_KEYS.items()
        ),
        Binding("f", "full_text", "full", id="key.full"),
        Binding("m", "map", "map", id="key.map"),
        Binding("backspace", "back", "back", id="key.back"),
    ]

    def compose(self) -> ComposeResult:
        """Fields beside the clocks, the timeline, the actions."""
        yield StatusBar()
        with Horizontal(id="top"):
            with VerticalScroll(id="fields-box"):
                yield Static(id="fields")
            with Vertical(id="clocks-box"):
                yield Static(classes="section", id="clocks-title")
                yield DataTable(id="clocks", cursor_type="none", zebra_stripes=True)
        yield Static(classes="section", id="timeline-title")
        yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
        yield Static(id="actions")
        yield KeyBar()

    def on_mount(self) -> None:
        """Lay out for the width, label and load."""
        self.set_class(self.app.size.width < TICKET_NARROW, "-narrow")
        self.retitle()
        self.reload()

    def size_class(self) -> object:
        """Narrow (fields over clocks) or wide (more clock columns)."""
        width = self.app.size.width
        return (width < TICKET_NARROW, width >= TICKET_CLOCKS_WIDE)

    def retitle(self) -> None:
        """Section titles."""
        self.query_one("#clocks-title", Static).update(tr("ticket.clocks", self.lang))
        self.query_one("#timeline-title", Static).update(tr("ticket.timeline", self.lang))

    def fetch(self) -> TicketData:
        """The ticket (worker thread)."""
        src = self.host.source
        tid = self.host.ticket_id
        if tid is None:
            tid = src.most_urgent()
            self.host.ticket_id = tid
        detail = src.ticket(tid, self.host.now()) if tid is not None else None
        return TicketData(detail, src.reference())

    @property
    def detail(self) -> TicketDetail | None:
        """The ticket on screen."""
        return self._data.detail if isinstance(self._data, TicketData) else None

    def show(self, data: TicketData) -> None:
        """Fill fields, clocks, timeline and actions."""
        lang = self.lang
        d = data.detail
        if d is None:
            self.query_one("#fields", Static).update(tr("ticket.none", lang))
            return
        self.set_class(self.app.size.width < TICKET_NARROW, "-narrow")
        self.query_one("#fields", Static).update(self._fields(d, data.ref))
        self._fill_clocks(d, data.ref)
        self._fill_timeline(d, data.ref)
        self._fill_actions(d)
        self.retitle()

    def _fields(self, d: TicketDetail, ref: Reference) -> Table:
        lang, r = self.lang, d.row
        tz = self.host.tz
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        cat = ref.categories.get(r.category)
        worker = ref.workers.get(r.worker_id) if r.worker_id is not None else None
        dept = ref.departments.get(r.department_id) if r.department_id is not None else None
        path = " › ".join(n.label(lang) for n in ref.path(r.grid_id)[1:])
        rows: list[tuple[str, RenderableType]] = [
            (tr("col.id", lang), Text(f"#{r.id}  v{r.version}")),
            (tr("col.title", lang), safe(r.title, style="bold")),
            (tr("col.status", lang), status_text(r.status, lang)),
            (tr("col.colour", lang), colour_chip(r.colour, lang)),
            (tr("col.category", lang), safe(cat.label(lang) if cat else r.category)),
            (tr("col.channel", lang), Text(channel_label(r.channel, lang))),
            (tr("col.grid", lang), safe(path or "—")),
            (
                tr("col.assignee", lang),
                _names([f"{worker.name} ({worker.code})"] if worker else []),
            ),
            (tr("col.department", lang), safe(dept.label(lang) if dept else "—")),
            (tr("col.opened", lang), Text(f"{r.opened_at.astimezone(tz):%Y-%m-%d %H:%M}")),
            (
                tr("col.deadline", lang),
                Text(f"{r.due_at.astimezone(tz):%Y-%m-%d %H:%M}" if r.due_at else "—"),
            ),
            (tr("ticket.level", lang), Text(Level(r.level).label(lang))),
            (tr("ticket.lead", lang), _names([ref.holder_label(d.lead, lang)] if d.lead else [])),
            (tr("ticket.address", lang), safe(d.address or "—")),
            (tr("ticket.description", lang), self._description(d.description)),
            (tr("ticket.policy", lang), safe(policy_label(d.sla_policy, lang))),
            (
                tr("ticket.source", lang),
                safe(f"{source_label(d.source, lang)} {d.external_id or ''}".strip()),
            ),
        ]
        if d.co_handlers:
            names = [ref.holder_label(k, lang) for k in d.co_handlers]
            rows.append((tr("ticket.co_handlers", lang), _names(names, lang)))
        if r.satisfaction:
            rows.append(
                (tr("ticket.callback", lang), Text(Satisfaction(r.satisfaction).label(lang)))
            )
        if d.mediation_failures:
            rows.append((tr("ticket.mediation", lang), Text(str(d.mediation_failures))))
        if d.reopen_count:
            rows.append((tr("ticket.reopens", lang), Text(str(d.reopen_count))))
        if d.merged_into:
            rows.append((tr("ticket.merged", lang), Text(f"#{d.merged_into}")))
        for label, value in rows:
            grid.add_row(label, value)
        return grid

    def _description(self, description: str | None) -> Text:
        """The description's beginning, and how to read the rest when it is cut."""
        lang = self.lang
        text = safe(description or "—", one_line=False, limit=DESCRIPTION_SHOWN, lang=lang)
        if description and len(description) > DESCRIPTION_SHOWN:
            text.append("\n" + tr("text.read_all", lang), style="dim italic")
        return text

    def _fill_clocks(self, d: TicketDetail, reference: Reference) -> None:
        lang, now, tz = self.lang, self.host.now(), self.host.tz
        wide = self.app.size.width >= TICKET_CLOCKS_WIDE
        keys = ["col.clock", "col.state", "col.remaining", "col.deadline"]
        if wide:
            keys += ["col.started", "col.stopped"]
        rows: list[tuple[str, list[Text]]] = []

        def when(at: datetime | None) -> Text:
            return Text(f"{at.astimezone(tz):%m-%d %H:%M}" if at else "—")

        holders = {c.holder for c in d.clocks}
        ref = reference if len(holders) > 1 else None
        for c in d.clocks:
            state = c.state_at(now)
            left = (
                remaining_text(c.deadline, now, lang, state)
                if c.running and c.deadline is not None
                else Text(
                    duration(c.remaining, lang) if c.remaining is not None else "—", style="dim"
                )
            )
            # with several holders, each clock names whose it is
            name = c.label(lang)
            if ref is not None and c.holder:
                name = f"{ref.holder_label(c.holder, lang)}: {name}"
            # a running clock that stands still (waiting, or in other hands) says so
            shown = (
                Text(tr("sla.paused", lang), style="dim")
                if c.running and c.paused
                else state_text(state, lang)
            )
            cells = [safe(name), shown, left, when(c.deadline)]
            if wide:
                # a clock standing still says so in its state column, not here
                cells += [when(c.started_at), when(c.stopped_at)]
            rows.append((f"{c.holder}/{c.name}", cells))
        fill_table(self.query_one("#clocks", DataTable), [(k, tr(k, lang)) for k in keys], rows)

    def _fill_timeline(self, d: TicketDetail, ref: Reference) -> None:
        lang, tz = self.lang, self.host.tz
        table = self.query_one("#timeline", DataTable)
        keep, scroll = table.cursor_row, table.scroll_y
        keys = ("col.when", "col.action", "col.actor", "col.status", "col.note")
        rows: list[tuple[str, list[Text]]] = []
        for i, e in enumerate(d.timeline):
            moved = (
                f"{status_label(e.from_status, lang)} → {status_label(e.to_status, lang)}"
                if e.from_status and e.from_status != e.to_status
                else status_label(e.to_status, lang)
            )
            note = timeline_note(e.note, e.actor, e.target, ref, d.clocks, lang)
            cells = [
                Text(f"{e.at.astimezone(tz):%m-%d %H:%M}"),
                Text(action_label(e.action, lang)),
                safe(actor_label(e.actor, ref, lang)),
                Text(moved),
                safe(note, limit=NOTE_SHOWN, lang=lang),
            ]
            rows.append((str(i), cells))
        _fill_wrapped(table, [(k, tr(k, lang)) for k in keys], rows, self.app)
        if d.timeline:
            table.move_cursor(row=min(keep, len(d.timeline) - 1), scroll=False)
            table.scroll_to(y=scroll, animate=False)

    def _fill_actions(self, d: TicketDetail) -> None:
        lang = self.lang
        keys = {v: k for k, v in ACTION_KEYS.items()}
        line = Text(tr("ticket.actions", lang) + ": ", style="bold")
        for action in d.actions:
            key = keys.get(action)
            label = action_label(action, lang) + (f"[{key}]" if key else "")
            if may(self.host.role, action):
                line.append(label + "  ")
            else:
                line.append(label, style="dim strike")
                line.append(" ✗  ", style="dim")
        line.append("  x: " + tr("key.act", lang), style="dim")
        self.query_one("#actions", Static).update(line)

    # -- actions ----------------------------------------------------------------------------

    def action_menu(self) -> None:
        """Every action the status allows; locked ones refused with the reason."""
        d = self.detail
        if d is not None:
            open_menu(self, d.row.id, d.row.version, d.row.status)

    def action_act(self, action: str) -> None:
        """One action by its key."""
        d = self.detail
        if d is not None:
            start_action(self, d.row.id, d.row.version, d.row.status, action)

    def action_full_text(self) -> None:
        """The whole description, however long."""
        d = self.detail
        if d is not None:
            what = tr("ticket.description", self.lang)
            self.app.push_screen(TextViewer(what, d.description or "", self.lang))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on the timeline: that note in full."""
        d = self.detail
        if d is None or event.data_table.id != "timeline" or event.row_key.value is None:
            return
        e = d.timeline[int(event.row_key.value)]
        what = tr("text.note", self.lang, when=f"{e.at.astimezone(self.host.tz):%m-%d %H:%M}")
        note = one_language(e.note, self.lang) if e.actor == "system" else e.note
        self.app.push_screen(TextViewer(what, note, self.lang))

    def action_map(self) -> None:
        """The map centred on this ticket."""
        d = self.detail
        if d is not None:
            self.app.post_message(OpenMap(d.row.grid_id, d.row.id))

    def action_back(self) -> None:
        """Back to the queue."""
        self.app.post_message(ShowScreen("queue"))


def _names(names: list[str], lang: str = "zh") -> Flow | Text:
    """Names (each with its code) as unbreakable units: "段娜(L0003)、王磊(L0004)" wraps
    between two names, never inside one; "—" for none."""
    if not names:
        return Text("—")
    sep, gap = ("、", "") if lang == "zh" else (",", " ")
    return Flow([safe(n) for n in names], sep=sep, gap=gap)


def _fill_wrapped(
    table: DataTable[Text],
    columns: list[tuple[str, str]],
    rows: list[tuple[str, list[Text]]],
    app: Any,
) -> None:
    """Like :func:`fill_table`, but the last column (the notes) takes the width the
    others leave and its text wraps onto as many lines as it needs, never cut."""
    table.clear(columns=True)
    widths = [max([cell_len(label)] + [cells[i].cell_len for _, cells in rows])
              for i, (_key, label) in enumerate(columns)]  # fmt: skip
    # each column has a cell of padding either side; 2 for the scroll bar
    room = app.size.width - sum(widths[:-1]) - 2 * len(columns) - 2
    widths[-1] = max(min(widths[-1], room), cell_len(columns[-1][1]), 12)
    for (key, label), width in zip(columns, widths, strict=True):
        table.add_column(label, key=key, width=width)
    for key, cells in rows:
        note = cells[-1]
        lines = len(note.wrap(app.console, widths[-1])) if note.cell_len > widths[-1] else 1
        table.add_row(*cells, key=key, height=max(lines, 1))
