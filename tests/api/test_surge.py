"""Holding under a surge (issue 12): no second connection inside a transaction, and a
server that cannot keep up answers 503 with Retry-After instead of 500 or a hang."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select

from gridtui.api.busy import WriteGate
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import NewTicket
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage import sidereads
from gridtui.data.storage.db import PoolSettings
from gridtui.data.storage.models import Change, Ticket
from tests.api.conftest import LiveServers
from tests.conftest import NOW
from tests.waiting import until, until_async


@pytest.fixture
def small(city: LocalSource, db_url: str) -> Iterator[LocalSource]:
    """The demo city through one pooled connection, on the real clock (which reads the
    published clock spec from the database)."""
    src = LocalSource(db_url, pool=PoolSettings(size=1, overflow=0, timeout=10.0))
    yield src
    src.close()


def test_pool_sizes_follow_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = {w: PoolSettings.for_workers(w) for w in (1, 2, 4, 8, 64)}
    assert [(p.size, p.overflow) for p in sizes.values()] == [(8, 8), (8, 8), (6, 6), (3, 3),
                                                              (2, 2)]  # fmt: skip
    assert all(p.timeout == 3.0 for p in sizes.values())
    monkeypatch.setenv("GRIDTUI_POOL", sizes[4].to_env())
    assert PoolSettings.from_env() == sizes[4]


def _nesting(source: LocalSource) -> Counter[str]:
    """The most connections each thread held at once (main and side pools together)."""
    held: Counter[int] = Counter()
    most: Counter[str] = Counter()

    def out(*_: Any) -> None:
        me = threading.get_ident()
        held[me] += 1
        name = threading.current_thread().name
        most[name] = max(most[name], held[me])

    def back(*_: Any) -> None:
        held[threading.get_ident()] -= 1

    for engine in (source.engine, source.side_engine):
        event.listen(engine, "checkout", out)
        event.listen(engine, "checkin", back)
    return most


def _clock_at(at: datetime) -> Callable[[], datetime]:
    """A clock stopped at ``at``."""
    return lambda: at


def _count(source: LocalSource) -> int:
    with source.factory() as s:
        return int(s.scalar(select(func.count()).select_from(Ticket)) or 0)


def test_concurrent_intakes_never_take_a_second_connection(
    small: LocalSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the clock spec is read afresh each time it is asked: any clock read inside a
    # transaction (which may hold the change feed's lock) would take a second connection
    monkeypatch.setattr(sidereads, "SPEC_TTL", 0.0)
    before = _count(small)
    most = _nesting(small)

    def intake(i: int) -> int:
        new = NewTicket(title=f"surge {i}", category="utility.streetlight", channel="hotline",
                        grid="WH-HB-01-01", reporter="test")  # fmt: skip
        return small.open_ticket(new, role="officer", idempotency_key=f"k{i}").ticket_id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(intake, range(32)))
    assert len(set(ids)) == 32
    assert _count(small) == before + 32
    assert most and max(most.values()) == 1, dict(most)


def test_a_full_pool_answers_503_with_retry_after(
    city: LocalSource, db_url: str, serve: LiveServers
) -> None:
    src = LocalSource(db_url, pool=PoolSettings(size=1, overflow=0, timeout=0.3))
    token = create_token(city.factory, "hotline", "officer", at=NOW)
    auth = {"Authorization": f"Bearer {token}"}
    body = {"title": "积水", "category": "utility.streetlight", "channel": "hotline",
            "grid": "WH-HB-01-01"}  # fmt: skip
    try:
        base = serve(src)
        with httpx.Client(base_url=base, headers=auth, timeout=30) as c:
            assert c.get("/api/v1/me").status_code == 200  # the token is known
            with src.engine.connect():  # a writer holds the only connection
                r = c.post("/api/v1/tickets", json=body)
                assert r.status_code == 503, r.text
                assert r.headers["Retry-After"] == "2"
                assert r.json()["error"]["code"] == "busy"
                assert (
                    "no database connection came free within 0.3 s" in r.json()["error"]["message"]
                )
                # reads that need the pool say the same; the token check does not wait
                r = c.get("/api/v1/tickets/urgent")
                assert r.status_code == 503 and r.headers["Retry-After"] == "2"
                r = c.post("/open311/v2/requests.json", data={
                    "api_key": token, "service_code": "env.noise", "address_string": "望湖社区",
                })  # fmt: skip
                assert r.status_code == 503, r.text
                assert r.headers["Retry-After"] == "2"
            r = c.post("/api/v1/tickets", json=body)  # the connection is back
            assert r.status_code == 201, r.text
    finally:
        serve.stop()
        src.close()


def _open311_post(base: str, **fields: str) -> str:
    r = httpx.post(f"{base}/open311/v2/requests.json", data=fields, timeout=30)
    assert r.status_code == 200, r.text
    return str(r.json()[0]["service_request_id"])


def test_an_open311_report_sent_again_within_the_window_is_one_ticket(
    city: LocalSource, db_url: str, serve: LiveServers
) -> None:
    key = create_token(city.factory, "fixmystreet", "officer", at=NOW)
    report = {"api_key": key, "service_code": "order.sanitation", "description": "井盖缺失",
              "address_string": "柳岸社区第2网格 5号楼", "phone": "13900000000"}  # fmt: skip
    base = serve(city)
    before = _count(city)
    # a client that timed out sends the same report again, several times at once
    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(lambda _: _open311_post(base, **report), range(8)))
    assert len(ids) == 1 and _count(city) == before + 1
    (first,) = ids
    # another report (other text, or another phone) is another ticket
    assert _open311_post(base, **{**report, "description": "井盖缺失 (2)"}) != first
    assert _open311_post(base, **{**report, "phone": "13900000001"}) != first
    assert _count(city) == before + 3
    # nine minutes on, still the first ticket; eleven minutes on, the same text is new
    for minutes, same in ((9, True), (11, False)):
        later = LocalSource(db_url, clock=_clock_at(NOW + timedelta(minutes=minutes)))
        try:
            again = _open311_post(serve(later), **report)
        finally:
            serve.stop()
            later.close()
        assert (again == first) is same, minutes
    assert _count(city) == before + 4


@pytest.mark.slow
def test_the_sweeper_clears_a_backlog_in_steps_that_let_intake_through(city: LocalSource) -> None:
    for i in range(150):  # a backlog: these and the city's open tickets breach by next week
        new = NewTicket(title=f"积压 {i}", category="utility.streetlight", channel="hotline",
                        grid="WH-HB-01-01", reporter="test")  # fmt: skip
        city.service.open(new, at=NOW)
    week_on = NOW + timedelta(days=7)
    with city.factory() as s:
        due = int(s.scalar(
            select(func.count()).where(Ticket.closed_at.is_(None), Ticket.next_deadline <= week_on)
        ) or 0)  # fmt: skip
    assert due > 150
    commits: Counter[str] = Counter()
    event.listen(
        city.engine, "commit", lambda _c: commits.update([threading.current_thread().name])
    )
    results: list[Any] = []
    sweeper = threading.Thread(target=lambda: results.append(city.sweep(week_on)), name="sweeper")
    sweeper.start()
    try:
        # once the sweep has committed its first step, an intake goes through at once
        assert until(lambda: _breach_changes(city) > 0)
        new = NewTicket(title="暴雨积水", category="utility.streetlight", channel="hotline",
                        grid="WH-HB-01-01", reporter="test")  # fmt: skip
        opened = city.open_ticket(new, role="officer")
        assert sweeper.is_alive(), "the intake waited for the whole sweep"
    finally:
        sweeper.join(120)
    (result,) = results
    assert result.checked == due and result.breaches >= due
    assert 150 <= _breach_changes(city) <= due  # a few were marked already
    # small transactions (at most 50 tickets or 50 ms each), not one for everything
    assert commits["sweeper"] >= due / 50, commits
    with city.factory() as s:
        assert s.get(Ticket, opened.ticket_id) is not None


def _breach_changes(source: LocalSource) -> int:
    with source.factory() as s:
        return int(s.scalar(select(func.count()).where(Change.op == "breach")) or 0)


def test_writers_queued_too_long_get_503(city: LocalSource, db_url: str, serve: LiveServers):
    if not db_url.startswith("sqlite"):
        pytest.skip("only SQLite queues this process's writers")
    src = LocalSource(db_url, pool=PoolSettings(size=4, overflow=0, timeout=0.3))
    token = create_token(city.factory, "hotline", "officer", at=NOW)
    body = {"title": "积水", "category": "utility.streetlight", "channel": "hotline",
            "grid": "WH-HB-01-01"}  # fmt: skip
    try:
        base = serve(src)
        with httpx.Client(base_url=base, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as c:  # fmt: skip
            with src._write_lock.turn():  # a long write holds the turn
                r = c.post("/api/v1/tickets", json=body)
            assert r.status_code == 503, r.text
            assert r.headers["Retry-After"] == "2"
            assert r.json()["error"] == {
                "code": "busy",
                "message": "the server is busy: no turn to write came within 0.3 s; retry in 2 s",
            }
            assert c.post("/api/v1/tickets", json=body).status_code == 201
    finally:
        serve.stop()
        src.close()


async def test_the_write_gate_bounds_the_writes_in_progress() -> None:
    release = asyncio.Event()
    started: list[int] = []

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        started.append(1)  # past the gate: holding a slot
        await release.wait()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    gate = WriteGate(slow_app, limit=2, wait=0.2)
    transport = httpx.ASGITransport(app=gate)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        first = [asyncio.create_task(c.post("/api/v1/tickets")) for _ in range(2)]
        await until_async(lambda: len(started) == 2, "both writes holding their slots")
        third = await c.post("/api/v1/tickets")
        assert third.status_code == 503 and third.headers["Retry-After"] == "2"
        assert third.json()["error"]["code"] == "busy"
        geo = await c.post("/open311/v2/requests.json")
        assert geo.status_code == 503 and geo.json()[0]["code"] == 503
        release.set()
        assert [(await t).status_code for t in first] == [201, 201]
        assert (await c.get("/healthz")).status_code == 201  # reads are not gated
        assert (await c.post("/api/v1/tickets")).status_code == 201  # a slot is free again
