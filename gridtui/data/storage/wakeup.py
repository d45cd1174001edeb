"""Wake-ups on database changes: readers block until someone writes, instead of polling.

Several processes may share one database (``gridtui simulate`` and two ``gridtui
wall`` on one SQLite file). Each reader holds a :class:`ChangeWaiter` and blocks in
:meth:`ChangeWaiter.wait` until the data may have changed, then reads the change feed
once. What moves the waiters:

- **SQLite**: :class:`SqliteWaker` watches the database file and its ``-wal`` /
  ``-journal`` with watchfiles (inotify, FSEvents, …). Every commit of any process
  writes one of them; reading writes neither, so an idle reader sleeps. (The ``-shm``
  index is left out: readers touch it.)
- **PostgreSQL**: migration 0004 adds a trigger that sends ``NOTIFY gridtui_changes``
  at each commit that appends to the change feed; :class:`PgWaker` listens on its own
  connection (psycopg 3), reconnecting after an outage.
- This process's own writes move them at once (:class:`~gridtui.data.sources.local.LocalSource`
  bumps the signal after each write).

A wake-up is a hint, never data: a waiter reads the change feed after it, and with
a fallback timeout (:data:`FALLBACK_SECONDS`) it also reads when a notification was
lost (a file system without notifications, a dropped listener connection).

The signal and the waiter live in :mod:`gridtui.data.storage.changesignal` (plain threading:
the screens hold waiters and must not import the ORM); the wakers are here.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

from gridtui.data.storage.changesignal import FALLBACK_SECONDS, ChangeSignal, ChangeWaiter

log = logging.getLogger("gridtui.wakeup")

#: watchfiles groups events for one step and yields when a step brings nothing new
STEP_MS = 50
DEBOUNCE_MS = 400
#: the PostgreSQL channel the 0004 trigger notifies
PG_CHANNEL = "gridtui_changes"


class Waker(Protocol):
    """Something that bumps a signal when another process writes."""

    def close(self) -> None:
        """Stop watching and release the thread."""
        ...


class SqliteWaker:
    """Bumps ``signal`` whenever the SQLite database at ``path`` (or its WAL or
    rollback journal) changes on disk, whichever process wrote it.

    A file event alone is not enough: opening a connection touches the files'
    metadata (as root, SQLite re-owns the WAL at every open), which readers do all the
    time. The signal moves only when a file's size or modification time moved (or it
    appeared or went): what a commit or a checkpoint does, and a read never does.
    """

    def __init__(self, path: Path, signal: ChangeSignal, *, step_ms: int = STEP_MS) -> None:
        from watchfiles._rust_notify import RustNotify

        self.path = path.resolve()
        self.names = frozenset(self.path.name + s for s in ("", "-wal", "-journal"))
        self.signal = signal
        self.step_ms = step_ms
        #: how many batches of file events woke the signal
        self.events = 0
        self._seen = self._fingerprint()
        self._stop = threading.Event()
        # Watch the folder, not the files: the WAL comes and goes (it is removed when the
        # last connection closes), and a new one must be seen. Made here, not in the
        # thread, so that a write right after start() is already seen.
        self._notify = RustNotify([str(self.path.parent)], False, False, 300, False, True)
        self._thread = threading.Thread(target=self._run, name="gridtui-db-waker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                got = self._notify.watch(DEBOUNCE_MS, self.step_ms, 0, self._stop)
                if got == "stop":
                    return
                if isinstance(got, set) and any(Path(p).name in self.names for _, p in got):
                    now = self._fingerprint()
                    if now != self._seen:
                        self._seen = now
                        self.events += 1
                        self.signal.bump()
        except Exception:  # watching failed (folder removed…): readers fall back to polling
            log.exception("watching %s failed; readers poll every %ss", self.path, FALLBACK_SECONDS)
        finally:
            self._notify.close()

    def _fingerprint(self) -> tuple[tuple[int, int] | None, ...]:
        out: list[tuple[int, int] | None] = []
        for name in sorted(self.names):
            try:
                st = (self.path.parent / name).stat()
            except FileNotFoundError:
                out.append(None)
            else:
                out.append((st.st_size, st.st_mtime_ns))
        return tuple(out)

    def close(self) -> None:
        """Stop watching (returns within a watch step)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(2)


class PgWaker:
    """Bumps ``signal`` on each ``NOTIFY gridtui_changes`` (sent by the 0004 trigger at
    every commit that appends to the change feed), on a connection of its own.

    After a lost connection it reconnects every few seconds and bumps once when it is
    back, since notifications sent meanwhile are gone.
    """

    def __init__(self, url: str, signal: ChangeSignal, *, check_seconds: float = 0.5) -> None:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        self.conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self.signal = signal
        self.check_seconds = check_seconds
        self.events = 0
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gridtui-pg-waker", daemon=True)
        self._thread.start()
        # Start listening before returning, so a write right after start is seen.
        self.connected.wait(3)

    def _run(self) -> None:
        import psycopg

        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {PG_CHANNEL}")
                    self.connected.set()
                    if not first:
                        self.signal.bump()  # back after an outage: look at what was missed
                    first = False
                    while not self._stop.is_set():
                        got = sum(1 for _ in conn.notifies(timeout=self.check_seconds))
                        if got:
                            self.events += 1
                            self.signal.bump()
            except Exception as exc:
                self.connected.clear()
                if self._stop.is_set():
                    return
                log.warning("listening for changes failed (%s); retrying", exc)
                first = False
                self._stop.wait(2.0)

    def close(self) -> None:
        """Stop listening (returns within ``check_seconds``)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(self.check_seconds + 3)


def start_waker(url: str, signal: ChangeSignal) -> Waker | None:
    """The waker for the database at ``url``: a file watcher for a SQLite file, a
    listener for PostgreSQL with psycopg 3; None where neither applies (an in-memory
    database, another driver): readers then fall back to polling."""
    from sqlalchemy.engine import make_url  # here: the UI imports this module, not the ORM

    parsed = make_url(url)
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
            return SqliteWaker(Path(parsed.database), signal)
        if backend == "postgresql" and parsed.get_driver_name() == "psycopg":
            return PgWaker(url, signal)
    except (OSError, RuntimeError) as exc:
        log.warning("cannot watch %s for changes (%s); readers poll", parsed.database, exc)
    return None


__all__ = [
    "FALLBACK_SECONDS",
    "ChangeSignal",
    "ChangeWaiter",
    "PgWaker",
    "SqliteWaker",
    "Waker",
    "start_waker",
]
