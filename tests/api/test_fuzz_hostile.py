"""Hostile input against a real server on 127.0.0.1, on SQLite and on PostgreSQL:
`/api/v1` and Open311 GeoReport v2 with strategies a schema fuzzer does not reach —
paging cursors that decode (well-formed JSON of every wrong shape), NUL and other
control characters, bidi and zero-width marks, huge strings and bodies, unknown actions
and codes. Whatever comes, the answer is a 2xx or a specific 4xx, never a 5xx and never a
hang (every request has a timeout).

Bounded: :data:`EXAMPLES` cases per test, derandomised (the same cases every run: a red
run is reproducible), about half a minute per backend.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.db import make_engine, session_factory
from tests.api.conftest import LiveServers
from tests.conftest import NOW, _pg_database, build_demo_city

#: one worker runs the module: one server over one demo city per backend
pytestmark = pytest.mark.xdist_group("fuzz_hostile")

EXAMPLES = 60
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

# -- strategies ---------------------------------------------------------------------------

_NASTY = [
    "\x00", "\x01", "\x07", "\x1b[2J", "\x1b]0;pwned\x07", "\x1b]52;c;ZXZpbA==\x07", "\x7f",
    "\x9b", "\u202e", "\u2066", "\u2069", "\u200f", "\u061c", "\u200b", "\u200d", "\ufeff",
    "\r\n", "\ud7ff", "' OR 1=1 --", "%00", "../../etc/passwd", "[bold]x[/]", "<x>&",
    "=HYPERLINK(\"http://x\")", "社区网格", "🙂",
]  # fmt: skip
#: lengths on both sides of every limit a route may have, and far beyond
_SIZES = [0, 1, 32, 33, 80, 81, 100, 101, 200, 201, 500, 501, 2000, 2001, 4000, 4001,
          20_000, 70_000, 1_100_000]  # fmt: skip


@st.composite
def hostile(draw: st.DrawFn) -> str:
    """A string as an attacker or a broken client sends it."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.text(max_size=40))
    if kind == 1:
        parts = draw(st.lists(st.sampled_from(_NASTY) | st.text(max_size=5), max_size=6))
        return "".join(parts)
    if kind == 2:
        size = draw(st.sampled_from(_SIZES))
        return draw(st.sampled_from(["x", "网", "\x00", "\u202e", "a\x00"])) * size
    return draw(st.sampled_from(_NASTY)) + draw(st.text(max_size=10))


_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.text(max_size=20), st.sampled_from(["", "\x00", "red", "new"]),
    st.builds(lambda s: {"t": s}, st.sampled_from([
        "2026-11-24T02:00:00+00:00", "2026-11-24T02:00:00", "not a time", "9999-12-31T23:59:59",
        "0001-01-01T00:00:00+00:00", "2026-11-24T02:00:00+14:00", "",
    ])),
    st.builds(lambda s: {"t": s}, st.integers()), st.just({}), st.just({"x": 1}),
    st.lists(st.integers(), max_size=2),
)  # fmt: skip


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _encoded(values: Any) -> str:
    return _b64(json.dumps(values).encode())


cursors = st.one_of(
    # well-formed JSON lists of every shape: what a hand-made cursor looks like (a
    # number first, as in the server's own, so that they get past the first check)
    st.builds(
        lambda h, rest: _encoded([h, *rest]), st.integers(-3, 2**64), st.lists(_scalar, max_size=4)
    ),
    st.builds(
        lambda h, rest: _encoded([h, *rest]),
        st.integers(0, 4),
        st.lists(_scalar, min_size=1, max_size=3),
    ),
    st.lists(_scalar, max_size=5).map(_encoded),
    st.builds(lambda v: _b64(json.dumps(v).encode()), _scalar),
    st.binary(max_size=40).map(_b64),
    hostile(),
)

SORTS = ["deadline", "colour", "age", "x"]
ACTIONS = ["dispatch", "accept", "arrive", "resolve", "feedback", "verify", "note", "escalate",
           "assist", "reopen", "reject", "merge", "recolour", "cancel", "open", "import",
           "explode", ""]  # fmt: skip

