"""Open311 GeoReport v2 served for real by uvicorn over the demo city (SQLite and
PostgreSQL): every JSON answer validates against the published GeoReport v2 schemas
(copied in ``open311_schemas/``), every XML answer carries the same data under the
specification's element names, errors are GeoReport errors, and a POSTed report
becomes a ticket audited as ``open311:<token name>``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from shapely.geometry import Point
from sqlalchemy import func, select, text

from gridtui.api.open311.query import parse_request_query
from gridtui.api.open311.xml import xml_document
from gridtui.data.reads.public_requests import request_statement
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.public import MAX_RESULTS, RequestQuery
from gridtui.data.sources.tokens import create_token, revoke_token
from gridtui.data.storage.boundaries import read_boundaries
from gridtui.data.storage.models import Category, Department, Node, Ticket
from gridtui.domain.callback import Satisfaction
from tests.conftest import NOW

SCHEMAS = Path(__file__).with_name("open311_schemas")
BASE = "/open311/v2"
CLOSED = {"closed", "merged", "cancelled"}
#: the POST answer: an array of the swagger file's RequestResponse
POST_SCHEMA = {"type": "array", "items": {"$ref": "swagger.json#/definitions/RequestResponse"}}
#: what a list's items are called in XML, by the list's element name
ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}
DATETIMES = ("requested_datetime", "updated_datetime", "expected_datetime")


def _registry() -> Registry:
    resources = [
        (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT4))
        for p in SCHEMAS.glob("*.json")
    ]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(doc: Any, schema: str | dict[str, Any]) -> None:
    """Validate ``doc`` against a schema file of open311_schemas/ (or a schema that
    refers to them); datetimes must carry a time zone."""
    if isinstance(schema, str):
        schema = json.loads((SCHEMAS / schema).read_text())
    assert isinstance(schema, dict)
    Draft4Validator(schema, registry=REGISTRY).validate(doc)
    for item in doc if isinstance(doc, list) else [doc]:
        for key in DATETIMES:
            if item.get(key) is not None:
                assert datetime.fromisoformat(item[key]).tzinfo is not None, item[key]


def element_value(el: ET.Element) -> Any:
    """An XML element as plain data: children become a dict (a list under the names
    of :data:`ITEMS`), leaves their text."""
    if el.tag in ITEMS:
        return [element_value(c) for c in el]
    if len(el):
        return {c.tag: element_value(c) for c in el}
    return el.text


def as_text(value: Any) -> Any:
    """JSON data as XML text: scalars become their spelling, None stays None."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def xml_of(r: httpx.Response, root: str, item: str | None = None) -> Any:
    """The data of an XML answer (``item``: the list's element name)."""
    assert r.headers["content-type"].startswith("text/xml")
    top = ET.fromstring(r.content)
    assert top.tag == root
    if item is None:
        return element_value(top)
    assert all(child.tag == item for child in top)
    return [element_value(child) for child in top]


def same(json_doc: Any, xml_doc: Any) -> None:
    """The XML carries the JSON's data, field by field."""
    assert xml_doc == as_text(json_doc)


def both(c: httpx.Client, method: str, path: str, **kw: Any) -> tuple[httpx.Response, ...]:
    """The answers to ``path`` with ``.json`` and with ``.xml``."""
    out = tuple(c.request(method, f"{BASE}/{path}.{fmt}", **kw) for fmt in ("json", "xml"))
    assert out[0].status_code == out[1].status_code
    return out


def assert_error(answers: tuple[httpx.Response, ...], status: int, words: str) -> None:
    """Both answers are the same GeoReport error with HTTP ``status``."""
    as_json, as_xml = answers
    assert as_json.status_code == status, as_json.text
    assert as_json.headers["content-type"] == "application/json"
    errors = as_json.json()
    assert [set(e) for e in errors] == [{"code", "description"}]
    assert errors[0]["code"] == status and words in errors[0]["description"]
    same(errors, xml_of(as_xml, "errors", "error"))


@pytest.fixture
def c(server: str):
    with httpx.Client(base_url=server, timeout=10) as client:
        yield client


def post(c: httpx.Client, fmt: str, **fields: Any) -> httpx.Response:
    return c.post(f"{BASE}/requests.{fmt}", data=fields)


