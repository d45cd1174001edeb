"""Issue 13, point 5: the action forms pick a worker or department by name, pre-filled
with the grid's worker (dispatch) or the category's department (escalate, assist)."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import Input, OptionList

from gridtui.data.sources.local import LocalSource
from gridtui.data.storage.models import Category, Node, Ticket, Worker
from gridtui.screens.modals.forms import ActionForm
from tests.ui.test_ticket import last_event


def new_ticket_with_department(source: LocalSource) -> Ticket:
    """A new ticket on a grid with a worker, whose category goes to a department."""
    with source.factory() as s:
        return s.scalars(
            select(Ticket)
            .join(Category, Category.code == Ticket.category)
            .where(Ticket.status == "new", Category.department_code.is_not(None))
            .where(Ticket.grid_id.in_(select(Worker.grid_id)))
            .order_by(Ticket.id)
            .limit(1)
        ).one()


async def open_form(app, pilot, wait, key: str) -> ActionForm:
    await wait(app, pilot)
    await pilot.press(key)
    await wait(app, pilot)
    form = app.screen
    assert isinstance(form, ActionForm)
    return form


async def test_dispatch_by_typing_part_of_a_name_and_picking_it(make_app, source, wait):
    ticket = new_ticket_with_department(source)
    with source.factory() as s:
        other = s.scalars(
            select(Worker).where(Worker.grid_id != ticket.grid_id).order_by(Worker.code).limit(1)
        ).one()
        grid = s.get(Node, other.grid_id).name
    app = make_app(screen="ticket", ticket_id=ticket.id, role="officer")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, wait, "d")
        target = form.query_one("#target", Input)
        assert target.has_focus
        await pilot.press("ctrl+u", *other.name[1:])  # part of the name, not the code
        options = form.query_one("#target-options", OptionList)
        assert options.display and options.option_count >= 1
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        want = f"{other.name} ({other.code}) · {grid}"
        assert want in labels, labels
        await pilot.press("down")
        for _ in range(labels.index(want)):
            await pilot.press("down")
        await pilot.press("enter")
        assert target.value == want
        assert form.query_one("#note", Input).has_focus
        await pilot.press(*"请核查", "enter")
        await wait(app, pilot)
        assert not isinstance(app.screen, ActionForm), form.error
    event = last_event(source, ticket.id)
    assert (event.action, event.target) == ("dispatch", other.code)


async def test_enter_on_a_partial_name_picks_its_first_match(make_app, source, wait):
    ticket = new_ticket_with_department(source)
    app = make_app(screen="ticket", ticket_id=ticket.id, role="supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        await pilot.press("x")
        await wait(app, pilot)
        menu = app.screen
        index = next(i for i, (a, *_) in enumerate(menu.choices) if a == "assist")
        menu.query_one("#actions").highlighted = index
        await pilot.press("enter")
        await wait(app, pilot)
        form = app.screen
        assert isinstance(form, ActionForm)
        await pilot.press("ctrl+u", *"民政")
        await pilot.press("enter")  # picks 区民政局, does not submit
        assert isinstance(app.screen, ActionForm)
        assert "民政" in form.query_one("#target", Input).value
        await pilot.press(*"请协助", "enter")
        await wait(app, pilot)
        assert not isinstance(app.screen, ActionForm), form.error
    event = last_event(source, ticket.id)
    assert (event.action, event.target) == ("assist", "dept:CIVIL")


async def test_forms_open_pre_filled(make_app, source, wait):
    ticket = new_ticket_with_department(source)
    with source.factory() as s:
        worker = s.scalars(
            select(Worker).where(Worker.grid_id == ticket.grid_id).order_by(Worker.code)
        ).first()
        dept = s.scalar(select(Category.department_code).where(Category.code == ticket.category))
    ref = source.reference()
    dept_name = next(d.name for d in ref.departments.values() if d.code == dept)
    app = make_app(screen="ticket", ticket_id=ticket.id, role="supervisor")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(app, pilot, wait, "d")
        value = form.query_one("#target", Input).value
        assert value.startswith(f"{worker.name} ({worker.code}) · "), value
        await pilot.press("escape")
        form = await open_form(app, pilot, wait, "e")
        assert dept_name in form.query_one("#target", Input).value
        assert not form.query_one("#target-options", OptionList).display
