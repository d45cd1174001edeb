"""A report becomes a ticket: the checks on a :class:`~gridtui.data.sources.records.NewTicket`
and the ticket row, its first timeline line and its first holder.

A report names its grid by code, or (``grid == ""``) gives a location: it is then put
in the grid whose outline holds the point (:mod:`gridtui.data.writes.loaded_grids`),
or, outside every outline, left unassigned (no grid, no worker: the centre holds it).

:meth:`~gridtui.data.writes.service.TicketService.open` runs :func:`checked_report`
before its transaction and :func:`create_ticket` in it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.sources.records import NewTicket
from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import Category, Node, Ticket, TicketEvent, Worker
from gridtui.data.writes.bookkeeping import settle
from gridtui.data.writes.errors import ServiceError
from gridtui.data.writes.loaded_grids import LoadedGrids, grid_at
from gridtui.data.writes.loaded_rules import LoadedRules
from gridtui.data.writes.results import ActResult
from gridtui.domain.channels import Channel
from gridtui.domain.colours import RiskColour
from gridtui.domain.lifecycle import Action, Status
from gridtui.domain.text import clean_text


def checked_report(new: NewTicket) -> tuple[str, Channel]:
    """The report's title (cleaned, one line) and channel.

    Raises:
        ServiceError: an empty title or an unknown channel.
    """
    title = clean_text(new.title, one_line=True).strip()
    if not title:
        raise ServiceError("a ticket needs a title")
    try:
        channel = Channel(new.channel)
    except ValueError:
        raise ServiceError(f"unknown channel {new.channel!r}") from None
    return title, channel


def create_ticket(
    session: Session,
    rules: LoadedRules,
    new: NewTicket,
    title: str,
    channel: Channel,
    at: datetime,
    grids: LoadedGrids | None = None,
) -> ActResult:
    """The ticket of ``new`` in status ``new``, held by its grid's first active worker
    (members before the leader), its clocks started and the change recorded; placed by
    its location through ``grids`` when it names no grid.

    Raises:
        ServiceError: unknown grid or category, or no grid and no way to place it.
    """
    grid, category, colour, worker = placement(session, new, grids)
    ticket = Ticket(
        title=title[:200],
        description=clean_text(new.description),
        address=clean_text(new.address, one_line=True)[:200],
        lat=new.lat,
        lon=new.lon,
        source=clean_text(new.source, one_line=True)[:32] or "gridtui",
        channel=channel.value,
        category=category.code,
        colour=colour.value,
        status=Status.NEW.value,
        district_id=grid.district_id if grid else None,
        street_id=grid.street_id if grid else None,
        community_id=grid.community_id if grid else None,
        grid_id=grid.id if grid else None,
        worker_id=worker.id if worker else None,
        opened_at=at,
        updated_at=at,
    )
    session.add(ticket)
    session.flush()
    step = TicketEvent(
        ticket_id=ticket.id,
        at=at,
        action=Action.OPEN.value,
        actor=clean_text(new.reporter, one_line=True)[:80],
        from_status=None,
        to_status=Status.NEW.value,
        note="",
        target=worker.code if worker else None,  # the first holder
    )
    session.add(step)
    settle(session, rules, ticket, [step], at)
    record_change(
        session, at=at, kind="ticket", op="open", entity_id=ticket.id,
        data={"status": ticket.status, "version": ticket.version},
    )  # fmt: skip
    return ActResult.of(ticket)


def placement(
    session: Session, new: NewTicket, grids: LoadedGrids | None = None
) -> tuple[Node | None, Category, RiskColour, Worker | None]:
    """Where the report of ``new`` goes: its grid (None: outside every outline, the
    ticket unassigned), its category, its colour (the report's, else the category's)
    and its first holder (:func:`first_holder`).

    Raises:
        ServiceError: unknown grid or category; no grid named and no outline or no
            location to place it by.
    """
    if new.grid or grids is None:
        grid = session.scalar(select(Node).where(Node.code == new.grid))
        if grid is None or grid.level != "grid":
            raise ServiceError(f"unknown grid {new.grid!r}")
    else:
        grid = grid_at(session, grids, new.lon, new.lat)
    category = session.get(Category, new.category)
    if category is None:
        raise ServiceError(f"unknown category {new.category!r}")
    colour = RiskColour.parse(new.colour or category.default_colour)
    return grid, category, colour, first_holder(session, grid) if grid else None


def first_holder(session: Session, grid: Node) -> Worker | None:
    """The grid's first active worker, members before the leader."""
    return session.scalar(
        select(Worker)
        .where(Worker.grid_id == grid.id, Worker.active.is_(True))
        .order_by(Worker.role == "leader", Worker.id)
        .limit(1)
    )
