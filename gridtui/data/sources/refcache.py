"""The catalogue a database source serves (hierarchy, departments, categories, names),
read once and kept current.

It changes only with a fixtures load or a rules edit: a ``bulk`` or ``config`` change
on the feed, which may come from another process (``gridtui load`` beside a running
server). So the cache looks at the feed at most every :data:`CHECK_SECONDS`, only at
the changes since its last look, and reads the catalogue again when one of them is
such a change. Before, a running server served the old names until it restarted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.reads.reference import load_reference
from gridtui.data.sources.records import Reference
from gridtui.data.sources.source import CATALOGUE_KINDS
from gridtui.data.storage.changefeed import last_seq
from gridtui.data.storage.models import Change

#: seconds between two looks at the feed (a reload shows within this)
CHECK_SECONDS = 1.0


class ReferenceCache:
    """The catalogue of the database that ``session()`` opens."""

    def __init__(self, session: Callable[[], AbstractContextManager[Session]]) -> None:
        self._session = session
        self._ref: Reference | None = None
        self._seen = 0  # the feed's position at the last look
        self._looked = -float("inf")
        self._lock = threading.Lock()

    def get(self) -> Reference:
        """The catalogue as of at most :data:`CHECK_SECONDS` ago."""
        with self._lock:
            now = time.monotonic()
            if self._ref is not None and now - self._looked >= CHECK_SECONDS:
                self._looked = now
                with self._session() as s:
                    if self._changed(s):
                        self._ref = None
            if self._ref is None:
                with self._session() as s:
                    self._seen = last_seq(s)  # before the read: a change meanwhile is seen again
                    self._ref = load_reference(s)
                self._looked = now
            return self._ref

    def forget(self) -> None:
        """Read the catalogue again at the next :meth:`get`."""
        with self._lock:
            self._ref = None

    def _changed(self, s: Session) -> bool:
        """Whether a catalogue change came after the last look (moves the look on)."""
        head = last_seq(s)
        if head <= self._seen:
            return False
        found = s.scalar(
            select(Change.seq)
            .where(
                Change.seq > self._seen,
                Change.seq <= head,
                Change.kind.in_(sorted(CATALOGUE_KINDS)),
            )
            .limit(1)
        )
        self._seen = head
        return found is not None
