"""Bounded input on both APIs (issue 12): one table of limits (gridtui/api/limits.py)
for ``/api/v1`` and Open311, 413 for a body over the maximum (declared or chunked),
Open311 lists that no stored text can make huge, and control characters refused by
Open311 too; over HTTP on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
from sqlalchemy import func, select

from gridtui.api import limits
from gridtui.data.sources.records import NewTicket
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.models import Category, Node, Ticket
from tests.api.test_open311 import BASE, assert_error, both
from tests.conftest import NOW

BIG = "x" * (10 * 1024 * 1024)


def tickets(city) -> int:
    with city.factory() as s:
        return int(s.scalar(select(func.count()).select_from(Ticket)) or 0)


def ticket_body(city, **extra: str) -> dict[str, str]:
    with city.factory() as s:
        grid = s.scalars(select(Node.code).where(Node.level == "grid")).first()
        category = s.scalars(select(Category.code)).first()
    assert grid and category
    return {"title": "井盖", "category": category, "channel": "hotline", "grid": grid, **extra}


def chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * 8192
        sent += 8192


def test_bodies_over_the_maximum_are_413_on_both_apis(server, city):
    token = create_token(city.factory, "desk", "officer", at=NOW)
    before = tickets(city)
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server, timeout=30) as c:
        r = c.post("/api/v1/tickets", json=ticket_body(city, description=BIG), headers=auth)
        assert r.status_code == 413, r.text[:200]
        assert r.json()["error"]["code"] == "too_large"
        assert f"{limits.MAX_BODY:,} bytes" in r.json()["error"]["message"]
        # no Content-Length: counted as it streams in
        r = c.post(
            "/api/v1/reports",
            content=chunks(limits.MAX_BODY * 4),
            headers={**auth, "Content-Type": "application/json"},
        )
        assert "content-length" not in r.request.headers
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
        # Open311 answers in its own format, by the path's suffix
        big_form = {"api_key": token, "service_code": "x", "description": BIG}
        assert_error(both(c, "POST", "requests", data=big_form), 413, "larger than")
        answers = tuple(
            c.post(f"{BASE}/requests.{fmt}", content=chunks(limits.MAX_BODY * 4))
            for fmt in ("json", "xml")
        )
        assert_error(answers, 413, "larger than")
        # a body within the limit still goes through
        assert c.post("/api/v1/tickets", json=ticket_body(city), headers=auth).status_code == 201
    assert tickets(city) == before + 1


def test_every_text_field_has_its_limit_and_says_so(server, city):
    token = create_token(city.factory, "sup", "supervisor", at=NOW)
    auth = {"Authorization": f"Bearer {token}"}
    cases = [
        ("/api/v1/tickets", ticket_body(city, description="x" * (limits.DESCRIPTION + 1)),
         "description is longer than 4,000 characters"),
        ("/api/v1/tickets", ticket_body(city, title="x" * (limits.TITLE + 1)),
         "title is longer than 200 characters"),
        ("/api/v1/tickets", ticket_body(city, address="x" * (limits.ADDRESS + 1)),
         "address is longer than 200 characters"),
        ("/api/v1/tickets", ticket_body(city, grid="G" * (limits.CODE + 1)),
         "grid is longer than 64 characters"),
        ("/api/v1/reports", {"worker": "W0001", "note": "x" * (limits.NOTE + 1)},
         "note is longer than 2,000 characters"),
        ("/api/v1/adjustments", {"subject_kind": "worker", "subject_id": 1, "points": 1,
                                 "reason": "x" * (limits.REASON + 1)},
         "reason is longer than 500 characters"),
    ]  # fmt: skip
    before = city.last_seq()
    with httpx.Client(base_url=server, timeout=30, headers=auth) as c:
        for path, body, words in cases:
            r = c.post(path, json=body)
            assert r.status_code == 422, r.text[:300]
            assert words in r.json()["error"]["message"], r.text[:300]
        r = c.get("/api/v1/tickets", params={"q": "x" * (limits.QUERY_TEXT + 1)})
        assert r.status_code == 422 and "q is longer than 200" in r.json()["error"]["message"]
        # Open311: the same limits
        form = {"api_key": token, "service_code": ticket_body(city)["category"],
                "address_string": "望湖社区"}  # fmt: skip
        for name, limit in (("description", limits.DESCRIPTION), ("address_string", 200)):
            bad = {**form, name: "x" * (limit + 1)}
            assert_error(
                both(c, "POST", "requests", data=bad), 400, f"{name} is longer than {limit:,}"
            )
    assert city.last_seq() == before


def test_open311_refuses_control_characters(server, city):
    token = create_token(city.factory, "desk", "officer", at=NOW)
    before = tickets(city)
    with httpx.Client(base_url=server, timeout=10) as c:
        for value in ("\x00", "env\x00noise", "\x1b[2J"):
            answers = both(c, "GET", "requests", params={"service_code": value})
            assert_error(answers, 400, "service_code must not contain control characters")
            form = {"api_key": token, "service_code": value, "address_string": "望湖"}
            assert_error(both(c, "POST", "requests", data=form), 400, "control characters")
        assert_error(both(c, "GET", "services/a%00b"), 400, "control characters")
    assert tickets(city) == before


def test_open311_lists_cut_long_descriptions(server, city):
    """A ticket stored before the limits (or by another way in) with a huge
    description cannot make an anonymous list huge."""
    with city.factory() as s:
        public = s.scalars(select(Category.code).where(Category.personal.is_(False))).first()
        grid = s.scalars(select(Node.code).where(Node.level == "grid")).first()
    assert public and grid
    made = city.service.open(
        NewTicket("长描述", public, "hotline", grid, "duty:x", description="长" * 100_000),
        at=NOW,
    )
    with httpx.Client(base_url=server, timeout=30) as c:
        for path in ("requests.json", f"requests/{made.ticket_id}.json"):
            r = c.get(f"{BASE}/{path}", params={"service_code": public})
            assert r.status_code == 200
            mine = [x for x in r.json() if x["service_request_id"] == str(made.ticket_id)]
            assert len(mine[0]["description"]) == limits.DESCRIPTION
            assert mine[0]["description"].endswith("…")
            if path.startswith("requests/"):
                assert len(r.content) < 20_000
