"""Re-placing open tickets by their location (``gridtui geo place``), after the grid
outlines changed.

Every open ticket with coordinates is located in the grid index
(:mod:`gridtui.domain.geo.index`, one vectorised query for all of them). A ticket
whose point lies in a grid other than its own, or that has no grid (unassigned), moves
there: its district, street, community and grid ids become the new grid's, its
version goes up, a ``note`` by ``system`` on its timeline says from where to where,
and the change feed gets a ``ticket``/``place`` change per ticket and a
``bulk``/``place`` change per batch (counts by grid change). What it does not change:

- closed (and merged, cancelled) tickets keep their grid: the record of who handled them;
- a ticket whose point lies outside every outline keeps its grid (an outline not
  loaded yet is no reason to take a ticket away from its grid);
- who holds a ticket: the timeline says who holds it (:mod:`gridtui.domain.handling`),
  and a moved ticket stays with its holder until the centre dispatches it again.

Writes go in batches, each one transaction that locks its tickets and locates them
again, so that a ticket changed meanwhile (closed, moved, its location edited) is
placed as it now is or left alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import Node, Ticket
from gridtui.data.writes.bookkeeping import add_event
from gridtui.data.writes.errors import ServiceError
from gridtui.data.writes.loaded_grids import LoadedGrids
from gridtui.data.writes.lookups import SYSTEM
from gridtui.domain.geo.index import NO_GRID, GridIndex
from gridtui.domain.lifecycle import Action, Status

#: tickets moved per transaction
BATCH = 1000
#: rows read per fetch of the open tickets
_FETCH = 50_000
#: how a ticket in no grid is named
UNASSIGNED = "unassigned"


@dataclass(slots=True)
class PlaceReport:
    """What re-placing found and did."""

    #: open tickets with coordinates
    checked: int = 0
    #: of them, in no grid's outline (left where they are)
    outside: int = 0
    #: tickets to move (a dry run) or moved, by (from grid, to grid) code
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: the tickets to move or moved, by id
    ticket_ids: list[int] = field(default_factory=list)
    #: planned moves left alone because the ticket changed meanwhile
    skipped: int = 0

    @property
    def moved(self) -> int:
        """Tickets moved (or, for a dry run, to move)."""
        return len(self.ticket_ids)


def replace_tickets(
    factory: sessionmaker[Session],
    grids: LoadedGrids,
    *,
    at: datetime,
    dry_run: bool = False,
    batch: int = BATCH,
) -> PlaceReport:
    """Move every open ticket whose location lies in another grid than its own (or
    that has none) to that grid; with ``dry_run``, only say what would move.

    Raises:
        ServiceError: no grid has an outline.
    """
    with factory() as session:
        index = _index(session, grids)
        codes = _grid_codes(session)
        report = _plan(session, index, codes)
    if dry_run:
        return report
    done = PlaceReport(checked=report.checked, outside=report.outside)
    ids = report.ticket_ids
    for start in range(0, len(ids), batch):
        with factory.begin() as session:
            _move(session, grids, codes, ids[start : start + batch], at, done)
    done.skipped = report.moved - done.moved
    return done


def _index(session: Session, grids: LoadedGrids) -> GridIndex:
    index = grids.of(session)
    if index is None:
        raise ServiceError(
            "no grid boundaries are loaded: nothing to place by "
            "(gridtui geo load FILE --level grid)"
        )
    return index


def _grid_codes(session: Session) -> dict[int, str]:
    rows = session.execute(select(Node.id, Node.code).where(Node.level == "grid"))
    return {grid_id: code for grid_id, code in rows}


def _name(codes: dict[int, str], grid_id: int | None) -> str:
    return UNASSIGNED if grid_id is None or grid_id == NO_GRID else codes.get(grid_id, str(grid_id))


def _plan(session: Session, index: GridIndex, codes: dict[int, str]) -> PlaceReport:
    """The open tickets with coordinates located: what would move."""
    rows = session.execute(
        select(Ticket.id, Ticket.lon, Ticket.lat, func.coalesce(Ticket.grid_id, NO_GRID))
        .where(Ticket.closed_at.is_(None), Ticket.lat.is_not(None), Ticket.lon.is_not(None))
        .order_by(Ticket.id)
        .execution_options(yield_per=_FETCH)
    )
    # rows as plain tuples: numpy reads a million of them in a second, Row objects in ten
    chunks = [np.array([tuple(r) for r in part], dtype=float) for part in rows.partitions()]
    table = np.concatenate(chunks).reshape(-1, 4) if chunks else np.empty((0, 4))
    current = table[:, 3].astype(np.int64)
    found = index.locate_many(table[:, 1], table[:, 2])
    moving = np.flatnonzero((found != NO_GRID) & (found != current))
    pairs = Counter(
        (_name(codes, int(a)), _name(codes, int(b)))
        for a, b in zip(current[moving], found[moving], strict=True)
    )
    return PlaceReport(
        checked=len(table),
        outside=int(np.count_nonzero(found == NO_GRID)),
        pairs=pairs,
        ticket_ids=table[moving, 0].astype(np.int64).tolist(),
    )


def _move(
    session: Session,
    grids: LoadedGrids,
    codes: dict[int, str],
    ids: list[int],
    at: datetime,
    done: PlaceReport,
) -> None:
    """Move the tickets ``ids`` that still need it, in the caller's transaction."""
    index = _index(session, grids)
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.id.in_(ids), Ticket.closed_at.is_(None))
        .order_by(Ticket.id)
        .with_for_update()
    ).all()
    found = index.locate_many([t.lon for t in tickets], [t.lat for t in tickets])
    nodes = {n.id: n for n in session.scalars(select(Node).where(Node.id.in_(set(found.tolist()))))}
    pairs: Counter[tuple[str, str]] = Counter()
    for ticket, target in zip(tickets, found.tolist(), strict=True):
        node = nodes.get(target)
        if node is None or node.id == ticket.grid_id:
            continue
        was, now = _name(codes, ticket.grid_id), node.code
        ticket.district_id, ticket.street_id = node.district_id, node.street_id
        ticket.community_id, ticket.grid_id = node.community_id, node.id
        ticket.version += 1
        ticket.updated_at = at
        status = Status(ticket.status)
        note = (
            f"按位置划入网格 {now}（原 {_zh(was)}） / placed by location in grid {now} (was {was})"
        )
        add_event(session, ticket, Action.NOTE, SYSTEM, at, status, status, note, None)
        record_change(
            session, at=at, kind="ticket", op="place", entity_id=ticket.id,
            data={"status": ticket.status, "version": ticket.version, "grid": now},
        )  # fmt: skip
        pairs[(was, now)] += 1
        done.ticket_ids.append(ticket.id)
    if pairs:
        moves = [{"from": a, "to": b, "tickets": n} for (a, b), n in sorted(pairs.items())]
        record_change(session, at=at, kind="bulk", op="place", data={"moves": moves[:100]})
        done.pairs.update(pairs)


def _zh(name: str) -> str:
    return "未分配" if name == UNASSIGNED else name
