"""Engines, sessions and schema migrations.

SQLite is the embedded default (WAL, foreign keys on, a busy timeout so that a
second process waits instead of failing); PostgreSQL is chosen by URL. The schema
is owned by Alembic: :func:`upgrade` brings any database to the newest revision.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
#: the mode of a new SQLite database file (owner read and write only)
PRIVATE = 0o600


#: connections a process may hold for all its serve workers together (PostgreSQL's
#: default max_connections is 100: the rest is for watchers, simulators and psql)
POOL_BUDGET = 48
#: seconds a request waits for a pooled connection; then the server answers 503 with
#: Retry-After instead of hanging (SQLAlchemy's default is 30 s)
POOL_TIMEOUT = 3.0
#: the side pool of clock and token reads (never shared with writers, so a surge of
#: writes cannot make a token check wait): its size and its wait
SIDE_POOL_SIZE = 2
SIDE_POOL_TIMEOUT = 1.0


class StorageError(RuntimeError):
    """The database cannot be reached or used; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """The connection pool of one process: ``size`` kept open, ``overflow`` more
    opened under load, ``timeout`` seconds to wait for one."""

    size: int = 8
    overflow: int = 8
    timeout: float = POOL_TIMEOUT

    @classmethod
    def for_workers(cls, workers: int) -> PoolSettings:
        """Each of ``workers`` processes' share of :data:`POOL_BUDGET`, at most 16 (a
        process answers with 40 threads) and at least 4: 1 to 3 workers 8 + 8 each,
        4 workers 6 + 6, 8 workers 3 + 3."""
        share = max(4, min(16, POOL_BUDGET // max(1, workers)))
        return cls(size=share // 2, overflow=share - share // 2)

    @classmethod
    def from_env(cls) -> PoolSettings:
        """The settings ``gridtui serve`` passed its worker processes
        (``GRIDTUI_POOL`` = ``size,overflow,timeout``), else the defaults."""
        raw = os.environ.get("GRIDTUI_POOL", "")
        try:
            size, overflow, timeout = raw.split(",")
            return cls(int(size), int(overflow), float(timeout))
        except ValueError:
            return cls()

    def to_env(self) -> str:
        """The form :meth:`from_env` reads."""
        return f"{self.size},{self.overflow},{self.timeout}"

    def kwargs(self) -> dict[str, Any]:
        """``create_engine`` arguments."""
        return {"pool_size": self.size, "max_overflow": self.overflow,
                "pool_timeout": self.timeout}  # fmt: skip


#: the side pool (:data:`SIDE_POOL_SIZE`)
SIDE_POOL = PoolSettings(size=SIDE_POOL_SIZE, overflow=0, timeout=SIDE_POOL_TIMEOUT)


def make_engine(url: str, *, pool: PoolSettings | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` with gridtui's connection settings; with ``pool``, that
    pool's size and timeout (file databases and PostgreSQL).

    SQLite files get their folder created, WAL journal, ``foreign_keys=ON``, a 10 s
    busy timeout, a 32 MB page cache and a memory map on every connection. A new
    database file is created readable by its owner only (0600: it holds residents'
    names and addresses); SQLite gives its ``-wal``, ``-shm`` and ``-journal`` files
    the main file's permissions.
    """
    parsed = make_url(url)
    if pool is not None and parsed.database not in (None, "", ":memory:"):
        for key, value in pool.kwargs().items():
            kwargs.setdefault(key, value)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            create_private(Path(db))
        kwargs.setdefault("connect_args", {"timeout": 10})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=10000")
            # A city database is over a gigabyte: keep the hot index pages of each
            # connection in memory (32 MB, default 2 MB) and read the rest through a
            # shared memory map instead of a read() per page.
            cur.execute("PRAGMA cache_size=-32768")
            cur.execute("PRAGMA mmap_size=1073741824")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def create_private(path: Path) -> None:
    """Create ``path`` (and a missing folder, 0700) empty with mode 0600 unless it
    exists; an existing file keeps the permissions its owner gave it."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, PRIVATE)  # whatever the umask took away, nothing more is granted


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (DTOs are built after it)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with factory.begin() as session:
        yield session


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the packaged migrations and ``url``."""
    from alembic.config import Config  # only migrations need Alembic: keep start-up light

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (default: newest)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def is_current(engine: Engine) -> bool:
    """Whether the schema exists (the tickets table is there)."""
    return inspect(engine).has_table("tickets")
