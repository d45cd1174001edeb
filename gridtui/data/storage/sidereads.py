"""The reads every request makes, kept off the writers' pool: the published clock.

A server asks "what time is it?" for every write and many reads. The answer is the
simulated clock a simulator published (the ``clock.json`` row) or real time; it is
read at most once every :data:`SPEC_TTL` seconds, through a small pool of its own
(:data:`~gridtui.data.storage.db.SIDE_POOL`), never through the pool the writers use. So a
surge of writes that takes every pooled connection cannot make the clock wait, and a
transaction holding a lock never waits for a second connection to learn the time.

Stale while revalidating: when the cached spec has expired, one thread reads it
again while the others keep answering with the spec they have; when the read fails
(the database away, the side pool busy) the last spec known stays in use.
"""

from __future__ import annotations

import json
import threading
import time

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.sources.records import ClockSpec
from gridtui.data.sources.source import SourceError, SourceUnavailable
from gridtui.data.storage.models import ConfigDoc

#: the ``config_docs`` row holding the simulated clock a simulator published
CLOCK_DOC = "clock.json"
#: seconds a read of the published clock is reused
SPEC_TTL = 1.0


def parse_spec(text: str) -> ClockSpec:
    """The clock spec stored in ``text``.

    Raises:
        SourceError: not a clock spec.
    """
    try:
        return ClockSpec.from_json(json.loads(text))
    except ValueError as exc:  # also bad JSON
        raise SourceError(f"{CLOCK_DOC} in the database is not a clock: {exc}") from exc


class SpecCache:
    """The published clock spec, read through ``factory`` (the side pool)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        #: (monotonic time of the read, spec); None: never read, or forgotten
        self._spec: tuple[float, ClockSpec | None] | None = None
        self._reading = threading.Lock()
        #: moves at each :meth:`forget`: a read begun before it does not store its spec
        self._generation = 0

    def forget(self) -> None:
        """Read it afresh next time (a ``clock`` change was seen)."""
        self._generation += 1
        self._spec = None

    def put(self, spec: ClockSpec | None) -> None:
        """This process just published ``spec``."""
        self._spec = (time.monotonic(), spec)

    def get(self) -> ClockSpec | None:
        """The spec, read again when older than :data:`SPEC_TTL`.

        Raises:
            SourceUnavailable: the database is away and no spec was ever read.
            SourceError: the row holds something that is not a clock spec.
        """
        cached = self._spec
        if cached is not None and time.monotonic() - cached[0] < SPEC_TTL:
            return cached[1]
        if cached is not None and not self._reading.acquire(blocking=False):
            return cached[1]  # another thread is reading it: the one we have will do
        if cached is None:
            self._reading.acquire()
        try:
            return self._read()
        finally:
            self._reading.release()

    def last(self) -> ClockSpec | None:
        """The spec last read (None: none), without reading."""
        cached = self._spec
        return cached[1] if cached else None

    def keep_last(self) -> ClockSpec | None:
        """After a failed read: go on with the last spec known for another TTL."""
        spec = self.last()
        self._spec = (time.monotonic(), spec)
        return spec

    def _read(self) -> ClockSpec | None:
        generation = self._generation
        try:
            with self.factory() as s:
                doc = s.get(ConfigDoc, CLOCK_DOC)
                text = doc.text if doc is not None else None
        except PoolTimeout as exc:
            raise SourceUnavailable("the clock's connections are all busy; try again") from exc
        except DBAPIError as exc:
            reason = " ".join(str(exc.orig).split())[:200]
            raise SourceUnavailable(f"database unavailable: {reason}") from exc
        spec = parse_spec(text) if text is not None else None
        if generation == self._generation:
            self._spec = (time.monotonic(), spec)
        return spec
