"""SLA board: rows from the source, countdowns that tick without queries, state changes
that re-colour and re-sort, selection kept on reload, Enter, widths, language."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import DataTable

from gridtui.data.sources.records import SlaRow
from gridtui.i18n import clock_state_label, tr
from gridtui.screens.sla import SlaScreen
from gridtui.widgets.boards import SLA_LIMIT
from gridtui.widgets.palette import palette_for
from tests.conftest import NOW
from tests.waiting import pilot_until

SEVERITY = {"breached": 0, "critical": 1, "warning": 2, "ok": 3}


class Clock:
    """An app clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def key(row: SlaRow) -> str:
    return f"{row.ticket.id}:{row.clock.name}"


def expected_order(rows: list[SlaRow], now: datetime) -> list[str]:
    """Breached, critical, warning, ok, then the rest; each by deadline, then ticket;
    one row per ticket (its first clock in that order)."""
    far = datetime.max.replace(tzinfo=now.tzinfo)
    ordered = sorted(
        rows,
        key=lambda r: (
            SEVERITY.get(r.clock.state_at(now), 4),
            r.clock.deadline or far,
            r.ticket.id,
        ),
    )
    first: dict[int, SlaRow] = {}
    for r in ordered:
        first.setdefault(r.ticket.id, r)
    return [key(r) for r in first.values()]


def cell(table: DataTable[Text], row: str, column: str) -> str:
    return table.get_cell(row, column).plain


async def test_rows_match_the_source_breached_first(make_app, source, wait):
    app = make_app(screen="sla")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, SlaScreen)
        now = app.now()
        rows = source.sla_board(now, SLA_LIMIT)
        states = [r.clock.state_at(now) for r in rows]
        breached = states.count("breached")
        assert rows and breached > 0
        shown = screen.row_keys()
        assert shown == expected_order(rows, now)
        # one row per ticket: every ticket of the source is there once
        assert sorted(int(k.split(":")[0]) for k in shown) == sorted({r.ticket.id for r in rows})
        table = screen.query_one("#clocks", DataTable)
        first = next(r for r in rows if key(r) == shown[0])
        assert cell(table, shown[0], "col.id") == str(first.ticket.id)
        label = re.sub(r" \+\d+$", "", cell(table, shown[0], "col.clock"))
        assert first.clock.label_zh.startswith(label.rstrip("…"))
        assert cell(table, shown[0], "col.state") == clock_state_label("breached", "zh")
        assert cell(table, shown[0], "col.remaining").startswith("‼ 超")
        deadline = first.clock.deadline.astimezone(app.tz)
        assert cell(table, shown[0], "col.deadline") == f"{deadline:%m-%d %H:%M}"
        summary = str(screen.query_one("#summary").render())
        assert tr("sla.running", "zh", n=len(rows)) in summary
        assert tr("sla.breached", "zh", n=breached) in summary
        assert f"{clock_state_label('ok', 'zh')} {states.count('ok')}" in summary


async def test_countdown_ticks_without_queries(make_app, source, wait):
    clock = Clock()
    app = make_app(screen="sla", clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, SlaScreen)
        table = screen.query_one("#clocks", DataTable)
        rows = source.sla_board(NOW, SLA_LIMIT)
        target = next(
            r
            for r in rows
            if r.clock.state_at(NOW) == "ok"
            and not r.clock.paused
            and r.clock.deadline - NOW > timedelta(hours=1)
        )
        k = key(target)
        before = cell(table, k, "col.remaining")
        loaded = screen.loaded
        # 5 min 30 s before the deadline: seconds appear (the last ten minutes)
        clock.now = target.clock.deadline - timedelta(minutes=5, seconds=30)
        # the screen's own one-second interval redraws it
        await pilot_until(pilot, lambda: cell(table, k, "col.remaining") != before, "a redraw")
        after = cell(table, k, "col.remaining")
        assert after != before
        assert after == tr("time.left", "zh", d="5分30秒")
        clock.now += timedelta(seconds=1)
        screen.tick()
        assert cell(table, k, "col.remaining") == tr("time.left", "zh", d="5分29秒")
        assert screen.loaded == loaded  # no load in between: the tick asked nobody
        assert screen.ticks >= 2


