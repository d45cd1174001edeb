"""Remote mode: the :class:`~gridtui.data.source.DataSource` over the HTTP API.

``gridtui tui --api URL --token T`` runs every screen through :class:`ApiSource`
instead of a database. Reads are plain ``GET``\\ s decoded into the same records
:class:`~gridtui.data.local.LocalSource` returns (pydantic validates the JSON against
the record types, so a wrong payload is a clear :class:`SourceError`, never a
half-built screen).

Changes arrive over the server's SSE stream, read by a background thread
(:class:`ChangeListener`): it remembers the last change number it saw, and when the
link breaks it reconnects with exponential backoff and ``Last-Event-ID``, so every
change made while it was away arrives, in order, once. While it is down,
:meth:`ApiSource.changes` raises :class:`SourceUnavailable`, which the app shows as a
stale banner with the time of the last update; the screens keep their data.

Writes carry an ``Idempotency-Key`` (one per user action) and are retried with the
same key after a timeout or a dropped connection: the server stores the key with the
write, so the retry gets the first answer back and nothing happens twice.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from gridtui.data.changesignal import ChangeSignal, ChangeWaiter
from gridtui.data.records import (
    ActionOutcome,
    Anchor,
    Board,
    ChangeBatch,
    ClockSpec,
    ConfigProblem,
    Cursor,
    DailyReports,
    Named,
    NodeRef,
    Overview,
    Page,
    Period,
    QueueQuery,
    Reference,
    ReportRow,
    Scorecards,
    SlaRow,
    TicketDetail,
    TicketRow,
    TrendPoint,
    TrendSpan,
)
from gridtui.data.source import (
    AT_RISK,
    ActionRefused,
    NotPermitted,
    SourceError,
    SourceUnavailable,
    StaleData,
)

T = TypeVar("T")

API = "/api/v1"
#: reconnect delays of the change stream: doubling from FIRST up to MAX seconds
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 10.0
#: a stream down for less than this (a reconnect) does not make the data stale
GRACE_SECONDS = 2.0
#: write attempts with one idempotency key before giving up
WRITE_ATTEMPTS = 3

_TRANSPORT = (httpx.TransportError,)  # connect errors, timeouts, dropped connections


class _Adapters:
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


_ADAPTERS: _Adapters | None = None


def _adapters() -> _Adapters:
    global _ADAPTERS
    if _ADAPTERS is None:
        _ADAPTERS = _Adapters()
    return _ADAPTERS


def _decode(adapter: TypeAdapter[T], data: Any, what: str) -> T:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SourceError(
            f"the server sent a {what} this client cannot read ({where}: {first['msg']})"
        ) from exc


def _error_of(response: httpx.Response) -> SourceError:
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


def _query_params(query: QueueQuery) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = [("sort", query.sort)]
    for name, values in (
        ("status", query.statuses),
        ("colour", query.colours),
        ("channel", query.channels),
        ("category", query.categories),
        ("level", query.levels),
    ):
        params += [(name, v) for v in sorted(values)]
    for name, value in (
        ("department", query.department_id),
        ("node", query.node_id),
        ("worker", query.worker_id),
    ):
        if value is not None:
            params.append((name, str(value)))
    if query.text:
        params.append(("q", query.text))
    if query.descending:
        params.append(("desc", "true"))
    return params


def _cursor(text: str | None) -> Cursor | None:
    return Cursor(("api", text)) if text else None


def _cursor_text(cursor: Cursor | None) -> str:
    if cursor is None or len(cursor.key) != 2 or cursor.key[0] != "api":
        raise SourceError("this cursor did not come from the API")
    return str(cursor.key[1])


class ApiSource:
    """A :class:`~gridtui.data.source.DataSource` over ``gridtui serve`` at ``base_url``.

    Construction asks the server who the token belongs to and for the catalogue, so a
    wrong URL or token fails at once with a clear :class:`SourceError`.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        backoff_max: float = BACKOFF_MAX,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.description = f"api {self.base_url}"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._http = httpx.Client(base_url=self.base_url, headers=self._headers, timeout=timeout)
        self._backoff_max = backoff_max
        self._listener: ChangeListener | None = None
        #: moved by the change listener at every change and link state change
        self.changed = ChangeSignal()
        self._lock = threading.Lock()
        try:
            me = self._get(f"{API}/me")
            self._ref_data = self._get(f"{API}/reference")
        except BaseException:
            self._http.close()
            raise
        self.name = str(me["name"])
        self.role = str(me["role"])
        self.actor = f"token:{self.name}"
        self._ref: Reference | None = None
        self.timezone = str(self._ref_data.get("timezone") or "Asia/Shanghai")

    # -- plumbing ---------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except _TRANSPORT as exc:
            raise SourceUnavailable(f"server {self.base_url} unreachable: {_why(exc)}") from exc
        if response.status_code >= 400:
            raise _error_of(response)
        return response

    def _get(self, path: str, params: Any = None) -> Any:
        response = self._request("GET", path, params=params)
        try:
            return response.json()
        except ValueError as exc:
            raise SourceError(f"the server sent something that is not JSON for {path}") from exc

    def _write(self, path: str, body: dict[str, Any]) -> Any:
        """POST with one idempotency key, retried after timeouts and dropped links."""
        key = uuid.uuid4().hex
        last: Exception | None = None
        for attempt in range(WRITE_ATTEMPTS):
            if attempt:
                time.sleep(0.2 * 2**attempt)
            try:
                response = self._http.post(path, json=body, headers={"Idempotency-Key": key})
            except _TRANSPORT as exc:
                last = exc
                continue
            if response.status_code in (502, 503, 504):
                last = _error_of(response)
                continue
            if response.status_code >= 400:
                raise _error_of(response)
            return response.json()
        raise SourceUnavailable(
            f"server {self.base_url} did not answer after {WRITE_ATTEMPTS} tries "
            f"({_why(last)}); repeating the action is safe, it will not be applied twice"
        )

    def close(self) -> None:
        """Stop the change listener and close the connections."""
        if self._listener is not None:
            self._listener.stop()
        self.changed.close()
        self._http.close()

    # -- reads ------------------------------------------------------------------------

    def reference(self) -> Reference:
        """See :meth:`DataSource.reference`; read once."""
        with self._lock:
            if self._ref is None:
                a, d = _adapters(), self._ref_data
                self._ref = Reference(
                    nodes=_decode(a.nodes, d.get("nodes"), "catalogue"),
                    departments=_decode(a.named_by_id, d.get("departments"), "catalogue"),
                    categories=_decode(a.named_by_code, d.get("categories"), "catalogue"),
                    workers=_decode(a.named_by_id, d.get("workers"), "catalogue"),
                    root_id=d.get("root_id"),
                )
            return self._ref

    def overview(self, at: datetime, at_risk: int = AT_RISK) -> Overview:
        """See :meth:`DataSource.overview`."""
        data = self._get(f"{API}/stats", {"at": at.isoformat(), "at_risk": at_risk})
        return _decode(_adapters().overview, data, "overview")

    def trend(self, span: TrendSpan, at: datetime) -> list[TrendPoint]:
        """See :meth:`DataSource.trend`."""
        data = self._get(f"{API}/trend", {"span": span, "at": at.isoformat()})
        return _decode(_adapters().trend, data.get("points"), "trend")

    def queue(
        self,
        query: QueueQuery,
        anchor: Anchor,
        cursor: Cursor | None,
        limit: int,
        count_cap: int | None = None,
    ) -> Page:
        """See :meth:`DataSource.queue`.

        The count comes in the page's answer (``count``); a server that does not know
        ``count_cap`` leaves it out, and then it is asked separately."""
        params = [*_query_params(query), ("limit", str(limit))]
        if count_cap is not None:
            params.append(("count_cap", str(count_cap)))
        if anchor is Anchor.AFTER:
            params.append(("after", _cursor_text(cursor)))
        elif anchor is Anchor.BEFORE:
            params.append(("before", _cursor_text(cursor)))
        elif anchor is Anchor.LAST:
            params.append(("last", "true"))
        data = self._get(f"{API}/tickets", params)
        count = data.get("count")
        if count_cap is not None and count is None:
            count = self.queue_count(query, count_cap)
        return Page(
            rows=_decode(_adapters().rows, data.get("tickets"), "ticket page"),
            first=_cursor(data.get("first")),
            last=_cursor(data.get("last")),
            has_before=bool(data.get("has_before")),
            has_after=bool(data.get("has_after")),
            count=int(count) if count is not None else None,
        )

    def queue_count(self, query: QueueQuery, cap: int) -> int:
        """See :meth:`DataSource.queue_count`."""
        data = self._get(f"{API}/tickets/count", [*_query_params(query), ("cap", str(cap))])
        return int(data["count"])

    def most_urgent(self) -> int | None:
        """See :meth:`DataSource.most_urgent`."""
        value = self._get(f"{API}/tickets/urgent").get("id")
        return int(value) if value is not None else None

    def ticket(self, ticket_id: int, at: datetime) -> TicketDetail:
        """See :meth:`DataSource.ticket`."""
        data = self._get(f"{API}/tickets/{ticket_id}", {"at": at.isoformat()})
        return _decode(_adapters().detail, data, "ticket")

    def sla_board(self, at: datetime, limit: int) -> list[SlaRow]:
        """See :meth:`DataSource.sla_board`."""
        data = self._get(f"{API}/sla", {"limit": limit, "at": at.isoformat()})
        return _decode(_adapters().sla, data.get("clocks"), "SLA board")

    def board(self, node_id: int | None) -> Board:
        """See :meth:`DataSource.board`."""
        data = self._get(f"{API}/board", {"node": node_id} if node_id is not None else None)
        return _decode(_adapters().board, data, "board")

    def scorecards(self, period: Period, at: datetime, limit: int) -> Scorecards:
        """See :meth:`DataSource.scorecards`."""
        params = {"period": period, "limit": limit, "at": at.isoformat()}
        return _decode(_adapters().scorecards, self._get(f"{API}/scorecards", params), "scores")

    def daily_reports(self, at: datetime, day: date | None = None) -> DailyReports:
        """The reports of ``day`` (default: today's) and who is missing."""
        params = {"at": at.isoformat(), **({"day": day.isoformat()} if day else {})}
        return _decode(_adapters().reports, self._get(f"{API}/reports", params), "reports")

    # -- writes -----------------------------------------------------------------------

    def act(
        self,
        ticket_id: int,
        action: str,
        *,
        role: str,
        actor: str,
        note: str = "",
        target: str | None = None,
        expected_version: int | None = None,
    ) -> ActionOutcome:
        """See :meth:`DataSource.act`. The token decides the role and the audited actor
        (``token:<name>``); ``role`` and ``actor`` are what the screen believes."""
        body = {
            "action": action, "note": note, "target": target,
            "expected_version": expected_version,
        }  # fmt: skip
        data = self._write(f"{API}/tickets/{ticket_id}/actions", body)
        return _decode(_adapters().outcome, data, "action result")

    def open_ticket(
        self,
        *,
        title: str,
        category: str,
        channel: str,
        grid: str,
        description: str = "",
        address: str = "",
        colour: str | None = None,
    ) -> ActionOutcome:
        """A new ticket (intake), retry-safe."""
        body = {
            "title": title, "category": category, "channel": channel, "grid": grid,
            "description": description, "address": address, "colour": colour,
        }  # fmt: skip
        return _decode(_adapters().outcome, self._write(f"{API}/tickets", body), "intake result")

    def file_report(self, worker_code: str, events: int = 0, note: str = "") -> ReportRow:
        """File a worker's daily report for today."""
        body = {"worker": worker_code, "events": events, "note": note}
        return _decode(_adapters().report, self._write(f"{API}/reports", body), "report")

    def adjust(
        self,
        subject_kind: str,
        subject_id: int,
        points: float,
        reason: str,
        *,
        role: str,
        actor: str,
        ticket_id: int | None = None,
    ) -> None:
        """See :meth:`DataSource.adjust`."""
        body = {
            "subject_kind": subject_kind, "subject_id": subject_id, "points": points,
            "reason": reason, "ticket_id": ticket_id,
        }  # fmt: skip
        self._write(f"{API}/adjustments", body)

    # -- the clock --------------------------------------------------------------------

    def clock_spec(self) -> ClockSpec | None:
        """See :meth:`DataSource.clock_spec`.

        The spec is re-based on this machine's clock (origin: the server's simulated
        "now" at the answer), so a difference between the two machines' clocks does not
        shift the simulated time by that difference times the speed.
        """
        return _rebased(self._get(f"{API}/clock"))

    def publish_clock(self, speed: float, *, start: datetime | None = None) -> ClockSpec:
        """Publish a simulated clock on the server (admin tokens); see
        :meth:`LocalSource.publish_clock <gridtui.data.local.LocalSource.publish_clock>`."""
        body = {"speed": speed, "start": start.isoformat() if start else None}
        spec = _rebased(self._write(f"{API}/clock", body))
        if spec is None:
            raise SourceError("the server answered a clock publication without a clock")
        return spec

    # -- refused rules edits and wake-ups -----------------------------------------------

    def config_problems(self) -> list[ConfigProblem]:
        """See :meth:`DataSource.config_problems`."""
        data = self._get(f"{API}/config/problems")
        return _decode(_adapters().problems, data.get("problems"), "rules problem list")

    def change_waiter(self) -> ChangeWaiter:
        """See :meth:`DataSource.change_waiter`: woken by the change stream (each change,
        each drop and reconnect attempt), never by the network itself."""
        return self.changed.waiter()

    # -- the change feed --------------------------------------------------------------

    def last_seq(self) -> int:
        """See :meth:`DataSource.last_seq`; starts following the stream from there."""
        if self._listener is not None and self._listener.seq is not None:
            return self._listener.seq
        seq = int(self._get("/healthz")["seq"])
        with self._lock:
            if self._listener is None:
                self._listener = ChangeListener(
                    self.base_url, self._headers, seq, backoff_max=self._backoff_max,
                    signal=self.changed,
                )  # fmt: skip
                self._listener.start()
        return seq

    def changes(self, since: int) -> ChangeBatch:
        """See :meth:`DataSource.changes`: what the stream brought after ``since``.

        Raises:
            SourceUnavailable: the stream is down (it is reconnecting).
        """
        if self._listener is None:
            self.last_seq()
        assert self._listener is not None
        return self._listener.batch(since)


