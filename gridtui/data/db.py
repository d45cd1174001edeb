"""Engines, sessions and schema migrations.

SQLite is the embedded default (WAL, foreign keys on, a busy timeout so that a
second process waits instead of failing); PostgreSQL is chosen by URL. The schema
is owned by Alembic: :func:`upgrade` brings any database to the newest revision.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
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


class StorageError(RuntimeError):
    """The database cannot be reached or used; the message says why and what to do."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with gridtui's connection settings.

    SQLite files get their folder created, WAL journal, ``foreign_keys=ON``, a 10 s
    busy timeout, a 32 MB page cache and a memory map on every connection. A new
    database file is created readable by its owner only (0600: it holds residents'
    names and addresses); SQLite gives its ``-wal``, ``-shm`` and ``-journal`` files
    the main file's permissions.
    """
    parsed = make_url(url)
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
