"""Tickets: the queue (``/tickets`` paged by cursor, ``/tickets/count``,
``/tickets/urgent``), one ticket, its lifecycle actions, and intake (``POST /tickets``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field, model_validator

from gridtui.api.answers import ApiError, created, mark_replayed
from gridtui.api.cursors import BadCursor, decode_cursor, encode_cursor
from gridtui.api.deps import At, Caller, Clock, IdemKey, NodeId, Source, TicketId
from gridtui.api.limits import Address, Code, CursorText, Description, Note, Search, Title
from gridtui.api.routes import API
from gridtui.data.sources.records import Anchor, Cursor, NewTicket, QueueQuery
from gridtui.domain.roles import OFFICER_ACTIONS, SUPERVISOR_ACTIONS

#: the lifecycle actions a caller may ask for (whether its role may is checked after)
API_ACTIONS = frozenset(str(a) for a in OFFICER_ACTIONS | SUPERVISOR_ACTIONS)

router = APIRouter(prefix=API)


class ActionIn(BaseModel):
    """A lifecycle action on a ticket."""

    action: Code = Field(description="dispatch, accept, arrive, resolve, … (see the lifecycle)")
    note: Note = ""
    target: Code | None = None
    expected_version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class TicketIn(BaseModel):
    """A new ticket (intake)."""

    title: Title
    category: Code
    channel: Code
    grid: Code = Field(
        default="", description="the grid's node code; empty: the grid holding lat/lon"
    )
    description: Description = ""
    address: Address = ""
    colour: Code | None = None
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)

    @model_validator(mode="after")
    def _placed(self) -> TicketIn:
        """lat and lon go together, and a ticket needs a grid or a location."""
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together: give both or neither")
        if not self.grid and self.lat is None:
            raise ValueError("a ticket needs a grid code or a location (lat and lon)")
        return self


def queue_filters(
    sort: Literal["deadline", "colour", "age"] = "deadline",
    status: Annotated[list[Code], Query()] = [],  # noqa: B006 (FastAPI reads the default)
    colour: Annotated[list[Code], Query()] = [],  # noqa: B006
    channel: Annotated[list[Code], Query()] = [],  # noqa: B006
    category: Annotated[list[Code], Query()] = [],  # noqa: B006
    department: NodeId = None,
    node: NodeId = None,
    worker: NodeId = None,
    q: Annotated[Search, Query()] = "",
    level: Annotated[list[Literal["grid", "community", "street", "district"]], Query()] = [],  # noqa: B006
    desc: bool = False,
) -> QueueQuery:
    """The queue's filters and order from the query string (shared by list and count)."""
    return QueueQuery(
        sort=sort, statuses=frozenset(status), colours=frozenset(colour),
        channels=frozenset(channel), categories=frozenset(category),
        department_id=department, node_id=node, worker_id=worker, text=q,
        levels=frozenset(level), descending=desc,
    )  # fmt: skip


Filters = Annotated[QueueQuery, Depends(queue_filters)]


def _anchor(
    query: QueueQuery, after: str | None, before: str | None, last: bool
) -> tuple[Anchor, Cursor | None]:
    """Where a page starts: after or before a cursor this server gave, else first or last.

    Raises:
        ApiError: 400 for both cursors, or a cursor this server did not give.
    """
    if after and before:
        raise ApiError(400, "bad_request", "give either after or before, not both")
    if not (after or before):
        return (Anchor.LAST if last else Anchor.FIRST), None
    text = after or before or ""
    try:
        return (Anchor.AFTER if after else Anchor.BEFORE), decode_cursor(text, query)
    except BadCursor as exc:
        raise ApiError(
            400, "bad_cursor", f"cursor {text[:40]!r} is not one this server gave: {exc}"
        ) from None


@router.get("/tickets")
def tickets(
    who: Caller,
    source: Source,
    query: Filters,
    after: CursorText | None = None,
    before: CursorText | None = None,
    last: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    count_cap: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> dict[str, Any]:
    """A page of tickets by key: pass ``after`` (``next``) or ``before`` (``prev``).

    ``first`` / ``last`` are the cursors of the page's first and last rows. With
    ``count_cap`` the answer's ``count`` is how many tickets match (at most the
    cap), read in the same snapshot as the page."""
    anchor, cursor = _anchor(query, after, before, last)
    page = source.queue(query, anchor, cursor, limit, count_cap)
    counted = {} if page.count is None else {"count": page.count}
    return {
        **counted,
        "tickets": [asdict(r) for r in page.rows],
        "next": encode_cursor(page.last) if page.has_after else None,
        "prev": encode_cursor(page.first) if page.has_before else None,
        "first": encode_cursor(page.first),
        "last": encode_cursor(page.last),
        "has_before": page.has_before,
        "has_after": page.has_after,
    }


@router.get("/tickets/count")
def ticket_count(
    who: Caller,
    source: Source,
    query: Filters,
    cap: Annotated[int, Query(ge=1, le=1_000_000)] = 10_000,
) -> dict[str, Any]:
    """How many tickets match the filters, counting at most ``cap``."""
    return {"count": source.queue_count(query, cap), "cap": cap}


@router.get("/tickets/urgent")
def most_urgent(who: Caller, source: Source) -> dict[str, Any]:
    """The open ticket with the nearest deadline (``id`` null when none)."""
    return {"id": source.most_urgent()}


@router.get("/tickets/{ticket_id}")
def ticket(
    ticket_id: TicketId, who: Caller, source: Source, clock: Clock, at: At = None
) -> dict[str, Any]:
    """One ticket with its timeline and SLA clocks."""
    return asdict(source.ticket(ticket_id, clock.at(at)))


@router.post("/tickets/{ticket_id}/actions")
def act(
    ticket_id: TicketId,
    body: ActionIn,
    who: Caller,
    source: Source,
    response: Response,
    key: IdemKey = None,
) -> dict[str, Any]:
    """Apply a lifecycle action: dispatch (assignment), note, escalate (吹哨), …
    (role-checked, audited with the token's name, retry-safe with a key)."""
    if body.action not in API_ACTIONS:
        raise ApiError(
            422, "invalid",
            f"unknown action {body.action!r}: use one of {', '.join(sorted(API_ACTIONS))}",
        )  # fmt: skip
    out = source.act(
        ticket_id, body.action, role=who.role, actor=f"token:{who.name}",
        note=body.note, target=body.target, expected_version=body.expected_version,
        idempotency_key=key,
    )  # fmt: skip
    mark_replayed(response, out.replayed)
    return asdict(out)


@router.post("/tickets", status_code=201)
def intake(
    body: TicketIn, who: Caller, source: Source, response: Response, key: IdemKey = None
) -> Any:
    """A new ticket from a report (officers and above; retry-safe with a key)."""
    out = source.open_ticket(
        NewTicket(
            title=body.title, category=body.category, channel=body.channel,
            grid=body.grid, reporter=f"token:{who.name}", description=body.description,
            address=body.address, colour=body.colour, lat=body.lat, lon=body.lon,
        ),
        role=who.role, idempotency_key=key,
    )  # fmt: skip
    return created(asdict(out), out.replayed)
