"""Scorecards: leaderboards from the source, the period key, supervisors' adjustments
(landing in the ledger with the app's actor), refusals, bad input, language, and
outside names shown literally."""

from __future__ import annotations

from sqlalchemy import func, select, update
from textual.widgets import Button, DataTable, Input

from gridtui.app import GridApp
from gridtui.data.sources.local import LocalSource
from gridtui.data.storage.models import ScoreEntry, Worker
from gridtui.i18n import role_label, tr
from gridtui.screens.modals.adjust import AdjustForm
from gridtui.screens.scorecards import LIMIT, ScorecardsScreen
from tests.waiting import pilot_until

SIZE = (120, 40)


def entries_by(source, actor: str) -> list[ScoreEntry]:
    with source.factory() as s:
        return list(s.scalars(select(ScoreEntry).where(ScoreEntry.author == actor)))


def ledger_size(source) -> int:
    with source.factory() as s:
        return int(s.scalar(select(func.count()).select_from(ScoreEntry)) or 0)


def points_of(source: LocalSource, app: GridApp, kind: str, subject_id: int) -> float:
    cards = source.scorecards("week", app.now(), 1000)
    rows = cards.workers if kind == "worker" else cards.departments
    return next(r.points for r in rows if r.subject_id == subject_id)


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def type_into(pilot, selector: str, text: str) -> None:
    await pilot.click(selector)
    await pilot.pause()
    for ch in text:
        await pilot.press(ch if ch != " " else "space")


async def submit(app, pilot, wait, form: AdjustForm, *, key: str | None = None) -> None:
    """Press Submit (or the key ``key``) and wait until the form has dealt with it.

    The button is pressed, not clicked at its place: an error line above it grows the
    form, and a click aimed before that layout lands was seen to miss on a loaded
    machine (the click itself is tested in tests/ui/test_ticket.py)."""
    tried = form.attempts
    if key:
        await pilot.press(key)
    else:
        form.query_one("#submit", Button).press()
    await pilot_until(pilot, lambda: form.attempts > tried and not form.busy, "the form's answer")
    await wait(app, pilot)


async def test_rows_match_the_source(make_app, source, wait):
    app = make_app(screen="scorecards")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, ScorecardsScreen)
        cards = source.scorecards("week", app.now(), max(LIMIT, SIZE[1]))
        workers = screen.query_one("#workers", DataTable)
        assert workers.row_count == len(cards.workers) > 0
        for i, row in enumerate(cards.workers):
            cells = workers.get_row_at(i)
            assert cells[0].plain == str(row.rank)
            assert cells[1].plain == row.name
            assert float(cells[2].plain.replace(",", "")) == row.points
            assert cells[3].plain == str(row.closures)
        departments = screen.query_one("#departments", DataTable)
        assert departments.row_count == len(cards.departments) > 0
        assert departments.get_row_at(0)[1].plain == cards.departments[0].name
        title = str(screen.query_one("#score-title").render())
        assert cards.period_key in title and tr("period.week", "zh") in title
        shown = tr("score.shown", "zh", n=len(cards.workers), total=cards.workers_total)
        assert shown in str(screen.query_one("#workers-title").render())


async def test_p_cycles_week_month_year(make_app, source, wait):
    app = make_app(screen="scorecards")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, ScorecardsScreen)
        for period in ("month", "year", "week"):
            await pilot.press("p")
            await wait(app, pilot)
            assert screen.period == period
            assert screen._data.cards.period == period
            key = source.scorecards(period, app.now(), 1).period_key
            title = str(screen.query_one("#score-title").render())
            assert key in title and tr(f"period.{period}", "zh") in title
        assert screen._data.cards.period_key == "2026-W48"


async def test_supervisor_adjustment_lands_in_the_ledger(make_app, source, wait):
    app = make_app(screen="scorecards", role="supervisor", actor="duty:zhang")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, ScorecardsScreen)
        assert screen.focused is screen.query_one("#workers", DataTable)
        await pilot.press("down")
        row = screen.selected()
        assert row is not None and row.subject_kind == "worker"
        before = points_of(source, app, "worker", row.subject_id)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AdjustForm)
        await type_into(pilot, "#points", "-2.5")
        await type_into(pilot, "#reason", "spot check: report late")
        await submit(app, pilot, wait, form)
        assert app.screen is screen
        assert points_of(source, app, "worker", row.subject_id) == before - 2.5
        [entry] = entries_by(source, "duty:zhang")
        assert (entry.subject_kind, entry.subject_id, entry.points) == (
            "worker",
            row.subject_id,
            -2.5,
        )
        assert entry.reason == "spot check: report late"
        assert any(row.name in m and "-2.5" in m for m in messages(app))
        # the board reloaded with the new points
        assert (
            next(r for r in screen._data.cards.workers if r.subject_id == row.subject_id).points
            == before - 2.5
        )


