"""SQLite database files are private (issue 12): a new database and its -wal/-shm
companions are created 0600 whatever the umask, since they hold residents' names
and addresses; an existing file keeps the mode its owner gave it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from gridtui.data.storage.db import make_engine, upgrade


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common umask 022, under which files are world-readable by default."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_companions_are_0600(tmp_path: Path, loose_umask: None) -> None:
    folder = tmp_path / "var"
    db = folder / "city.sqlite"
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:  # a write while the WAL is open
            conn.execute(text("CREATE TABLE t (x TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('张三, 柳岸社区5号楼')"))
        with engine.connect() as conn:
            conn.execute(text("SELECT * FROM t")).all()
            files = sorted(folder.iterdir())
            names = {p.name for p in files}
            assert {"city.sqlite", "city.sqlite-wal", "city.sqlite-shm"} <= names
            for path in files:
                assert mode(path) == 0o600, (path.name, oct(mode(path)))
    finally:
        engine.dispose()
    assert mode(folder) == 0o700


def test_an_existing_database_keeps_its_mode(tmp_path: Path, loose_umask: None) -> None:
    db = tmp_path / "shared.sqlite"
    db.touch()
    os.chmod(db, 0o640)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert mode(db) == 0o640