def ticket_of(city: LocalSource, ticket_id: int) -> Ticket:
    with city.factory() as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        return t


def holding(city: LocalSource, lon: float, lat: float) -> str:
    """The code of the one grid whose stored outline covers the point (shapely's answer)."""
    with city.factory() as s:
        found = [
            o.node_id for o in read_boundaries(s, "grid") if o.geometry.covers(Point(lon, lat))
        ]
        assert len(found) == 1, found
        code = s.scalar(select(Node.code).where(Node.id == found[0]))
    assert code is not None
    return code


def grid_code(city: LocalSource, ticket_id: int) -> str:
    with city.factory() as s:
        code = s.scalar(
            select(Node.code).join(Ticket, Ticket.grid_id == Node.id).where(Ticket.id == ticket_id)
        )
    assert code is not None
    return code


# -- discovery and services -----------------------------------------------------------------


def test_discovery_names_the_endpoints_and_both_formats(c, server):
    as_json, as_xml = both(c, "GET", "discovery")
    assert as_json.status_code == 200
    doc = as_json.json()
    production, test = doc["endpoints"]  # the sandbox: tests/api/test_open311_sandbox.py
    assert (production["type"], test["type"]) == ("production", "test")
    assert production["url"] == server + BASE
    assert test["url"] == server + "/open311/sandbox/v2"
    for endpoint in (production, test):
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert datetime.fromisoformat(doc["changeset"]).tzinfo is not None
    same(doc, xml_of(as_xml, "discovery"))


def test_services_are_the_categories_in_both_formats(c, city):
    as_json, as_xml = both(c, "GET", "services")
    services = as_json.json()
    validate(services, "services.json")
    with city.factory() as s:
        categories = {r.code: r for r in s.scalars(select(Category))}
    assert [x["service_code"] for x in services] == sorted(categories)
    for x in services:
        cat = categories[x["service_code"]]
        assert (x["service_name"], x["group"], x["metadata"], x["type"]) == (
            cat.name, cat.function, False, "realtime"
        )  # fmt: skip
    same(services, xml_of(as_xml, "services", "service"))

    as_json, as_xml = both(c, "GET", "services/env.noise")  # a code with a dot
    definition = as_json.json()
    validate(definition, "service-definition.json")
    assert definition == {"service_code": "env.noise", "attributes": []}
    same(definition, xml_of(as_xml, "service_definition"))
    assert_error(both(c, "GET", "services/no.such"), 404, "no service 'no.such'")


# -- reading requests ------------------------------------------------------------------------


def test_requests_default_to_the_last_90_days_newest_first(c, city):
    as_json, as_xml = both(c, "GET", "requests")
    requests = as_json.json()
    validate(requests, "requests.json")
    same(requests, xml_of(as_xml, "service_requests", "request"))
    with city.factory() as s:
        recent = s.scalar(
            select(func.count()).where(
                Ticket.opened_at >= NOW - timedelta(days=90), Ticket.opened_at <= NOW
            )
        )
    assert len(requests) == min(recent, MAX_RESULTS) and recent > MAX_RESULTS
    opened = [datetime.fromisoformat(r["requested_datetime"]) for r in requests]
    assert opened == sorted(opened, reverse=True)
    assert NOW - timedelta(days=90) <= opened[-1] and opened[0] <= NOW
    assert {r["status"] for r in requests} == {"open", "closed"}