# -- the server ---------------------------------------------------------------------------


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def hostile_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    demo_city: Callable[[int], Path],
) -> Iterator[tuple[str, str]]:
    """(base URL, supervisor token) of a real server over its own demo city."""
    pg = None
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("hostile") / "city.sqlite"
        shutil.copyfile(demo_city(5), path)  # the run's copy, built once
        url = f"sqlite:///{path}"
    else:
        pg = _pg_database()
        url = next(pg)
        build_demo_city(url, seed_no=5)
    engine = make_engine(url)
    token = create_token(session_factory(engine), "fuzz", "supervisor", at=NOW)
    engine.dispose()
    source = LocalSource(url, clock=lambda: NOW)
    servers = LiveServers(lambda: NOW, heartbeat=15.0)  # the API tests' real uvicorn
    try:
        yield servers(source), token
    finally:
        servers.stop()
        source.close()
        if pg is not None:
            for _ in pg:
                pass


@pytest.fixture(scope="module")
def client(hostile_server: tuple[str, str]) -> Iterator[httpx.Client]:
    base, token = hostile_server
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def known(client: httpx.Client) -> dict[str, Any]:
    """Real codes to mix in, so that cases get past the first check."""
    ref = client.get("/api/v1/reference").json()
    page = client.get("/api/v1/tickets", params={"limit": 5}).json()
    grids = [n["code"] for n in ref["nodes"].values() if n["level"] == "grid"][:5]
    return {
        "grids": grids,
        "categories": [c["code"] for c in ref["categories"].values()][:5],
        "workers": [w["code"] for w in ref["workers"].values()][:5],
        "tickets": [t["id"] for t in page["tickets"]],
        "cursors": [page["first"], page["last"], page["next"]],
    }


def _q(value: Any) -> Any:
    """A value for a query string: URLs stay under every client's and server's limit
    (huge values go in bodies)."""
    return value[:2000] if isinstance(value, str) else value


def _ok(r: httpx.Response, api: str = "v1") -> None:
    """Never a server error; a refusal says what and why in the route's own format."""
    assert r.status_code < 500, (r.request.method, str(r.request.url)[:300], r.text[:500])
    if r.status_code >= 400 and api == "v1":
        error = r.json()["error"]
        assert error["code"] and error["message"]


