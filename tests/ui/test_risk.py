"""Risk board: the five colours per child node, drilling, patrol points, labels, safety."""

from __future__ import annotations

from sqlalchemy import select, update
from textual.widgets import DataTable, Static

from gridtui.data.storage.models import Entity, Node
from gridtui.screens.risk import RiskScreen
from gridtui.widgets.boards import ranked

COLOURS = ("red", "orange", "yellow", "blue", "green")
EVIL = "[bold red]x[/]\x1b]0;pwned\x07\x1b[2J\x07"


def cells(screen: RiskScreen) -> DataTable[object]:
    return screen.query_one("#cells", DataTable)


def crumb(screen: RiskScreen) -> str:
    return str(screen.query_one("#crumb", Static).content)


def row_text(table: DataTable[object], row: int) -> list[str]:
    return [str(c) for c in table.get_row_at(row)]


def column_labels(table: DataTable[object]) -> list[str]:
    return [str(c.label) for c in table.columns.values()]


def slashed(counts: dict[str, int]) -> str:
    """The five counts as the board shows them (a space apart; alignment aside)."""
    return " ".join(str(counts.get(c, 0)) for c in COLOURS)


async def test_board_shows_the_sources_figures(make_app, source, wait):
    app = make_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, RiskScreen)
        board = source.board(None)
        ref = source.reference()
        assert crumb(screen).startswith(ref.nodes[ref.root_id].name)
        table = cells(screen)
        assert table.row_count == len(board.cells) > 0
        for i, cell in enumerate(board.cells):
            area, worst, tickets, entities, patrol, children = row_text(table, i)
            assert area == cell.node.name
            assert worst == f"■ {'红橙黄蓝绿'[COLOURS.index(cell.worst)]}"
            assert " ".join(tickets.split()) == slashed(cell.tickets)
            assert " ".join(entities.split()) == slashed(cell.entities)
            assert patrol == str(cell.patrol_points)
            assert children == str(cell.children)
        summary = str(screen.query_one("#summary", Static).content)
        assert f"在办工单 {sum(board.node.tickets.values())}" in summary
        assert f"■ 红 {board.node.tickets['red']}" in summary
        assert f"人{board.node.entities_by_kind.get('person', 0)}" in summary
        levels = board.node.tickets_by_level
        assert f"在办层级 网格 {levels['grid']} · 社区 {levels['community']}" in summary
        assert "满意率 " in summary


async def test_patrol_points_are_listed_and_lead_to_their_grid(make_app, source, wait):
    app = make_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        board = source.board(None)
        patrol = screen.query_one("#patrol", DataTable)
        assert patrol.row_count == len(board.patrol) == board.node.patrol_points > 0
        first = board.patrol[0]
        colour, name, _kind, grid, reason = row_text(patrol, 0)
        assert colour.endswith("红") and first.colour == "red"
        assert (name, reason) == (first.name, first.reason)
        assert grid == source.reference().nodes[first.grid_id].name
        title = str(screen.query_one("#patrol-title", Static).content)
        assert title.startswith("日巡查必到点") and str(board.node.patrol_points) in title
        patrol.focus()
        await pilot.press("enter")
        await wait(app, pilot)
        assert screen.node_id == first.grid_id
        assert cells(screen).row_count == 0  # a grid has nothing below
        assert all(row_text(patrol, i)[3] for i in range(patrol.row_count))
        grid_board = source.board(first.grid_id)
        assert patrol.row_count == len(grid_board.patrol)


async def test_drill_down_and_back_restore_breadcrumb_and_row(make_app, source, wait):
    app = make_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        city = source.board(None)
        district = city.cells[0].node
        await pilot.press("enter")
        await wait(app, pilot)
        assert screen.node_id == district.id
        assert crumb(screen).startswith(f"{city.node.node.name} › {district.name}")
        streets = ranked(source.board(district.id).cells)  # most at risk first
        assert [row_text(cells(screen), i)[0] for i in range(len(streets))] == [
            s.node.name for s in streets
        ]
        await pilot.press("down", "down", "enter")
        await wait(app, pilot)
        street = streets[2].node
        assert screen.node_id == street.id
        assert f"› {street.name}" in crumb(screen)
        assert cells(screen).row_count == len(source.board(street.id).cells)
        await pilot.press("backspace")
        await wait(app, pilot)
        assert screen.node_id == district.id
        assert street.name not in crumb(screen)
        assert cells(screen).cursor_row == 2
        await pilot.press("u")
        await wait(app, pilot)
        assert screen.node_id == city.node.node.id
        assert cells(screen).cursor_row == 0
        await pilot.press("u")  # the top: nothing above, nothing changes
        await wait(app, pilot)
        assert screen.node_id == city.node.node.id


