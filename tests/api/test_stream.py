"""The SSE change stream against a real uvicorn: every change once, in order, resumed
after Last-Event-ID, heartbeats on an idle link, several servers on one database."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import Anchor, QueueQuery
from gridtui.data.sources.tokens import create_token
from tests.conftest import NOW


@pytest.fixture
def servers(city: LocalSource, serve) -> Iterator[list[str]]:
    """Two servers on one database, each with its own source (as two processes would)."""
    other = LocalSource(city.url, clock=lambda: NOW)
    yield [serve(city, heartbeat=0.3), serve(other, heartbeat=0.3)]
    serve.stop()  # the servers go before the source they read closes
    other.close()


def read_events(
    response: httpx.Response, n: int, *, timeout: float = 10
) -> tuple[list[dict[str, Any]], int]:
    events: list[dict[str, Any]] = []
    beats = 0
    deadline = time.monotonic() + timeout
    data = None
    for line in response.iter_lines():
        if line.startswith(": heartbeat"):
            beats += 1
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and data is not None:
            events.append(data)
            data = None
        if len(events) >= n or time.monotonic() > deadline:
            break
    return events, beats


def act_on(city: LocalSource, n: int) -> list[int]:
    rows = city.queue(QueueQuery(), Anchor.FIRST, None, n).rows
    for r in rows:
        city.act(r.id, "note", role="officer", actor="duty:test", note="跟进")
    return [r.id for r in rows]


def test_every_change_once_in_order_and_resumed_after_a_drop(city, servers):
    token = create_token(city.factory, "wall-sse", "viewer", at=NOW)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    start = city.last_seq()
    with httpx.Client(timeout=10) as c:
        with c.stream("GET", f"{servers[0]}/api/v1/changes?since={start}", headers=headers) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            ids = act_on(city, 3)
            events, _ = read_events(r, 3)
        assert [e["id"] for e in events] == ids
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(seqs) and seqs[0] == start + 1
        # the link drops; two more changes happen; the client resumes after its last id
        missed = act_on(city, 2)
        resume = {**headers, "Last-Event-ID": str(seqs[-1])}
        with c.stream("GET", f"{servers[1]}/api/v1/changes", headers=resume) as r:
            again, _ = read_events(r, 2)
        assert [e["id"] for e in again] == missed
        assert [e["seq"] for e in again] == [seqs[-1] + 1, seqs[-1] + 2]


def test_idle_links_get_heartbeats_and_need_a_token(city, servers):
    token = create_token(city.factory, "wall-idle", "viewer", at=NOW)
    with httpx.Client(timeout=10) as c:
        r = c.get(f"{servers[0]}/api/v1/changes", headers={"Accept": "text/event-stream"})
        assert r.status_code == 401
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        with c.stream(
            "GET", f"{servers[0]}/api/v1/changes?since={city.last_seq()}", headers=headers
        ) as r:
            events, beats = read_events(r, 1, timeout=1.2)
        assert events == [] and beats >= 2
        bad = c.get(f"{servers[0]}/api/v1/changes", headers={**headers, "Last-Event-ID": "x"})
        assert bad.status_code == 400


def test_stopping_the_server_ends_the_streams_cleanly(city, serve):
    # the server ends each stream as a finished response before it stops (uvicorn alone
    # waits for them, then cuts them off mid-response with an error in its log)
    base = serve(city, heartbeat=60.0)
    token = create_token(city.factory, "wall-stop", "viewer", at=NOW)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    with httpx.Client(timeout=10) as c:
        since = city.last_seq()
        with c.stream("GET", f"{base}/api/v1/changes?since={since}", headers=headers) as r:
            lines = r.iter_lines()
            assert next(lines).startswith("retry:")
            stopping = threading.Thread(target=serve.stop)
            stopping.start()
            rest = list(lines)  # ends without an incomplete-body error
        stopping.join()
    assert all(line == "" or line.startswith(":") for line in rest), rest