def _or(known_values: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(known_values) | hostile()


def _field(data: Any, good: list[Any]) -> Any:
    """A good value, or (one time in five) a hostile one."""
    return data.draw(hostile() if _rarely(data) else st.sampled_from(good))


# -- /api/v1 ------------------------------------------------------------------------------


def _rarely(data: Any) -> bool:
    """True one time in five: one hostile dimension at a time reaches deeper code."""
    return bool(data.draw(st.integers(0, 4)) == 0)


_FILTER_VALUES = {
    "status": ["new", "dispatched", "resolved"], "colour": ["red", "blue"],
    "channel": ["hotline", "patrol"], "category": ["env.noise"], "level": ["grid", "street"],
}  # fmt: skip


@settings(FUZZ, max_examples=3 * EXAMPLES)
@given(data=st.data())
def test_paging_cursors_and_filters(client: httpx.Client, known: dict[str, Any], data) -> None:
    params: dict[str, Any] = {
        "sort": data.draw(st.sampled_from(SORTS if _rarely(data) else SORTS[:3])),
        "limit": data.draw(st.sampled_from([1, 50, 500, 501, 0] if _rarely(data) else [1, 50])),
    }
    where = data.draw(st.sampled_from(["after", "before", "both", "none"]))
    cursor = _q(data.draw(st.sampled_from([c for c in known["cursors"] if c]) | cursors))
    if data.draw(st.booleans()):
        # a real cursor with one value changed: the right shape, a wrong type or value
        real = json.loads(base64.urlsafe_b64decode(known["cursors"][0] + "=="))
        real[data.draw(st.integers(0, len(real) - 1))] = data.draw(_scalar)
        cursor = _encoded(real)
    if where in ("after", "both"):
        params["after"] = cursor
    if where in ("before", "both"):
        params["before"] = _q(data.draw(cursors))
    for name, values in _FILTER_VALUES.items():
        if _rarely(data):
            params[name] = _q(data.draw(st.sampled_from(values) | hostile()))
    if _rarely(data):
        params["q"] = _q(data.draw(hostile()))
    for name in ("node", "worker", "department"):
        if _rarely(data):
            params[name] = _q(data.draw(st.integers(-5, 2**64) | hostile()))
    _ok(client.get("/api/v1/tickets", params=params))
    params.pop("after", None), params.pop("before", None)
    _ok(client.get("/api/v1/tickets/count", params=params))


@FUZZ
@given(data=st.data())
def test_intake(client: httpx.Client, known: dict[str, Any], data) -> None:
    body = {
        "title": _field(data, ["积水", "路灯不亮"]),
        "category": _field(data, known["categories"]),
        "channel": _field(data, ["hotline", "patrol", "app"]),
        "grid": _field(data, known["grids"]),
        "description": _field(data, ["", "三楼漏水"]),
        "address": _field(data, ["", "幸福路1号"]),
    }
    if data.draw(st.booleans()):
        body["colour"] = _field(data, ["red", "blue"])
    key = data.draw(st.none() | st.text(st.characters(min_codepoint=33, max_codepoint=126)))
    headers = {"Idempotency-Key": key} if key else {}
    _ok(client.post("/api/v1/tickets", json=body, headers=headers))


@FUZZ
@given(data=st.data())
def test_actions_reports_and_adjustments(client: httpx.Client, known: dict[str, Any], data) -> None:
    ticket = data.draw(st.sampled_from(known["tickets"]) | st.integers(1, 2**63 - 1))
    body: dict[str, Any] = {
        "action": _field(data, ACTIONS),
        "note": _field(data, ["", "已联系"]),
    }
    if data.draw(st.booleans()):
        body["target"] = _field(data, ["up", "dept:POLICE", "satisfied", *known["workers"]])
    _ok(client.post(f"/api/v1/tickets/{ticket}/actions", json=body))
    report = {
        "worker": _field(data, known["workers"]),
        "events": data.draw(st.integers(-1, 10_001) if _rarely(data) else st.integers(0, 5)),
        "note": _field(data, ["", "平安"]),
    }
    _ok(client.post("/api/v1/reports", json=report))
    adjustment = {
        "subject_kind": data.draw(st.sampled_from(["worker", "department", "x"])),
        "subject_id": data.draw(st.integers(1, 12) | st.integers(-1, 2**64)),
        "points": data.draw(st.sampled_from([-5, 0.5, 1e9])),
        "reason": _field(data, ["抽查", ""]),
    }
    if data.draw(st.booleans()):
        adjustment["ticket_id"] = data.draw(st.sampled_from(known["tickets"]) | st.integers())
    _ok(client.post("/api/v1/adjustments", json=adjustment))


@FUZZ
@given(path=hostile(), at=hostile())
def test_paths_and_instants(client: httpx.Client, path: str, at: str) -> None:
    _ok(client.get(f"/api/v1/tickets/{quote(path[:200], safe='')}"))
    _ok(client.get("/api/v1/stats", params={"at": at[:200]}))


# -- Open311 ------------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_open311_reads(client: httpx.Client, known: dict[str, Any], data) -> None:
    fmt = data.draw(st.sampled_from(["json", "xml"]))
    params: dict[str, Any] = {}
    for name in ("service_code", "status", "start_date", "end_date", "service_request_id"):
        if data.draw(st.booleans()):
            params[name] = _q(_field(data, ["env.noise", "open", "2026-11-01T00:00:00Z", "1"]))
    r = client.get(f"/open311/v2/requests.{fmt}", params=params, headers={"Authorization": ""})
    _ok(r, "open311")
    code = data.draw(_or(known["categories"]))
    _ok(client.get(f"/open311/v2/services/{quote(code[:300], safe='')}.{fmt}"),
        "open311")  # fmt: skip
    rid = data.draw(st.integers(-1, 2**64).map(str) | hostile())
    _ok(client.get(f"/open311/v2/requests/{quote(rid[:300], safe='')}.{fmt}"),
        "open311")  # fmt: skip


@FUZZ
@given(data=st.data())
def test_open311_posts(
    client: httpx.Client, hostile_server: tuple[str, str], known: dict[str, Any], data
) -> None:
    _, token = hostile_server
    form = {
        "api_key": _field(data, [token, token, ""]),
        "service_code": _field(data, known["categories"]),
        "description": _field(data, ["路灯不亮", ""]),
    }
    for name in ("lat", "long", "address_string", "email", "first_name", "last_name", "phone",
                 "device_id", "account_id", "media_url", "address_id"):  # fmt: skip
        if data.draw(st.booleans()):
            form[name] = _field(data, ["37.87", "112.55", "-999", "x@example.com"])
    fmt = data.draw(st.sampled_from(["json", "xml"]))
    _ok(client.post(f"/open311/v2/requests.{fmt}", data=form), "open311")