async def test_department_adjustment(make_app, source, wait):
    app = make_app(screen="scorecards", role="supervisor")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, ScorecardsScreen)
        await pilot.press("tab")  # from the workers to the departments
        assert screen.focused is screen.query_one("#departments", DataTable)
        row = screen.selected()
        assert row is not None and row.subject_kind == "department"
        before = points_of(source, app, "department", row.subject_id)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AdjustForm)
        await type_into(pilot, "#points", "3")
        await type_into(pilot, "#reason", "inspection")
        await submit(app, pilot, wait, form, key="enter")  # Enter in the reason field submits
        assert points_of(source, app, "department", row.subject_id) == before + 3
        assert [e.points for e in entries_by(source, app.actor)] == [3.0]


async def test_viewer_and_officer_are_refused(make_app, source, wait):
    for role in ("viewer", "officer"):
        app = make_app(screen="scorecards", role=role)
        size = ledger_size(source)
        async with app.run_test(size=SIZE) as pilot:
            await wait(app, pilot)
            screen = app.screen
            assert isinstance(screen, ScorecardsScreen)
            await pilot.press("a")
            await pilot.pause()
            assert app.screen is screen  # no form
            expected = tr(
                "act.role_refused",
                "zh",
                role=role_label(role, "zh"),
                action=tr("key.adjust", "zh"),
                need=role_label("supervisor", "zh"),
            )
            assert screen.message == expected
            assert role_label(role, "zh") in expected and "督办员" in expected
            assert expected in messages(app)
        assert ledger_size(source) == size
        assert entries_by(source, app.actor) == []


async def test_source_refusal_is_shown(make_app, source, wait):
    """The role changes while the form is open: the source refuses (NotPermitted)."""
    app = make_app(screen="scorecards", role="supervisor")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AdjustForm)
        app.role = "viewer"
        await type_into(pilot, "#points", "1")
        await type_into(pilot, "#reason", "x")
        await submit(app, pilot, wait, form)
        assert app.screen is form
        assert "只读" in form.error and "督办员" in form.error
        assert form.error in messages(app)
        assert entries_by(source, app.actor) == []


async def test_bad_input_keeps_the_form_open(make_app, source, wait):
    app = make_app(screen="scorecards", role="supervisor")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        size = ledger_size(source)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AdjustForm)
        # not a number: refused here, nothing sent
        await type_into(pilot, "#points", "abc")
        await type_into(pilot, "#reason", "late report")
        await submit(app, pilot, wait, form)
        assert app.screen is form
        assert form.error == tr("adjust.bad_points", "zh")
        assert form.query_one("#points", Input).value == "abc"
        assert form.query_one("#reason", Input).value == "late report"
        # out of bounds: the source refuses, the form shows why
        form.query_one("#points", Input).value = "50"
        await submit(app, pilot, wait, form)
        assert app.screen is form
        assert "分值须在" in form.error
        assert form.query_one("#points", Input).value == "50"
        # empty reason: refused by the scoring rules too
        form.query_one("#points", Input).value = "5"
        form.query_one("#reason", Input).value = "  "
        await submit(app, pilot, wait, form)
        assert app.screen is form and "原因" in form.error
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ScorecardsScreen)
        assert ledger_size(source) == size


async def test_language_switch_relabels_columns(make_app, wait):
    app = make_app(screen="scorecards")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#workers", DataTable)
        assert table.columns["col.points"].label.plain == "积分"
        await pilot.press("l")
        await wait(app, pilot)
        assert table.columns["col.points"].label.plain == "Points"
        assert "Week" in str(app.screen.query_one("#score-title").render())
        dept = app.screen.query_one("#departments", DataTable)
        cards = app.screen._data.cards
        expected = cards.departments[0].name_en or cards.departments[0].name
        assert dept.get_row_at(0)[1].plain == expected


async def test_outside_names_render_literally(make_app, source, wait):
    top = source.scorecards("week", make_app().now(), 1).workers[0]
    with source.factory.begin() as s:
        s.execute(update(Worker).where(Worker.id == top.subject_id).values(name="[bold red]x[/]"))
    app = make_app(screen="scorecards", role="supervisor")
    async with app.run_test(size=SIZE) as pilot:
        await wait(app, pilot)
        table = app.screen.query_one("#workers", DataTable)
        assert table.get_row_at(0)[1].plain == "[bold red]x[/]"
        # drawn as it is (header is line 0), once the table has sized its name column
        # (it does when next idle: on a loaded machine the first look came before that)
        await pilot_until(
            pilot, lambda: "[bold red]x[/]" in table.render_line(1).text, "the name as text"
        )
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AdjustForm)
        assert "[bold red]x[/]" in str(form.query_one(".title").render())
