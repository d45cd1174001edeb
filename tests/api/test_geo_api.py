"""``GET /api/v1/geo`` (issue 17) on a real server: GeoJSON that ApiSource reads back
into the records LocalSource gives, and a 422 naming each bad parameter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from gridtui.api.client import ApiSource
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import Bounds
from gridtui.data.sources.source import ActionRefused
from gridtui.data.sources.tokens import create_token
from tests.conftest import NOW
from tests.geo_city import HandCity, build_hand_city, crowd


@pytest.fixture
def officer(city: LocalSource, server: str) -> Iterator[ApiSource]:
    src = ApiSource(server, create_token(city.factory, "map", "officer", at=NOW), timeout=10)
    yield src
    src.close()


@pytest.fixture
def hand(
    tmp_path: Path, serve: Callable[..., str]
) -> Iterator[tuple[LocalSource, ApiSource, HandCity]]:
    """The hand-made city crowded past the clustering threshold, local and remote."""
    from gridtui.data.storage.db import make_engine, session_factory, upgrade

    url = f"sqlite:///{tmp_path}/hand.sqlite"
    upgrade(url)
    engine = make_engine(url)
    factory: sessionmaker[Session] = session_factory(engine)
    city = build_hand_city(factory)
    crowd(factory, city)
    engine.dispose()
    local = LocalSource(url, clock=lambda: NOW)
    remote = ApiSource(serve(local), create_token(local.factory, "m", "officer", at=NOW))
    yield local, remote, city
    remote.close()
    local.close()


def test_the_demo_citys_map_reads_back_equal(city: LocalSource, officer: ApiSource) -> None:
    whole = city.geo(NOW)
    assert len(whole.areas) == 60 and whole.extent is not None and whole.points
    assert officer.geo(NOW) == whole
    e = whole.extent
    window = Bounds(e.west, e.south, (e.west + e.east) / 2, (e.south + e.north) / 2)
    street = next(n.id for n in city.reference().nodes.values() if n.level == "street")
    for kwargs in (
        {"level": "street", "tolerance": 0.0005},
        {"level": "community", "bbox": window},
        {"bbox": window, "cell": 0.002, "layers": frozenset({"overdue", "heat"})},
        {"node_id": street, "layers": frozenset()},
    ):
        local = city.geo(NOW, **kwargs)  # type: ignore[arg-type]
        assert officer.geo(NOW, **kwargs) == local, kwargs  # type: ignore[arg-type]


def test_clusters_read_back_equal(hand) -> None:
    local, remote, _ = hand
    view = local.geo(NOW, cell=0.5)
    assert view.clusters and view.points and view.entities and view.unplaced == 1
    assert remote.geo(NOW, cell=0.5) == view
    assert remote.geo(NOW) == local.geo(NOW)  # the default cell


def test_the_overviews_unassigned_tickets_read_back_equal(hand) -> None:
    local, remote, city = hand
    overview = local.overview(NOW)
    assert overview.unassigned == 1
    assert [t.id for t in overview.unassigned_tickets] == [city.tickets["t6"]]
    assert remote.overview(NOW) == overview


def test_the_answer_is_a_geojson_feature_collection(hand) -> None:
    local, remote, city = hand
    token = create_token(local.factory, "raw", "officer", at=NOW)
    r = httpx.get(
        f"{remote.base_url}/api/v1/geo",
        params={"cell": "0.5", "at": NOW.isoformat()},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    doc = r.json()
    assert doc["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds.count("area") == 3 and kinds.count("cluster") == 1
    assert kinds.count("ticket") == 3 and kinds.count("entity") == 2
    g1 = doc["features"][0]
    assert g1["geometry"]["type"] == "Polygon" and g1["properties"]["node"]["code"] == "G1"
    assert g1["properties"]["colour"] == "red" and g1["properties"]["overdue"] == 1
    cluster = next(f for f in doc["features"] if f["properties"]["kind"] == "cluster")
    assert cluster["bbox"] == [100.2, 30.2, 100.3, 30.3]
    assert cluster["properties"]["count"] == 401
    assert doc["view"]["unplaced"] == 1 and doc["view"]["extent"] == [100, 30, 102, 32]
    assert doc["view"]["level"] == "grid" and doc["view"]["boundary_version"]
    assert city.tickets["t1"] not in [f["properties"].get("ticket_id") for f in doc["features"]]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=102,30,100,31", "bbox"),
        ("bbox=0,-95,1,1", "bbox"),
        ("level=city", "level"),
        ("cell=0", "cell"),
        ("cell=nan", "cell"),
        ("cell=100", "cell"),
        ("tolerance=-1", "tolerance"),
        ("tolerance=inf", "tolerance"),
        ("layers=tickets,roads", "layers"),
        ("node=999999", "node"),
        ("node=0", "node"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(hand, query: str, param: str) -> None:
    local, remote, _ = hand
    token = create_token(local.factory, "bad", "officer", at=NOW)
    r = httpx.get(
        f"{remote.base_url}/api/v1/geo?{query}", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid" and f"{param}" in error["message"]
    assert [f["field"] for f in error["fields"]] == [f"query.{param}"]


def test_a_level_above_the_node_is_refused_remotely(hand) -> None:
    _, remote, city = hand
    with pytest.raises(ActionRefused, match="level"):
        remote.geo(NOW, node_id=city.nodes["G1"], level="street")


def test_the_geo_route_needs_a_token(hand) -> None:
    _, remote, _ = hand
    assert httpx.get(f"{remote.base_url}/api/v1/geo").status_code == 401
