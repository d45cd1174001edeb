"""Keyset paging over the ticket queue: instant at a million tickets.

An order is a list of *segments*, each a filter plus index-friendly ascending
columns ending in ``id``. "By deadline" is two segments (tickets with a deadline by
``(next_deadline, id)``, then those without by ``id``), so every page is a range
scan of an index such as ``ix_tickets_open_deadline`` instead of a sort of the whole
table; NULLs never need ``NULLS LAST`` (which SQLite cannot serve from an index).
A cursor is the segment number plus the sort key of a row; the next page continues
with a row-value comparison ``(cols) > (key)`` in that segment and then the
following segments from their start. No OFFSET anywhere: the last page costs the
same as the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from gridtui.data.sources.records import Anchor, Cursor, Page, QueueQuery, Reference, TicketRow
from gridtui.data.storage.models import Ticket
from gridtui.domain.colours import RiskColour
from gridtui.domain.lifecycle import TERMINAL

_LEVEL_COLUMN: dict[str, InstrumentedAttribute[Any]] = {
    "district": Ticket.district_id,
    "street": Ticket.street_id,
    "community": Ticket.community_id,
    "grid": Ticket.grid_id,
}

ROW_COLUMNS = (
    Ticket.id,
    Ticket.title,
    Ticket.status,
    Ticket.colour,
    Ticket.channel,
    Ticket.category,
    Ticket.grid_id,
    Ticket.worker_id,
    Ticket.department_id,
    Ticket.opened_at,
    Ticket.due_at,
    Ticket.next_deadline,
    Ticket.closed_at,
    Ticket.version,
    Ticket.level,
    Ticket.satisfaction,
)


def to_row(r: Any) -> TicketRow:
    """A :class:`TicketRow` from a result row of :data:`ROW_COLUMNS`."""
    return TicketRow(*r)


def row_of(ticket: Ticket) -> TicketRow:
    """A :class:`TicketRow` from a loaded ticket."""
    return TicketRow(*(getattr(ticket, c.key) for c in ROW_COLUMNS))


@dataclass(frozen=True, slots=True)
class Segment:
    """A slice of the order: rows matching ``where``, ascending by ``cols``."""

    where: tuple[ColumnElement[bool], ...]
    cols: tuple[InstrumentedAttribute[Any], ...]


def segments(query: QueueQuery) -> list[Segment]:
    """The segments of ``query.sort``."""
    nd, oid = Ticket.next_deadline, Ticket.id
    by_deadline = [
        Segment((nd.is_not(None),), (nd, oid)),
        Segment((nd.is_(None),), (oid,)),
    ]
    if query.sort == "age":
        return [Segment((), (Ticket.opened_at, oid))]
    if query.sort == "colour":
        colours = [c.value for c in RiskColour.by_severity()]
        if query.colours:
            colours = [c for c in colours if c in query.colours]
        return [
            Segment((Ticket.colour == colour, *seg.where), seg.cols)
            for colour in colours
            for seg in by_deadline
        ]
    return by_deadline


def filters(query: QueueQuery, ref: Reference) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``query`` (open tickets unless terminal statuses are asked)."""
    out: list[ColumnElement[bool]] = []
    statuses = set(query.statuses)
    if not statuses:
        out.append(Ticket.closed_at.is_(None))
    else:
        if not statuses & {s.value for s in TERMINAL}:
            out.append(Ticket.closed_at.is_(None))
        out.append(Ticket.status.in_(sorted(statuses)))
    if query.colours:
        out.append(Ticket.colour.in_(sorted(query.colours)))
    if query.channels:
        out.append(Ticket.channel.in_(sorted(query.channels)))
    if query.categories:
        out.append(Ticket.category.in_(sorted(query.categories)))
    if query.levels:
        out.append(Ticket.level.in_(sorted(query.levels)))
    if query.department_id is not None:
        out.append(Ticket.department_id == query.department_id)
    if query.worker_id is not None:
        out.append(Ticket.worker_id == query.worker_id)
    if query.node_id is not None:
        node = ref.nodes.get(query.node_id)
        column = _LEVEL_COLUMN.get(node.level) if node else None
        if node is None:
            out.append(Ticket.id.is_(None))  # an unknown node matches nothing
        elif column is not None:
            out.append(column == node.id)
    text = query.text.strip()
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        match: ColumnElement[bool] = or_(
            Ticket.title.like(like, escape="\\"), Ticket.address.like(like, escape="\\")
        )
        digits = text.lstrip("#")
        if digits.isdigit():
            match = or_(match, Ticket.id == int(digits))
        out.append(match)
    return out


