"""Our Open311 XML read as an old GeoReport v2 client reads it: ``Content-Type:
text/xml`` compared whole, and the body turned into objects by a generic XML reader
(``xmltodict`` without ``force_list``), which makes a list of an element only when it
repeats. Where the schema says list and a document always has two or more items
(discovery's endpoints, each endpoint's formats) the reader gets a list as it is;
where one item is possible (one request, one error, one service) it gets the item,
and the rule docs/open311.md gives clients turns every answer into the JSON's data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import xmltodict

from gridtui.api.busy import WriteGate
from gridtui.api.limits import MAX_BODY
from gridtui.data.sources.tokens import create_token
from tests.api.test_open311 import as_text
from tests.conftest import NOW

PROLOG = b'<?xml version="1.0" encoding="utf-8"?>\n'
ENDPOINTS = ("/open311/v2", "/open311/sandbox/v2")
#: the lists of GeoReport v2 (container → item), as docs/open311.md names them
LISTS = {
    "endpoints": "endpoint", "formats": "format", "services": "service",
    "service_requests": "request", "errors": "error", "attributes": "attribute",
    "values": "value",
}  # fmt: skip


def generic(r: httpx.Response) -> dict[str, Any]:
    """The answer as a generic XML-to-object client sees it (nothing forced)."""
    assert r.headers["content-type"] == "text/xml"  # exactly: no charset parameter
    assert r.content.startswith(PROLOG)
    doc: dict[str, Any] = xmltodict.parse(r.content)
    return doc


def as_lists(value: Any, container: str | None = None) -> Any:
    """The documented rule for a generic client: under a list's element, its items are
    a list: none (an empty element) is ``[]``, one alone is ``[item]``."""
    if container in LISTS:
        items = (value or {}).get(LISTS[container]) if isinstance(value, dict) else None
        if items is None:
            return []
        return [as_lists(i) for i in (items if isinstance(items, list) else [items])]
    if isinstance(value, dict):
        return {k: as_lists(v, k) for k, v in value.items()}
    return value


def same_as_json(c: httpx.Client, path: str, **kw: Any) -> Any:
    """The XML answer at ``path`` read generically and by the rule, checked against
    the JSON answer; returns the generic reading."""
    method = kw.pop("method", "GET")
    as_xml = c.request(method, f"{path}.xml", **kw)
    as_json = c.request(method, f"{path}.json", **kw)
    assert as_xml.status_code == as_json.status_code
    read = generic(as_xml)
    ((root, body),) = read.items()
    expected = as_text(as_json.json())
    if isinstance(expected, list):
        assert as_lists(body, root) == expected
    else:
        assert as_lists(body) == expected
    return body


@pytest.fixture
def c(server: str):
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


def test_a_generic_xml_client_reads_every_answer(c, city, server):
    key = create_token(city.factory, "legacy-app", "officer", at=NOW)
    for base in ENDPOINTS:
        # discovery: two endpoints, each with two formats, are lists as they are
        discovery = same_as_json(c, f"{base}/discovery")
        endpoints = discovery["endpoints"]["endpoint"]
        assert isinstance(endpoints, list) and len(endpoints) == 2
        assert [e["type"] for e in endpoints] == ["production", "test"]
        assert [e["url"] for e in endpoints] == [server + p for p in ENDPOINTS]
        for e in endpoints:
            assert e["formats"]["format"] == ["text/xml", "application/json"]
        # the catalogue: a list of services; a definition without attributes
        services = same_as_json(c, f"{base}/services")["service"]
        assert isinstance(services, list) and len(services) > 1
        definition = same_as_json(c, f"{base}/services/env.noise")
        assert definition["attributes"] is None  # an empty list is an empty element
        # a new request: one item, which a generic reader gets alone
        report = {"api_key": key, "service_code": "env.noise", "address_string": "望湖社区",
                  "description": f"legacy client via {base}"}  # fmt: skip
        posted = same_as_json(c, f"{base}/requests", method="POST", data=report)
        assert isinstance(posted["request"], dict)  # as_lists made it a list above
        rid = posted["request"]["service_request_id"]
        one = same_as_json(c, f"{base}/requests/{rid}")
        assert one["request"]["description"] == report["description"]
        # errors: one error, alone; a query that finds nothing: an empty element
        error = same_as_json(c, f"{base}/requests/99999999")
        assert error["error"]["code"] == "404"
        nothing = same_as_json(c, f"{base}/requests", params={"service_code": "no.such"})
        assert nothing is None
    # many requests: a list
    requests = same_as_json(c, f"{ENDPOINTS[0]}/requests")["request"]
    assert isinstance(requests, list) and len(requests) > 1


def test_every_xml_error_is_text_xml(c):
    """Errors in XML when XML was asked, from every layer that answers them."""
    base = ENDPOINTS[1]
    cases = [
        (c.get(f"{base}/services/no.such.xml"), 404),  # a GeoReport error
        (c.get(f"{base}/nothing/here.xml"), 404),  # no such route
        (c.delete(f"{base}/requests.xml"), 405),  # the wrong method
        (c.get(f"{base}/requests.xml", params={"start_date": "x"}), 400),  # a bad query
        (c.get(f"{ENDPOINTS[0]}/requests/0.xml"), 400),  # the path's validation
        (c.post(f"{base}/requests.xml", data={"service_code": "env.noise"}), 403),
        (c.post(f"{base}/requests.xml", content=b"x" * (MAX_BODY + 1)), 413),  # body limit
    ]
    for r, status in cases:
        assert r.status_code == status, r.text
        error = generic(r)["errors"]["error"]
        assert error["code"] == str(status) and error["description"]


async def test_a_busy_answer_in_xml_is_text_xml() -> None:
    async def never(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
        raise AssertionError("the gate has no free slot")

    gate = WriteGate(never, limit=0, wait=0.01)  # every write waits, then is refused
    transport = httpx.ASGITransport(app=gate)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.post(f"{ENDPOINTS[1]}/requests.xml")
    assert r.status_code == 503 and r.headers["retry-after"]
    assert generic(r)["errors"]["error"]["code"] == "503"