def test_a_request_maps_the_ticket(c, city):
    with city.factory() as s:
        closed = s.scalar(
            select(Ticket.id)
            .where(
                Ticket.status == "closed",
                Ticket.department_id.is_not(None),
                Ticket.satisfaction.is_not(None),
            )
            .order_by(Ticket.id)
            .limit(1)
        )
        running = s.scalar(
            select(Ticket.id)
            .where(Ticket.status == "dispatched", Ticket.due_at.is_not(None))
            .order_by(Ticket.id)
            .limit(1)
        )
        departments = {d.id: d.name for d in s.scalars(select(Department))}
        categories = {x.code: x.name for x in s.scalars(select(Category))}
        personal = {x.code: x.personal for x in s.scalars(select(Category))}
    for ticket_id, status in ((closed, "closed"), (running, "open")):
        as_json, as_xml = both(c, "GET", f"requests/{ticket_id}")
        doc = as_json.json()
        validate(doc, "requests.json")
        same(doc, xml_of(as_xml, "service_requests", "request"))
        (r,) = doc
        t = ticket_of(city, ticket_id)
        assert r["service_request_id"] == str(ticket_id) and r["status"] == status
        assert r["service_code"] == t.category
        assert r["service_name"] == categories[t.category]
        assert r["agency_responsible"] == departments.get(t.department_id)
        assert datetime.fromisoformat(r["requested_datetime"]) == t.opened_at
        assert datetime.fromisoformat(r["updated_datetime"]) == t.updated_at
        assert datetime.fromisoformat(r["expected_datetime"]) == t.due_at
        assert r["address_id"] == grid_code(city, ticket_id)
        if t.satisfaction:  # the resident's callback travels in the status notes
            assert (
                f"callback: {Satisfaction(t.satisfaction).label('en').lower()}"
                in (r["status_notes"])
            )
        if not personal[t.category]:
            assert r["address"] == t.address and r["description"] == (t.description or t.title)
            assert (r["lat"], r["long"]) == (t.lat, t.lon) and r["service_notice"] is None
        else:
            assert r["address"] is r["description"] is r["lat"] is r["long"] is None
            assert "details withheld" in r["service_notice"]
    assert doc[0]["status_notes"] == "已派单 / Dispatched"
    assert_error(both(c, "GET", "requests/99999999"), 404, "no service request 99999999")
    assert_error(both(c, "GET", "requests/abc"), 400, "service_request_id")


def test_personal_matters_are_withheld_from_public_gets(c, city):
    """A dispute's or a visit's description and address name residents: a public GET
    shows the ticket's service, status and grid, never them; a hazard's are shown."""
    with city.factory() as s:
        personal = {x.code: x.personal for x in s.scalars(select(Category))}
        private = [code for code, mine in personal.items() if mine]
        public = [code for code, mine in personal.items() if not mine]
        ids = {
            kind: s.scalar(
                select(Ticket.id)
                .where(Ticket.category.in_(codes), Ticket.address != "")
                .order_by(Ticket.id)
                .limit(1)
            )
            for kind, codes in (("private", private), ("public", public))
        }
    assert "dispute.neighbour" in private and "hazard.fire" in public
    wanted = {"service_request_id": f"{ids['private']},{ids['public']}"}
    as_json, as_xml = both(c, "GET", "requests", params=wanted)
    docs = {r["service_request_id"]: r for r in as_json.json()}
    validate(as_json.json(), "requests.json")
    same(as_json.json(), xml_of(as_xml, "service_requests", "request"))
    hidden, shown = docs[str(ids["private"])], docs[str(ids["public"])]
    assert hidden["description"] is hidden["address"] is hidden["lat"] is None
    assert hidden["service_notice"].endswith("details withheld") and hidden["address_id"]
    t = ticket_of(city, ids["public"])
    assert shown["address"] == t.address and shown["description"] == (t.description or t.title)
    assert shown["service_notice"] is None
    secret = ticket_of(city, ids["private"])
    for answer in (as_json, as_xml):
        assert secret.address not in answer.text
        assert not secret.description or secret.description not in answer.text


def test_the_demo_catalogue_withholds_all_but_places_and_things(city):
    """categories.csv marks as personal every function but these (the list that
    open311.py once held), so loading it keeps what the public sees."""
    places_and_things = {"safety", "order", "utility", "environment", "market", "legal"}
    with city.factory() as s:
        rows = s.execute(select(Category.code, Category.function, Category.personal)).all()
    assert rows and all(r.personal == (r.function not in places_and_things) for r in rows)