async def test_state_change_recolours_and_resorts(make_app, source, wait):
    clock = Clock()
    app = make_app(screen="sla", clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, SlaScreen)
        table = screen.query_one("#clocks", DataTable)
        rows = source.sla_board(NOW, SLA_LIMIT)
        before = screen.row_keys()
        # a clock that turns critical before the others and moves up the board
        target = moved = None
        for r in sorted(
            (r for r in rows if r.clock.critical_at and r.clock.state_at(NOW) in ("ok", "warning")),
            key=lambda r: r.clock.critical_at,
        ):
            when = r.clock.critical_at + timedelta(seconds=1)
            order = expected_order(rows, when)
            if key(r) not in before or key(r) not in order:
                continue  # a ticket's other clock, not on the board
            later = expected_order(rows, r.clock.deadline + timedelta(seconds=1))
            if key(r) in later and order.index(key(r)) != before.index(key(r)):
                target, moved = r, when
                break
        assert target is not None and moved is not None
        k = key(target)
        assert cell(table, k, "col.state") != clock_state_label("critical", "zh")
        loaded, resorts = screen.loaded, screen.resorts
        clock.now = moved
        screen.tick()
        assert screen.resorts == resorts + 1
        assert screen.row_keys() == expected_order(rows, moved)
        assert screen.row_keys().index(k) < before.index(k)
        state = table.get_cell(k, "col.state")
        assert state.plain == clock_state_label("critical", "zh")
        assert str(state.style) == palette_for(app.theme).state("critical")
        # past its deadline it joins the breached rows at the top
        clock.now = target.clock.deadline + timedelta(seconds=1)
        screen.tick()
        order = screen.row_keys()
        assert table.get_cell(k, "col.state").plain == clock_state_label("breached", "zh")
        assert cell(table, k, "col.remaining").startswith("‼ 超")
        breached = [r for r in rows if r.clock.state_at(clock.now) == "breached"]
        assert k in order[: len({r.ticket.id for r in breached})]
        assert screen.loaded == loaded
        summary = str(screen.query_one("#summary").render())
        assert tr("sla.breached", "zh", n=len(breached)) in summary


async def test_reload_keeps_selection_and_scroll(make_app, wait):
    app = make_app(screen="sla")
    async with app.run_test(size=(120, 24)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, SlaScreen)
        table = screen.query_one("#clocks", DataTable)
        table.focus()
        assert table.row_count > 40
        for _ in range(35):
            await pilot.press("down")
        await pilot.pause()
        selected = screen.row_keys()[table.cursor_row]
        scroll = table.scroll_y
        assert scroll > 0
        loaded = screen.loaded
        screen.reload()
        await wait(app, pilot)
        await pilot.pause()
        assert screen.loaded == loaded + 1
        assert screen.row_keys()[table.cursor_row] == selected
        assert table.scroll_y == scroll


async def test_enter_opens_the_ticket_of_the_selected_clock(make_app, wait):
    app = make_app(screen="sla")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, SlaScreen)
        screen.query_one("#clocks", DataTable).focus()
        await pilot.press("down", "down", "down", "down")
        chosen = screen.row_keys()[4]
        await pilot.press("enter")
        await wait(app, pilot)
        assert app.current_mode == "ticket"
        assert app.ticket_id == int(chosen.split(":")[0])


async def test_wide_columns_and_a_small_terminal(make_app, wait):
    app = make_app(screen="sla")
    async with app.run_test(size=(170, 50)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#clocks", DataTable)
        assert {"col.category", "col.grid", "col.started"} <= {k.value for k in table.columns}
    app = make_app(screen="sla")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#clocks", DataTable)
        assert "col.category" not in {k.value for k in table.columns}
        assert table.row_count > 0
        # everything fits across: no sideways scrolling at 80 columns
        assert table.virtual_size.width <= table.scrollable_content_region.width
        loaded = app.screen.loaded
        await pilot.resize_terminal(170, 50)
        await wait(app, pilot)
        assert "col.category" in {k.value for k in table.columns}
        assert app.screen.loaded == loaded  # re-laid out from the data at hand


async def test_language_switch_relabels(make_app, wait):
    app = make_app(screen="sla")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#clocks", DataTable)
        assert table.columns["col.remaining"].label.plain == "剩余"
        await pilot.press("l")
        await wait(app, pilot)
        assert table.columns["col.remaining"].label.plain == "Left"
        first = app.screen.row_keys()[0]
        assert cell(table, first, "col.state") == "BREACHED"
        assert "running clocks" in str(app.screen.query_one("#summary").render())


async def test_a_ticket_with_several_clocks_is_one_row(make_app, source, wait):
    app = make_app(screen="sla")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, SlaScreen)
        rows = source.sla_board(NOW, SLA_LIMIT)
        per_ticket: dict[int, int] = {}
        for r in rows:
            per_ticket[r.ticket.id] = per_ticket.get(r.ticket.id, 0) + 1
        many = [t for t, n in per_ticket.items() if n > 1]
        assert many, "the demo city has tickets with more than one running clock"
        shown = [int(k.split(":")[0]) for k in screen.row_keys()]
        assert len(shown) == len(set(shown)) == len(per_ticket)
        table = screen.query_one("#clocks", DataTable)
        for k in screen.row_keys():
            ticket = int(k.split(":")[0])
            label = cell(table, k, "col.clock")
            if per_ticket[ticket] > 1:
                assert label.endswith(f" +{per_ticket[ticket] - 1}")
            else:
                assert "+" not in label
