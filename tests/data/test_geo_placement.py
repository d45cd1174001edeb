"""Placing by location in the write path (SQLite and PostgreSQL): a report with a
location and no grid goes to the grid whose outline holds it, with the hierarchy and
first worker a report naming that grid gets; on a shared edge to the lowest code;
outside every outline unassigned; with no outlines refused as before. The index
follows a new load. The importer and the drop folder place rows the same way."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.importer import ImportMap, import_file, load_map
from gridtui.data.intake.inbox import Inbox
from gridtui.data.sources.records import NewTicket
from gridtui.data.storage.models import Node, Ticket, TicketEvent
from gridtui.data.writes.errors import ServiceError
from gridtui.data.writes.geo_load import load_boundary_file
from gridtui.data.writes.service import TicketService
from tests.conftest import FIXTURES, NOW
from tests.geo_tiles import ORIGIN, SIZE, centre, grid_codes, tiling

Factory = sessionmaker[Session]
FAR = (ORIGIN[0] - 5.0, ORIGIN[1] - 5.0)  # outside every square


@pytest.fixture
def city(unmapped_city: Factory) -> Factory:
    """These begin before the centre has loaded any outline."""
    return unmapped_city


def outline(factory: Factory, codes: list[str]) -> None:
    load_boundary_file(factory, json.dumps(tiling(codes)), level="grid", key="grid",
                       source="test", at=NOW)  # fmt: skip


def report(grid: str = "", where: tuple[float, float] | None = None) -> NewTicket:
    lon, lat = where if where else (None, None)
    return NewTicket(title="路灯不亮", category="env.noise", channel="hotline", grid=grid,
                     reporter="duty:王敏", lat=lat, lon=lon)  # fmt: skip


def placed(factory: Factory, ticket_id: int) -> tuple[str | None, tuple[int | None, ...]]:
    """The ticket's grid code and its (district, street, community, grid, worker) ids."""
    with factory() as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        code = s.scalar(select(Node.code).where(Node.id == t.grid_id)) if t.grid_id else None
        return code, (t.district_id, t.street_id, t.community_id, t.grid_id, t.worker_id)


def test_without_outlines_a_report_without_a_grid_is_refused(city: Factory) -> None:
    service = TicketService(city, clock=lambda: NOW)
    with pytest.raises(ServiceError, match="no grid boundaries are loaded"):
        service.open(report("", (112.5, 37.85)))
    with pytest.raises(ServiceError, match="unknown grid 'NOPE'"):
        service.open(report("NOPE", (112.5, 37.85)))


def test_a_report_goes_to_the_grid_holding_its_location(city: Factory) -> None:
    codes = grid_codes(city)
    outline(city, codes)
    service = TicketService(city, clock=lambda: NOW)
    for code in (codes[0], codes[17], codes[-1]):
        by_place = service.open(report("", centre(codes, code)), at=NOW).ticket_id
        by_code = service.open(report(code), at=NOW).ticket_id
        assert placed(city, by_place) == placed(city, by_code)
        assert placed(city, by_place)[0] == code
        assert placed(city, by_place)[1][4] is not None  # the grid's first worker holds it
    # a named grid wins over the location
    named = service.open(report(codes[5], centre(codes, codes[6]))).ticket_id
    assert placed(city, named)[0] == codes[5]


def test_a_point_on_a_shared_edge_or_vertex_goes_to_the_lowest_code(city: Factory) -> None:
    codes = grid_codes(city)
    outline(city, codes)
    service = TicketService(city, clock=lambda: NOW)
    x, y = ORIGIN[0] + SIZE, ORIGIN[1] + SIZE / 2  # the edge of squares 0 and 1
    assert placed(city, service.open(report("", (x, y))).ticket_id)[0] == codes[0]
    corner = (ORIGIN[0] + 2 * SIZE, ORIGIN[1] + SIZE)  # squares 1, 2, 11 and 12 meet
    assert placed(city, service.open(report("", corner)).ticket_id)[0] == codes[1]


def test_outside_every_outline_a_report_is_unassigned(city: Factory) -> None:
    outline(city, grid_codes(city))
    service = TicketService(city, clock=lambda: NOW)
    ticket_id = service.open(report("", FAR)).ticket_id
    assert placed(city, ticket_id) == (None, (None, None, None, None, None))
    with city() as s:
        first = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)).one()
        t = s.get(Ticket, ticket_id)
        assert t is not None and (t.lat, t.lon) == (FAR[1], FAR[0]) and t.status == "new"
    assert (first.action, first.target) == ("open", None)  # the centre holds it
    with pytest.raises(ServiceError, match="or a location"):
        service.open(report(""))
    with pytest.raises(ServiceError, match=r"lat 95\.0 is not a number within -90\.\.90"):
        service.open(report("", (112.5, 95.0)))