def test_the_categorys_flag_decides_what_a_public_get_shows(c, city):
    """Flipping ``personal`` in the database changes the very next answer."""
    with city.factory() as s:
        tid = s.scalar(
            select(Ticket.id)
            .where(Ticket.category == "hazard.fire", Ticket.address != "")
            .order_by(Ticket.id)
            .limit(1)
        )
    t = ticket_of(city, tid)

    def shown() -> dict[str, Any]:
        as_json, as_xml = both(c, "GET", f"requests/{tid}")
        (doc,) = as_json.json()
        same(as_json.json(), xml_of(as_xml, "service_requests", "request"))
        assert isinstance(doc, dict)
        return doc

    def flag(personal: bool) -> None:
        with city.factory.begin() as s:
            category = s.get(Category, "hazard.fire")
            assert category is not None
            category.personal = personal

    assert shown()["address"] == t.address and shown()["service_notice"] is None
    flag(True)
    doc = shown()
    assert doc["address"] is doc["description"] is doc["lat"] is doc["long"] is None
    assert doc["service_notice"].endswith("details withheld")
    flag(False)
    assert shown()["address"] == t.address


def test_request_filters(c, city):
    with city.factory() as s:
        old = s.scalars(
            select(Ticket.id).where(Ticket.opened_at < NOW - timedelta(days=200)).limit(2)
        ).all()
    ids = ",".join(str(i) for i in [*old, 99999999])
    # ids override every other filter, even a window and a status they are outside of
    r = c.get(f"{BASE}/requests.json", params={"service_request_id": ids, "status": "closed",
                                               "start_date": "2026-11-01"})  # fmt: skip
    assert sorted(int(x["service_request_id"]) for x in r.json()) == sorted(old)

    params = {"service_code": "env.noise", "status": "open"}
    as_json, as_xml = both(c, "GET", "requests", params=params)
    found = as_json.json()
    validate(found, "requests.json")
    same(found, xml_of(as_xml, "service_requests", "request"))
    with city.factory() as s:
        want = s.scalars(
            select(Ticket.id)
            .where(
                Ticket.category == "env.noise",
                Ticket.status.not_in(CLOSED),
                Ticket.opened_at >= NOW - timedelta(days=90),
            )
            .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
        ).all()
    assert [int(x["service_request_id"]) for x in found] == want and want

    window = {"start_date": "2026-10-01T00:00:00+08:00", "end_date": "2026-10-08T00:00:00+08:00"}
    found = c.get(f"{BASE}/requests.json", params={**window, "status": "closed"}).json()
    validate(found, "requests.json")
    low, high = (datetime.fromisoformat(v) for v in window.values())
    assert found and all(x["status"] == "closed" for x in found)
    assert all(low <= datetime.fromisoformat(x["requested_datetime"]) <= high for x in found)
    # a zone's "+" sent unencoded arrives as a space; a date alone is local midnight
    spaced = c.get(f"{BASE}/requests.json?start_date=2026-10-01T00:00:00+08:00"
                   "&end_date=2026-10-08&status=closed").json()  # fmt: skip
    assert spaced == found
    both_kinds = c.get(f"{BASE}/requests.json", params={**window, "status": "open,closed"})
    assert len(both_kinds.json()) >= len(found)

    bad = [
        ({"status": "pending"}, "status must be"),
        ({"start_date": "yesterday"}, "not an ISO 8601"),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "more than 90 days"),
        ({"start_date": "2026-06-01", "end_date": "2026-01-01"}, "before start_date"),
        ({"service_request_id": "1,x"}, "'x' is not a request id"),
        ({"service_request_id": str(2**63)}, "is not a request id"),
        ({"start_date": "9999-12-01"}, "out of range"),  # its 90 days run past year 9999
        ({"end_date": "0001-01-01T00:00:00+14:00"}, "out of range"),
    ]
    for params, words in bad:
        assert_error(both(c, "GET", "requests", params=params), 400, words)


# -- filing requests --------------------------------------------------------------------------


