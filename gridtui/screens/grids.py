"""7 · Grid browser: the hierarchy as a tree with live colours and counts.

Each node reads ``name  ■ 红 · 12 件在办`` (``■ RED · 12 open``): its worst colour
(open tickets and registered entities) and how many of its tickets are open. Children
load when a node is first expanded, one board at a time (a city has thousands of grids:
nothing loads them all at once).
A reload refreshes the root and every expanded node in place, so nothing collapses
and the cursor stays. ``enter`` (or ``o``) opens the risk board on the node.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from gridtui.data.sources.records import Board, BoardCell, Reference
from gridtui.i18n import tr
from gridtui.screens.base import DataScreen, relabel_bindings
from gridtui.screens.messages import DataLoaded, OpenRiskNode, SourceFailed
from gridtui.widgets.key_bar import KeyBar
from gridtui.widgets.layout import SCREEN_WIDE, SCREEN_XWIDE
from gridtui.widgets.palette import ORDER
from gridtui.widgets.render import colour_chip, safe
from gridtui.widgets.status_bar import StatusBar


@dataclass(frozen=True, slots=True)
class GridsData:
    """What one reload brings: the root's board and the boards of the expanded nodes."""

    ref: Reference
    boards: list[Board]


class GridTree(Tree[int]):
    """The hierarchy tree; ``right`` / ``left`` unfold and fold (``enter`` and ``space``
    belong to the screen). A mouse click folds and unfolds, it never leaves the screen.
    """

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("right", "unfold", "expand", show=False),
        Binding("left", "fold", "collapse", show=False),
    ]

    def action_unfold(self) -> None:
        """Expand the node under the cursor, or step into its first child."""
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and not node.is_expanded:
            node.expand()
        elif node.is_expanded and node.children:
            self.move_cursor(node.children[0])

    def action_fold(self) -> None:
        """Collapse the node under the cursor, or step out to its parent."""
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)


