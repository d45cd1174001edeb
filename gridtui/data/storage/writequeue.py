"""This process's queue of writers on SQLite, with a limit on the wait.

SQLite has one writer at a time; threads of one process that write at once would
wait for each other in SQLite's busy handler, which sleeps in steps of up to 100 ms.
They queue here instead. A surge must not turn into a queue that hangs: a writer
waits at most ``timeout`` seconds for its turn, then gets
:class:`~gridtui.data.sources.source.Busy` (the API answers 503 with ``Retry-After``).
PostgreSQL locks rows, not the file: there the queue lets everyone through.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from gridtui.data.sources.source import BUSY_RETRY_AFTER, Busy


class WriteQueue:
    """One writer at a time when ``exclusive``, each waiting at most ``timeout`` s."""

    def __init__(self, exclusive: bool, timeout: float) -> None:
        self._lock = threading.Lock() if exclusive else None
        self.timeout = timeout

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the turn to write for the body of the ``with``.

        Raises:
            Busy: no turn within ``timeout`` seconds.
        """
        if self._lock is None:
            yield
            return
        if not self._lock.acquire(timeout=self.timeout):
            raise Busy(
                f"the server is busy: no turn to write came within {self.timeout:g} s; "
                f"retry in {BUSY_RETRY_AFTER} s"
            )
        try:
            yield
        finally:
            self._lock.release()
