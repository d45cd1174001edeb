"""The local HTTP API: the DataSource over REST, behind bearer tokens.

Every ``/api/v1`` route needs ``Authorization: Bearer <token>`` (401 without a valid
one); writes are checked against the token's role by the data source (403) and
audited with ``token:<name>``. Errors are JSON ``{"error": {"code", "message"}}``
with a stable ``code``; validation errors list the fields.

Every text field has its limit and a body over 64 KiB is 413 (one table for this API
and Open311: :mod:`gridtui.api.limits`, :mod:`gridtui.api.guards`); cursors are
strictly parsed (:mod:`gridtui.api.cursors`).

Writes (``POST``) take an ``Idempotency-Key`` header: the key is stored with the
write in one transaction, and a request repeating a key gets the first answer back
(header ``Idempotent-Replayed: true``) instead of a second write, so a client may
retry after a timeout without creating a duplicate.

Reads that depend on "now" take an optional ``at`` (ISO 8601 with zone); without it
the server's clock decides. The change stream is :mod:`gridtui.api.stream`; Open311
GeoReport v2 is mounted at ``/open311/v2`` (:mod:`gridtui.api.open311`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridtui.api import busy, logs
from gridtui.api.cursors import BadCursor, decode_cursor, encode_cursor
from gridtui.api.guards import BodyLimit
from gridtui.api.limits import (
    Address,
    Code,
    CursorText,
    Description,
    KeyText,
    Note,
    Reason,
    Search,
    Title,
    invalid_message,
)
from gridtui.api.open311 import create_open311_app
from gridtui.api.stream import ChangeHub
from gridtui.config import DEFAULT_PUBLIC_URL, Settings
from gridtui.data.local import LocalSource
from gridtui.data.records import MAX_SPEED, Anchor, ClockSpec, QueueQuery
from gridtui.data.service import NewTicket
from gridtui.data.source import (
    AT_RISK,
    AT_RISK_MAX,
    ActionRefused,
    NotPermitted,
    SourceError,
    SourceUnavailable,
    StaleData,
)
from gridtui.data.tokens import TokenCache, TokenInfo
from gridtui.domain.roles import OFFICER_ACTIONS, SUPERVISOR_ACTIONS

API = "/api/v1"
#: the lifecycle actions a caller may ask for (whether its role may is checked after)
API_ACTIONS = frozenset(str(a) for a in OFFICER_ACTIONS | SUPERVISOR_ACTIONS)
#: ids and change numbers are 64-bit in the database: larger numbers are refused (422)
MAX_ID = 2**63 - 1
#: how far from the server's clock an ``at`` may be (a year back, for last year's scores)
MAX_SHIFT = timedelta(days=400)
#: seconds a thread may hold the GIL while another waits (Python's default: 0.005)
SWITCH_INTERVAL = 0.0005
#: real seconds between two rounds of the SLA sweeper in `gridtui serve`
SWEEP_SECONDS = 10.0
#: simulated seconds between rounds under a simulator's faster clock
SIM_SWEEP_SECONDS = 300.0

log = logging.getLogger("uvicorn.error")  # printed with the server's own messages


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


class ActionIn(BaseModel):
    """A lifecycle action on a ticket."""

    action: Code = Field(description="dispatch, accept, arrive, resolve, … (see the lifecycle)")
    note: Note = ""
    target: Code | None = None
    expected_version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class AdjustmentIn(BaseModel):
    """A supervisor's spot-check adjustment of a worker's or department's points."""

    subject_kind: Literal["worker", "department"]
    subject_id: int = Field(ge=1, le=MAX_ID)
    points: float = Field(ge=-1000, le=1000)
    reason: Reason
    ticket_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class ReportIn(BaseModel):
    """A worker's daily report (日报告); ``events`` 0 is the zero report (零报告)."""

    worker: Code = Field(description="the worker's code", min_length=1)
    events: int = Field(default=0, ge=0, le=10_000)
    note: Note = ""


