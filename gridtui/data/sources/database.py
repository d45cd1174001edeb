"""The database under a :class:`~gridtui.data.sources.local.LocalSource`: the wiring.

:class:`SourceDatabase` holds what every call of the local source goes through: the
writers' pool and a small side pool, the queue of this process's writers (SQLite has
one writer at a time), the translation of database failures and refused rules into
the data source's errors (:mod:`gridtui.data.sources.source`), the change signal and
the waker that notices other processes' writes, and the clock (the injected one, or
the simulated clock a simulator publishes, read through the side pool).
:class:`~gridtui.data.sources.local.LocalSource` adds the DataSource's reads and
writes on top.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.sources.records import ClockSpec
from gridtui.data.sources.source import (
    BUSY_RETRY_AFTER,
    ActionRefused,
    Busy,
    NotPermitted,
    SourceError,
    SourceUnavailable,
    StaleData,
)
from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.db import SIDE_POOL, PoolSettings, make_engine, session_factory
from gridtui.data.storage.models import ConfigDoc
from gridtui.data.storage.sidereads import CLOCK_DOC, SpecCache, parse_spec
from gridtui.data.storage.wakeup import ChangeSignal, ChangeWaiter, Waker, start_waker
from gridtui.data.storage.writequeue import WriteQueue
from gridtui.data.writes.errors import ServiceError, StaleTicket
from gridtui.domain.lifecycle import IllegalTransition
from gridtui.domain.reports import ReportError
from gridtui.domain.roles import PermissionDenied
from gridtui.domain.scoring.rules import ScoringError

T = TypeVar("T")


class SourceDatabase:
    """The pools, write path, wake-ups and clock of a source over the database at
    ``url`` (``clock``: an injected clock instead of the published one)."""

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], datetime] | None = None,
        pool: PoolSettings | None = None,
    ) -> None:
        self.url = url
        parsed = make_url(url)
        self.description = (
            f"sqlite {parsed.database}"
            if parsed.get_backend_name() == "sqlite"
            else parsed.render_as_string(hide_password=True)
        )
        self.pool = pool or PoolSettings()
        self.engine = make_engine(url, pool=self.pool)
        self.factory: sessionmaker[Session] = session_factory(self.engine)
        #: a small pool of its own for the reads every request makes (the clock, token
        #: checks): writers holding every connection of the main pool never delay them
        self.side_engine = make_engine(url, pool=SIDE_POOL)
        self.side_factory: sessionmaker[Session] = session_factory(self.side_engine)
        self._clock = clock
        #: the published simulated clock, read through the side pool
        self._specs = SpecCache(self.side_factory)
        #: called (from the writing thread) after each successful write, e.g. to wake
        #: a change stream at once
        self.write_listeners: list[Callable[[], None]] = []
        #: moves when the data may have changed: this process's writes at once, other
        #: processes' through a waker (gridtui.data.storage.wakeup) started on first use
        self.changed = ChangeSignal()
        self.write_listeners.append(self.changed.bump)
        self._waker: Waker | None = None
        self._waking = False
        self._waker_lock = threading.Lock()
        # SQLite has one writer at a time: threads of this process that write at once
        # would wait for each other in SQLite's busy handler, which sleeps in steps of
        # up to 100 ms. Queue them here instead (PostgreSQL locks rows, not the file),
        # each waiting at most the pool's timeout (then Busy: 503 with Retry-After).
        self._write_lock = WriteQueue(parsed.get_backend_name() == "sqlite", self.pool.timeout)

    # -- sessions and the write path -------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with self.factory() as session:
                yield session
        except PoolTimeout as exc:
            raise _busy(self.pool) from exc
        except OperationalError as exc:
            self._reset()
            raise SourceUnavailable(f"database unavailable: {_reason(exc)}") from exc
        except DBAPIError as exc:
            raise SourceError(f"database error: {_reason(exc)}") from exc

    def _write(self, fn: Callable[[], T], *, notify: bool = True) -> T:
        """``fn`` in this process's turn to write, its failures translated; then (with
        ``notify``) every write listener is told."""
        try:
            with self._write_lock.turn():
                result = fn()
            for listener in self.write_listeners if notify else ():
                listener()
            return result
        except PermissionDenied as exc:
            raise NotPermitted(str(exc)) from exc
        except StaleTicket as exc:
            raise StaleData(str(exc)) from exc
        except (IllegalTransition, ServiceError, ScoringError, ReportError, ValueError) as exc:
            raise ActionRefused(str(exc)) from exc
        except PoolTimeout as exc:
            raise _busy(self.pool) from exc
        except OperationalError as exc:
            self._reset()
            raise SourceUnavailable(f"database unavailable: {_reason(exc)}") from exc

    def _write_quietly(self, fn: Callable[[], T]) -> T:
        """:meth:`_write` telling nobody: for writes nothing anyone watches reads
        (Open311's sandbox)."""
        return self._write(fn, notify=False)

    def _reset(self) -> None:
        """Drop pooled connections after a failure: one opened while the database was
        away stays broken, and the next call must open a fresh one."""
        self.engine.dispose()

    def close(self) -> None:
        """Stop watching for changes, release every waiter, dispose of the pool."""
        with self._waker_lock:
            waker, self._waker = self._waker, None
        if waker is not None:
            waker.close()
        self.changed.close()
        self.engine.dispose()
        self.side_engine.dispose()

    # -- wake-ups -------------------------------------------------------------------------

    def on_change(self, callback: Callable[[], None]) -> bool:
        """Call ``callback`` (from a watcher thread) whenever the data may have changed,
        whichever process wrote; starts watching the database.

        Returns:
            True when other processes' writes are noticed (a SQLite file, PostgreSQL
            with psycopg 3); False when only this process's writes are (poll then).
        """
        self.changed.listeners.append(callback)
        return self._start_waker()

    def change_waiter(self) -> ChangeWaiter:
        """See :meth:`DataSource.change_waiter`; starts watching the database."""
        waiter = self.changed.waiter()
        self._start_waker()
        return waiter

    def _start_waker(self) -> bool:
        with self._waker_lock:
            if not self._waking:
                self._waking = True
                self._waker = start_waker(self.url, self.changed)
            return self._waker is not None

    # -- the clock -------------------------------------------------------------------------

    def now(self) -> datetime:
        """The time of this source's writes (and of the server's answers): the injected
        clock, else the simulated clock a simulator published (:meth:`clock_spec`), else
        real time; aware UTC, whole seconds."""
        if self._clock is not None:
            return self._clock()
        real = datetime.now(UTC)
        try:
            spec = self.clock_spec()
        except SourceError:
            # the database is away (or the row is broken): keep the last spec known
            spec = self._specs.keep_last()
        return (spec.now(real) if spec else real).replace(microsecond=0)

    def clock_spec(self) -> ClockSpec | None:
        """See :meth:`DataSource.clock_spec`: the ``clock.json`` row, read at most once
        every :data:`~gridtui.data.storage.sidereads.SPEC_TTL` seconds (and again after a
        ``clock`` change) through the side pool, never the writers' pool.

        Raises:
            SourceUnavailable: the database is away.
            SourceError: the row holds something that is not a clock spec.
        """
        return self._specs.get()

    def publish_clock(self, speed: float, *, start: datetime | None = None) -> ClockSpec:
        """Publish a simulated clock running ``speed`` times real time, and record a
        ``clock`` change so that every live client follows it.

        It continues from the published clock's current time, or from ``start`` when
        that is later: the city's time never goes backwards. With no clock published yet
        it starts at ``start`` (default: real time).

        Raises:
            ActionRefused: a speed out of range or a ``start`` without a time zone.
            SourceUnavailable: the database is away.
        """
        if start is not None and start.utcoffset() is None:
            raise ActionRefused(f"start {start.isoformat()} has no time zone")

        def run() -> ClockSpec:
            real = datetime.now(UTC)
            with self.factory.begin() as s:
                doc = s.get(ConfigDoc, CLOCK_DOC, with_for_update=True)
                try:
                    old = parse_spec(doc.text) if doc is not None else None
                except SourceError:
                    old = None  # a broken row is replaced
                if old is None:
                    origin = start if start is not None else real
                else:
                    origin = max(old.now(real), start) if start is not None else old.now(real)
                spec = ClockSpec(real, origin.astimezone(UTC), float(speed))
                text = json.dumps(spec.to_json())
                if doc is None:
                    s.add(ConfigDoc(name=CLOCK_DOC, text=text, loaded_at=real))
                else:
                    doc.text, doc.loaded_at = text, real
                record_change(s, at=spec.origin_sim, kind="clock", op="publish",
                              data=spec.to_json())  # fmt: skip
            self._specs.put(spec)
            return spec

        return self._write(run)


# -- helpers ---------------------------------------------------------------------------------


def _busy(pool: PoolSettings) -> Busy:
    return Busy(
        f"the server is busy: no database connection came free within {pool.timeout:g} s "
        f"({pool.size + pool.overflow} in use); retry in {BUSY_RETRY_AFTER} s"
    )


def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc).splitlines()[0]