async def test_back_after_a_jump_goes_to_the_parent_with_the_node_selected(make_app, source, wait):
    app = make_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        ref = source.reference()
        street = ranked(source.board(source.board(None).cells[0].node.id).cells)[3].node
        screen.goto(street.id)
        await wait(app, pilot)
        assert screen.node_id == street.id
        await pilot.press("backspace")
        await wait(app, pilot)
        assert screen.node_id == street.parent_id
        assert cells(screen).cursor_row == 3
        assert crumb(screen).startswith(ref.nodes[ref.root_id].name)


async def test_reload_updates_rows_in_place_and_keeps_the_cursor(make_app, source, wait):
    app = make_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        district = source.board(None).cells[0].node
        screen.goto(district.id)
        await wait(app, pilot)
        await pilot.press("down", "down", "down")
        street = ranked(source.board(district.id).cells)[3].node
        with source.factory() as s:
            ids = s.scalars(
                select(Entity.id).where(Entity.street_id == street.id, Entity.colour != "red")
            ).all()
            s.execute(update(Entity).where(Entity.id.in_(ids)).values(colour="red"))
            s.commit()
        before = screen.loaded
        await pilot.press("f5")
        await wait(app, pilot)
        assert screen.loaded > before
        # the rows stay ranked by risk; the cursor stays on the street
        order = ranked(source.board(district.id).cells)
        row = [c.node.id for c in order].index(street.id)
        assert cells(screen).cursor_row == row
        fresh = order[row]
        assert " ".join(row_text(cells(screen), row)[3].split()) == slashed(fresh.entities)
        assert fresh.entities["red"] > 0 and fresh.entities["green"] == 0


async def test_language_switch_relabels_headers_and_names(make_app, wait):
    app = make_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert column_labels(cells(screen))[0] == "区域"
        assert str(screen.query_one("#patrol-title", Static).content).startswith("日巡查必到点")
        await pilot.press("l")
        await wait(app, pilot)
        assert app.lang == "en"
        assert column_labels(cells(screen))[:2] == ["Area", "Worst"]
        assert crumb(screen).startswith("Longcheng City")
        assert (
            row_text(cells(screen), 0)[1].startswith("■ ")
            and row_text(cells(screen), 0)[1][2:].isupper()
        )
        title = str(screen.query_one("#patrol-title", Static).content)
        assert title.startswith("Mandatory daily patrol points")
        assert "Drill down" in [a.binding.description for a in screen.active_bindings.values()]


async def test_wide_and_compact_columns(make_app, wait):
    app = make_app(screen="risk")
    async with app.run_test(size=(240, 50)) as pilot:
        await wait(app, pilot)
        labels = column_labels(cells(app.screen))
        # the area's code (Latin letters) only in English: the name says it in Chinese
        assert "编码" not in labels and "合计" in labels and "人/事/地/物/组织" in labels
        assert "上报在办" in labels and "满意率" in labels
        await pilot.resize_terminal(170, 40)  # the kinds make room for the rest
        await wait(app, pilot)
        labels = column_labels(cells(app.screen))
        assert "上报在办" in labels and "人/事/地/物/组织" not in labels
        assert "列管原因" in column_labels(app.screen.query_one("#patrol", DataTable))
    app = make_app(screen="risk")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(app, pilot)
        labels = column_labels(cells(app.screen))
        assert labels == ["区域", "风险", "工单", "登记对象", "必到点", "下级"]
        await pilot.resize_terminal(170, 40)  # growing past the threshold adds them
        await wait(app, pilot)
        assert "合计" in column_labels(cells(app.screen))


async def test_outside_text_is_shown_literally_and_never_as_escapes(make_app, source, wait):
    with source.factory() as s:
        s.execute(update(Node).where(Node.code == "LC-WH").values(name=EVIL, name_en=EVIL))
        code = s.scalars(
            select(Entity.code).where(Entity.patrol_point.is_(True), Entity.colour == "red")
        ).first()
        s.execute(update(Entity).where(Entity.code == code).values(name=EVIL, reason=EVIL))
        s.commit()
    app = make_app(screen="risk")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert row_text(cells(screen), 0)[0] == "[bold red]x[/]"
        patrol = screen.query_one("#patrol", DataTable)
        names = [row_text(patrol, i)[1] for i in range(patrol.row_count)]
        assert "[bold red]x[/]" in names
        await pilot.press("enter")
        await wait(app, pilot)
        assert "[bold red]x[/]" in crumb(screen)
        svg = app.export_screenshot().replace("&#160;", " ")
        assert "[bold red]x[/]" in svg
        assert "pwned" not in svg and "\x1b" not in svg and "\x07" not in svg
