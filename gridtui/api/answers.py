"""How the API answers besides its records: errors as JSON ``{"error": {"code",
"message"}}`` with a stable ``code`` (and the handlers that turn exceptions into
them), and the answers of idempotent writes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic_core import to_jsonable_python
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridtui.api import busy
from gridtui.api.limits import invalid_message
from gridtui.data.sources.source import (
    ActionRefused,
    NotPermitted,
    SourceError,
    SourceUnavailable,
    StaleData,
)


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """The JSON error answer (401s say ``WWW-Authenticate: Bearer``)."""
    return JSONResponse(
        {"error": {"code": code, "message": message, **extra}},
        status_code=status,
        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
    )


def mark_replayed(response: Response, replayed: bool) -> None:
    """Say ``Idempotent-Replayed: true`` on the answer of a replayed write."""
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"


def created(body: dict[str, Any], replayed: bool) -> Any:
    """The answer of a write that creates something (201): a replayed one is 200 with
    ``Idempotent-Replayed: true`` and the first answer's body."""
    if replayed:
        return JSONResponse(
            to_jsonable_python(body), status_code=200, headers={"Idempotent-Replayed": "true"}
        )
    return body


def source_error_response(exc: SourceError) -> JSONResponse:
    """The answer for a data source's error: 403, 409, 422, 503, 404 or 500."""
    if isinstance(exc, NotPermitted):
        return error_response(403, "forbidden", str(exc))
    if isinstance(exc, StaleData):
        return error_response(409, "stale", str(exc))
    if isinstance(exc, ActionRefused):
        return error_response(422, "refused", str(exc))
    if isinstance(exc, SourceUnavailable):
        return busy.unavailable(exc)  # 503 with Retry-After
    if str(exc).startswith("no ticket"):
        return error_response(404, "not_found", str(exc))
    return error_response(500, "source_error", str(exc))


def install_error_handlers(app: FastAPI) -> None:
    """Every error of ``app`` as a JSON error answer; validation errors list the fields."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in exc.errors()
        ]
        return error_response(422, "invalid", invalid_message(exc.errors()), fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(SourceError)
    async def _source(_request: Request, exc: SourceError) -> JSONResponse:
        return source_error_response(exc)
