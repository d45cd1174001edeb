"""A bounded fuzz run of the published OpenAPI schema (schemathesis) against a real
server on 127.0.0.1 over the demo city: whatever a client sends, authorised or not,
the server answers with a 2xx/4xx and a JSON error, never a 5xx.

Bounded: :data:`EXAMPLES` cases per operation (about 30 operations), each a real
request; the run takes well under a minute on the project's 2-core machines.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from gridtui.api.server import create_app
from gridtui.api.serving import ApiServer
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.db import make_engine, session_factory
from tests.api.conftest import free_port
from tests.conftest import NOW
from tests.waiting import until

#: one worker runs the module: one server over one demo city
pytestmark = pytest.mark.xdist_group("fuzz")

EXAMPLES = 25


@pytest.fixture(scope="module")
def fuzz_server(
    tmp_path_factory: pytest.TempPathFactory, demo_city: Callable[[int], Path]
) -> Iterator[tuple[str, str]]:
    """(base URL, supervisor token) of a server over its own copy of a demo city."""
    path: Path = tmp_path_factory.mktemp("fuzz") / "city.sqlite"
    shutil.copyfile(demo_city(5), path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    token = create_token(session_factory(engine), "fuzz", "supervisor", at=NOW)
    engine.dispose()
    source = LocalSource(url, clock=lambda: NOW)
    port = free_port()
    server = ApiServer(create_app(source, clock=lambda: NOW), host="127.0.0.1", port=port,
                       log_level="warning", lifespan="off")  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    until(lambda: server.started, "uvicorn to start")
    yield f"http://127.0.0.1:{port}", token
    server.should_exit = True
    thread.join(10)
    source.close()


@pytest.fixture(scope="module")
def api_schema(fuzz_server: tuple[str, str]) -> schemathesis.schemas.BaseSchema:
    base, _ = fuzz_server
    return schemathesis.openapi.from_url(f"{base}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    """One keep-alive session for every case (a connection per case cost more than the
    cases), not looking for proxies in the environment at each request."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases every run: a red run is reproducible
)
def test_no_request_makes_the_server_fail(case, fuzz_server, http) -> None:
    _, token = fuzz_server
    response = case.call_and_validate(
        session=http,
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error],
        timeout=10,
    )
    assert response.status_code < 500
    if response.status_code >= 400 and case.path.startswith("/api/v1"):
        error = response.json()["error"]
        assert error["code"] and error["message"]


def test_without_a_token_every_api_operation_is_refused(fuzz_server) -> None:
    import httpx

    base, _ = fuzz_server
    spec = httpx.get(f"{base}/openapi.json").json()
    paths = [p for p in spec["paths"] if p.startswith("/api/v1")]
    assert len(paths) >= 12
    with httpx.Client(base_url=base) as c:
        for path in paths:
            for method in spec["paths"][path]:
                url = path.replace("{ticket_id}", "1")
                r = c.request(method.upper(), url, json={})
                assert r.status_code == 401, (method, path, r.status_code)
