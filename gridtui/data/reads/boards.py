"""The five-colour risk board over the hierarchy (city → district → street → community → grid).

A board is one node plus one cell per child: open tickets by colour (read from the
partial ``ix_tickets_open_<level>`` indexes) and registered entities (人、事、地、物、组织)
by colour and by kind, and the mandatory daily patrol points (日巡查必到点) under the node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from gridtui.data.reads.callbacks import satisfaction_by
from gridtui.data.sources.records import Board, BoardCell, NodeRef, PatrolPoint, Reference
from gridtui.data.storage.models import Entity, Node, Ticket
from gridtui.domain.handling import LADDER

PATROL_SHOWN = 200
#: the window of callbacks (回访) a node's satisfaction rate reads
SATISFACTION_DAYS = 30

_TICKET_COL: dict[str, InstrumentedAttribute[Any]] = {
    "district": Ticket.district_id,
    "street": Ticket.street_id,
    "community": Ticket.community_id,
    "grid": Ticket.grid_id,
}
_ENTITY_COL: dict[str, InstrumentedAttribute[Any]] = {
    "district": Entity.district_id,
    "street": Entity.street_id,
    "community": Entity.community_id,
    "grid": Entity.grid_id,
}
CHILD_LEVEL = {"city": "district", "district": "street", "street": "community", "community": "grid"}


def _within(
    col_map: dict[str, InstrumentedAttribute[Any]], node: NodeRef
) -> list[ColumnElement[bool]]:
    col = col_map.get(node.level)
    return [] if col is None else [col == node.id]


def _grouped(
    session: Session, key: Any, value: Any, where: list[ColumnElement[bool]]
) -> dict[int | None, dict[str, int]]:
    out: dict[int | None, dict[str, int]] = {}
    rows = session.execute(select(key, value, func.count()).where(*where).group_by(key, value))
    for k, v, n in rows:
        out.setdefault(k, {})[str(v)] = int(n)
    return out


def board(session: Session, ref: Reference, node_id: int | None, at: datetime) -> Board:
    """The board of ``node_id`` (see the module docstring); satisfaction rates over the
    callbacks of the :data:`SATISFACTION_DAYS` up to ``at``.

    Raises:
        KeyError: no such node.
    """
    if node_id is None or node_id not in ref.nodes:
        raise KeyError(f"no hierarchy node {node_id}")
    node = ref.nodes[node_id]
    since = at - timedelta(days=SATISFACTION_DAYS)
    is_open = Ticket.closed_at.is_(None)
    t_where = [is_open, *_within(_TICKET_COL, node)]
    e_where = _within(_ENTITY_COL, node)
    children = sorted(
        (n for n in ref.nodes.values() if n.parent_id == node.id), key=lambda n: n.code
    )
    level = CHILD_LEVEL.get(node.level)
    if level is not None and children:
        counts = _count_by_child(session, node, level, children, since, at, t_where, e_where)
    else:
        counts = _ChildCounts()  # a grid: nothing below
    cells = [counts.cell(c) for c in children]
    own = _own_cell(session, node, len(children), since, at, t_where, e_where)
    return Board(own, cells, _patrol_points(session, e_where))


@dataclass(frozen=True)
class _ChildCounts:
    """A board's counts by child node id (none below a grid)."""

    #: open tickets by colour
    tickets: dict[int | None, dict[str, int]] = field(default_factory=dict)
    #: open tickets by handling level
    levels: dict[int | None, dict[str, int]] = field(default_factory=dict)
    #: the satisfaction rate of the window's callbacks
    content: dict[int, float | None] = field(default_factory=dict)
    #: entities by colour
    entities: dict[int | None, dict[str, int]] = field(default_factory=dict)
    #: entities by kind
    kinds: dict[int | None, dict[str, int]] = field(default_factory=dict)
    #: patrol points
    patrol: dict[int | None, int] = field(default_factory=dict)
    #: the child's own children
    grand: dict[int | None, int] = field(default_factory=dict)

    def cell(self, c: NodeRef) -> BoardCell:
        """The cell of child ``c``."""
        return BoardCell(
            node=c,
            tickets=_ordered(self.tickets.get(c.id, {})),
            entities=_ordered(self.entities.get(c.id, {})),
            entities_by_kind=self.kinds.get(c.id, {}),
            patrol_points=int(self.patrol.get(c.id, 0)),
            children=int(self.grand.get(c.id, 0)),
            tickets_by_level=_on_ladder(self.levels.get(c.id, {})),
            satisfaction_rate=self.content.get(c.id),
        )


