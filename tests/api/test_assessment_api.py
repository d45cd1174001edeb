"""``GET /api/v1/assessment``, ``/assessment/facts`` and ``/assessment/rules`` on a real
server over the demo city: the JSON is the records (rates included), ApiSource reads
back records equal to the local source's, any token may read, and bad parameters get a
422 that says which."""

from __future__ import annotations

import httpx

from gridtui.api.client import ApiSource
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import ASSESSMENT_LEVELS
from gridtui.data.sources.tokens import create_token
from tests.conftest import NOW


def test_assessment_over_http_equals_the_local_source(city: LocalSource, server: str) -> None:
    token = create_token(city.factory, "wall", "viewer", at=NOW)  # any token may read
    remote = ApiSource(server, token, timeout=30)
    try:
        for level in ASSESSMENT_LEVELS:
            local = city.assessment(level, "month", NOW, history=2)
            assert remote.assessment(level, "month", NOW, history=2) == local
            assert local.rows and all(len(r.history) == 2 for r in local.rows)
        for period in ("week", "year"):
            assert remote.assessment("street", period, NOW) == city.assessment(
                "street", period, NOW
            )
        assert remote.bulletin_facts("month", NOW, 20) == city.bulletin_facts("month", NOW, 20)
        assert remote.assessment_rules() == city.assessment_rules()  # weights, layout, times
    finally:
        remote.close()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server, headers=headers, timeout=30) as c:
        body = c.get("/api/v1/assessment", params={"level": "grid", "period": "week"}).json()
        # the default at is the server's clock; the rates travel with the figures
        assert body["period_key"] == "2026-W48" and body["level"] == "grid"
        row = body["rows"][0]
        assert set(row["rates"]) == {"closure", "on_time", "reopen", "satisfaction", "reports"}
        assert row["figures"]["intake"] >= 0 and body["totals_rates"]["closure"] is not None
        facts = c.get("/api/v1/assessment/facts", params={"period": "week", "limit": 3}).json()
        assert len(facts["overdue"]) <= 3 and facts["overdue_total"] >= len(facts["overdue"])
        for path, params, field in (
            ("/api/v1/assessment", {"period": "day"}, "period"),
            ("/api/v1/assessment", {"level": "city"}, "level"),
            ("/api/v1/assessment", {"history": 13}, "history"),
            ("/api/v1/assessment", {"history": -1}, "history"),
            ("/api/v1/assessment", {"at": "yesterday"}, "at"),
            ("/api/v1/assessment/facts", {"limit": 0}, "limit"),
            ("/api/v1/assessment/facts", {"limit": 501}, "limit"),
            ("/api/v1/assessment/facts", {"period": "decade"}, "period"),
        ):
            r = c.get(path, params=params)
            assert r.status_code == 422, (path, params, r.text)
            assert field in r.json()["error"]["message"], r.text
        # an instant without a time zone is refused as everywhere in the API
        r = c.get("/api/v1/assessment", params={"at": "2026-11-24T10:00"})
        assert r.status_code == 400 and "time zone" in r.json()["error"]["message"]
    assert httpx.get(f"{server}/api/v1/assessment").status_code == 401
