"""The API served for real by uvicorn on 127.0.0.1, over the demo city (SQLite and
PostgreSQL): tokens, 401/403, keyset pages, actions audited with the token's name."""

from __future__ import annotations

import httpx

from gridtui.data.sources.tokens import create_token, list_tokens, revoke_token, verify_token
from tests.conftest import NOW


def client(base: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base, headers=headers, timeout=10)


def test_tokens_are_shown_once_and_stored_hashed(city):
    secret = create_token(city.factory, "desk-1", "officer", at=NOW)
    assert secret.startswith("gt_") and len(secret) > 40
    from sqlalchemy import text

    with city.factory() as s:
        stored = s.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert secret not in stored and len(stored) == 1
    info = verify_token(city.factory, secret)
    assert info is not None and info.role == "officer"
    assert verify_token(city.factory, secret + "x") is None
    revoke_token(city.factory, "desk-1", at=NOW)
    assert verify_token(city.factory, secret) is None
    assert [t.active for t in list_tokens(city.factory)] == [False]


def test_every_api_request_needs_a_valid_token(server, city):
    with client(server) as c:
        assert c.get("/healthz").json()["ok"] is True
        r = c.get("/api/v1/stats")
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    with client(server, "gt_not-a-token") as c:
        assert c.get("/api/v1/tickets").status_code == 401
    secret = create_token(city.factory, "wall", "viewer", at=NOW)
    with client(server, secret) as c:
        stats = c.get("/api/v1/stats").json()
        assert stats["open"] == city.overview(NOW).open


def test_pages_by_key_over_http_equal_the_source(server, city):
    secret = create_token(city.factory, "sup", "supervisor", at=NOW)
    seen: list[int] = []
    with client(server, secret) as c:
        url = "/api/v1/tickets?limit=7&sort=colour"
        page = c.get(url).json()
        while True:
            seen += [t["id"] for t in page["tickets"]]
            if not page["next"]:
                break
            page = c.get(url + f"&after={page['next']}").json()
        r = c.get("/api/v1/tickets?after=garbage")
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cursor"
        r = c.get("/api/v1/tickets?limit=0")
        assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "query.limit"
    from gridtui.data.sources.records import Anchor, QueueQuery

    want = [r.id for r in city.queue(QueueQuery(sort="colour"), Anchor.FIRST, None, 10_000).rows]
    assert seen == want


def test_writes_are_role_checked_and_audited_with_the_token(server, city):
    viewer = create_token(city.factory, "wall-2", "viewer", at=NOW)
    officer = create_token(city.factory, "desk-7", "officer", at=NOW)
    from gridtui.data.sources.records import Anchor, QueueQuery

    new = city.queue(QueueQuery(statuses=frozenset({"new"})), Anchor.FIRST, None, 1).rows[0]
    body = {"action": "dispatch", "target": "W0001", "expected_version": new.version}
    with client(server, viewer) as c:
        r = c.post(f"/api/v1/tickets/{new.id}/actions", json=body)
        assert r.status_code == 403 and "viewer may not dispatch" in r.json()["error"]["message"]
    with client(server, officer) as c:
        r = c.post(f"/api/v1/tickets/{new.id}/actions", json=body)
        assert r.status_code == 200 and r.json()["status"] == "dispatched"
        again = c.post(f"/api/v1/tickets/{new.id}/actions", json=body)
        assert again.status_code == 409 and again.json()["error"]["code"] == "stale"
        detail = c.get(f"/api/v1/tickets/{new.id}").json()
        assert detail["timeline"][-1]["actor"] == "token:desk-7"
        r = c.post(f"/api/v1/tickets/{new.id}/actions", json={"action": "verify"})
        assert r.status_code == 403
        r = c.post("/api/v1/tickets", json={"title": "井盖缺失", "category": "nope",
                                           "channel": "hotline", "grid": "X"})  # fmt: skip
        assert r.status_code == 422 and r.json()["error"]["code"] == "refused"
        r = c.post("/api/v1/tickets", json={"category": "x"})
        assert r.status_code == 422
        # (a grid or a location is asked for once the required fields are there)
        assert {f["field"] for f in r.json()["error"]["fields"]} >= {"title", "channel"}
        assert c.get("/api/v1/tickets/999999").status_code == 404


def test_read_endpoints_mirror_the_source(server, city):
    secret = create_token(city.factory, "ro", "viewer", at=NOW)
    with client(server, secret) as c:
        board = c.get("/api/v1/board").json()
        assert board["node"]["tickets"] == city.board(None).node.tickets
        child = board["cells"][0]["node"]["id"]
        assert c.get(f"/api/v1/board?node={child}").json()["node"]["node"]["id"] == child
        assert c.get("/api/v1/board?node=999999").status_code == 404
        nodes = c.get("/api/v1/hierarchy").json()
        assert len(nodes["nodes"]) == len(city.reference().nodes)
        sla = c.get("/api/v1/sla?limit=20").json()["clocks"]
        assert [r["clock"]["name"] for r in sla] == [r.clock.name for r in city.sla_board(NOW, 20)]
        cards = c.get("/api/v1/scorecards?period=month&limit=5").json()
        assert [w["code"] for w in cards["workers"]] == [
            w.code for w in city.scorecards("month", NOW, 5).workers
        ]
        assert c.get("/api/v1/scorecards?period=decade").status_code == 422
        trend = c.get("/api/v1/trend?span=7d").json()["points"]
        assert len(trend) == 7
        missing = c.get("/api/v1/reports/missing").json()
        assert missing["missing"] == city.overview(NOW).missing_count
        seq = c.get("/api/v1/changes").json()["seq"]
        assert seq == city.last_seq()
        assert c.get("/openapi.json").json()["info"]["title"] == "gridtui"
