"""The run's demo city copied for a test, and a real uvicorn serving the API over it
(on 127.0.0.1, in a thread) with a bulletins folder."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gridtui.api.server import create_app
from gridtui.api.serving import ApiServer
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.tokens import create_token
from tests.api.conftest import fixed_clock, free_port
from tests.conftest import NOW
from tests.waiting import until


def city_copy(template: Path, folder: Path) -> str:
    """A copy of the demo city's SQLite file in ``folder``; its URL."""
    path = folder / "city.sqlite"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@contextmanager
def api_server(source: LocalSource, bulletins: Path | None) -> Iterator[tuple[str, str]]:
    """A real server over ``source`` serving ``bulletins``; (its URL, a viewer token)."""
    token = create_token(source.factory, f"bulletins-{free_port()}", "viewer", at=NOW)
    port = free_port()
    app = create_app(source, clock=fixed_clock, bulletins=bulletins)
    server = ApiServer(app, host="127.0.0.1", port=port, log_level="warning",
                       lifespan="off", timeout_graceful_shutdown=2)  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    until(lambda: server.started, "uvicorn to start")
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(10)
