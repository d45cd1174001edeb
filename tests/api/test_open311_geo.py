"""Open311 POST requests placed by location, served for real by uvicorn over the demo
city (SQLite and PostgreSQL): once grids have outlines, a report with lat/long and no
address_id goes to the grid whose outline holds the point (unassigned outside every
outline), production and sandbox alike; an address_id naming a node still wins; with
no outlines, the old rules stand."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select

from gridtui.api.client import ApiSource
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import NewTicket
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.models import Boundary, Node, Ticket
from gridtui.data.writes.geo_load import load_boundary_file
from tests.conftest import NOW
from tests.geo_tiles import ORIGIN, centre, grid_codes, tiling

LIVE = "/open311/v2"
SANDBOX = "/open311/sandbox/v2"
FAR = (ORIGIN[0] - 5.0, ORIGIN[1] - 5.0)
#: makes every report new (a report's content is its idempotency key)
SEQ = itertools.count(1)


@pytest.fixture
def c(city: LocalSource, serve: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=serve(city), timeout=10) as client:
        yield client


def outline(city: LocalSource) -> list[str]:
    codes = grid_codes(city.factory)
    # stamped after the demo city's loads: a version of the outlines of its own
    load_boundary_file(city.factory, json.dumps(tiling(codes)), level="grid", key="grid",
                       source="test", at=NOW + timedelta(minutes=1))  # fmt: skip
    return codes


def post(c: httpx.Client, key: str, where: dict[str, object], base: str = LIVE) -> dict[str, Any]:
    """POST a report at ``where`` (each one new: its content is its idempotency key) and
    GET it back."""
    fields = {"api_key": key, "service_code": "order.parking", "description": f"违停 {next(SEQ)}"}
    r = c.post(f"{base}/requests.json", data={**fields, **{k: str(v) for k, v in where.items()}})
    assert r.status_code == 200, (where, r.text)
    (answer,) = r.json()
    got = c.get(f"{base}/requests/{answer['service_request_id']}.json")
    assert got.status_code == 200, got.text
    (doc,) = got.json()
    return dict(doc)


def at(where: tuple[float, float], **more: object) -> dict[str, object]:
    return {"long": where[0], "lat": where[1], **more}


def test_reports_with_coordinates_go_to_the_grid_holding_them(
    c: httpx.Client, city: LocalSource
) -> None:
    key = create_token(city.factory, "app", "officer", at=NOW)
    with city.factory.begin() as s:  # a centre that has loaded no outlines
        s.execute(delete(Boundary))
    assert city.places_by_location() is False
    default = "WH-DS-01-01"  # no outlines: the default intake grid, as before
    codes = grid_codes(city.factory)
    assert post(c, key, at(centre(codes, codes[30])))["address_id"] == default
    outline(city)
    assert city.places_by_location() is True
    for code in (codes[0], codes[30], codes[-1]):
        doc = post(c, key, at(centre(codes, code)))
        assert doc["address_id"] == code
        with city.factory() as s:
            t = s.get(Ticket, int(doc["service_request_id"]))
            grid = s.scalar(select(Node).where(Node.code == code))
            assert t is not None and grid is not None
            assert (t.grid_id, t.community_id, t.street_id) == (grid.id, grid.community_id,
                                                                 grid.street_id)  # fmt: skip
            assert t.worker_id is not None  # the grid's first worker, as by address
    outside = post(c, key, at(FAR))
    assert outside["address_id"] is None and outside["status"] == "open"
    with city.factory() as s:
        t = s.get(Ticket, int(outside["service_request_id"]))
        assert t is not None and (t.grid_id, t.worker_id, t.lat) == (None, None, FAR[1])
    # an address_id naming a node wins; one naming nothing does not stop the location
    named = post(c, key, at(centre(codes, codes[6]), address_id=codes[5]))
    assert named["address_id"] == codes[5]
    unknown = post(c, key, at(centre(codes, codes[6]), address_id="ZZ-9"))
    assert unknown["address_id"] == codes[6]
    # the location is surer than a name found in the address text
    text = post(c, key, at(centre(codes, codes[7]), address_string="柳岸社区第2网格 5号楼"))
    assert text["address_id"] == codes[7]
    assert post(c, key, {"address_string": "柳岸社区第2网格 5号楼"})["address_id"] == "WH-HB-01-02"


def test_the_sandbox_places_by_location_as_production_does(
    c: httpx.Client, city: LocalSource
) -> None:
    key = create_token(city.factory, "app", "officer", at=NOW)
    codes = outline(city)
    with city.factory() as s:
        before = s.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1))
    doc = post(c, key, at(centre(codes, codes[12])), SANDBOX)
    assert doc["address_id"] == codes[12]
    assert post(c, key, at(FAR), SANDBOX)["address_id"] is None
    with city.factory() as s:  # the sandbox files no ticket
        assert s.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1)) == before


def test_the_rest_intake_and_the_remote_app_place_by_location(
    c: httpx.Client, city: LocalSource
) -> None:
    """``POST /api/v1/tickets`` and :class:`ApiSource` carry the location: a ticket with
    no grid goes to the grid holding it, outside every outline to the unassigned list; a
    half location or neither grid nor location is a 422 naming what is missing."""
    codes = outline(city)
    secret = create_token(city.factory, "desk", "officer", at=NOW)
    headers = {"Authorization": f"Bearer {secret}"}
    base = {"title": "井盖缺失", "category": "order.parking", "channel": "hotline"}
    where = centre(codes, codes[9])
    r = c.post("/api/v1/tickets", headers=headers,
               json={**base, "lon": where[0], "lat": where[1]})  # fmt: skip
    assert r.status_code == 201, r.text
    with city.factory() as s:
        t = s.get(Ticket, r.json()["ticket_id"])
        assert t is not None
        assert s.scalar(select(Node.code).where(Node.id == t.grid_id)) == codes[9]
    for body, words in (
        ({**base, "lat": where[1]}, "lat and lon go together"),
        (base, "a ticket needs a grid code or a location"),
        ({**base, "lat": 91, "lon": 0}, "lat"),
    ):
        r = c.post("/api/v1/tickets", headers=headers, json=body)
        assert r.status_code == 422 and words in r.text, r.text
    remote = ApiSource(str(c.base_url), token=secret)
    try:
        out = remote.open_ticket(
            NewTicket(title="路灯不亮", category="order.parking", channel="hotline", grid="",
                      reporter="desk", lon=FAR[0], lat=FAR[1]),
            role="officer",
        )  # fmt: skip
    finally:
        remote.close()
    with city.factory() as s:
        t = s.get(Ticket, out.ticket_id)
        assert t is not None and (t.grid_id, t.lon, t.lat) == (None, FAR[0], FAR[1])
