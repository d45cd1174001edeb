"""The queue's filter dialog (issue 13, point 7): titled groups, ticks that read
without colour, Enter or ctrl+s applies from anywhere, Esc cancels and says so,
Apply comes before Cancel."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from gridtui.screens.modals.filters import FilterForm, Picks
from gridtui.screens.queue import QueueScreen
from gridtui.snapshot import settle


async def open_form(app, pilot, wait) -> tuple[QueueScreen, FilterForm]:
    await wait(app, pilot)
    queue = app.screen
    assert isinstance(queue, QueueScreen)
    await pilot.press("f")
    await wait(app, pilot)
    form = app.screen
    assert isinstance(form, FilterForm)
    return queue, form


def line(widget, y: int) -> str:
    return "".join(s.text for s in widget.render_line(y))


async def test_groups_are_titled_and_ticks_read_without_colour(make_app, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(80, 24)) as pilot:
        _, form = await open_form(app, pilot, wait)
        titles = [p.border_title for p in form.query(Picks)]
        assert titles == ["状态", "颜色", "来源", "层级"]
        statuses = form.query_one("#statuses", Picks)
        assert statuses.has_focus and line(statuses, 0).startswith("[ ] ")
        await pilot.press("space")
        assert line(statuses, 0).startswith("[✓] ")
        assert "code" not in "".join(str(w.render()) for w in form.query("Label"))


async def test_enter_applies_from_a_list_and_ctrl_s_from_a_select(make_app, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(80, 24)) as pilot:
        queue, form = await open_form(app, pilot, wait)
        await pilot.press("tab", "space", "down", "space")  # colours: red, orange
        await pilot.press("enter")
        await wait(app, pilot)
        assert app.screen is queue and queue.query_spec.colours == {"red", "orange"}
        _, form = await open_form(app, pilot, wait)
        form.query_one("#category").focus()
        await pilot.press("ctrl+s")
        await wait(app, pilot)
        assert app.screen is queue and queue.query_spec.colours == {"red", "orange"}


async def test_escape_and_cancel_keep_the_filter_and_say_so(make_app, wait):
    app = make_app(screen="queue")
    async with app.run_test(size=(80, 24)) as pilot:
        queue, form = await open_form(app, pilot, wait)
        await pilot.press("tab", "space", "enter")
        await wait(app, pilot)
        before = queue.query_spec
        assert before.colours == {"red"}
        _, form = await open_form(app, pilot, wait)
        chain = form.focus_chain
        ids = [w.id for w in chain]
        assert ids.index("apply") < ids.index("cancel")
        await pilot.press("space")  # a change, then Esc: dropped, and said so
        await pilot.press("escape")
        await wait(app, pilot)
        assert app.screen is queue and queue.query_spec == before
        assert any("筛选未更改" in str(n.message) for n in app._notifications)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_filter_form_looks_right(snap_compare, make_app, lang):
    app = make_app(screen="queue", lang=lang, role="officer", poll_seconds=0)

    async def opened(pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("f")
        await settle(pilot.app, pilot)
        await pilot.press("tab", "space", "down", "space")  # two colours ticked

    assert snap_compare(app, terminal_size=(80, 24), run_before=opened)


async def test_the_area_is_chosen_by_name(make_app, source, wait):
    grid = next(n for n in source.reference().nodes.values() if n.level == "grid")
    app = make_app(screen="queue")
    async with app.run_test(size=(80, 24)) as pilot:
        queue, form = await open_form(app, pilot, wait)
        form.query_one("#node").focus()
        await pilot.press(*grid.name, "enter")
        await wait(app, pilot)
        assert not isinstance(app.screen, FilterForm)
        assert queue.query_spec.node_id == grid.id
        _, form = await open_form(app, pilot, wait)
        assert form.query_one("#node", Input).value == grid.name  # shown by its name
