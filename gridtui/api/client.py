"""Remote mode: the :class:`~gridtui.data.sources.source.DataSource` over the HTTP API.

``gridtui tui --api URL --token T`` runs every screen through :class:`ApiSource`
instead of a database. Reads are plain ``GET``\\ s decoded into the same records
:class:`~gridtui.data.sources.local.LocalSource` returns (pydantic validates the JSON against
the record types, so a wrong payload is a clear :class:`SourceError`, never a
half-built screen).

Changes arrive over the server's SSE stream, read by a background thread
(:class:`~gridtui.api.listener.ChangeListener`): it remembers the last change number
it saw, and when the link breaks it reconnects with exponential backoff and
``Last-Event-ID``, so every change made while it was away arrives, in order, once.
While it is down,
:meth:`ApiSource.changes` raises :class:`SourceUnavailable`, which the app shows as a
stale banner with the time of the last update; the screens keep their data.

Writes carry an ``Idempotency-Key`` (one per user action) and are retried with the
same key after a timeout or a dropped connection: the server stores the key with the
write, so the retry gets the first answer back and nothing happens twice (the HTTP
plumbing, errors and retries: :mod:`gridtui.api.transport`).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gridtui.api.client_geo import ApiGeo
from gridtui.api.listener import BACKOFF_MAX, ChangeListener
from gridtui.api.transport import API, Transport, adapters, decode
from gridtui.data.sources.records import (
    ActionOutcome,
    Anchor,
    Assessment,
    AssessmentLevel,
    Board,
    BulletinFacts,
    ChangeBatch,
    ClockSpec,
    ConfigProblem,
    Cursor,
    DailyReports,
    NewTicket,
    Overview,
    Page,
    Period,
    QueueQuery,
    Reference,
    ReportRow,
    Scorecards,
    SlaRow,
    TicketDetail,
    TrendPoint,
    TrendSpan,
)
from gridtui.data.sources.source import AT_RISK, CATALOGUE_KINDS, SourceError
from gridtui.data.storage.changesignal import ChangeSignal, ChangeWaiter
from gridtui.domain.assessment.config import AssessmentConfig

#: seconds an assessment read may take (computed on first use, then kept by the server)
ASSESSMENT_TIMEOUT = 120.0


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


class ApiSource(ApiGeo):
    """A :class:`~gridtui.data.sources.source.DataSource` over ``gridtui serve`` at ``base_url``.

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
        self._transport = Transport(base_url, token, timeout=timeout)
        self.base_url = self._transport.base_url
        self.description = f"api {self.base_url}"
        self._get = self._transport.get
        self._write = self._transport.write
        self._backoff_max = backoff_max
        self._listener: ChangeListener | None = None
        #: moved by the change listener at every change and link state change
        self.changed = ChangeSignal()
        self._lock = threading.Lock()
        try:
            me = self._get(f"{API}/me")
            self._ref_data = self._get(f"{API}/reference")
        except BaseException:
            self._transport.close()
            raise
        self.name = str(me["name"])
        self.role = str(me["role"])
        self.actor = f"token:{self.name}"
        self._ref: Reference | None = None
        self.timezone = str(self._ref_data.get("timezone") or "Asia/Shanghai")

    def close(self) -> None:
        """Stop the change listener and close the connections."""
        if self._listener is not None:
            self._listener.stop()
        self.changed.close()
        self._transport.close()

    # -- reads ------------------------------------------------------------------------

    def reference(self) -> Reference:
        """See :meth:`DataSource.reference`; read again after the stream brought a
        fixtures load or a rules edit."""
        with self._lock:
            if self._ref is None:
                if self._ref_data is None:
                    self._ref_data = self._get(f"{API}/reference")
                a, d = adapters(), self._ref_data
                self._ref = Reference(
                    nodes=decode(a.nodes, d.get("nodes"), "catalogue"),
                    departments=decode(a.named_by_id, d.get("departments"), "catalogue"),
                    categories=decode(a.named_by_code, d.get("categories"), "catalogue"),
                    workers=decode(a.named_by_id, d.get("workers"), "catalogue"),
                    root_id=d.get("root_id"),
                )
            return self._ref

    def overview(self, at: datetime, at_risk: int = AT_RISK) -> Overview:
        """See :meth:`DataSource.overview`."""
        data = self._get(f"{API}/stats", {"at": at.isoformat(), "at_risk": at_risk})
        return decode(adapters().overview, data, "overview")

    def trend(self, span: TrendSpan, at: datetime) -> list[TrendPoint]:
        """See :meth:`DataSource.trend`."""
        data = self._get(f"{API}/trend", {"span": span, "at": at.isoformat()})
        return decode(adapters().trend, data.get("points"), "trend")

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
            rows=decode(adapters().rows, data.get("tickets"), "ticket page"),
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
        return decode(adapters().detail, data, "ticket")

    def sla_board(self, at: datetime, limit: int) -> list[SlaRow]:
        """See :meth:`DataSource.sla_board`."""
        data = self._get(f"{API}/sla", {"limit": limit, "at": at.isoformat()})
        return decode(adapters().sla, data.get("clocks"), "SLA board")

    def board(self, node_id: int | None) -> Board:
        """See :meth:`DataSource.board`."""
        data = self._get(f"{API}/board", {"node": node_id} if node_id is not None else None)
        return decode(adapters().board, data, "board")

    def scorecards(self, period: Period, at: datetime, limit: int) -> Scorecards:
        """See :meth:`DataSource.scorecards`."""
        params = {"period": period, "limit": limit, "at": at.isoformat()}
        return decode(adapters().scorecards, self._get(f"{API}/scorecards", params), "scores")

    def assessment(
        self, level: AssessmentLevel, period: Period, at: datetime, *, history: int = 0
    ) -> Assessment:
        """See :meth:`DataSource.assessment`."""
        params = {"level": level, "period": period, "at": at.isoformat(), "history": history}
        # a period the server has not computed yet takes seconds (a year of a city: tens)
        data = self._get(f"{API}/assessment", params, timeout=ASSESSMENT_TIMEOUT)
        return decode(adapters().assessment, data, "assessment")

    def assessment_rules(self) -> AssessmentConfig:
        """See :meth:`DataSource.assessment_rules` (the server's)."""
        return decode(adapters().rules, self._get(f"{API}/assessment/rules", {}), "rules")

    def bulletin_facts(self, period: Period, at: datetime, limit: int) -> BulletinFacts:
        """See :meth:`DataSource.bulletin_facts`."""
        params = {"period": period, "at": at.isoformat(), "limit": limit}
        data = self._get(f"{API}/assessment/facts", params, timeout=ASSESSMENT_TIMEOUT)
        return decode(adapters().facts, data, "bulletin facts")

    def daily_reports(self, at: datetime, day: date | None = None) -> DailyReports:
        """The reports of ``day`` (default: today's) and who is missing."""
        params = {"at": at.isoformat(), **({"day": day.isoformat()} if day else {})}
        return decode(adapters().reports, self._get(f"{API}/reports", params), "reports")

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
        return decode(adapters().outcome, data, "action result")

    def open_ticket(
        self,
        new: NewTicket,
        *,
        role: str,
        idempotency_key: str | None = None,
        window: timedelta | None = None,
    ) -> ActionOutcome:
        """See :meth:`DataSource.open_ticket`, retry-safe (with ``idempotency_key``, or a
        fresh key). The token decides the role and the reporter (``token:<name>``):
        ``role`` and ``new.reporter`` are what the screen believes. The location goes
        along (a ticket with no grid is placed by it); the API takes no report source or
        key window: ``new.source`` and ``window`` stay here."""
        body = {
            "title": new.title, "category": new.category, "channel": new.channel,
            "grid": new.grid, "description": new.description, "address": new.address,
            "colour": new.colour, "lat": new.lat, "lon": new.lon,
        }  # fmt: skip
        data = self._write(f"{API}/tickets", body, idempotency_key)
        return decode(adapters().outcome, data, "intake result")

    def file_report(self, worker_code: str, events: int = 0, note: str = "") -> ReportRow:
        """File a worker's daily report for today."""
        body = {"worker": worker_code, "events": events, "note": note}
        return decode(adapters().report, self._write(f"{API}/reports", body), "report")

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
    ) -> bool:
        """See :meth:`DataSource.adjust`."""
        body = {
            "subject_kind": subject_kind, "subject_id": subject_id, "points": points,
            "reason": reason, "ticket_id": ticket_id,
        }  # fmt: skip
        return bool(self._write(f"{API}/adjustments", body).get("replayed"))

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
        :meth:`LocalSource.publish_clock <gridtui.data.sources.local.LocalSource.publish_clock>`."""
        body = {"speed": speed, "start": start.isoformat() if start else None}
        spec = _rebased(self._write(f"{API}/clock", body))
        if spec is None:
            raise SourceError("the server answered a clock publication without a clock")
        return spec

    # -- refused rules edits and wake-ups -----------------------------------------------

    def config_problems(self) -> list[ConfigProblem]:
        """See :meth:`DataSource.config_problems`."""
        data = self._get(f"{API}/config/problems")
        return decode(adapters().problems, data.get("problems"), "rules problem list")

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
                    self.base_url, self._transport.headers, seq, backoff_max=self._backoff_max,
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
        batch = self._listener.batch(since)
        if batch.kinds & CATALOGUE_KINDS:
            with self._lock:
                self._ref, self._ref_data = None, None  # read again when next asked
        return batch


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


__all__ = ["ApiSource"]
