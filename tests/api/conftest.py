"""API fixtures: the demo city on each backend, and real uvicorn servers on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from gridtui.api.server import create_app
from gridtui.api.serving import ApiServer
from gridtui.data.sources.local import LocalSource
from tests.conftest import NOW, fill_demo_city
from tests.waiting import until


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def city(db_url: str, factory, demo_city: Callable[[int], Path]) -> Iterator[LocalSource]:
    """The demo city (seed 3) on the test's database."""
    fill_demo_city(db_url, factory, demo_city, 3)
    src = LocalSource(db_url, clock=lambda: NOW)
    yield src
    src.close()


def fixed_clock() -> datetime:
    """The API tests' now."""
    return NOW


class LiveServers:
    """Real uvicorn servers on 127.0.0.1, each in a thread; :meth:`stop` stops them all
    (and joins their threads) before the sources close."""

    def __init__(self, clock: Callable[[], datetime] | None, heartbeat: float) -> None:
        self.clock, self.heartbeat = clock, heartbeat
        self.running: list[tuple[ApiServer, threading.Thread]] = []

    def __call__(
        self,
        source: LocalSource,
        heartbeat: float | None = None,
        port: int | None = None,
        public_url: str | None = None,
    ) -> str:
        port = port or free_port()
        app = create_app(source, clock=self.clock, heartbeat=heartbeat or self.heartbeat,
                         public_url=public_url or f"http://127.0.0.1:{port}")  # fmt: skip
        server = ApiServer(app, host="127.0.0.1", port=port, log_level="warning",
                           lifespan="off", timeout_graceful_shutdown=2)  # fmt: skip
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        until(lambda: server.started, "uvicorn to start")
        self.running.append((server, thread))
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        for server, _ in self.running:
            server.should_exit = True
        for _, thread in self.running:
            thread.join(10)
        self.running.clear()


@pytest.fixture
def serve() -> Iterator[LiveServers]:
    """``serve(source, heartbeat=…, port=…)`` → the base URL of a real uvicorn serving
    the API on the tests' fixed clock; ``serve.stop()`` stops every one started."""
    servers = LiveServers(fixed_clock, heartbeat=15.0)
    yield servers
    servers.stop()


@pytest.fixture
def server(city: LocalSource, serve: Callable[..., str]) -> str:
    """One server over the demo city."""
    return serve(city)
