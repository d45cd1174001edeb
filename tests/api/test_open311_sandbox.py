"""Open311's test endpoint (the sandbox) served for real by uvicorn over the demo city
(SQLite and PostgreSQL): the same routes, checks and documents as production, its
reports read back from the sandbox alone, never on the live counts (``gridtui stats``
run for real, ``GET /api/v1/stats``), the change feed or production's requests; and
cleared on demand and by the server's sweeper."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from gridtui.api.server import sweep_forever
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.public import RequestQuery
from gridtui.data.sources.records import NewTicket
from gridtui.data.sources.tokens import create_token, revoke_token
from gridtui.data.storage.models import Change, ScoreEntry, Ticket, TicketEvent
from tests.api.test_open311 import POST_SCHEMA, assert_error, validate, xml_of
from tests.conftest import NOW
from tests.waiting import until_async

SANDBOX = "/open311/sandbox/v2"
LIVE = "/open311/v2"
MARK = "沙箱测试 sandbox check"


def both(c: httpx.Client, method: str, path: str, **kw: Any) -> tuple[httpx.Response, ...]:
    """The sandbox's answers to ``path`` with ``.json`` and with ``.xml``."""
    out = tuple(c.request(method, f"{SANDBOX}/{path}.{fmt}", **kw) for fmt in ("json", "xml"))
    assert out[0].status_code == out[1].status_code
    return out