class ClockIn(BaseModel):
    """A simulated clock to publish (``gridtui simulate --api``; admin tokens)."""

    speed: float = Field(gt=0, le=MAX_SPEED, description="simulated seconds per real second")
    start: datetime | None = Field(
        default=None,
        description="simulated time to start from, when later than the current one "
        "(time never goes backwards)",
    )


class ClockOut(BaseModel):
    """The server's clock: its "now" and the simulated clock it follows (null: real time)."""

    now: datetime
    spec: dict[str, Any] | None = Field(
        description="origin_real, origin_sim (ISO 8601) and speed: "
        "now = origin_sim + (real − origin_real) × speed"
    )


class TicketIn(BaseModel):
    """A new ticket (intake)."""

    title: Title
    category: Code
    channel: Code
    grid: Code = Field(description="the grid's node code")
    description: Description = ""
    address: Address = ""
    colour: Code | None = None


def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> TokenInfo:
    """The token holder of a request.

    Raises:
        ApiError: 401 without a valid, unrevoked bearer token.
    """
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <token>")
    tokens: TokenCache = request.app.state.tokens
    info = tokens.verify(authorization[7:].strip())
    if info is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token")
    return info


Caller = Annotated[TokenInfo, Depends(caller)]
NodeId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
TicketId = Annotated[int, Path(ge=1, le=MAX_ID)]
At = Annotated[datetime | None, Query(description="now for this answer (default: server clock)")]
IdemKey = Annotated[
    KeyText | None, Header(alias="Idempotency-Key", description="retry-safe writes")
]


def _replayed(response: Response, replayed: bool) -> None:
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"


def _created(body: dict[str, Any], replayed: bool) -> Any:
    """The answer of a write that creates something (201): a replayed one is 200 with
    ``Idempotent-Replayed: true`` and the first answer's body."""
    if replayed:
        return JSONResponse(
            to_jsonable_python(body), status_code=200, headers={"Idempotent-Replayed": "true"}
        )
    return body


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


