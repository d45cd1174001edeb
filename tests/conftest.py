"""Shared fixtures: real databases built in tmp_path from fixtures/ (SQLite always,
PostgreSQL when GRIDTUI_TEST_PG names a server, e.g. via `make test-pg`)."""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.db import make_engine, session_factory, upgrade

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PG_URL = os.environ.get("GRIDTUI_TEST_PG", "")
#: A fixed "now" for seeded histories: a Tuesday morning in Shanghai.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` first (in their order), the rest after them. pytest-xdist
    hands out tests in this order once the ``xdist_group`` groups are out, so a long
    test collected late would run on one worker after the others had finished. Tests
    in a group keep their places: a group runs on one worker in collection order."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None
               or item.get_closest_marker("xdist_group") is not None)  # fmt: skip


def _pg_database() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PostgreSQL tests need GRIDTUI_TEST_PG (run `make test-pg`)")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"gridtui_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database at the newest schema, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/gridtui.sqlite"
        upgrade(url)
        yield url
        return
    gen = _pg_database()
    url = next(gen)
    upgrade(url)
    yield url
    for _ in gen:
        pass


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on ``db_url``."""
    engine = make_engine(db_url)
    yield session_factory(engine)
    engine.dispose()


def build_demo_city(url: str, *, seed_no: int) -> None:
    """An empty database at ``url`` made into the demo city seeded up to ``NOW``."""
    from gridtui.data.intake.fixtures import load_fixtures
    from gridtui.data.seeding.seed import seed

    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    load_fixtures(factory, FIXTURES, now=NOW)
    seed(factory, scale="demo", seed=seed_no, now=NOW, fixtures=FIXTURES)
    engine.dispose()


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this run that every pytest-xdist worker sees (the workers' base
    temporary folders are its children)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """``demo_city(seed_no)`` → the SQLite file of the demo city of that seed, seeded
    up to ``NOW``: built once per run, by the first worker that asks (under a file lock;
    the others wait for it). Shared: copy it before writing to it."""
    folder = _run_folder(tmp_path_factory) / "demo-cities"
    folder.mkdir(exist_ok=True)

    def get(seed_no: int) -> Path:
        path = folder / f"seed-{seed_no}.sqlite"
        with open(folder / f"seed-{seed_no}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not path.exists():
                part = folder / f"seed-{seed_no}.building.sqlite"
                build_demo_city(f"sqlite:///{part}", seed_no=seed_no)
                part.rename(path)
        return path

    return get


def fill_demo_city(
    url: str, factory: sessionmaker[Session], demo_city: Callable[[int], Path], seed_no: int
) -> None:
    """Make the empty database at ``url`` the demo city of ``seed_no`` seeded up to
    ``NOW``: on SQLite a copy of the run's (seeding is deterministic: the same city, for
    a file copy instead of a seeding), on PostgreSQL seeded here."""
    if url.startswith("sqlite"):
        path = Path(str(make_url(url).database))
        for journal in ("-wal", "-shm"):  # nothing may be left of the empty database
            path.with_name(path.name + journal).unlink(missing_ok=True)
        shutil.copyfile(demo_city(seed_no), path)
        return
    from gridtui.data.intake.fixtures import load_fixtures
    from gridtui.data.seeding.seed import seed

    load_fixtures(factory, FIXTURES, now=NOW)
    seed(factory, scale="demo", seed=seed_no, now=NOW, fixtures=FIXTURES)
