"""Simulator fixtures: the demo city (built once, copied per test), a manual clock, and
real uvicorn servers whose clock follows the published one (no injected clock)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.api.conftest import LiveServers
from tests.conftest import NOW


@pytest.fixture(scope="session")
def sim_template(demo_city: Callable[[int], Path]) -> Path:
    """The demo city seeded up to ``NOW`` (seed 1), built once per run."""
    return demo_city(1)


@pytest.fixture
def city_url(sim_template: Path, tmp_path: Path) -> str:
    """A private copy of the demo city for one test (SQLite)."""
    path = tmp_path / "city.sqlite"
    shutil.copyfile(sim_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def live_serve() -> Iterator[LiveServers]:
    """``live_serve(source, port=None)`` → the URL of a real uvicorn over ``source``,
    on the source's own clock (real time, or the simulated clock published in the
    database). ``live_serve.stop()`` stops every server started so far."""
    servers = LiveServers(None, heartbeat=1.0)
    yield servers
    servers.stop()


__all__ = ["NOW"]
