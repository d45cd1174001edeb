"""A signal that the data may have changed, and the readers waiting on it.

Plain threading, no database: the app holds a :class:`ChangeWaiter` (through
:meth:`~gridtui.data.sources.source.DataSource.change_waiter`) while the wakers of
:mod:`gridtui.data.storage.wakeup` (file watching, PostgreSQL ``LISTEN``) or a change stream's
listener move the :class:`ChangeSignal`.

A waiter never misses a change: it remembers the signal's generation at its last
return, and a change that lands between two waits makes the next wait return at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("gridtui.wakeup")

#: a reader that was not woken reads anyway after this many seconds (a lost wake-up:
#: a file system without notifications, a dropped listener connection)
FALLBACK_SECONDS = 5.0


class ChangeSignal:
    """A generation counter that moves whenever the data may have changed.

    Thread-safe. ``listeners`` are called (from the bumping thread) after each bump,
    e.g. to kick a server's change stream.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0
        self._closed = False
        self.listeners: list[Callable[[], None]] = []

    @property
    def generation(self) -> int:
        """How many times the signal moved."""
        return self._generation

    def bump(self) -> None:
        """The data may have changed: release every waiter, call every listener."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:  # a listener's failure must not stop the watcher
                log.exception("change listener failed")

    def waiter(self) -> ChangeWaiter:
        """A new waiter whose first :meth:`~ChangeWaiter.wait` returns on the next bump."""
        return ChangeWaiter(self)

    def close(self) -> None:
        """Release every waiter for good (the source is closing)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class ChangeWaiter:
    """One reader's place on a :class:`ChangeSignal`.

    ``wakeups`` counts the waits that returned because the data moved; ``timeouts``
    those that ran out (a test counts them to prove an idle reader sleeps).
    """

    def __init__(self, signal: ChangeSignal) -> None:
        self._signal = signal
        self._seen = signal.generation
        self._closed = False
        self.wakeups = 0
        self.timeouts = 0

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (or the source closed)."""
        return self._closed or self._signal._closed

    def wait(self, timeout: float) -> bool:
        """Block until the data may have changed since the previous wait returned (or
        since the waiter was made), for at most ``timeout`` seconds, or until closed.

        Returns:
            True when the data moved, False on timeout or when closed.
        """
        cond = self._signal._cond
        with cond:
            cond.wait_for(lambda: self.closed or self._signal._generation != self._seen, timeout)
            moved = self._signal._generation != self._seen
            self._seen = self._signal._generation
        if self.closed:
            return False
        if moved:
            self.wakeups += 1
        else:
            self.timeouts += 1
        return moved

    def close(self) -> None:
        """Return from the current and every later :meth:`wait` at once (the reader is
        stopping: its thread must not sit out a timeout)."""
        cond = self._signal._cond
        with cond:
            self._closed = True
            cond.notify_all()


__all__ = ["FALLBACK_SECONDS", "ChangeSignal", "ChangeWaiter"]
