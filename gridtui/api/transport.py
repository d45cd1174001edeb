"""The remote source's HTTP plumbing: one connection pool to ``gridtui serve``, API
errors as :class:`~gridtui.data.sources.source.SourceError`\\ s, JSON decoded into
records, and writes retried with one idempotency key.

A write carries an ``Idempotency-Key`` (one per user action) and is retried with the
same key after a timeout, a dropped connection or a 502/503/504: the server stores
the key with the write, so the retry gets the first answer back and nothing happens
twice.
"""

from __future__ import annotations

import ssl
import time
import uuid
from functools import cache
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from gridtui.data.sources.records import (
    ActionOutcome,
    Assessment,
    Board,
    BulletinFacts,
    ConfigProblem,
    DailyReports,
    Named,
    NodeRef,
    Overview,
    ReportRow,
    Scorecards,
    SlaRow,
    TicketDetail,
    TicketRow,
    TrendPoint,
)
from gridtui.data.sources.source import (
    ActionRefused,
    NotPermitted,
    SourceError,
    SourceUnavailable,
    StaleData,
)
from gridtui.domain.assessment.config import AssessmentConfig

T = TypeVar("T")

API = "/api/v1"
#: write attempts with one idempotency key before giving up
WRITE_ATTEMPTS = 3

TRANSPORT_ERRORS = (httpx.TransportError,)  # connect errors, timeouts, dropped connections


class Adapters:
    """Type adapters, built once (building one costs milliseconds)."""

    def __init__(self) -> None:
        self.rows = TypeAdapter(list[TicketRow])
        self.overview = TypeAdapter(Overview)
        self.trend = TypeAdapter(list[TrendPoint])
        self.detail = TypeAdapter(TicketDetail)
        self.sla = TypeAdapter(list[SlaRow])
        self.board = TypeAdapter(Board)
        self.scorecards = TypeAdapter(Scorecards)
        self.outcome = TypeAdapter(ActionOutcome)
        self.nodes = TypeAdapter(dict[int, NodeRef])
        self.named_by_id = TypeAdapter(dict[int, Named])
        self.named_by_code = TypeAdapter(dict[str, Named])
        self.reports = TypeAdapter(DailyReports)
        self.report = TypeAdapter(ReportRow)
        self.problems = TypeAdapter(list[ConfigProblem])
        self.assessment = TypeAdapter(Assessment)
        self.rules = TypeAdapter(AssessmentConfig)
        self.facts = TypeAdapter(BulletinFacts)


_ADAPTERS: Adapters | None = None


def adapters() -> Adapters:
    """The type adapters (built on first use)."""
    global _ADAPTERS
    if _ADAPTERS is None:
        _ADAPTERS = Adapters()
    return _ADAPTERS


def decode(adapter: TypeAdapter[T], data: Any, what: str) -> T:
    """``data`` as the record ``adapter`` validates.

    Raises:
        SourceError: the server sent something else (``what`` names it).
    """
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SourceError(
            f"the server sent a {what} this client cannot read ({where}: {first['msg']})"
        ) from exc


def error_of(response: httpx.Response) -> SourceError:
    """The source error for an API error answer."""
    try:
        body = response.json()
        message = str(body["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = response.text[:200] or response.reason_phrase
    status = response.status_code
    if status == 401:
        return SourceError(f"the server refused the token: {message}")
    if status == 403:
        return NotPermitted(message)
    if status == 409:
        return StaleData(message)
    if status == 422:
        return ActionRefused(message)
    if status in (502, 503, 504):
        return SourceUnavailable(f"server unavailable ({status}): {message}")
    return SourceError(f"server answered {status}: {message}")


def why(exc: BaseException | None) -> str:
    """A transport failure in one short line."""
    if exc is None:
        return "no answer"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


@cache
def tls_context() -> ssl.SSLContext:
    """The certificate store for ``https://`` servers, loaded once per process: httpx
    loads it again for every client it makes (about 17 ms of CPU), and the listener makes
    one per reconnect."""
    return httpx.create_ssl_context()


class Transport:
    """Requests to the server at ``base_url`` with the token's ``Authorization``."""

    def __init__(self, base_url: str, token: str, *, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self._http = httpx.Client(
            base_url=self.base_url, headers=self.headers, timeout=timeout, verify=tls_context()
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; an error answer raised as its source error.

        Raises:
            SourceUnavailable: the server cannot be reached.
            SourceError: the server answered with an error.
        """
        try:
            response = self._http.request(method, path, **kwargs)
        except TRANSPORT_ERRORS as exc:
            raise SourceUnavailable(f"server {self.base_url} unreachable: {why(exc)}") from exc
        if response.status_code >= 400:
            raise error_of(response)
        return response

    def get(self, path: str, params: Any = None, *, timeout: float | None = None) -> Any:
        """The JSON of a ``GET`` (``timeout``: longer than the client's, for a read that
        may compute for a while)."""
        extra = {} if timeout is None else {"timeout": timeout}
        response = self.request("GET", path, params=params, **extra)
        try:
            return response.json()
        except ValueError as exc:
            raise SourceError(f"the server sent something that is not JSON for {path}") from exc

    def write(self, path: str, body: dict[str, Any], key: str | None = None) -> Any:
        """POST with one idempotency key (``key``, else a fresh one), retried after
        timeouts and dropped links; the answer's JSON.

        Raises:
            SourceUnavailable: no answer after :data:`WRITE_ATTEMPTS` tries.
            SourceError: the server refused the write.
        """
        key = key or uuid.uuid4().hex
        last: Exception | None = None
        for attempt in range(WRITE_ATTEMPTS):
            if attempt:
                time.sleep(0.2 * 2**attempt)
            try:
                response = self._http.post(path, json=body, headers={"Idempotency-Key": key})
            except TRANSPORT_ERRORS as exc:
                last = exc
                continue
            if response.status_code in (502, 503, 504):
                last = error_of(response)
                continue
            if response.status_code >= 400:
                raise error_of(response)
            return response.json()
        raise SourceUnavailable(
            f"server {self.base_url} did not answer after {WRITE_ATTEMPTS} tries "
            f"({why(last)}); repeating the action is safe, it will not be applied twice"
        )

    def close(self) -> None:
        """Close the connections."""
        self._http.close()