def test_post_files_a_ticket_audited_with_the_token(c, city, server):
    key = create_token(city.factory, "fixmystreet", "officer", at=NOW)
    description = "<b>井盖</b> & [bold red]缺失[/]\x1b[31m\x00 ]]> 见 <script>x</script>"
    r = post(c, "json", api_key=key, service_code="order.sanitation",
             address_string="柳岸社区第2网格 5号楼", description=description,
             email="a@example.org", phone="13900000000")  # fmt: skip
    assert r.status_code == 200, r.text
    created = r.json()
    validate(created, POST_SCHEMA)
    ticket_id = int(created[0]["service_request_id"])
    assert "2026" in created[0]["service_notice"]

    stored = "<b>井盖</b> & [bold red]缺失[/] ]]> 见 <script>x</script>"
    as_json, as_xml = both(c, "GET", f"requests/{ticket_id}")
    (doc,) = as_json.json()
    validate([doc], "requests.json")
    assert doc["description"] == stored and doc["status"] == "open"
    assert doc["service_code"] == "order.sanitation" and doc["address_id"] == "WH-HB-01-02"
    assert "&lt;b&gt;井盖&lt;/b&gt; &amp; " in as_xml.text and "<script>" not in as_xml.text
    same([doc], xml_of(as_xml, "service_requests", "request"))
    assert "a@example.org" not in as_json.text + as_xml.text  # contact details stay private

    reader = create_token(city.factory, "reader", "viewer", at=NOW)
    headers = {"Authorization": f"Bearer {reader}"}
    detail = c.get(f"/api/v1/tickets/{ticket_id}", headers=headers).json()
    assert detail["timeline"][0]["actor"] == "open311:fixmystreet"
    assert detail["timeline"][0]["action"] == "open"
    assert detail["row"]["channel"] == "citizen_app" and detail["description"] == stored
    assert detail["row"]["title"] == "<b>井盖</b> & [bold red]缺失[/] ]]> 见 <script>x</script>"

    as_xml = post(c, "xml", api_key=key, service_code="env.noise", lat="31.2", long="121.5")
    (answer,) = xml_of(as_xml, "service_requests", "request")
    new_id = int(answer["service_request_id"])
    t = ticket_of(city, new_id)
    assert t.category == "env.noise" and t.address == "31.200000, 121.500000"
    assert (t.lat, t.lon, t.source) == (31.2, 121.5, "open311")
    assert t.title == "噪音扰民"  # no description: the service's name
    listed = c.get(f"{BASE}/requests.json").json()
    assert [x["service_request_id"] for x in listed[:2]] == [str(new_id), str(ticket_id)]


def test_post_is_refused_without_a_key_that_may_open_tickets(c, city):
    officer = create_token(city.factory, "app", "officer", at=NOW)
    viewer = create_token(city.factory, "wall", "viewer", at=NOW)
    gone = create_token(city.factory, "old-app", "supervisor", at=NOW)
    revoke_token(city.factory, "old-app", at=NOW)
    report = {"service_code": "env.noise", "address_string": "望湖社区"}
    with city.factory() as s:
        before = s.scalar(select(func.count()).select_from(Ticket))
    refusals = [
        ({}, 403, "api_key is missing"),
        ({"api_key": "gt_nope"}, 403, "api_key is missing, unknown or revoked"),
        ({"api_key": gone}, 403, "revoked"),
        ({"api_key": viewer}, 403, "viewer may not open_ticket"),
        ({"api_key": officer, "service_code": "nope"}, 400, "unknown service_code 'nope'"),
        ({"api_key": officer, "service_code": ""}, 400, "service_code is required"),
        ({"api_key": officer, "address_string": ""}, 400, "a location is required"),
        ({"api_key": officer, "lat": "31.2"}, 400, "lat and long go together"),
        ({"api_key": officer, "lat": "north", "long": "1"}, 400, "'north' is not a number"),
        ({"api_key": officer, "lat": "91", "long": "1"}, 400, "within ±90"),
        ({"api_key": officer, "description": "x" * 4001}, 400, "longer than 4,000 characters"),
        ({"api_key": officer, "address_string": "", "address_id": "ZZ"}, 400, "names no grid"),
    ]
    for fields, status, words in refusals:
        assert_error(both(c, "POST", "requests", data={**report, **fields}), status, words)
    wrong_type = both(c, "POST", "requests", json={**report, "api_key": officer})
    assert_error(wrong_type, 400, "application/x-www-form-urlencoded")
    with city.factory() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == before
    ok = post(c, "json", **report, api_key=officer, description="x" * 4000)
    assert ok.status_code == 200
    # the key may also come in the query string (as swagger.json puts it)
    ok = c.post(f"{BASE}/requests.json", params={"api_key": officer}, data=report)
    assert ok.status_code == 200