def _key(seg_no: int, seg: Segment, row: TicketRow) -> Cursor:
    values = tuple(getattr(row, col.key) for col in seg.cols)
    return Cursor((seg_no, *values))


def _select(where: Sequence[ColumnElement[bool]], seg: Segment, desc: bool) -> Any:
    order = [c.desc() if desc else c.asc() for c in seg.cols]
    return select(*ROW_COLUMNS).where(*where, *seg.where).order_by(*order)


def _after(seg: Segment, key: Sequence[object], desc: bool) -> ColumnElement[bool]:
    cols = tuple_(*seg.cols)
    vals = tuple_(*(_bind(c, v) for c, v in zip(seg.cols, key, strict=True)))
    return cols < vals if desc else cols > vals


def _bind(col: InstrumentedAttribute[Any], value: object) -> Any:
    return literal(value, type_=col.type)


_REVERSED = {
    Anchor.FIRST: Anchor.LAST,
    Anchor.LAST: Anchor.FIRST,
    Anchor.AFTER: Anchor.BEFORE,
    Anchor.BEFORE: Anchor.AFTER,
}


def fetch(
    session: Session,
    query: QueueQuery,
    ref: Reference,
    anchor: Anchor,
    cursor: Cursor | None,
    limit: int,
) -> Page:
    """One page of ``query`` at ``anchor``; see the module docstring.

    A descending query is the ascending order read from the other end: its first page
    is the ascending last page upside down, "after" a row is "before" it ascending, and
    a cursor (the sort key of a row) means the same row both ways.
    """
    if not query.descending:
        return _fetch(session, query, ref, anchor, cursor, limit)
    up = _fetch(session, query, ref, _REVERSED[anchor], cursor, limit)
    return Page(list(reversed(up.rows)), up.last, up.first, up.has_after, up.has_before)


def _fetch(
    session: Session,
    query: QueueQuery,
    ref: Reference,
    anchor: Anchor,
    cursor: Cursor | None,
    limit: int,
) -> Page:
    segs = segments(query)
    where = filters(query, ref)
    backwards = anchor in (Anchor.LAST, Anchor.BEFORE)
    if anchor in (Anchor.FIRST, Anchor.LAST) or cursor is None:
        start, key = (len(segs) - 1 if backwards else 0), None
    else:
        start, key = int(cursor.key[0]), cursor.key[1:]  # type: ignore[call-overload]
    order = range(start, -1, -1) if backwards else range(start, len(segs))
    got: list[tuple[int, TicketRow]] = []
    for seg_no in order:
        seg = segs[seg_no]
        stmt = _select(where, seg, backwards)
        if key is not None and seg_no == start:
            stmt = stmt.where(_after(seg, key, backwards))
        stmt = stmt.limit(limit + 1 - len(got))
        got += [(seg_no, to_row(r)) for r in session.execute(stmt)]
        if len(got) > limit:
            break
    more = len(got) > limit
    got = got[:limit]
    if backwards:
        got.reverse()
    rows = [r for _, r in got]
    first = _key(got[0][0], segs[got[0][0]], got[0][1]) if got else None
    last = _key(got[-1][0], segs[got[-1][0]], got[-1][1]) if got else None
    if backwards:
        has_before, has_after = more, anchor is Anchor.BEFORE
    else:
        has_before, has_after = anchor is Anchor.AFTER, more
    return Page(rows, first, last, has_before, has_after)


def read_snapshot(session: Session) -> None:
    """Make the session's reads one snapshot (a page and its count must agree).

    PostgreSQL's default READ COMMITTED gives each statement a fresh snapshot:
    REPEATABLE READ keeps the first one for the transaction. Python's sqlite3 runs a
    SELECT outside any transaction (each statement its own read): an explicit
    ``BEGIN`` makes the reads one WAL snapshot until the session closes (rollback).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    elif dialect == "sqlite":
        session.connection().exec_driver_sql("BEGIN")


def count(session: Session, query: QueueQuery, ref: Reference, cap: int) -> int:
    """Matching tickets, counting at most ``cap``."""
    inner = select(Ticket.id).where(and_(True, *filters(query, ref))).limit(cap).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)
