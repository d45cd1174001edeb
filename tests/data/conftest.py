"""Drop-folder fixtures shared by tests/data/test_inbox.py and test_inbox_hostile.py:
the import map, the fixtures city and the drop folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.intake.importer import ImportMap, load_map
from tests.conftest import FIXTURES, NOW


@pytest.fixture
def mapping() -> ImportMap:
    return load_map(FIXTURES / "maps" / "hotline12345.toml")


@pytest.fixture
def city(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    load_fixtures(factory, FIXTURES, now=NOW)
    return factory


@pytest.fixture
def unmapped_city(factory: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    """The demo city loaded from its fixtures without their outlines: a centre that has
    loaded no boundaries yet."""
    folder = tmp_path / "fixtures-without-outlines"
    shutil.copytree(FIXTURES, folder, ignore=shutil.ignore_patterns("boundaries.geojson"))
    load_fixtures(factory, folder, now=NOW)
    return factory


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    return tmp_path / "inbox"


@pytest.fixture
def sqlite_city(tmp_path: Path) -> Iterator[str]:
    from gridtui.data.storage.db import make_engine, session_factory, upgrade

    url = f"sqlite:///{tmp_path}/city.sqlite"
    upgrade(url)
    engine = make_engine(url)
    load_fixtures(session_factory(engine), FIXTURES, now=NOW)
    engine.dispose()
    yield url