def _count_by_child(
    session: Session,
    node: NodeRef,
    level: str,
    children: list[NodeRef],
    since: datetime,
    at: datetime,
    t_where: list[ColumnElement[bool]],
    e_where: list[ColumnElement[bool]],
) -> _ChildCounts:
    """The counts of ``node``'s ``children`` (of ``level``): the open tickets of
    ``t_where``, the entities of ``e_where``, callbacks from ``since`` to ``at``."""
    tickets = _grouped(session, _TICKET_COL[level], Ticket.colour, t_where)
    levels = _grouped(session, _TICKET_COL[level], Ticket.level, t_where)
    content = satisfaction_by(session, _TICKET_COL[level], since, at, *_within(_TICKET_COL, node))
    entities = _grouped(session, _ENTITY_COL[level], Entity.colour, e_where)
    kinds = _grouped(session, _ENTITY_COL[level], Entity.kind, e_where)
    patrol: dict[int | None, int] = dict(
        session.execute(
            select(_ENTITY_COL[level], func.count())
            .where(*e_where, Entity.patrol_point.is_(True))
            .group_by(_ENTITY_COL[level])
        ).all()
    )
    grand: dict[int | None, int] = dict(
        session.execute(
            select(Node.parent_id, func.count())
            .where(Node.parent_id.in_([c.id for c in children]))
            .group_by(Node.parent_id)
        ).all()
    )
    return _ChildCounts(tickets, levels, content, entities, kinds, patrol, grand)


def _own_cell(
    session: Session,
    node: NodeRef,
    n_children: int,
    since: datetime,
    at: datetime,
    t_where: list[ColumnElement[bool]],
    e_where: list[ColumnElement[bool]],
) -> BoardCell:
    """The cell of ``node`` itself: everything under it."""
    return BoardCell(
        node=node,
        tickets=_ordered(_colours(session, Ticket.colour, t_where)),
        entities=_ordered(_colours(session, Entity.colour, e_where)),
        entities_by_kind={
            str(k): int(n)
            for k, n in session.execute(
                select(Entity.kind, func.count()).where(*e_where).group_by(Entity.kind)
            )
        },
        patrol_points=int(
            session.scalar(
                select(func.count())
                .where(*e_where, Entity.patrol_point.is_(True))
                .select_from(Entity)
            )
            or 0
        ),
        children=n_children,
        tickets_by_level=by_levels(session, t_where),
        satisfaction_rate=satisfaction_by(
            session, literal(node.id), since, at, *_within(_TICKET_COL, node)
        ).get(node.id),
    )


def _patrol_points(session: Session, e_where: list[ColumnElement[bool]]) -> list[PatrolPoint]:
    """The first :data:`PATROL_SHOWN` patrol points of ``e_where`` (by code), the most
    urgent colour first."""
    points = [
        PatrolPoint(r.code, r.name, r.kind, r.colour, r.grid_id, r.reason)
        for r in session.execute(
            select(
                Entity.code, Entity.name, Entity.kind, Entity.colour, Entity.grid_id, Entity.reason
            )
            .where(*e_where, Entity.patrol_point.is_(True))
            .order_by(Entity.code)
            .limit(PATROL_SHOWN)
        )
    ]
    rank = {"red": 0, "orange": 1, "yellow": 2, "blue": 3, "green": 4}
    points.sort(key=lambda p: (rank.get(p.colour, 9), p.entity_code))
    return points


def _colours(session: Session, colour: Any, where: list[ColumnElement[bool]]) -> dict[str, int]:
    rows = session.execute(select(colour, func.count()).where(*where).group_by(colour))
    return {str(c): int(n) for c, n in rows}


def _ordered(counts: dict[str, int]) -> dict[str, int]:
    return {c: counts.get(c, 0) for c in ("red", "orange", "yellow", "blue", "green")}


def by_levels(session: Session, where: list[ColumnElement[bool]]) -> dict[str, int]:
    """Tickets matching ``where`` by handling level, on the ladder's order."""
    rows = session.execute(select(Ticket.level, func.count()).where(*where).group_by(Ticket.level))
    return _on_ladder({str(k): int(n) for k, n in rows})


def _on_ladder(counts: dict[str, int]) -> dict[str, int]:
    return {level.value: counts.get(level.value, 0) for level in LADDER}
