"""Ticket detail and every action: role checks, forms, one transaction, the audit trail."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Input, OptionList, Static

from gridtui.data.sources.local import LocalSource
from gridtui.data.storage.models import Ticket, TicketEvent, Worker
from gridtui.domain.lifecycle import MOVES, STAYS, Action
from gridtui.screens.modals.forms import ActionForm, ActionMenu
from gridtui.screens.ticket import TicketScreen
from tests.waiting import pilot_until

#: a status each action may start from, and what its form needs
NEEDS: dict[str, tuple[str, str | None]] = {
    "dispatch": ("", "W0001"),
    "reject": ("结果不合格", None),
    "reopen": ("群众反映未解决", None),
    "cancel": ("重复上报", None),
    "recolour": ("研判升级", "orange"),
    "note": ("已电话联系", None),
    "feedback": ("群众表示满意", "满意"),
    "assist": ("需民政协办", "dept:CIVIL"),
}


def ticket_in(source: LocalSource, statuses: set[str]) -> Ticket:
    with source.factory() as s:
        t = s.scalar(
            select(Ticket).where(Ticket.status.in_(sorted(statuses))).order_by(Ticket.id).limit(1)
        )
        assert t is not None, statuses
        return t


def last_event(source: LocalSource, ticket_id: int) -> TicketEvent:
    with source.factory() as s:
        return s.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.id.desc())
            .limit(1)
        ).one()


def start_statuses(action: Action) -> set[str]:
    if action in STAYS:
        return {"accepted", "on_scene", "dispatched"}
    return {s.value for s in MOVES[action][0]}


async def test_detail_shows_fields_clocks_and_timeline(make_app, source, wait):
    app = make_app(screen="ticket")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        detail = source.ticket(source.most_urgent(), app.now())
        assert screen.detail == detail
        assert screen.query_one("#timeline", DataTable).row_count == len(detail.timeline)
        assert screen.query_one("#clocks", DataTable).row_count == len(detail.clocks)


ACTIONS = [a for a in Action if a not in (Action.OPEN, Action.IMPORT)]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.value)
async def test_every_action_through_menu_and_form(make_app, source, wait, action):
    if action is Action.MERGE:
        NEEDS["merge"] = ("重复", str(ticket_in(source, {"closed"}).id))
    ticket = ticket_in(source, start_statuses(action))
    app = make_app(screen="ticket", ticket_id=ticket.id, role="supervisor", actor="duty:测试")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("x")
        await wait(app, pilot)
        menu = app.screen
        assert isinstance(menu, ActionMenu)
        options = menu.query_one("#actions", OptionList)
        index = next(i for i, (a, *_) in enumerate(menu.choices) if a == action.value)
        options.highlighted = index
        await pilot.press("enter")
        await wait(app, pilot)
        form = app.screen
        assert isinstance(form, ActionForm)
        note, target = NEEDS.get(action.value, ("", None))
        if target is not None:
            form.query_one("#target", Input).value = target
        form.query_one("#note", Input).value = note
        await pilot.click("#submit")
        await wait(app, pilot)
        assert not isinstance(app.screen, ActionForm), getattr(app.screen, "error", "")
        event = last_event(source, ticket.id)
        assert event.action in (action.value, "recolour")  # a failed mediation may recolour
        assert event.actor == "duty:测试"
        with source.factory() as s:
            after = s.get(Ticket, ticket.id)
            assert after.version == ticket.version + 1
            if action in MOVES:
                assert after.status == MOVES[action][1].value
        assert app.screen.detail.row.version == ticket.version + 1


async def test_a_viewer_is_refused_and_nothing_is_written(make_app, source, wait):
    ticket = ticket_in(source, {"new"})
    app = make_app(screen="ticket", ticket_id=ticket.id, role="viewer")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("d")
        await wait(app, pilot)
        assert isinstance(app.screen, TicketScreen)  # no form opened
        messages = [n.message for n in app._notifications]
        assert any("只读" in m and "派单" in m and "值班员" in m for m in messages), messages
    with source.factory() as s:
        assert s.get(Ticket, ticket.id).version == ticket.version


async def test_an_officer_may_not_verify(make_app, source, wait):
    ticket = ticket_in(source, {"feedback"})
    app = make_app(screen="ticket", ticket_id=ticket.id, role="officer", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("v")
        await wait(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("may not Verify" in m and "supervisor" in m for m in messages), messages
    with source.factory() as s:
        assert s.get(Ticket, ticket.id).status == "feedback"


async def test_status_refusal_and_rule_refusal_keep_the_form_open(make_app, source, wait):
    ticket = ticket_in(source, {"resolved"})
    app = make_app(screen="ticket", ticket_id=ticket.id, role="supervisor")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("a")  # accept: not from resolved
        await wait(app, pilot)
        assert any("不能" in n.message for n in app._notifications)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("j")  # reject without the reason it needs
        await wait(app, pilot)
        form = app.screen
        assert isinstance(form, ActionForm)
        await pilot.click("#submit")
        await wait(app, pilot)
        assert app.screen is form and "原因" in form.error
        form.query_one("#note", Input).value = "复核不合格"
        form.query_one("#note").focus()
        await pilot.press("enter")
        await wait(app, pilot)
        assert isinstance(app.screen, TicketScreen), form.error
    assert last_event(source, ticket.id).action == "reject"


async def test_someone_else_acting_first_is_reported(make_app, source, wait):
    ticket = ticket_in(source, {"new"})
    app = make_app(screen="ticket", ticket_id=ticket.id, role="officer")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        source.act(ticket.id, "note", role="officer", actor="duty:other", note="先到")
        await pilot.press("n")
        await wait(app, pilot)
        form = app.screen
        assert isinstance(form, ActionForm)
        form.query_one("#note", Input).value = "后到"
        await pilot.click("#submit")
        await wait(app, pilot)
        assert app.screen is form and "已被他人更新" in form.error
    assert last_event(source, ticket.id).note == "先到"


async def test_dispatch_to_unknown_worker_is_refused(make_app, source, wait):
    ticket = ticket_in(source, {"new"})
    app = make_app(screen="ticket", ticket_id=ticket.id, role="officer")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("d")
        await wait(app, pilot)
        form = app.screen
        form.query_one("#target", Input).value = "NOBODY"
        await pilot.click("#submit")
        await wait(app, pilot)
        assert app.screen is form and form.error == "没有这位网格员：NOBODY"
    with source.factory() as s:
        assert s.scalar(select(Worker).where(Worker.code == "NOBODY")) is None
        assert s.get(Ticket, ticket.id).status == "new"


async def test_an_open_form_survives_a_live_change(make_app, source, wait):
    ticket = ticket_in(source, {"new"})
    app = make_app(screen="ticket", ticket_id=ticket.id, role="officer", poll_seconds=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        await pilot.press("n")
        await wait(app, pilot)
        form = app.screen
        assert isinstance(form, ActionForm)
        form.query_one("#note", Input).value = "正在输入"
        seq = app.seq
        source.act(ticket.id, "note", role="officer", actor="duty:other", note="别人")
        await pilot_until(pilot, lambda: app.seq != seq, "the other officer's change")
        await wait(app, pilot)  # and the screens have dealt with it
        assert app.screen is form and form.query_one("#note", Input).value == "正在输入"
        await pilot.press("escape")
        await wait(app, pilot)
        # back on the ticket, which reloads and shows the other officer's note
        assert isinstance(app.screen, TicketScreen) and app.screen.detail is not None
        assert app.screen.detail.timeline[-1].note == "别人"


async def test_the_ticket_shows_its_level_lead_helpers_and_whose_clocks(make_app, source, wait):
    from gridtui.data.sources.records import NewTicket
    from gridtui.widgets.render import levels_text

    svc = source.service
    new = NewTicket("工资纠纷", "dispute.wages", "patrol", "WH-HB-01-01", "W0001")
    t = svc.open(new).ticket_id
    svc.act(t, "escalate", "W0001", target="JUSTICE")
    svc.act(t, "assist", "duty:王敏", target="dept:CIVIL")
    svc.act(t, "escalate", "duty:王敏", target="up")
    app = make_app(screen="ticket", ticket_id=t)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait(app, pilot)
        from rich.console import Console

        console = Console(width=160, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#fields", Static).content)
        text = console.export_text()
        assert "办理层级" in text and "社区" in text
        assert "牵头办理" in text and "区司法局" in text
        assert "协办部门" in text and "区民政局" in text
        clocks = app.screen.query_one("#clocks")
        labels = [str(clocks.get_row_at(i)[0]) for i in range(clocks.row_count)]
        assert any(label.startswith("区民政局") for label in labels), labels
        assert any(label.startswith("区司法局") for label in labels), labels
    app = make_app(screen="ticket", ticket_id=t)
    async with app.run_test(size=(210, 50)) as pilot:
        await wait(app, pilot)
        # wide: started and stopped columns; the stopped one holds instants, and a clock
        # that stopped before the ticket left its holder is not called standing still
        clocks = app.screen.query_one("#clocks")
        rows = [clocks.get_row_at(i) for i in range(clocks.row_count)]
        assert len(rows[0]) == 6
        stopped = [str(r[-1]) for r in rows]
        assert not any("已挂起" in s for s in stopped), stopped
        assert sum(1 for r in rows if "已挂起" in str(r[1])) >= 1  # the state column says it
    counts = levels_text({"grid": 3, "community": 1}, "zh").plain
    assert counts == "在办层级 网格 3 · 社区 1 · 街道 0 · 区 0"