def test_a_reports_location_picks_its_grid(c, city):
    key = create_token(city.factory, "app", "officer", at=NOW)
    default = "WH-DS-01-01"  # the first grid by code that is not a dedicated one
    cases = [
        ({"address_id": "WH-HB-02-03"}, "WH-HB-02-03"),  # a grid's code
        ({"address_id": "wh-hb-03"}, "WH-HB-03-01"),  # a community: its first grid
        ({"address_string": "渔港社区综合网格 3号楼 东门"}, "WH-HB-03-03"),  # a grid's name
        ({"address_string": "12 Lake Rd, Wanghu Grid 4, Hubin"}, "WH-HB-02-04"),  # English
        ({"address_string": "Wanghu District, Yugang"}, "WH-HB-03-01"),  # the deepest
        ({"address_string": "网格WH-LX-01-02号楼"}, "WH-LX-01-02"),  # a code among Chinese
        ({"address_string": "Unit NEWH-LX-01-02"}, default),  # a code inside a word
        # the demo city's grids have outlines: a location goes to the grid holding it
        ({"lat": "37.87", "long": "112.55"}, holding(city, 112.55, 37.87)),
        ({"address_id": "ZZ-9", "lat": "37.87", "long": "112.55"}, holding(city, 112.55, 37.87)),
        (
            {"address_string": "Wanghu District, Yugang", "lat": "37.87", "long": "112.55"},
            holding(city, 112.55, 37.87),
        ),  # the location is surer than a name
    ]
    for where, grid in cases:
        r = post(c, "json", api_key=key, service_code="order.parking", **where)
        assert r.status_code == 200, (where, r.text)
        assert grid_code(city, int(r.json()[0]["service_request_id"])) == grid, where


# -- the sub-application's own errors ------------------------------------------------------------


def test_unknown_paths_and_methods_answer_georeport_errors(c):
    assert_error(both(c, "GET", "nothing/here"), 404, "see discovery.json")
    r = c.get(f"{BASE}/requests")  # no format: JSON
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    r = c.get(f"{BASE}/services.yaml")
    assert r.status_code == 404 and "use .json or .xml" in r.json()[0]["description"]
    answers = both(c, "DELETE", "requests")
    assert_error(answers, 405, "Method Not Allowed")
    assert "POST" in answers[0].headers["allow"]
    # NUL cannot reach PostgreSQL: a code with control characters is refused
    assert_error(both(c, "GET", "services/%00"), 400, "must not contain control characters")
    assert c.get(f"{BASE}/requests.json", params={"service_code": "\x00"}).status_code == 400
    r = c.get("/api/v1/stats")  # the REST API keeps its own error format
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_xml_text_is_escaped_and_stays_well_formed():
    doc = [{"description": "a < b & c > d \x01\x0b ]]> \ud800", "flag": True, "n": None}]
    parsed = ET.fromstring(xml_document("service_requests", "request", doc))
    (item,) = parsed
    assert item.findtext("description") == "a < b & c > d  ]]> "
    empty = item.find("n")
    assert item.findtext("flag") == "true" and empty is not None and empty.text is None


# -- the read is bounded by an index ------------------------------------------------------------


def test_request_queries_read_an_index_not_the_table(city, db_url):
    windows = [
        parse_request_query({}, NOW, city.tz),
        parse_request_query({"service_code": "env.noise", "status": "closed"}, NOW, city.tz),
        parse_request_query({"status": "open"}, NOW, city.tz),
    ]
    sqlite = db_url.startswith("sqlite")
    with city.factory() as s:
        if not sqlite:
            s.execute(text("ANALYZE tickets"))
            s.execute(text("SET LOCAL enable_seqscan = off"))  # the demo city is small
        for query in [*windows, RequestQuery(ids=(1, 2, 3))]:
            stmt = request_statement(query)
            sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            plan = " | ".join(str(row[-1]) for row in s.execute(text(explain + sql)))
            if query.ids:
                assert "PRIMARY KEY" in plan or "tickets_pkey" in plan, plan
            elif sqlite:  # a range of an index, newest first, no sort of the range
                assert "USING INDEX ix_tickets_" in plan and "TEMP B-TREE" not in plan, plan
            else:  # an index: the window's range, or the (small) open tickets
                assert "Seq Scan" not in plan, plan
                assert "using ix_tickets_" in plan or "on ix_tickets_" in plan, plan
