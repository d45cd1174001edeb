"""Every write is retry-safe with an ``Idempotency-Key`` (issue 12): spot-check
adjustments and daily reports as well as ticket writes, over HTTP on both databases.
A repeated key answers with the first answer (``Idempotent-Replayed: true``) and
writes nothing; the key with another request is refused."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.models import DailyReportRow, ScoreEntry, Worker
from tests.conftest import NOW


def client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def ledger_rows(city, reason: str) -> int:
    with city.factory() as s:
        return int(s.scalar(select(func.count()).where(ScoreEntry.reason == reason)) or 0)


def unreported_worker(city) -> tuple[int, str]:
    filed = {r.worker_id for r in city.daily_reports(NOW).filed}
    with city.factory() as s:
        w = s.scalars(
            select(Worker).where(Worker.active.is_(True), Worker.id.not_in(filed or {0}))
        ).first()
        assert w is not None
        return w.id, w.code


def test_an_adjustment_repeated_with_its_key_is_written_once(server, city):
    token = create_token(city.factory, "sup", "supervisor", at=NOW)
    body = {"subject_kind": "worker", "subject_id": 1, "points": -5, "reason": "抽查一次"}
    with client(server, token) as c:
        answers = [
            c.post("/api/v1/adjustments", json=body, headers={"Idempotency-Key": "adj-1"})
            for _ in range(3)
        ]
        assert answers[0].status_code == 201, answers[0].text
        assert "Idempotent-Replayed" not in answers[0].headers
        for again in answers[1:]:
            assert again.status_code == 200, again.text
            assert again.headers["Idempotent-Replayed"] == "true"
            assert again.json() == {**answers[0].json(), "replayed": True}
        assert ledger_rows(city, "抽查一次") == 1
        # the same key with another request: refused, nothing written
        other = c.post(
            "/api/v1/adjustments", json={**body, "points": -9}, headers={"Idempotency-Key": "adj-1"}
        )
        assert other.status_code == 422
        assert "different request" in other.json()["error"]["message"]
        assert ledger_rows(city, "抽查一次") == 1
        # without a key each request is its own write
        for _ in range(2):
            assert c.post("/api/v1/adjustments", json=body).status_code == 201
        assert ledger_rows(city, "抽查一次") == 3


def test_an_adjustment_for_a_ticket_that_does_not_exist_is_refused(server, city):
    token = create_token(city.factory, "sup", "supervisor", at=NOW)
    body = {"subject_kind": "worker", "subject_id": 1, "points": -5, "reason": "无此工单",
            "ticket_id": 987_654_321}  # fmt: skip
    before = city.last_seq()
    with client(server, token) as c:
        r = c.post("/api/v1/adjustments", json=body)
        assert r.status_code == 422, r.text
        assert "no ticket 987654321" in r.json()["error"]["message"]
    assert ledger_rows(city, "无此工单") == 0
    assert city.last_seq() == before


def test_a_report_repeated_with_its_key_is_filed_once(server, city):
    token = create_token(city.factory, "desk", "officer", at=NOW)
    worker_id, code = unreported_worker(city)
    body = {"worker": code, "events": 2, "note": "两起"}
    with client(server, token) as c:
        first = c.post("/api/v1/reports", json=body, headers={"Idempotency-Key": "rep-1"})
        assert first.status_code == 201, first.text
        again = c.post("/api/v1/reports", json=body, headers={"Idempotency-Key": "rep-1"})
        assert again.status_code == 200, again.text
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == {**first.json(), "replayed": True}
        # a new request (another key) is the rules' business: one report a day
        third = c.post("/api/v1/reports", json=body, headers={"Idempotency-Key": "rep-2"})
        assert third.status_code == 422
        # a key from one kind of write is not a key for another
        adj = c.post(
            "/api/v1/reports", json={**body, "events": 3}, headers={"Idempotency-Key": "rep-1"}
        )
        assert adj.status_code == 422 and "different request" in adj.text
    day = city.daily_reports(NOW).day
    with city.factory() as s:
        n = s.scalar(
            select(func.count()).where(DailyReportRow.worker_id == worker_id,
                                       DailyReportRow.day == day)
        )  # fmt: skip
    assert n == 1


def test_an_open311_report_repeated_with_its_key_is_filed_once(server, city):
    from gridtui.data.storage.models import Ticket

    token = create_token(city.factory, "fixmystreet", "officer", at=NOW)
    form = {"api_key": token, "service_code": "env.noise", "address_string": "望湖社区",
            "description": "夜间施工"}  # fmt: skip
    with city.factory() as s:
        before = s.scalar(select(func.count()).select_from(Ticket))
    with httpx.Client(base_url=server, timeout=10) as c:
        url = "/open311/v2/requests.json"
        first = c.post(url, data=form, headers={"Idempotency-Key": "o-1"})
        assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
        again = c.post(url, data=form, headers={"Idempotency-Key": "o-1"})
        assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        other = c.post(url, data={**form, "description": "另一件事"},
                       headers={"Idempotency-Key": "o-1"})  # fmt: skip
        assert other.status_code == 400 and "different request" in other.json()[0]["description"]
    with city.factory() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == before + 1
