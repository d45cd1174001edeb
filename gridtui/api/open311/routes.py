"""The GeoReport v2 sub-applications, production's and the sandbox's: their routes and
their own error format."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridtui.api.busy import retry_after
from gridtui.api.hosted import HostedSource
from gridtui.api.open311.documents import GeoReport
from gridtui.api.open311.errors import GeoReportError, echo
from gridtui.api.open311.query import MAX_ID, parse_request_query, read_form
from gridtui.api.open311.query import service_code as checked_service_code
from gridtui.api.open311.sandbox import SandboxReport
from gridtui.api.open311.xml import checked_format, error_response, format_of_path, render
from gridtui.data.sources.source import SourceUnavailable
from gridtui.data.sources.tokens import TokenCache

#: where production and the test endpoint (the sandbox) are mounted
PRODUCTION_PATH = "/open311/v2"
SANDBOX_PATH = "/open311/sandbox/v2"

router = APIRouter()


async def _geo(request: Request) -> GeoReport:
    geo: GeoReport = request.app.state.geo
    return geo


Geo = Annotated[GeoReport, Depends(_geo)]


@router.get("/discovery.{fmt}")
def discovery(fmt: str, geo: Geo, request: Request) -> Response:
    """Where the endpoint is and what it speaks."""
    return render(checked_format(fmt), geo.discovery(*request.app.state.endpoints), "discovery")


@router.get("/services.{fmt}")
def services(fmt: str, geo: Geo) -> Response:
    """The service list: one per category."""
    fmt = checked_format(fmt)
    return render(fmt, geo.services(), "services", "service")


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str, geo: Geo) -> Response:
    """A service's definition."""
    fmt = checked_format(fmt)
    return render(fmt, geo.definition(checked_service_code(service_code)), "service_definition")


# One route for both methods, so that any other method gets 405 with Allow: GET, POST.
@router.api_route("/requests.{fmt}", methods=["GET", "POST"])
async def requests(request: Request, fmt: str, geo: Geo) -> Response:
    """GET: service requests by ids, or by service, dates and status.
    POST: a new service request (form-encoded; ``api_key`` required)."""
    fmt = checked_format(fmt)
    if request.method == "POST":
        fields = await read_form(request)
        key = request.headers.get("idempotency-key")
        found, replayed = await asyncio.to_thread(geo.create, fields, key)
        if replayed:
            return render(fmt, found, "service_requests", "request",
                          headers={"Idempotent-Replayed": "true"})  # fmt: skip
    else:
        query = parse_request_query(request.query_params, geo.now(), geo.tz)
        found = await asyncio.to_thread(geo.requests, query)
    return render(fmt, found, "service_requests", "request")


@router.get("/requests/{service_request_id}.{fmt}")
def one_request(
    service_request_id: Annotated[int, Path(ge=1, le=MAX_ID)], fmt: str, geo: Geo
) -> Response:
    """One service request."""
    fmt = checked_format(fmt)
    return render(fmt, geo.request(service_request_id), "service_requests", "request")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GeoReportError)
    async def _georeport(request: Request, exc: GeoReportError) -> Response:
        return error_response(format_of_path(request.url.path), exc.status, exc.description)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        return error_response(format_of_path(request.url.path), 400, problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        fmt = format_of_path(request.url.path)
        detail = str(exc.detail)
        if exc.status_code == 404:
            path = request.url.path.removesuffix(f".{fmt}")
            detail = f"no resource at {echo(path)}: see discovery.json"
        return error_response(fmt, exc.status_code, detail, exc.headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(SourceUnavailable)
    async def _unavailable(request: Request, exc: Exception) -> Response:
        fmt = format_of_path(request.url.path)
        wait = retry_after(exc)
        return error_response(
            fmt, 503, f"the centre's database is busy or unavailable; try again in {wait} s",
            {"Retry-After": str(wait)},
        )  # fmt: skip


def create_open311_app(
    source: HostedSource,
    now: Callable[[], datetime],
    tokens: TokenCache | None = None,
    *,
    public_url: str,
    sandbox: bool = False,
) -> FastAPI:
    """The GeoReport v2 sub-application (its own error format): production's, or with
    ``sandbox`` the test endpoint's (:mod:`.sandbox`). Discovery names both endpoints
    under ``public_url`` (configured, never the request's Host header)."""
    app = FastAPI(title="gridtui Open311 GeoReport v2", openapi_url=None, docs_url=None)
    kind = SandboxReport if sandbox else GeoReport
    app.state.geo = kind(source, now, tokens or TokenCache(source.side_factory))
    base = public_url.rstrip("/")
    app.state.endpoints = (base + PRODUCTION_PATH, base + SANDBOX_PATH)
    _install_error_handlers(app)
    app.include_router(router)
    return app


def mount_open311(
    app: FastAPI,
    source: HostedSource,
    now: Callable[[], datetime],
    tokens: TokenCache,
    *,
    public_url: str,
) -> None:
    """Mount production at :data:`PRODUCTION_PATH` and the sandbox at
    :data:`SANDBOX_PATH` on ``app``."""
    for path, sandbox in ((PRODUCTION_PATH, False), (SANDBOX_PATH, True)):
        sub = create_open311_app(source, now, tokens, public_url=public_url, sandbox=sandbox)
        app.mount(path, sub)
