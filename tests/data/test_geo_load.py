"""``gridtui geo load`` and ``gridtui geo place``, run in-process on SQLite and
PostgreSQL: a good file loads every outline (and replaces them when loaded again), a
bad one loads nothing and names each problem by feature; re-placing moves open tickets
whose location lies in another grid (and unassigned ones), on their timelines and the
change feed, and leaves closed tickets, tickets outside every outline and tickets
without a location alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.cli.main import main
from gridtui.data.sources.records import NewTicket
from gridtui.data.storage.boundaries import read_boundaries
from gridtui.data.storage.models import Boundary, Change, Node, Ticket, TicketEvent
from gridtui.data.writes.service import TicketService
from tests.conftest import NOW
from tests.geo_tiles import ORIGIN, SIZE, centre, grid_codes, square, tiling, write_tiling

Factory = sessionmaker[Session]


@pytest.fixture
def city(unmapped_city: Factory) -> Factory:
    """These begin before the centre has loaded any outline."""
    return unmapped_city


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def load(
    capsys: pytest.CaptureFixture[str], db_url: str, path: Path, *extra: str
) -> tuple[int, str, str]:
    return run(
        capsys, "--db", db_url, "geo", "load", str(path), "--level", "grid", "--key", "grid", *extra
    )


def geo_changes(factory: Factory) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).where(Change.kind == "geo")) or 0)


def test_a_good_file_loads_every_outline_and_again_replaces_them(
    city: Factory, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = grid_codes(city)
    code, out, err = load(capsys, db_url, write_tiling(tmp_path / "grids.geojson", codes))
    assert code == 0, err
    assert f"loaded {len(codes)} grid outline(s) from {tmp_path}/grids.geojson (0 replaced)" in out
    assert f"{len(codes)} of {len(codes)} grid(s) have one" in out
    assert "gridtui geo place" in out
    with city() as s:
        outlines = read_boundaries(s, "grid")
        first = s.scalar(select(Node.id).where(Node.code == codes[0]))
    assert len(outlines) == len(codes) and geo_changes(city) == 1
    assert next(o for o in outlines if o.node_id == first).geometry.bounds == pytest.approx(
        square(0)
    )

    moved = write_tiling(tmp_path / "moved.geojson", codes, origin=(113.0, 38.0))
    code, out, _ = load(capsys, db_url, moved)
    assert code == 0 and f"({len(codes)} replaced)" in out
    with city() as s:
        assert s.scalar(select(func.count()).select_from(Boundary)) == len(codes)
        assert s.scalar(select(func.min(Boundary.min_lon))) == pytest.approx(113.0)
    assert geo_changes(city) == 2


def test_a_bad_file_loads_nothing_and_names_each_problem(
    city: Factory, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = grid_codes(city)
    assert load(capsys, db_url, write_tiling(tmp_path / "good.geojson", codes))[0] == 0
    with city() as s:
        before = sorted((b.node_id, b.geometry) for b in s.scalars(select(Boundary)))
    doc = tiling(codes, origin=(113.0, 38.0))  # a whole new tiling, but with problems:
    features = doc["features"]
    features[3]["geometry"] = mapping(box(*square(2, (113.0, 38.0))))  # over features[2]
    features[5]["properties"]["grid"] = "NOPE"
    features[7]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[200, 1], [201, 1], [201, 2], [200, 1]]],
    }
    features[9]["properties"]["grid"] = codes[0]  # codes[0] twice
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = load(capsys, db_url, bad)
    assert code == 1 and out == ""
    assert "cannot load" in err and "4 problem(s); nothing was loaded" in err
    assert f"features[3] ({codes[3]!r}): overlap: overlaps features[2] ({codes[2]!r})" in err
    assert "features[5] ('NOPE'): unknown_key: 'NOPE' names no grid" in err
    assert f"features[7] ({codes[7]!r}): coordinates: ring 0 position 0: longitude 200" in err
    assert f"features[9] ({codes[0]!r}): duplicate" in err
    with city() as s:
        after = sorted((b.node_id, b.geometry) for b in s.scalars(select(Boundary)))
    assert after == before and geo_changes(city) == 1


def test_files_that_cannot_be_read_or_are_not_geojson(
    city: Factory, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = load(capsys, db_url, tmp_path / "missing.geojson")
    assert code == 1 and "cannot read" in err and "missing.geojson" in err
    (tmp_path / "x.geojson").write_text("{not json", encoding="utf-8")
    code, _, err = load(capsys, db_url, tmp_path / "x.geojson")
    assert code == 1 and "not_json: not JSON" in err
    code, _, err = run(capsys, "--db", db_url, "geo", "place")
    assert code == 1 and "no grid boundaries are loaded" in err
    with city() as s:
        assert s.scalar(select(func.count()).select_from(Boundary)) == 0


def _open(service: TicketService, grid: str, where: tuple[float, float] | None) -> int:
    lon, lat = where if where else (None, None)
    new = NewTicket(title="井盖缺失", category="env.noise", channel="hotline", grid=grid,
                    reporter="duty:王敏", lat=lat, lon=lon)  # fmt: skip
    return service.open(new, at=NOW).ticket_id


def _ticket(factory: Factory, ticket_id: int) -> Ticket:
    with factory() as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        return t


def test_geo_place_moves_open_tickets_into_the_grid_of_their_location(
    city: Factory, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = grid_codes(city)
    a, b, c, d = codes[:4]
    assert load(capsys, db_url, write_tiling(tmp_path / "grids.geojson", codes))[0] == 0
    service = TicketService(city, clock=lambda: NOW)
    far = (ORIGIN[0] + 2.0, ORIGIN[1] + 2.0)  # outside every outline
    in_b = _open(service, a, centre(codes, b))  # named A, lies in B: moves
    stays = _open(service, b, centre(codes, b))
    outside = _open(service, a, (ORIGIN[0] - 3.0, ORIGIN[1] - 3.0))  # in no outline: keeps A
    nowhere = _open(service, a, None)
    closed = _open(service, a, centre(codes, c))
    service.act(closed, "cancel", "duty:王敏", note="重复", at=NOW)
    unassigned = _open(service, "", far)
    assert _ticket(city, unassigned).grid_id is None
    # D's outline moves to where the unassigned ticket is
    d_there = tmp_path / "d.geojson"
    west, south = far[0] - SIZE / 2, far[1] - SIZE / 2
    d_there.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"grid": d},
         "geometry": mapping(box(west, south, west + SIZE, south + SIZE))}]}))  # fmt: skip
    assert load(capsys, db_url, d_there)[0] == 0

    versions = {t: _ticket(city, t).version for t in (in_b, unassigned)}
    holder = _ticket(city, in_b).worker_id
    assert holder is not None
    code, out, err = run(capsys, "--db", db_url, "geo", "place", "--dry-run")
    assert code == 0, err
    assert "open tickets with a location: 4; in no grid's outline: 1" in out
    assert "would move 2 ticket(s)" in out
    assert f"  {a} → {b}: 1" in out and f"  unassigned → {d}: 1" in out
    assert {t: _ticket(city, t).version for t in versions} == versions  # nothing written

    code, out, err = run(capsys, "--db", db_url, "geo", "place")
    assert code == 0, err
    assert "moved 2 ticket(s)" in out
    with city() as s:
        nodes = {n.code: n for n in s.scalars(select(Node).where(Node.code.in_([a, b, d])))}
    for ticket_id, grid, was in ((in_b, b, a), (unassigned, d, "unassigned")):
        t = _ticket(city, ticket_id)
        node = nodes[grid]
        assert (t.grid_id, t.community_id, t.street_id, t.district_id) == (
            node.id, node.community_id, node.street_id, node.district_id
        )  # fmt: skip
        assert t.version == versions[ticket_id] + 1 and t.status == "new"
        with city() as s:
            last = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                             .order_by(TicketEvent.id.desc())).first()  # fmt: skip
            feed = s.scalars(select(Change).where(Change.kind == "ticket", Change.op == "place",
                                                  Change.entity_id == ticket_id)).all()  # fmt: skip
        assert last is not None and (last.action, last.actor) == ("note", "system")
        assert f"placed by location in grid {grid} (was {was})" in last.note
        assert len(feed) == 1 and feed[0].data["grid"] == grid
    assert _ticket(city, in_b).worker_id == holder  # the holder stays (A's worker)
    assert _ticket(city, unassigned).worker_id is None
    for ticket_id in (stays, outside, nowhere, closed):
        t = _ticket(city, ticket_id)
        assert t.grid_id == nodes[b if ticket_id == stays else a].id and t.version == 1 + (
            ticket_id == closed
        )
    with city() as s:
        assert (
            s.scalar(select(func.count()).where(Change.kind == "bulk", Change.op == "place")) == 1
        )
    code, out, _ = run(capsys, "--db", db_url, "geo", "place")
    assert code == 0 and "moved 0 ticket(s)" in out


def test_outlines_loaded_for_streets_and_communities(
    city: Factory, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with city() as s:
        communities = sorted(s.scalars(select(Node.code).where(Node.level == "community")))
    path = write_tiling(tmp_path / "communities.geojson", communities, key="code")
    code, out, err = run(capsys, "--db", db_url, "geo", "load", str(path), "--level",
                         "community", "--key", "code")  # fmt: skip
    assert code == 0, err
    assert f"loaded {len(communities)} community outline(s)" in out and "geo place" not in out
    with city() as s:
        assert len(read_boundaries(s, "community")) == len(communities)
        assert read_boundaries(s, "grid") == []
    # a community's outline is no grid: nothing is placed by it
    code, _, err = run(capsys, "--db", db_url, "geo", "place")
    assert code == 1 and "no grid boundaries are loaded" in err