def test_the_index_follows_a_new_load(city: Factory) -> None:
    codes = grid_codes(city)
    outline(city, codes)
    service = TicketService(city, clock=lambda: NOW)
    spot = centre(codes, codes[0])
    assert placed(city, service.open(report("", spot)).ticket_id)[0] == codes[0]
    # codes[0] and codes[1] swap places
    swapped = [codes[1], codes[0]]
    doc = tiling(codes)
    for feature, code in zip(doc["features"][:2], swapped, strict=True):
        feature["properties"]["grid"] = code
    load_boundary_file(city, json.dumps(doc), level="grid", key="grid", source="swap",
                       at=NOW + timedelta(minutes=1))  # fmt: skip
    assert placed(city, service.open(report("", spot)).ticket_id)[0] == codes[1]


# -- the importer and the drop folder -----------------------------------------------------

MAP = """
source = "geotest"
timezone = "Asia/Shanghai"
channel = "hotline"
[columns]
external_id = "id"
opened_at = "opened"
title = "title"
category = "category"
grid = "grid"
lat = "lat"
lon = "lon"
"""


def write_rows(path: Path, rows: list[tuple[str, str, tuple[float, float] | None]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "opened", "title", "category", "grid", "lat", "lon"])
        for key, grid, where in rows:
            lon, lat = (str(where[0]), str(where[1])) if where else ("", "")
            out.writerow([key, "2026-11-23T09:00:00", "占道经营", "env.noise", grid, lat, lon])
    return path


def imported(factory: Factory, source: str) -> dict[str, str | None]:
    with factory() as s:
        rows = s.execute(
            select(Ticket.external_id, Node.code)
            .outerjoin(Node, Node.id == Ticket.grid_id)
            .where(Ticket.source == source)
        )
        return {str(key): code for key, code in rows}


def test_the_importer_places_rows_with_a_location_and_no_grid(
    city: Factory, tmp_path: Path
) -> None:
    codes = grid_codes(city)
    (tmp_path / "geotest.toml").write_text(MAP, encoding="utf-8")
    mapping = load_map(tmp_path / "geotest.toml")
    rows = [
        ("A", "", centre(codes, codes[3])),  # placed in codes[3]
        ("B", "", FAR),  # outside: unassigned
        ("C", codes[8], centre(codes, codes[3])),  # its grid value wins
        ("D", "", None),  # nowhere to place it
    ]
    path = write_rows(tmp_path / "rows.csv", rows)
    import_file(city, path, mapping, now=NOW)  # before any outline: as before
    assert imported(city, "geotest") == {"A": None, "B": None, "C": codes[8], "D": None}
    outline(city, codes)
    again = import_file(city, path, mapping, now=NOW)  # the row of A is placed now
    assert (again.updated, again.unchanged) == (1, 3)
    assert imported(city, "geotest") == {"A": codes[3], "B": None, "C": codes[8], "D": None}
    with city() as s:
        a = s.scalars(select(Ticket).where(Ticket.external_id == "A")).one()
        grid = s.get(Node, a.grid_id)
        assert grid is not None
        assert (a.district_id, a.street_id, a.community_id) == (
            grid.district_id, grid.street_id, grid.community_id
        )  # fmt: skip


def test_the_drop_folder_places_rows_by_location(city: Factory, tmp_path: Path) -> None:
    codes = grid_codes(city)
    outline(city, codes)
    mapping: ImportMap = load_map(FIXTURES / "maps" / "hotline12345.toml")
    sample = (FIXTURES / "samples" / "hotline12345-sample.csv").read_text(encoding="utf-8-sig")
    lines = sample.splitlines()
    header = next(csv.reader([lines[0]]))
    rows = list(csv.DictReader(lines))[:3]
    spots = [centre(codes, codes[20]), FAR, None]
    for row, where in zip(rows, spots, strict=True):
        row["网格编码"] = "" if where is not None else row["网格编码"]
        row["经度"], row["纬度"] = (str(where[0]), str(where[1])) if where else ("", "")
    drop = tmp_path / "inbox"
    drop.mkdir()
    with (drop / "orders.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=header)
        out.writeheader()
        out.writerows(rows)
    clock = [1000.0]
    inbox = Inbox(drop, city, mapping, settle=1.0, clock=lambda: clock[0], now=lambda: NOW)
    assert inbox.scan() == []
    clock[0] += 2.0
    (outcome,) = inbox.scan()
    assert outcome.state == "imported", str(outcome)
    found = imported(city, "hotline12345")
    keys = [r["工单编号"] for r in rows]
    assert [found[k] for k in keys] == [codes[20], None, rows[2]["网格编码"]]
