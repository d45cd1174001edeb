"""Grid browser: the hierarchy tree with live colours and counts, lazy loading, jumps."""

from __future__ import annotations

from sqlalchemy import update
from textual.widgets import DataTable, Static

from gridtui.data.storage.models import Node, Ticket
from gridtui.screens.grids import GridsScreen
from gridtui.screens.risk import RiskScreen
from gridtui.widgets.boards import ranked

ZH = dict(zip(("red", "orange", "yellow", "blue", "green"), "红橙黄蓝绿", strict=True))


def label(screen: GridsScreen, node_id: int) -> str:
    node = screen.tree_node(node_id)
    assert node is not None, node_id
    return str(node.label)


def expected(cell) -> str:
    return f"{cell.node.name}  ■ {ZH[cell.worst]} · {sum(cell.tickets.values())} 件在办"


async def open_path(app, pilot, wait, screen: GridsScreen, *node_ids: int) -> None:
    """Put the cursor on each node in turn and press space (expand)."""
    for node_id in node_ids:
        node = screen.tree_node(node_id)
        assert node is not None
        screen.grid_tree.move_cursor(node)
        await pilot.press("space")
        await wait(app, pilot)


async def test_tree_starts_with_the_city_and_its_counts(make_app, source, wait):
    app = make_app(screen="grids")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, GridsScreen)
        city = source.board(None)
        root = screen.grid_tree.root
        assert root.data == city.node.node.id and root.is_expanded
        assert str(root.label) == expected(city.node)
        assert [c.data for c in root.children] == [c.node.id for c in city.cells]
        # a lone child (the demo city has one district) opens by itself
        district = city.cells[0]
        assert len(city.cells) == 1 and root.children[0].is_expanded
        streets = source.board(district.node.id).cells
        assert [str(c.label) for c in root.children[0].children] == [expected(s) for s in streets]


async def test_expanding_a_node_loads_its_children_with_counts(make_app, source, wait):
    app = make_app(screen="grids")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        district = source.board(None).cells[0].node
        street = source.board(district.id).cells[1].node
        communities = source.board(street.id).cells
        assert screen.tree_node(communities[0].node.id) is None  # nothing loaded ahead
        await open_path(app, pilot, wait, screen, street.id)
        node = screen.tree_node(street.id)
        assert node is not None and node.is_expanded
        assert [c.data for c in node.children] == [c.node.id for c in communities]
        for cell in communities:
            assert label(screen, cell.node.id) == expected(cell)
            assert screen.tree_node(cell.node.id).allow_expand == (cell.children > 0)
        path = str(screen.query_one("#path").content)
        assert path.endswith(f"{street.name}  (街道)")


async def test_enter_on_a_grid_opens_the_risk_board_there(make_app, source, wait):
    app = make_app(screen="grids")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        district = source.board(None).cells[0].node
        street = source.board(district.id).cells[0].node
        community = source.board(street.id).cells[0].node
        grids = source.board(community.id).cells
        await open_path(app, pilot, wait, screen, street.id, community.id)
        grid = grids[1]
        assert label(screen, grid.node.id) == expected(grid)
        assert not screen.tree_node(grid.node.id).allow_expand
        screen.grid_tree.move_cursor(screen.tree_node(grid.node.id))
        await pilot.press("enter")
        await wait(app, pilot)
        assert app.current_mode == "risk"
        risk = app.screen
        assert isinstance(risk, RiskScreen)
        assert risk.node_id == grid.node.id
        assert str(risk.query_one("#crumb", Static).content).startswith(
            " › ".join(n.name for n in source.reference().path(grid.node.id))
        )
        await pilot.press("backspace")  # up to the community, the grid selected
        await wait(app, pilot)
        assert risk.node_id == community.id
        rows = [c.node.id for c in ranked(source.board(community.id).cells)]  # most at risk first
        assert risk.query_one("#cells", DataTable).cursor_row == rows.index(grid.node.id)


async def test_reload_refreshes_counts_without_collapsing(make_app, source, wait):
    app = make_app(screen="grids")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        district = source.board(None).cells[0].node
        street = source.board(district.id).cells[2].node
        await open_path(app, pilot, wait, screen, street.id)
        community = source.board(street.id).cells[1]
        target = screen.tree_node(community.node.id)
        screen.grid_tree.move_cursor(target)
        await pilot.pause()
        with source.factory() as s:
            s.execute(
                update(Ticket)
                .where(Ticket.community_id == community.node.id, Ticket.closed_at.is_(None))
                .values(colour="red")
            )
            s.commit()
        fresh = source.board(street.id).cells[1]
        assert fresh.worst == "red" and label(screen, community.node.id) != expected(fresh)
        await pilot.press("f5")
        await wait(app, pilot)
        assert label(screen, community.node.id) == expected(fresh)
        assert screen.tree_node(street.id).is_expanded
        assert screen.grid_tree.cursor_node is target


async def test_language_switch_and_literal_names(make_app, source, wait):
    with source.factory() as s:
        s.execute(
            update(Node)
            .where(Node.code == "LC-WH")
            .values(name="[bold red]x[/]\x1b[31m", name_en="[i]y[/i]")
        )
        s.commit()
    app = make_app(screen="grids")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        screen = app.screen
        district = source.board(None).cells[0].node
        assert label(screen, district.id).startswith("[bold red]x[/]  ■ ")
        await pilot.press("l")
        await wait(app, pilot)
        assert str(screen.grid_tree.root.label).startswith("Longcheng City  ■ ")
        assert str(screen.grid_tree.root.label).endswith(" open")
        assert label(screen, district.id).startswith("[i]y[/i]  ■ ")
        svg = app.export_screenshot().replace("&#160;", " ")
        assert "[i]y[/i]" in svg and "\x1b" not in svg


async def test_wide_labels_say_more(make_app, source, wait):
    app = make_app(screen="grids")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait(app, pilot)
        root = app.screen.grid_tree.root
        assert "必到点" not in str(root.label)
        await pilot.resize_terminal(180, 50)  # wide (by colour too from 200 columns)
        await wait(app, pilot)
        city = source.board(None).node
        assert str(root.label) == (
            f"{expected(city)}  ·  对象 {sum(city.entities.values())}"
            f"  ·  必到点 {city.patrol_points}"
        )


async def test_a_node_says_its_colour_then_its_open_count_in_either_language(
    make_app, source, wait
):
    """The colour's name and the count never run together ("RED47 open")."""
    city = source.board(None).node
    n = sum(city.tickets.values())
    for lang, want in (("zh", f"■ 红 · {n} 件在办"), ("en", f"■ RED · {n} open")):
        app = make_app(screen="grids", lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait(app, pilot)
            assert want in label(app.screen, city.node.id)
