"""The SQL of what the public sees (Open311 GeoReport): services, tickets, intake grids,
and the reports of Open311's sandbox (:func:`sandbox_tickets`).

Each function reads in the session it is given and returns the plain records of
:mod:`gridtui.data.sources.public`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from gridtui.data.sources.public import MAX_RESULTS, PublicTicket, RequestQuery, ServiceEntry
from gridtui.data.storage.models import Category, Department, Node, SandboxRequest, Ticket
from gridtui.domain.lifecycle import OPEN_STATUSES, TERMINAL, Status

if TYPE_CHECKING:
    from sqlalchemy import Row, Select

    #: a result row of any columns
    AnyRow = Row[*tuple[Any, ...]]

_OPEN = [s.value for s in OPEN_STATUSES]
_CLOSED = [s.value for s in TERMINAL]

_REQUEST_COLUMNS = (
    Ticket.id, Ticket.status, Ticket.category, Ticket.title, Ticket.description,
    Ticket.department_id, Ticket.grid_id, Ticket.merged_into, Ticket.opened_at,
    Ticket.updated_at, Ticket.due_at, Ticket.address, Ticket.lat, Ticket.lon,
    Ticket.satisfaction,
)  # fmt: skip


def services(s: Session) -> list[ServiceEntry]:
    """Every category as a service, by code."""
    rows = s.execute(
        select(Category.code, Category.name, Category.name_en, Category.function).order_by(
            Category.code
        )
    ).all()
    return [ServiceEntry(r.code, r.name, r.name_en, r.function) for r in rows]


def request_statement(query: RequestQuery) -> Select[*tuple[Any, ...]]:
    """The SELECT of ``GET requests``: by primary key for ids, else a range of the
    ``ix_tickets_opened`` index read backwards (newest first) and cut at
    :data:`MAX_RESULTS` rows, so its cost does not grow with the table."""
    stmt = select(*_REQUEST_COLUMNS)
    if query.ids:
        stmt = stmt.where(Ticket.id.in_(query.ids))
    else:
        if query.start is not None:
            stmt = stmt.where(Ticket.opened_at >= query.start)
        if query.end is not None:
            stmt = stmt.where(Ticket.opened_at <= query.end)
        if query.service_code:
            stmt = stmt.where(Ticket.category == query.service_code)
        if query.statuses == {"open"}:
            # open tickets have no closed_at: the partial index over them applies
            stmt = stmt.where(Ticket.closed_at.is_(None), Ticket.status.in_(_OPEN))
        elif query.statuses == {"closed"}:
            stmt = stmt.where(Ticket.status.in_(_CLOSED))
    return stmt.order_by(Ticket.opened_at.desc(), Ticket.id.desc()).limit(MAX_RESULTS)


def public_tickets(s: Session, query: RequestQuery) -> list[PublicTicket]:
    """The tickets ``query`` selects, newest first, at most :data:`MAX_RESULTS`, with
    the names they refer to (one query per kind of name)."""
    rows = s.execute(request_statement(query)).all()
    categories = {r.category for r in rows}
    names = _lookup(s, Category.code, Category.name, set(categories))
    personal = _lookup(s, Category.code, Category.personal, set(categories))
    departments = _lookup(s, Department.id, Department.name, {r.department_id for r in rows})
    grids = _lookup(s, Node.id, Node.code, {r.grid_id for r in rows})
    return [
        _public_ticket(r, names, personal, departments.get(r.department_id), grids) for r in rows
    ]


def _public_ticket(
    r: AnyRow,
    names: dict[Any, Any],
    personal: dict[Any, Any],
    department: str | None,
    grids: dict[Any, Any],
) -> PublicTicket:
    return PublicTicket(
        id=r.id, status=r.status, category=r.category, title=r.title,
        description=r.description, merged_into=r.merged_into, opened_at=r.opened_at,
        updated_at=r.updated_at, due_at=r.due_at, address=r.address, lat=r.lat, lon=r.lon,
        satisfaction=r.satisfaction, service_name=names.get(r.category),
        personal=personal.get(r.category), department=department,
        grid_code=grids.get(r.grid_id),
    )  # fmt: skip


def sandbox_tickets(s: Session, query: RequestQuery) -> list[PublicTicket]:
    """The sandbox's reports ``query`` selects, as :func:`public_tickets` selects
    tickets: newest first, at most :data:`MAX_RESULTS`; every one is open (``new``)."""
    if not query.ids and query.statuses == {"closed"}:
        return []
    r = SandboxRequest
    stmt = select(r)
    if query.ids:
        stmt = stmt.where(r.id.in_(query.ids))
    else:
        if query.start is not None:
            stmt = stmt.where(r.opened_at >= query.start)
        if query.end is not None:
            stmt = stmt.where(r.opened_at <= query.end)
        if query.service_code:
            stmt = stmt.where(r.category == query.service_code)
    rows = s.scalars(stmt.order_by(r.opened_at.desc(), r.id.desc()).limit(MAX_RESULTS)).all()
    categories = {row.category for row in rows}
    names = _lookup(s, Category.code, Category.name, set(categories))
    personal = _lookup(s, Category.code, Category.personal, set(categories))
    return [_sandbox_ticket(row, names, personal) for row in rows]


def _sandbox_ticket(
    row: SandboxRequest, names: dict[Any, Any], personal: dict[Any, Any]
) -> PublicTicket:
    """A sandbox report as the ticket it would be just after opening."""
    return PublicTicket(
        id=row.id, status=Status.NEW.value, category=row.category, title=row.title,
        description=row.description, merged_into=None, opened_at=row.opened_at,
        updated_at=row.opened_at, due_at=row.due_at, address=row.address, lat=row.lat,
        lon=row.lon, satisfaction=None, service_name=names.get(row.category),
        personal=personal.get(row.category), department=None, grid_code=row.grid or None,
    )  # fmt: skip


def _lookup(s: Session, key: Any, value: Any, wanted: set[Any]) -> dict[Any, Any]:
    """``key → value`` for the ``wanted`` keys (None left out), in one query."""
    wanted.discard(None)
    if not wanted:
        return {}
    return {k: v for k, v in s.execute(select(key, value).where(key.in_(wanted)))}


def first_grid(s: Session, node_id: int | None, level: str | None) -> str | None:
    """The code of the grid that takes a report placed at node ``node_id`` (a
    district, street or community: ``level``): its first grid by code, dedicated
    grids last; else (nothing under it, another level, or no node) the city's first
    such grid; None when the centre has no grid."""
    stmt = select(Node.code).where(Node.level == "grid")
    column = {
        "district": Node.district_id,
        "street": Node.street_id,
        "community": Node.community_id,
    }.get(level or "")
    ordered = (case((Node.kind == "dedicated", 1), else_=0), Node.code)
    code = None
    if column is not None and node_id is not None:
        code = s.scalar(stmt.where(column == node_id).order_by(*ordered).limit(1))
    return code or s.scalar(stmt.order_by(*ordered).limit(1))