def cli_stats(url: str) -> dict[str, Any]:
    """``gridtui stats --json`` as of the tests' now, run for real."""
    r = subprocess.run(
        [sys.executable, "-m", "gridtui.cli", "--db", url, "stats", "--json", "--at",
         NOW.isoformat()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    data: dict[str, Any] = json.loads(r.stdout)
    return data


def live_state(c: httpx.Client, city: LocalSource, viewer: str) -> tuple[Any, ...]:
    """What anyone could see of the live centre: the API's stats, the change feed's
    position, and the rows of tickets, timelines, points and changes."""
    stats = c.get("/api/v1/stats", headers={"Authorization": f"Bearer {viewer}"})
    assert stats.status_code == 200, stats.text
    with city.factory() as s:
        rows = tuple(
            s.scalar(select(func.count()).select_from(t))
            for t in (Ticket, TicketEvent, ScoreEntry, Change)
        )
    return stats.json(), c.get("/healthz").json()["seq"], rows


@pytest.fixture
def c(server: str):
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


def test_sandbox_reports_never_reach_the_live_centre(c, city, db_url):
    officer = create_token(city.factory, "tester", "officer", at=NOW)
    viewer = create_token(city.factory, "wall", "viewer", at=NOW)
    before_cli, before = cli_stats(db_url), live_state(c, city, viewer)
    report = {"api_key": officer, "service_code": "order.sanitation",
              "address_string": "柳岸社区第2网格 5号楼"}  # fmt: skip
    ids = []
    for n, fmt in enumerate(["json", "xml", "json", "xml", "json"]):
        r = c.post(f"{SANDBOX}/requests.{fmt}", data={**report, "description": f"{MARK} {n}"})
        assert r.status_code == 200, r.text
        if fmt == "json":
            validate(r.json(), POST_SCHEMA)
            (answer,) = r.json()
        else:
            (answer,) = xml_of(r, "service_requests", "request")
        assert "expected by" in answer["service_notice"]
        ids.append(answer["service_request_id"])
    assert len(set(ids)) == 5

    # read back through the sandbox, in production's documents
    as_json, as_xml = both(c, "GET", "requests")
    listed = as_json.json()
    validate(listed, "requests.json")
    assert [x["service_request_id"] for x in listed] == ids[::-1]  # newest first
    assert [x["description"] for x in listed] == [f"{MARK} {n}" for n in range(4, -1, -1)]
    assert all(x["status"] == "open" and x["address_id"] == "WH-HB-01-02" for x in listed)
    assert xml_of(as_xml, "service_requests", "request")[0]["service_request_id"] == ids[-1]
    as_json, _ = both(c, "GET", f"requests/{ids[0]}")
    (one,) = as_json.json()
    assert one == listed[-1] and one["status_notes"] == "待派单 / New"
    ask = {"service_request_id": ",".join(ids[:2]), "status": "closed"}
    assert len(c.get(f"{SANDBOX}/requests.json", params=ask).json()) == 2
    assert c.get(f"{SANDBOX}/requests.json", params={"status": "closed"}).json() == []

    # the live centre saw nothing: counts (the CLI for real and the API), the change
    # feed, tickets, timelines, points; production's requests do not list them
    assert cli_stats(db_url) == before_cli
    assert live_state(c, city, viewer) == before
    live = c.get(f"{LIVE}/requests.json")
    assert live.status_code == 200 and MARK not in live.text
    for rid in ids:
        r = c.get(f"{LIVE}/requests/{rid}.json")
        assert r.status_code == 404 or MARK not in r.text

    # the same report in production: the same documents, the same deadline
    live_post = c.post(f"{LIVE}/requests.json", data={**report, "description": f"{MARK} 0"})
    (live_one,) = c.get(f"{LIVE}/requests/{live_post.json()[0]['service_request_id']}.json").json()
    keys = ("service_code", "service_name", "description", "address", "address_id",
            "status", "status_notes", "requested_datetime", "expected_datetime")  # fmt: skip
    assert {k: live_one[k] for k in keys} == {k: one[k] for k in keys}
    assert one["expected_datetime"] is not None


def test_the_sandbox_answers_as_production_does(c, city):
    officer = create_token(city.factory, "app", "officer", at=NOW)
    viewer = create_token(city.factory, "wall", "viewer", at=NOW)
    create_token(city.factory, "old-app", "supervisor", at=NOW)
    gone = create_token(city.factory, "older-app", "supervisor", at=NOW)
    revoke_token(city.factory, "older-app", at=NOW)
    # the real catalogue
    for path in ("services", "services/env.noise", "discovery"):
        sandbox, live = c.get(f"{SANDBOX}/{path}.json"), c.get(f"{LIVE}/{path}.json")
        assert sandbox.status_code == 200 and sandbox.json() == live.json()
    # the same rules for who may POST, the same checks
    report = {"service_code": "env.noise", "address_string": "望湖社区"}
    refusals = [
        ({}, 403, "api_key is missing"),
        ({"api_key": gone}, 403, "revoked"),
        ({"api_key": viewer}, 403, "viewer may not open_ticket"),
        ({"api_key": officer, "service_code": "nope"}, 400, "unknown service_code 'nope'"),
        ({"api_key": officer, "address_string": ""}, 400, "a location is required"),
        ({"api_key": officer, "description": "x" * 4001}, 400, "longer than 4,000 characters"),
        ({"api_key": officer, "address_string": "", "address_id": "ZZ"}, 400, "names no grid"),
    ]
    for fields, status, words in refusals:
        assert_error(both(c, "POST", "requests", data={**report, **fields}), status, words)
    assert_error(both(c, "GET", "requests/99999999"), 404, "no service request 99999999")
    assert_error(both(c, "GET", "nothing/here"), 404, "see discovery.json")
    assert c.get(f"{SANDBOX}/requests.json").json() == []

    # the same report again (no key: its content is the key) is the same request;
    # a client's key answers with its first answer, and refuses another report
    first = c.post(f"{SANDBOX}/requests.json", data={**report, "api_key": officer}).json()
    again = c.post(f"{SANDBOX}/requests.json", data={**report, "api_key": officer}).json()
    assert first == again
    key = {"Idempotency-Key": "k-1"}
    other = {**report, "api_key": officer, "description": "夜间施工"}
    keyed = c.post(f"{SANDBOX}/requests.json", data=other, headers=key)
    replay = c.post(f"{SANDBOX}/requests.json", data=other, headers=key)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == keyed.json()
    assert keyed.json() != first
    reused = c.post(f"{SANDBOX}/requests.json", data={**other, "description": "别的"},
                    headers=key)  # fmt: skip
    assert reused.status_code == 400 and "different request" in reused.json()[0]["description"]
    assert len(c.get(f"{SANDBOX}/requests.json").json()) == 2

    # cleared on demand: gone from the sandbox, its ids are never given again
    assert city.sandbox.clear(NOW + timedelta(seconds=1)) == 2
    assert_error(both(c, "GET", f"requests/{first[0]['service_request_id']}"), 404, "no service")
    newer = c.post(f"{SANDBOX}/requests.json", data={**report, "api_key": officer}).json()
    assert int(newer[0]["service_request_id"]) > int(keyed.json()[0]["service_request_id"])


def _file(city: LocalSource, at: datetime, text: str) -> int:
    new = NewTicket(title=text, category="env.noise", channel="citizen_app",
                    grid="WH-HB-01-02", reporter="open311:test", description=text)  # fmt: skip
    ticket_id, replayed = city.sandbox.file(new, at=at, idempotency_key=text)
    assert not replayed
    return ticket_id


async def test_the_sweeper_clears_old_sandbox_reports(city):
    old = _file(city, NOW - timedelta(hours=25), "yesterday's test")
    recent = _file(city, NOW - timedelta(hours=23), "today's test")

    def kept() -> set[int]:
        return {t.id for t in city.sandbox.tickets(RequestQuery(ids=(old, recent)))}

    assert kept() == {old, recent}
    sweeper = asyncio.create_task(sweep_forever(city, 60.0, timedelta(hours=24)))
    try:
        await until_async(lambda: kept() == {recent}, "the sweeper to clear the old report")
    finally:
        sweeper.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sweeper