def create_app(
    source: LocalSource,
    *,
    clock: Callable[[], datetime] | None = None,
    heartbeat: float = 15.0,
    sweep_seconds: float = 0.0,
    public_url: str | None = None,
) -> FastAPI:
    """The API over ``source``; with ``sweep_seconds``, the SLA sweeper runs in the
    server every that many seconds (``gridtui serve`` does; tests call it by hand).
    ``public_url`` is the base URL Open311 discovery names (default: the settings'
    ``GRIDTUI_PUBLIC_URL``, else :data:`DEFAULT_PUBLIC_URL`), never a request's Host."""
    logs.install()  # tokens in query strings (Open311's api_key) never reach the log
    # without an injected clock, the source's: real time, or the simulated clock a
    # simulator published in the database
    clock_now = clock or source.now

    def now(at: datetime | None = None) -> datetime:
        if at is None:
            return clock_now()
        if at.tzinfo is None or at.utcoffset() is None:
            raise ApiError(400, "bad_request", "at needs a time zone (e.g. 2026-11-24T10:00Z)")
        server_now = clock_now()
        if not 1970 <= at.year <= 9000 or abs(at - server_now) > MAX_SHIFT:
            # far-off instants make SLA calendars walk years of days: refuse them
            raise ApiError(
                400, "bad_request",
                f"at must be within {MAX_SHIFT.days} days of the server's clock "
                f"({server_now:%Y-%m-%dT%H:%MZ})",
            )  # fmt: skip
        return at.astimezone(UTC)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The catalogue (ten thousand grids and workers at city scale) lives as long as
        # the server: read it now, then take everything alive at start-up out of the
        # cyclic collector's full passes, which otherwise stall every request for tens
        # of milliseconds at a time under load.
        await asyncio.to_thread(source.reference)
        gc.freeze()
        # A write thread gives up the GIL at each database call and must then wait for
        # the event loop (streaming to every listener) to hand it back: by default up to
        # 5 ms each time, a dozen times per ticket. Hand it over sooner.
        sys.setswitchinterval(SWITCH_INTERVAL)
        sweeper = asyncio.create_task(sweep_forever()) if sweep_seconds > 0 else None
        yield
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper

    async def sweep_forever() -> None:
        """The SLA sweeper: breached clocks get their penalty and escalation within
        ``sweep_seconds`` (sooner in simulated time: about every 5 simulated minutes
        under a fast simulator clock, at most twice a second)."""
        while True:
            try:
                result = await asyncio.to_thread(source.sweep)
                if result.breaches:
                    log.info("SLA sweep: %d breached clocks handled, %d tickets escalated",
                             result.breaches, result.escalated)  # fmt: skip
                if result.missing_reports:
                    log.info("SLA sweep: %d missing daily reports penalised",
                             result.missing_reports)  # fmt: skip
                spec = await asyncio.to_thread(source.clock_spec)
            except Exception as exc:  # the database away, a rules problem: next round
                log.warning("SLA sweep failed: %s", " ".join(str(exc).split())[:300])
                spec = None
            speed = spec.speed if spec is not None else 1.0
            await asyncio.sleep(max(0.5, min(sweep_seconds, SIM_SWEEP_SECONDS / speed)))

    app = FastAPI(
        title="gridtui", version="1", description="网格化服务管理 command-centre API",
        lifespan=lifespan,
    )  # fmt: skip
    app.add_middleware(BodyLimit)  # 413 for a body over limits.MAX_BODY, Open311's too
    app.state.source = source
    app.state.tokens = tokens = TokenCache(source.side_factory)
    hub = ChangeHub(source)
    app.state.hub = hub
    source.write_listeners.append(hub.kick)
    # other processes' writes (a simulator, `gridtui watch`, another server) wake the
    # stream too: the database file's changes on SQLite, LISTEN/NOTIFY on PostgreSQL
    source.on_change(hub.kick)

    busy.install(app)
    # bounded writes in progress: a surge gets 503 with Retry-After, not a queue
    app.add_middleware(busy.WriteGate)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in exc.errors()
        ]
        return _error(422, "invalid", invalid_message(exc.errors()), fields=fields)

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
            return busy.unavailable(exc)  # 503 with Retry-After
        if str(exc).startswith("no ticket"):
            return _error(404, "not_found", str(exc))
        return _error(500, "source_error", str(exc))

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        """Liveness and the newest change number."""
        return {"ok": True, "seq": source.last_seq()}

    @app.get(f"{API}/stats")
    def stats(
        who: Caller,
        at: At = None,
        at_risk: Annotated[int, Query(ge=0, le=AT_RISK_MAX)] = AT_RISK,
    ) -> dict[str, Any]:
        """The overview figures as of now (or ``at``), with the ``at_risk`` tickets nearest
        their deadlines."""
        return asdict(source.overview(now(at), at_risk))

    def clock_out(spec: ClockSpec | None) -> ClockOut:
        return ClockOut(now=clock_now(), spec=spec.to_json() if spec else None)

    @app.get(f"{API}/clock")
    def get_clock(who: Caller) -> ClockOut:
        """The server's now and the simulated clock it follows (``spec`` null: real time).
        A change of kind ``clock`` on the stream says a new one was published."""
        return clock_out(source.clock_spec())

    @app.post(f"{API}/clock", status_code=201)
    def publish_clock(body: ClockIn, who: Caller) -> ClockOut:
        """Publish a simulated clock (admin tokens: it moves every SLA clock)."""
        if who.role != "admin":
            raise ApiError(403, "forbidden", f"role {who.role} may not set the clock; "
                           "it needs admin")  # fmt: skip
        start, server_now = body.start, clock_now()
        if start is not None and start.utcoffset() is None:
            raise ApiError(400, "bad_request", "start needs a time zone (e.g. 2026-11-24T10:00Z)")
        if start is not None and abs(start - server_now) > MAX_SHIFT:
            raise ApiError(
                400, "bad_request",
                f"start must be within {MAX_SHIFT.days} days of the server's clock "
                f"({server_now:%Y-%m-%dT%H:%MZ})",
            )  # fmt: skip
        return clock_out(source.publish_clock(body.speed, start=start))

    @app.get(f"{API}/config/problems")
    def config_problems(who: Caller) -> dict[str, Any]:
        """Rules files (``sla.toml``, ``scoring.toml``) whose edit was refused: file,
        line, message and when; empty while the rules in force are the files' text. A
        change of kind ``config`` on the stream says this may have changed."""
        return {"problems": [asdict(p) for p in source.config_problems()]}

    @app.get(f"{API}/me")
    def me(who: Caller) -> dict[str, Any]:
        """The token's name and role (what this caller may do)."""
        return {"name": who.name, "role": who.role}

    @app.get(f"{API}/reference")
    def reference(who: Caller) -> dict[str, Any]:
        """The catalogue screens resolve ids against: hierarchy nodes, departments,
        categories, workers; and the centre's time zone."""
        ref = source.reference()
        return {"timezone": source.timezone, **asdict(ref)}

    @app.get(f"{API}/trend")
    def trend(
        who: Caller, span: Literal["24h", "7d", "30d"] = "24h", at: At = None
    ) -> dict[str, Any]:
        """Intake and closures per hour or day."""
        return {"span": span, "points": [asdict(p) for p in source.trend(span, now(at))]}

    @app.get(f"{API}/board")
    def board(who: Caller, node: NodeId = None) -> dict[str, Any]:
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
    def sla(
        who: Caller, limit: Annotated[int, Query(ge=1, le=1000)] = 200, at: At = None
    ) -> dict[str, Any]:
        """Running SLA clocks of the most urgent open tickets, breached first."""
        return {"clocks": [asdict(r) for r in source.sla_board(now(at), limit)]}

    @app.get(f"{API}/scorecards")
    def scorecards(
        who: Caller,
        period: Literal["week", "month", "year"] = "week",
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        at: At = None,
    ) -> dict[str, Any]:
        """Worker and department leaderboards of the current period."""
        return asdict(source.scorecards(period, now(at), limit))

    @app.post(f"{API}/adjustments", status_code=201)
    def adjust(body: AdjustmentIn, who: Caller, key: IdemKey = None) -> Any:
        """A spot-check point adjustment (supervisors; audited with the token's name;
        retry-safe with a key). A ``ticket_id`` must name a ticket (422 otherwise)."""
        replayed = source.adjust(
            body.subject_kind, body.subject_id, body.points, body.reason,
            role=who.role, actor=f"token:{who.name}", ticket_id=body.ticket_id,
            idempotency_key=key,
        )  # fmt: skip
        return _created({"ok": True, "replayed": replayed}, replayed)

    @app.get(f"{API}/reports")
    def reports(who: Caller, day: date | None = None, at: At = None) -> dict[str, Any]:
        """The daily reports of ``day`` (default: today's report day) and who is missing."""
        return asdict(source.daily_reports(now(at), day))

    @app.post(f"{API}/reports", status_code=201)
    def file_report(body: ReportIn, who: Caller, key: IdemKey = None) -> Any:
        """File a worker's daily report for today (零报告 with ``events`` 0; retry-safe
        with a key: a retry gets the filed report back, not "already reported")."""
        row = source.file_report(
            body.worker, body.events, body.note, role=who.role, at=now(),
            actor=f"token:{who.name}", idempotency_key=key,
        )  # fmt: skip
        return _created(asdict(row), row.replayed)

    @app.get(f"{API}/reports/missing")
    def missing_reports(who: Caller, at: At = None) -> dict[str, Any]:
        """Active workers without today's daily report once it is due (``due_at``);
        before then, and on a day that owes none (``due_at`` null), nobody."""
        r = source.daily_reports(now(at))
        return {
            "day": r.day.isoformat(),
            "due_at": r.due_at.isoformat() if r.due_at else None,
            "past_due": r.past_due,
            "filed": len(r.filed),
            "missing": len(r.missing),
            "workers": [asdict(w) for w in r.missing],
        }

    @app.get(f"{API}/changes", response_model=None)
    async def changes(
        request: Request,
        who: Caller,
        since: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse | dict[str, Any]:
        """The change stream (SSE, ``Accept: text/event-stream``), resuming after
        ``Last-Event-ID`` or ``since``; otherwise one JSON batch of what changed."""
        start = since
        if last_event_id:
            if not last_event_id.strip().isdigit() or int(last_event_id) > MAX_ID:
                raise ApiError(400, "bad_request", "Last-Event-ID must be a change number")
            start = int(last_event_id)
        if "text/event-stream" in request.headers.get("accept", ""):
            return StreamingResponse(
                hub.events(start, heartbeat=heartbeat, is_disconnected=request.is_disconnected),
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
        if after and before:
            raise ApiError(400, "bad_request", "give either after or before, not both")
        if after or before:
            anchor = Anchor.AFTER if after else Anchor.BEFORE
            text = after or before or ""
            try:
                cursor = decode_cursor(text, query)
            except BadCursor as exc:
                raise ApiError(
                    400, "bad_cursor", f"cursor {text[:40]!r} is not one this server gave: {exc}"
                ) from None
        else:
            anchor, cursor = (Anchor.LAST if last else Anchor.FIRST), None
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

    @app.get(f"{API}/tickets/count")
    def ticket_count(
        who: Caller, query: Filters, cap: Annotated[int, Query(ge=1, le=1_000_000)] = 10_000
    ) -> dict[str, Any]:
        """How many tickets match the filters, counting at most ``cap``."""
        return {"count": source.queue_count(query, cap), "cap": cap}

    @app.get(f"{API}/tickets/urgent")
    def most_urgent(who: Caller) -> dict[str, Any]:
        """The open ticket with the nearest deadline (``id`` null when none)."""
        return {"id": source.most_urgent()}

    @app.get(f"{API}/tickets/{{ticket_id}}")
    def ticket(ticket_id: TicketId, who: Caller, at: At = None) -> dict[str, Any]:
        """One ticket with its timeline and SLA clocks."""
        return asdict(source.ticket(ticket_id, now(at)))

    @app.post(f"{API}/tickets/{{ticket_id}}/actions")
    def act(
        ticket_id: TicketId, body: ActionIn, who: Caller, response: Response, key: IdemKey = None
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
        _replayed(response, out.replayed)
        return asdict(out)

    @app.post(f"{API}/tickets", status_code=201)
    def intake(body: TicketIn, who: Caller, response: Response, key: IdemKey = None) -> Any:
        """A new ticket from a report (officers and above; retry-safe with a key)."""
        out = source.open_ticket(
            NewTicket(
                title=body.title, category=body.category, channel=body.channel,
                grid=body.grid, reporter=f"token:{who.name}", description=body.description,
                address=body.address, colour=body.colour,
            ),
            role=who.role, idempotency_key=key,
        )  # fmt: skip
        return _created(asdict(out), out.replayed)

    # GeoReport v2 has its own error format: a sub-application with its own handlers.
    base = public_url or Settings().public_url or DEFAULT_PUBLIC_URL
    app.mount("/open311/v2", create_open311_app(source, now, tokens, public_url=base))
    return app


def app_from_settings() -> FastAPI:
    """The API over the database of the settings (``GRIDTUI_DB``): what each worker
    process of ``gridtui serve --workers N`` runs."""
    from gridtui.data.db import PoolSettings

    settings = Settings()
    sweep = float(os.environ.get("GRIDTUI_SWEEP_SECONDS", SWEEP_SECONDS))
    source = LocalSource(settings.db, timezone=settings.timezone, pool=PoolSettings.from_env())
    return create_app(source, sweep_seconds=sweep, public_url=settings.public_url or None)