@dataclass(frozen=True, slots=True)
class _Change:
    seq: int
    kind: str
    entity_id: int | None


class ChangeListener:
    """A thread that follows ``/api/v1/changes`` and never loses its place."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        since: int,
        *,
        backoff_max: float = BACKOFF_MAX,
        read_timeout: float = 45.0,
        signal: ChangeSignal | None = None,
    ) -> None:
        self.base_url = base_url
        self.headers = headers
        self.seq: int | None = since
        self.backoff_max = backoff_max
        self.read_timeout = read_timeout
        self.connected = False
        self.error: str | None = "connecting to the change stream"
        self.down_since: float | None = time.monotonic()
        self.reconnects = 0
        self.signal = signal or ChangeSignal()
        self._received: list[_Change] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gridtui-changes", daemon=True)
        self._client: httpx.Client | None = None

    def start(self) -> None:
        """Start following."""
        self._thread.start()

    def stop(self) -> None:
        """Stop following (closes the connection)."""
        self._stop.set()
        client = self._client
        if client is not None:
            client.close()
        self._thread.join(5)

    def batch(self, since: int) -> ChangeBatch:
        """Changes received after ``since``, forgetting the older ones.

        Raises:
            SourceUnavailable: not connected right now.
        """
        with self._lock:
            self._received = [c for c in self._received if c.seq > since]
            got = list(self._received)
            connected, error, down_since = self.connected, self.error, self.down_since
        down_for = time.monotonic() - down_since if down_since is not None else 0.0
        if not connected and not got and down_for >= GRACE_SECONDS:
            raise SourceUnavailable(error or "change stream down")
        return ChangeBatch(
            seq=max([since, *(c.seq for c in got)]),
            ticket_ids=frozenset(c.entity_id for c in got if c.kind == "ticket" and c.entity_id),
            kinds=frozenset(c.kind for c in got),
            count=len(got),
        )

    # -- the thread -------------------------------------------------------------------

    def _run(self) -> None:
        delay = BACKOFF_FIRST
        while not self._stop.is_set():
            try:
                self._follow()
                delay = BACKOFF_FIRST  # it ran, then ended: reconnect at once
                error = "the server closed the change stream"
            except _TRANSPORT as exc:
                error = f"server {self.base_url} unreachable: {_why(exc)}"
            except _StreamRefused as exc:
                error = str(exc)
            except Exception as exc:  # the thread must outlive any surprise
                if self._stop.is_set():
                    return
                error = f"change stream failed: {_why(exc)}"
            with self._lock:
                if self.connected:
                    self.down_since = time.monotonic()
                self.connected = False
                self.error = error
            self.signal.bump()  # readers look again: stale once the grace has passed
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self.backoff_max)
            self.reconnects += 1

    def _follow(self) -> None:
        timeout = httpx.Timeout(5.0, read=self.read_timeout)
        with httpx.Client(base_url=self.base_url, headers=self.headers, timeout=timeout) as c:
            self._client = c
            headers = {"Accept": "text/event-stream"}
            if self.seq is not None:
                headers["Last-Event-ID"] = str(self.seq)
            with c.stream("GET", f"{API}/changes", headers=headers) as response:
                if response.status_code != 200:
                    response.read()
                    raise _StreamRefused(str(_error_of(response)))
                with self._lock:
                    self.connected, self.error, self.down_since = True, None, None
                self.signal.bump()
                for change in _parse_sse(response.iter_lines()):
                    if self._stop.is_set():
                        return
                    with self._lock:
                        self._received.append(change)
                        self.seq = change.seq
                    self.signal.bump()


class _StreamRefused(Exception):
    """The server answered the stream request with an error."""


def _parse_sse(lines: Iterator[str]) -> Iterator[_Change]:
    """Change events from SSE lines (comments and other fields skipped)."""
    data: list[str] = []
    event_id: str | None = None
    for line in lines:
        if line == "":
            if data and event_id is not None and event_id.isdigit():
                try:
                    payload = json.loads("\n".join(data))
                    entity = payload.get("id")
                    yield _Change(int(event_id), str(payload.get("kind", "")),
                                  int(entity) if entity is not None else None)  # fmt: skip
                except (ValueError, TypeError, AttributeError):
                    yield _Change(int(event_id), "unknown", None)  # unreadable: reload all
            data, event_id = [], None
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "id":
            event_id = value


def _rebased(data: Any) -> ClockSpec | None:
    """The spec of a ``/clock`` answer, with this machine's now as its real origin."""
    try:
        spec = data["spec"]
        if spec is None:
            return None
        return ClockSpec(
            datetime.now(UTC), datetime.fromisoformat(str(data["now"])), float(spec["speed"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SourceError(f"the server sent a clock this client cannot read ({exc})") from exc


def _why(exc: BaseException | None) -> str:
    if exc is None:
        return "no answer"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


__all__ = ["ApiSource", "ChangeListener"]
