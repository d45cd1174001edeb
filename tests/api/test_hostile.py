"""Hostile input over HTTP on both databases (issue 12): hand-made cursors, NUL and
control characters, unknown actions. Whatever is sent, a 4xx JSON error, never a 500."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from gridtui.data.sources.records import Anchor, QueueQuery
from gridtui.data.sources.tokens import create_token
from tests.conftest import NOW


def client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


HAND_MADE = [
    b64([0, "x", 1]),
    b64([5]),
    b64([0]),
    b64([]),
    b64({}),
    b64("x"),
    b64(None),
    b64([True, 1]),
    b64([-1, {"t": "2026-11-24T02:00:00+00:00"}, 1]),
    b64([0, {"t": "2026-11-24T02:00:00"}, 1]),  # a naive time
    b64([0, {"t": "2026-11-24T02:00:00+00:00"}]),
    b64([0, {"t": "2026-11-24T02:00:00+00:00"}, 1, 2]),
    b64([0, {"t": "not a time"}, 1]),
    b64([0, {"t": 5}, 1]),
    b64([0, {"t": "2026-11-24T02:00:00+00:00", "x": 1}, 1]),
    b64([0, {"t": "0001-01-01T00:00:00+14:00"}, 1]),
    b64([0, {"t": "2026-11-24T02:00:00+00:00"}, "1"]),
    b64([0, {"t": "2026-11-24T02:00:00+00:00"}, 2**70]),
    b64([0, {"t": "2026-11-24T02:00:00+00:00"}, 0]),
    b64([0, {"t": "2026-11-24T02:00:00+00:00"}, 1.5]),
    b64([0, {"t": "2026-11-24T02:00:00+00:00"}, None]),
    b64([1, {"t": "2026-11-24T02:00:00+00:00"}, 1]),  # segment 1 has only the id
    b64([0, [[[[[[1]]]]]], 1]),
    b64([0, 1e999, 1]),
    "%%%",
    "x" * 600,
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    b64("[" * 300),
]


@pytest.mark.parametrize("sort", ["deadline", "colour", "age"])
def test_hand_made_cursors_are_400_bad_cursor_never_500(server, city, sort):
    token = create_token(city.factory, "sup", "supervisor", at=NOW)
    with client(server, token) as c:
        for cursor in HAND_MADE:
            for side in ("after", "before"):
                r = c.get("/api/v1/tickets", params={"sort": sort, side: cursor})
                assert r.status_code in (400, 422), (cursor, r.status_code, r.text)
                if r.status_code == 400:
                    assert r.json()["error"]["code"] == "bad_cursor", r.text
        # the server's own cursors still page, forwards and back
        page = c.get("/api/v1/tickets", params={"sort": sort, "limit": 5}).json()
        nxt = c.get("/api/v1/tickets", params={"sort": sort, "limit": 5, "after": page["next"]})
        assert nxt.status_code == 200
        back = c.get(
            "/api/v1/tickets", params={"sort": sort, "limit": 5, "before": nxt.json()["prev"]}
        )
        assert [t["id"] for t in back.json()["tickets"]] == [t["id"] for t in page["tickets"]]


def test_a_cursor_of_another_sort_order_is_bad(server, city):
    token = create_token(city.factory, "sup", "supervisor", at=NOW)
    with client(server, token) as c:
        page = c.get("/api/v1/tickets", params={"sort": "colour", "limit": 3}).json()
        last = c.get("/api/v1/tickets", params={"sort": "age", "after": page["next"]})
        # a colour cursor names segment numbers the age order does not have, or the
        # wrong columns: either way not a cursor of this order
        assert last.status_code == 400, last.text
        assert last.json()["error"]["code"] == "bad_cursor"


NUL = "\x00"


def test_nul_and_controls_in_query_strings_are_422(server, city):
    token = create_token(city.factory, "sup", "supervisor", at=NOW)
    with client(server, token) as c:
        for path in ("/api/v1/tickets", "/api/v1/tickets/count"):
            for name in ("q", "status", "colour", "channel", "category"):
                for bad in (NUL, f"a{NUL}b", "\x1b[2J", "\x7f"):
                    r = c.get(path, params={name: bad})
                    assert r.status_code == 422, (path, name, bad, r.text)
                    err = r.json()["error"]
                    assert err["code"] == "invalid"
                    assert "control characters" in err["fields"][0]["message"]
                    assert err["fields"][0]["field"].startswith(f"query.{name}")
        r = c.get("/api/v1/tickets", params={"after": NUL})
        assert r.status_code == 422
        # ordinary text still searches
        assert c.get("/api/v1/tickets", params={"q": "路灯"}).status_code == 200


def test_nul_in_json_codes_is_422_and_nothing_is_written(server, city):
    token = create_token(city.factory, "sup", "supervisor", at=NOW)
    ticket = city.queue(QueueQuery(statuses=frozenset({"new"})), Anchor.FIRST, None, 1).rows[0]
    before = city.last_seq()
    ok_ticket = {"title": "t", "category": "x", "channel": "hotline", "grid": "G"}
    cases = [
        ("/api/v1/tickets", {**ok_ticket, "category": NUL}, "category"),
        ("/api/v1/tickets", {**ok_ticket, "grid": f"G{NUL}"}, "grid"),
        ("/api/v1/reports", {"worker": f"W0001{NUL}"}, "worker"),
        (f"/api/v1/tickets/{ticket.id}/actions", {"action": "dispatch", "target": NUL}, "target"),
        (f"/api/v1/tickets/{ticket.id}/actions", {"action": f"note{NUL}"}, "action"),
    ]
    with client(server, token) as c:
        for path, body, field in cases:
            r = c.post(path, json=body)
            assert r.status_code == 422, (path, body, r.text)
            assert r.json()["error"]["fields"][0]["field"] == field, r.text
            assert "control characters" in r.json()["error"]["fields"][0]["message"]
        r = c.post("/api/v1/tickets", json=ok_ticket, headers={"Idempotency-Key": "k" * 101})
        assert r.status_code == 422
    assert city.last_seq() == before
    # free text is outside text the service cleans: a NUL in a note is dropped, no 500
    with client(server, token) as c:
        r = c.post(f"/api/v1/tickets/{ticket.id}/actions", json={"action": "note",
                                                                  "note": f"a{NUL}b"})  # fmt: skip
        assert r.status_code == 200, r.text
    assert any(e.note == "ab" for e in city.ticket(ticket.id, NOW).timeline)


def test_an_unknown_action_is_422_naming_the_known_ones(server, city):
    viewer = create_token(city.factory, "wall", "viewer", at=NOW)
    ticket = city.queue(QueueQuery(), Anchor.FIRST, None, 1).rows[0]
    with client(server, viewer) as c:
        r = c.post(f"/api/v1/tickets/{ticket.id}/actions", json={"action": "explode"})
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["code"] == "invalid"
        assert "unknown action 'explode'" in err["message"] and "dispatch" in err["message"]
        # a known action the role may not do is still 403
        r = c.post(f"/api/v1/tickets/{ticket.id}/actions", json={"action": "note"})
        assert r.status_code == 403


def test_open311_discovery_names_the_configured_url_never_the_host_header(serve, city):
    server = serve(city)
    with httpx.Client(base_url=server, timeout=10) as c:
        for fmt in ("json", "xml"):
            r = c.get(f"/open311/v2/discovery.{fmt}", headers={"Host": "evil.example"})
            assert r.status_code == 200
            assert "evil.example" not in r.text
        doc = c.get("/open311/v2/discovery.json", headers={"Host": "evil.example"}).json()
        assert doc["endpoints"][0]["url"] == f"{server}/open311/v2"
    other = serve(city, public_url="https://centre.example.org/")
    with httpx.Client(base_url=other, timeout=10) as c:
        doc = c.get("/open311/v2/discovery.json", headers={"Host": "evil.example"}).json()
    assert doc["endpoints"][0]["url"] == "https://centre.example.org/open311/v2"


def test_the_default_public_url_comes_from_the_bind_address():
    from gridtui.config import public_url_for

    assert public_url_for("127.0.0.1", 8765) == "http://127.0.0.1:8765"
    assert public_url_for("::1", 80) == "http://[::1]:80"
    assert "0.0.0.0" not in public_url_for("0.0.0.0", 8765)
