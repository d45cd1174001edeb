"""The local HTTP API: the DataSource over REST, behind bearer tokens.

Every ``/api/v1`` route needs ``Authorization: Bearer <token>`` (401 without a valid
one); writes are checked against the token's role by the data source (403) and
audited with ``token:<name>``. Errors are JSON ``{"error": {"code", "message"}}``
with a stable ``code``; validation errors list the fields.

This is the first part of issue 4 (REST and tokens); the change stream, remote mode
and Open311 come next.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridtui.api.stream import change_events
from gridtui.data.local import LocalSource
from gridtui.data.records import Anchor, Cursor, QueueQuery
from gridtui.data.service import NewTicket, ServiceError
from gridtui.data.source import (
    ActionRefused,
    NotPermitted,
    SourceError,
    SourceUnavailable,
    StaleData,
)
from gridtui.data.tokens import TokenInfo, verify_token
from gridtui.domain.roles import OPEN_TICKET, PermissionDenied, check

API = "/api/v1"


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, **extra}},
        status_code=status,
        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
    )


def encode_cursor(cursor: Cursor | None) -> str | None:
    """An opaque, URL-safe form of a queue cursor."""
    if cursor is None:
        return None
    values = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in cursor.key]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    """The cursor from :func:`encode_cursor`.

    Raises:
        ApiError: not a cursor this server made.
    """
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        values = tuple(datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in raw)
        if not values or not isinstance(values[0], int):
            raise ValueError(text)
    except (ValueError, TypeError, KeyError) as exc:
        raise ApiError(400, "bad_cursor", f"cursor {text!r} is not one this server gave") from exc
    return Cursor(values)


class ActionIn(BaseModel):
    """A lifecycle action on a ticket."""

    action: str = Field(description="dispatch, accept, arrive, resolve, … (see the lifecycle)")
    note: str = ""
    target: str | None = None
    expected_version: int | None = Field(default=None, ge=1)


class TicketIn(BaseModel):
    """A new ticket (intake)."""

    title: str = Field(min_length=1, max_length=200)
    category: str
    channel: str
    grid: str = Field(description="the grid's node code")
    description: str = ""
    address: str = ""
    colour: str | None = None


def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> TokenInfo:
    """The token holder of a request.

    Raises:
        ApiError: 401 without a valid, unrevoked bearer token.
    """
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    source: LocalSource = request.app.state.source
    info = verify_token(source.factory, authorization[7:].strip())
    if info is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token")
    return info


Caller = Annotated[TokenInfo, Depends(caller)]


def create_app(
    source: LocalSource,
    *,
    clock: Callable[[], datetime] | None = None,
    heartbeat: float = 15.0,
) -> FastAPI:
    """The API over ``source``."""
    now = clock or (lambda: datetime.now(UTC))
    app = FastAPI(title="gridtui", version="1", description="网格化服务管理 command-centre API")
    app.state.source = source

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in exc.errors()
        ]
        names = ", ".join(f["field"] for f in fields)
        return _error(422, "invalid", f"invalid request: {names}", fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(SourceError)
    async def _source(_request: Request, exc: SourceError) -> JSONResponse:
        if isinstance(exc, NotPermitted):
            return _error(403, "forbidden", str(exc))
        if isinstance(exc, StaleData):
            return _error(409, "stale", str(exc))
        if isinstance(exc, ActionRefused):
            return _error(422, "refused", str(exc))
        if isinstance(exc, SourceUnavailable):
            return _error(503, "unavailable", str(exc))
        if str(exc).startswith("no ticket"):
            return _error(404, "not_found", str(exc))
        return _error(500, "source_error", str(exc))

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Liveness and the newest change number."""
        return {"ok": True, "seq": source.last_seq()}

    @app.get(f"{API}/stats")
    def stats(who: Caller) -> dict[str, Any]:
        """The overview figures as of now."""
        return asdict(source.overview(now()))

    @app.get(f"{API}/trend")
    def trend(who: Caller, span: Literal["24h", "7d", "30d"] = "24h") -> dict[str, Any]:
        """Intake and closures per hour or day."""
        return {"span": span, "points": [asdict(p) for p in source.trend(span, now())]}

    @app.get(f"{API}/board")
    def board(who: Caller, node: int | None = None) -> dict[str, Any]:
        """The five-colour board of a hierarchy node (default: the city) and its children."""
        try:
            return asdict(source.board(node))
        except KeyError:
            raise ApiError(404, "not_found", f"no hierarchy node {node}") from None

    @app.get(f"{API}/hierarchy")
    def hierarchy(who: Caller) -> dict[str, Any]:
        """Every node of the hierarchy (id, parent, level, code, names)."""
        ref = source.reference()
        return {"root": ref.root_id, "nodes": [asdict(n) for n in ref.nodes.values()]}

    @app.get(f"{API}/sla")
    def sla(who: Caller, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
        """Running SLA clocks of the most urgent open tickets, breached first."""
        return {"clocks": [asdict(r) for r in source.sla_board(now(), limit)]}

    @app.get(f"{API}/scorecards")
    def scorecards(
        who: Caller,
        period: Literal["week", "month", "year"] = "week",
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> dict[str, Any]:
        """Worker and department leaderboards of the current period."""
        return asdict(source.scorecards(period, now(), limit))

    @app.get(f"{API}/reports/missing")
    def missing_reports(who: Caller) -> dict[str, Any]:
        """Active workers without today's daily report."""
        o = source.overview(now())
        return {
            "day": o.report_day.isoformat(),
            "missing": o.missing_count,
            "workers": [asdict(w) for w in o.missing_reports],
        }

    @app.get(f"{API}/changes", response_model=None)
    async def changes(
        request: Request,
        who: Caller,
        since: Annotated[int, Query(ge=0)] = 0,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse | dict[str, Any]:
        """The change stream (SSE, ``Accept: text/event-stream``), resuming after
        ``Last-Event-ID`` or ``since``; otherwise one JSON batch of what changed."""
        start = since
        if last_event_id:
            if not last_event_id.strip().isdigit():
                raise ApiError(400, "bad_request", "Last-Event-ID must be a change number")
            start = int(last_event_id)
        if "text/event-stream" in request.headers.get("accept", ""):
            return StreamingResponse(
                change_events(
                    source, start, heartbeat=heartbeat, is_disconnected=request.is_disconnected
                ),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        batch = await asyncio.to_thread(source.changes, start)
        return {
            "seq": batch.seq,
            "tickets": sorted(batch.ticket_ids),
            "kinds": sorted(batch.kinds),
            "count": batch.count,
        }

    @app.get(f"{API}/tickets")
    def tickets(
        who: Caller,
        sort: Literal["deadline", "colour", "age"] = "deadline",
        status: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI reads the default)
        colour: Annotated[list[str], Query()] = [],  # noqa: B006
        channel: Annotated[list[str], Query()] = [],  # noqa: B006
        category: Annotated[list[str], Query()] = [],  # noqa: B006
        department: int | None = None,
        node: int | None = None,
        q: str = "",
        after: str | None = None,
        before: str | None = None,
        last: bool = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        """A page of tickets by key: pass ``after`` (``next``) or ``before`` (``prev``)."""
        query = QueueQuery(
            sort=sort, statuses=frozenset(status), colours=frozenset(colour),
            channels=frozenset(channel), categories=frozenset(category),
            department_id=department, node_id=node, text=q,
        )  # fmt: skip
        if after and before:
            raise ApiError(400, "bad_request", "give either after or before, not both")
        if after:
            anchor, cursor = Anchor.AFTER, decode_cursor(after)
        elif before:
            anchor, cursor = Anchor.BEFORE, decode_cursor(before)
        else:
            anchor, cursor = (Anchor.LAST if last else Anchor.FIRST), None
        page = source.queue(query, anchor, cursor, limit)
        return {
            "tickets": [asdict(r) for r in page.rows],
            "next": encode_cursor(page.last) if page.has_after else None,
            "prev": encode_cursor(page.first) if page.has_before else None,
        }

    @app.get(f"{API}/tickets/{{ticket_id}}")
    def ticket(ticket_id: int, who: Caller) -> dict[str, Any]:
        """One ticket with its timeline and SLA clocks."""
        return asdict(source.ticket(ticket_id, now()))

    @app.post(f"{API}/tickets/{{ticket_id}}/actions")
    def act(ticket_id: int, body: ActionIn, who: Caller) -> dict[str, Any]:
        """Apply a lifecycle action (role-checked, audited with the token's name)."""
        out = source.act(
            ticket_id, body.action, role=who.role, actor=f"token:{who.name}",
            note=body.note, target=body.target, expected_version=body.expected_version,
        )  # fmt: skip
        return asdict(out)

    @app.post(f"{API}/tickets", status_code=201)
    def intake(body: TicketIn, who: Caller) -> dict[str, Any]:
        """A new ticket from a report."""
        try:
            check(who.role, OPEN_TICKET)
        except PermissionDenied as exc:
            raise ApiError(403, "forbidden", str(exc)) from exc
        try:
            result = source.service.open(
                NewTicket(
                    title=body.title,
                    category=body.category,
                    channel=body.channel,
                    grid=body.grid,
                    reporter=f"token:{who.name}",
                    description=body.description,
                    address=body.address,
                    colour=body.colour,
                )
            )
        except (ServiceError, ValueError) as exc:
            raise ApiError(422, "refused", str(exc)) from exc
        return asdict(result)

    return app
