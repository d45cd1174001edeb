"""Open311's sandbox over the database: :class:`SandboxStore`, the
:class:`~gridtui.data.sources.public.SandboxArea` of a
:class:`~gridtui.data.sources.local.LocalSource`.

A report filed at the test endpoint is checked and placed as production opens a
ticket (the same grid, category and first holder, :func:`~gridtui.data.writes.opening.placement`;
its resolution deadline from the same SLA rules) and kept at most once per
idempotency key, as production keeps its keys; but it is written to the
``open311_sandbox`` table alone: no ticket, no timeline, no points, no change on the
feed, no wake-up of the screens or streams.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.reads.public_requests import sandbox_tickets
from gridtui.data.sources.public import PublicTicket, RequestQuery
from gridtui.data.sources.records import NewTicket
from gridtui.data.storage.models import SandboxRequest
from gridtui.data.writes.errors import ServiceError
from gridtui.data.writes.idempotency import KeyReused
from gridtui.data.writes.loaded_grids import LoadedGrids
from gridtui.data.writes.loaded_rules import Rules
from gridtui.data.writes.opening import checked_report, placement
from gridtui.data.writes.sla_runtime import Step
from gridtui.domain.lifecycle import Action
from gridtui.domain.text import clean_text

T = TypeVar("T")

#: a session with the source's error translation
Sessions = Callable[[], AbstractContextManager[Session]]


class QuietWrite(Protocol):
    """A write through the source's write queue and error translation that wakes
    nobody (no listener is told: nothing anyone watches has changed)."""

    def __call__(self, fn: Callable[[], T], /) -> T: ...


class SandboxStore:
    """The sandbox's reports in ``open311_sandbox`` (see the module docstring)."""

    def __init__(
        self,
        session: Sessions,
        factory: sessionmaker[Session],
        write: QuietWrite,
        rules: Callable[[Session], Rules],
        grids: LoadedGrids | None = None,
    ) -> None:
        self._session = session  # reads
        self._factory = factory  # writes: their errors are translated by ``write``
        self._write = write
        self._rules = rules
        self._grids = grids  # placing a report by its location, as production does

    def tickets(self, query: RequestQuery) -> list[PublicTicket]:
        """See :meth:`~gridtui.data.sources.public.SandboxArea.tickets`."""
        with self._session() as s:
            return sandbox_tickets(s, query)

    def file(
        self,
        new: NewTicket,
        *,
        at: datetime,
        idempotency_key: str,
        window: timedelta | None = None,
    ) -> tuple[int, bool]:
        """See :meth:`~gridtui.data.sources.public.SandboxArea.file`."""
        title, channel = checked_report(new)
        digest = _request_hash(new)
        client, key = new.reporter[:100], idempotency_key[:100]

        def run() -> tuple[int, bool]:
            try:
                with self._factory.begin() as s:
                    prior = _prior(s, client, key, digest, window, at)
                    if prior is not None:
                        return prior, True
                    row = self._row(s, new, title, channel.value, at)
                    row.client, row.key, row.request_hash = client, key, digest
                    s.add(row)
                    s.flush()
                    return row.id, False
            except IntegrityError:
                # the same key raced in from another request and won: its report
                with self._factory() as s:
                    prior = _prior(s, client, key, digest, window, at)
                if prior is None:
                    raise
                return prior, True

        return self._write(run)

    def _row(
        self, s: Session, new: NewTicket, title: str, channel: str, at: datetime
    ) -> SandboxRequest:
        """The report's row, placed and given its deadline as a ticket would be."""
        grid, category, colour, worker = placement(s, new, self._grids)
        try:
            sla, _ = self._rules(s)
        except ServiceError:  # no rules loaded: no deadline, as a ticket would have none
            due = None
        else:
            step = Step(Action.OPEN.value, at, new.reporter, worker.code if worker else None)
            due = sla.ticket(colour.value, category.code, channel, [step], at).due_at
        return SandboxRequest(
            category=category.code,
            title=title[:200],
            description=clean_text(new.description),
            address=clean_text(new.address, one_line=True)[:200],
            lat=new.lat,
            lon=new.lon,
            grid=grid.code if grid else "",  # "": outside every outline, unassigned
            opened_at=at,
            due_at=due,
        )

    def clear(self, before: datetime) -> int:
        """See :meth:`~gridtui.data.sources.public.SandboxArea.clear`: a read of the
        oldest report first, so that a sandbox with nothing to clear costs no write."""
        with self._session() as s:
            oldest = s.scalar(select(func.min(SandboxRequest.opened_at)))
        if oldest is None or oldest >= before:
            return 0

        def run() -> int:
            with self._factory.begin() as s:
                done = s.execute(delete(SandboxRequest).where(SandboxRequest.opened_at < before))
                return int(getattr(done, "rowcount", 0) or 0)

        return self._write(run)


def _prior(
    s: Session, client: str, key: str, digest: str, window: timedelta | None, at: datetime
) -> int | None:
    """The id of the report filed earlier under (``client``, ``key``), or None when
    there is none (or its ``window`` has passed by ``at``: the key is then taken off
    it, in the caller's transaction).

    Raises:
        KeyReused: the key came with another report.
    """
    row = s.scalar(
        select(SandboxRequest).where(SandboxRequest.client == client, SandboxRequest.key == key)
    )
    if row is None:
        return None
    if window is not None and at - row.opened_at >= window:
        row.key = None
        s.flush()
        return None
    if row.request_hash != digest:
        raise KeyReused(
            f"idempotency key {key!r} was used for a different request; "
            "use a new key for a new request"
        )
    return row.id


def _request_hash(new: NewTicket) -> str:
    """SHA-256 of the report's content (the fields production's key compares)."""
    text = json.dumps(
        ["open", new.title, new.category, new.channel, new.grid, new.description,
         new.address, new.colour, new.lat, new.lon, new.source],
        ensure_ascii=False, default=str,
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()