class GridsScreen(DataScreen):
    """The hierarchy tree, the highlighted node's path, and a key hint."""

    NAME = "grids"
    DEFAULT_CSS = """
    GridsScreen #path { height: 1; padding: 0 1; background: $boost; }
    GridsScreen #tree { height: 1fr; }
    GridsScreen #hint { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[Binding]] = [
        # priority: the tree would take enter and space (and hide them from the footer)
        Binding("enter", "open_risk", "risk", id="grids.open_risk", priority=True),
        Binding("o", "open_risk", "risk", id="grids.open_risk", show=False),
        Binding("space", "fold_toggle", "toggle", id="grids.toggle", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._ref: Reference | None = None
        self._cells: dict[int, BoardCell] = {}
        self._tnodes: dict[int, TreeNode[int]] = {}
        self._loaded: set[int] = set()
        self._want: tuple[int, ...] = ()
        self._wide = False
        #: a wall terminal (240 columns): each node's open tickets by colour too
        self._xwide = False

    def compose(self) -> ComposeResult:
        """Path line, tree, hint."""
        yield StatusBar()
        yield Static(id="path")
        yield GridTree(Text("…"), id="tree")
        yield Static(id="hint")
        yield KeyBar()

    def on_mount(self) -> None:
        """Label and load."""
        self.retitle()
        self.reload()

    def redraw(self) -> None:
        """Relabel the tree (wide labels say more)."""
        self._paint()

    @property
    def grid_tree(self) -> GridTree:
        """The hierarchy tree."""
        return self.query_one("#tree", GridTree)

    def tree_node(self, node_id: int) -> TreeNode[int] | None:
        """The tree node of hierarchy node ``node_id``, if it is loaded."""
        return self._tnodes.get(node_id)

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        """Refresh the root and every expanded node (their ids are taken here, on the UI
        thread, for the worker)."""
        root = self._ref.root_id if self._ref else None
        self._want = tuple(
            i for i in sorted(self._loaded) if i != root and self._tnodes[i].is_expanded
        )
        super().reload()

    def fetch(self) -> GridsData:
        """The root's board and the expanded nodes' boards (worker thread)."""
        src = self.host.source
        want = self._want
        return GridsData(src.reference(), [src.board(None), *(src.board(i) for i in want)])

    def show(self, data: GridsData) -> None:
        """Merge the boards into the tree: relabel known nodes, add children not yet shown."""
        self._ref = data.ref
        tree = self.grid_tree
        if tree.root.data is None and data.boards:
            root = data.boards[0].node.node
            tree.root.data = root.id
            tree.root.allow_expand = True
            self._tnodes[root.id] = tree.root
        for board in data.boards:
            self._merge(board)
        if not tree.root.is_expanded:  # the first load: open the root (and a lone child)
            tree.root.expand()
            tree.move_cursor(tree.root)
            kids = tree.root.children
            if len(kids) == 1 and kids[0].allow_expand:
                kids[0].expand()
        self._paint()

    def _merge(self, board: Board) -> None:
        own = board.node.node.id
        self._cells[own] = board.node
        for cell in board.cells:
            self._cells[cell.node.id] = cell
        parent = self._tnodes.get(own)
        if parent is None:
            return
        for cell in board.cells:
            if cell.node.id not in self._tnodes:
                self._tnodes[cell.node.id] = parent.add(
                    self._label(cell), data=cell.node.id, allow_expand=cell.children > 0
                )
        self._loaded.add(own)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[int]) -> None:
        """Load (or refresh) the children of a node as it opens."""
        node_id = event.node.data
        if node_id is None or (self._ref is not None and node_id == self._ref.root_id):
            return
        self.run_worker(self._expand(node_id), group="expand", exit_on_error=False)

    async def _expand(self, node_id: int) -> None:
        try:
            board = await asyncio.to_thread(self.host.source.board, node_id)
        except Exception as exc:  # the tree stays as it was; the header says why
            self.app.post_message(SourceFailed(exc, self.NAME))
            return
        self._merge(board)
        self._paint()
        self.app.post_message(DataLoaded(self.NAME))

    # -- labels ----------------------------------------------------------------------------

    def _label(self, cell: BoardCell) -> Text:
        """``name  ■ 红 · 12 件在办`` (and entities, patrol points when wide)."""
        lang = self.lang
        label = safe(cell.node.label(lang))
        label.append("  ")
        label.append_text(colour_chip(cell.worst, lang))
        label.append(" · ", style="dim")
        label.append(tr("grids.open_n", lang, n=sum(cell.tickets.values())))
        if self._wide:
            label.append("  ·  ", style="dim")
            label.append(tr("grids.entities_n", lang, n=sum(cell.entities.values())), "dim")
            label.append("  ·  ", style="dim")
            label.append(tr("grids.patrol_n", lang, n=cell.patrol_points), "dim")
        if self._xwide and cell.tickets:
            label.append("  ·  ", style="dim")
            label.append(tr("grids.by_colour", lang) + " ", style="dim")
            for colour in ORDER:
                if cell.tickets.get(colour):
                    label.append_text(colour_chip(colour, lang, count=cell.tickets[colour]))
                    label.append("  ")
            label.rstrip()
        return label

    def _paint(self) -> None:
        self._wide = self.app.size.width >= SCREEN_WIDE
        self._xwide = self.app.size.width >= SCREEN_XWIDE
        for node_id, tnode in self._tnodes.items():
            cell = self._cells.get(node_id)
            if cell is not None:
                label = self._label(cell)
                if label != tnode.label:
                    tnode.set_label(label)
        self._show_path(self.grid_tree.cursor_node)

    def _show_path(self, node: TreeNode[int] | None) -> None:
        ref, text = self._ref, Text(no_wrap=True, overflow="ellipsis")
        if ref is not None and node is not None and node.data is not None:
            path = ref.path(node.data)
            for i, step in enumerate(path):
                if i:
                    text.append(" › ", style="dim")
                text.append_text(
                    safe(step.label(self.lang), style="bold" if i == len(path) - 1 else "")
                )
            if path:
                text.append(f"  ({tr(f'risk.level.{path[-1].level}', self.lang)})", style="dim")
        self.query_one("#path", Static).update(text)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[int]) -> None:
        """Say where the highlighted node sits."""
        self._show_path(event.node)

    def retitle(self) -> None:
        """The key hint in the current language."""
        self.query_one("#hint", Static).update(tr("grids.hint", self.lang))

    def relabel(self) -> None:
        """The language changed: relabel keys, hint and every node from the cache."""
        relabel_bindings(self, self.lang)
        self.refresh_bindings()
        self.retitle()
        self._paint()

    # -- actions ---------------------------------------------------------------------------

    def action_fold_toggle(self) -> None:
        """Expand or collapse the node under the cursor."""
        node = self.grid_tree.cursor_node
        if node is not None and node.allow_expand:
            node.toggle()

    def action_open_risk(self) -> None:
        """Open the risk board on the node under the cursor."""
        node = self.grid_tree.cursor_node
        if node is None or node.data is None:
            return
        self.app.post_message(OpenRiskNode(node.data))
