"""Simulator fixtures: the demo city (built once, copied per test), a manual clock, and
real uvicorn servers whose clock follows the published one (no injected clock)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn

from gridtui.api.server import create_app
from gridtui.data.local import LocalSource
from tests.api.conftest import free_port
from tests.conftest import NOW, build_demo_city


@pytest.fixture(scope="session")
def sim_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city seeded up to ``NOW`` (seed 1), built once per session."""
    path = tmp_path_factory.mktemp("simcity") / "city.sqlite"
    build_demo_city(f"sqlite:///{path}", seed_no=1)
    return path


@pytest.fixture
def city_url(sim_template: Path, tmp_path: Path) -> str:
    """A private copy of the demo city for one test (SQLite)."""
    path = tmp_path / "city.sqlite"
    shutil.copyfile(sim_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def live_serve() -> Iterator[Callable[..., str]]:
    """``live_serve(source, port=None)`` → the URL of a real uvicorn over ``source``,
    on the source's own clock (real time, or the simulated clock published in the
    database). ``live_serve.stop()`` stops every server started so far."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(source: LocalSource, port: int | None = None) -> str:
        port = port or free_port()
        config = uvicorn.Config(create_app(source, heartbeat=1.0), host="127.0.0.1", port=port,
                                log_level="warning", lifespan="off",
                                timeout_graceful_shutdown=2)  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        running.append((server, thread))
        return f"http://127.0.0.1:{port}"

    def stop() -> None:
        for server, _ in running:
            server.should_exit = True
        for _, thread in running:
            thread.join(10)
        running.clear()

    start.stop = stop  # type: ignore[attr-defined]
    yield start
    stop()


__all__ = ["NOW"]
