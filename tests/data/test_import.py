"""`gridtui import`: real 311 exports through a map, on SQLite and PostgreSQL.

Expected counts are derived here from the files with the csv module and the map's
TOML, by the rules the importer documents, not taken from the importer itself.
"""

from __future__ import annotations

import csv
import json
import math
import tomllib
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.importer import (
    ImportFileError,
    ImportMapError,
    import_file,
    load_map,
)
from gridtui.data.storage.models import Category, Change, Department, Node, Ticket, TicketEvent
from tests.conftest import FIXTURES, NOW

NYC_MAP = FIXTURES / "maps" / "nyc311.toml"
SAMPLE = FIXTURES / "samples" / "nyc311-sample-1000.csv"
BROKEN = FIXTURES / "samples" / "broken.csv"
NYC_TIME = "%m/%d/%Y %I:%M:%S %p"


def count(factory: sessionmaker[Session], model: type, *where: Any) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def ticket(factory: sessionmaker[Session], key: str, source: str = "nyc311") -> Ticket:
    with factory() as s:
        t = s.scalar(select(Ticket).where(Ticket.source == source, Ticket.external_id == key))
    assert t is not None, key
    return t


def changes(factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    with factory() as s:
        return [dict(c.data) for c in s.scalars(select(Change).order_by(Change.seq))]


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# -- what the NYC sample should give, by the documented rules ------------------------


def _nyc_time(value: str) -> datetime | None:
    return datetime.strptime(value, NYC_TIME) if value.strip() else None


def _nyc_problem(row: dict[str, str]) -> str | None:
    """The field the importer must reject ``row`` for, or None."""
    key = row["Unique Key"].strip()
    if not key or len(key) > 64:
        return "external_id"
    fields = {"opened_at": "Created Date", "due_at": "Due Date", "closed_at": "Closed Date"}
    times: dict[str, datetime | None] = {}
    for name, col in fields.items():
        try:
            times[name] = _nyc_time(row[col])
        except ValueError:
            return name
    if times["opened_at"] is None:
        return "opened_at"
    closed = times["closed_at"]
    if closed is not None and closed < times["opened_at"]:
        return "closed_at"
    coords: dict[str, float | None] = {}
    for name, col, limit in (("lat", "Latitude", 90), ("lon", "Longitude", 180)):
        text = row[col].strip()
        try:
            coords[name] = float(text) if text else None
        except ValueError:
            return name
        value = coords[name]
        if value is not None and (not math.isfinite(value) or abs(value) > limit):
            return name
    if (coords["lat"] is None) != (coords["lon"] is None):
        return "lat" if coords["lat"] is None else "lon"
    return None


def nyc_expectations() -> dict[str, Any]:
    statuses = tomllib.loads(NYC_MAP.read_text(encoding="utf-8"))["values"]["status"]
    with SAMPLE.open(encoding="utf-8-sig", newline="") as fh:
        rows = [(n + 2, r) for n, r in enumerate(csv.DictReader(fh))]
    last = {r["Unique Key"].strip(): line for line, r in rows}
    rejects = {line: p for line, r in rows if (p := _nyc_problem(r))}
    kept = [r for line, r in rows if line not in rejects and last[r["Unique Key"].strip()] == line]
    mapped = Counter(statuses.get(r["Status"], statuses["*"]) for r in kept)
    return {
        "read": len(rows),
        "keys": len(last),
        "rejects": rejects,
        "kept": kept,
        "superseded": len(rows) - len(rejects) - len(kept),
        "closed": mapped["closed"],
        "due": sum(1 for r in kept if r["Due Date"].strip()),
        "open_due": sum(
            1 for r in kept if r["Due Date"].strip() and mapped_status(statuses, r) != "closed"
        ),
        "closed_at": sum(
            1 for r in kept if r["Closed Date"].strip() and mapped_status(statuses, r) == "closed"
        ),
        "categories": len({r["Complaint Type"] for r in kept}),
        "departments": len({r["Agency"] for r in kept}),
        "raw": {line: r for line, r in rows},
    }


def mapped_status(statuses: dict[str, str], row: dict[str, str]) -> str:
    return statuses.get(row["Status"], statuses["*"])


def test_nyc_sample_imports_and_reimports_idempotently(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    want = nyc_expectations()
    assert want["read"] == 1000 and want["keys"] == 1000
    assert len(want["rejects"]) > 0  # the sample has pending rows closed before opening
    mapping = load_map(NYC_MAP)
    rejects = tmp_path / "rejects.csv"

    report = import_file(factory, SAMPLE, mapping, rejects=rejects, now=NOW, batch_size=250)

    kept = len(want["kept"])
    assert (report.read, report.inserted, report.updated, report.unchanged) == (1000, kept, 0, 0)
    assert report.rejected == len(want["rejects"]) and report.superseded == want["superseded"]
    assert {r.line: r.field for r in report.rejects} == want["rejects"]
    assert report.categories_created == want["categories"]
    assert report.departments_created == want["departments"]
    json.dumps(report.as_dict())
    assert count(factory, Ticket) == kept
    assert count(factory, Ticket, Ticket.status == "closed") == want["closed"]
    assert count(factory, Ticket, Ticket.due_at.is_not(None)) == want["due"]
    assert count(factory, Ticket, Ticket.next_deadline.is_not(None)) == want["open_due"]
    assert count(factory, Ticket, Ticket.closed_at.is_not(None)) == want["closed_at"]
    assert count(factory, TicketEvent, TicketEvent.action == "import") == kept
    feed = changes(factory)
    assert len(feed) == math.ceil(kept / 250)
    assert sum(c["inserted"] for c in feed) == kept
    assert {c["file"] for c in feed} == {SAMPLE.name}

    # The rejects file: every rejected line with its raw fields, as in the source.
    written = read_rejects(rejects)
    assert [int(r["line"]) for r in written] == sorted(want["rejects"])
    for r in written:
        raw = want["raw"][int(r["line"])]
        assert json.loads(r["row"]) == list(raw.values())
        assert r["external_id"] == raw["Unique Key"] and r["field"] == "closed_at"

    # One row by hand: naive New York times (EDT, UTC-4) stored as UTC.
    t = ticket(factory, "39573567")
    assert t.opened_at == datetime(2018, 6, 26, 14, 58, 54, tzinfo=UTC)
    assert t.closed_at == datetime(2018, 6, 26, 16, 50, 1, tzinfo=UTC)
    assert t.due_at == datetime(2018, 6, 26, 22, 58, 54, tzinfo=UTC)
    assert t.next_deadline is None  # closed: no clock runs
    assert t.title == "Non-Emergency Police Matter — Other (complaint details)"
    assert t.address == "91-33 97 STREET, WOODHAVEN"
    assert (t.category, t.channel, t.status, t.colour) == (
        "nyc.non-emergency-police-matter", "hotline", "closed", "blue",
    )  # fmt: skip
    assert t.lat == pytest.approx(40.690092327843345) and t.version == 1
    with factory() as s:
        assert s.get(Department, t.department_id).code == "NYC-NYPD"  # type: ignore[union-attr]
        cat = s.get(Category, "nyc.illegal-parking")
        assert cat is not None and (cat.name, cat.function) == ("Illegal Parking", "imported")
        # UTF-8 read as Latin-1 upstream ("Transportationâ\x80\x99s") is repaired.
        texts = list(s.scalars(select(Ticket.description)))
    assert any("Transportation’s" in d for d in texts)
    assert not any("â" in d or "\x80" in d for d in texts)

    again = import_file(factory, SAMPLE, mapping, rejects=rejects, now=NOW + timedelta(hours=1))

    assert (again.inserted, again.updated) == (0, 0)
    assert again.unchanged == report.inserted + report.updated
    assert again.rejected == report.rejected
    assert changes(factory) == feed
    assert count(factory, Ticket) == kept
    assert count(factory, TicketEvent) == kept
    assert count(factory, Ticket, Ticket.version != 1) == 0


# -- a hand-made broken export -------------------------------------------------------

BROKEN_REJECTS = [
    (3, None, "external_id"),
    (4, "9000003", "opened_at"),
    (5, "9000004", "opened_at"),
    (6, "9000005", "closed_at"),
    (7, "9000006", "lat"),
    (8, "9000007", "lon"),
    (9, "9000008", "due_at"),
    (10, "9000009", "row"),
    (15, "9000013", "opened_at"),  # after a quoted field spanning lines 13-14
    (17, "9000015", "lon"),
    (21, "9000017", "lat"),
    (22, "X" * 70, "external_id"),
]


def test_broken_file_keeps_good_rows_and_reports_bad_ones(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.csv"
    mapping = load_map(NYC_MAP)

    # batch_size=2: the duplicate key (lines 16 and 18) falls in different batches.
    report = import_file(factory, BROKEN, mapping, rejects=rejects, now=NOW, batch_size=2)

    got = [(r.line, r.external_id, r.field) for r in report.rejects]
    assert got == BROKEN_REJECTS
    assert (report.read, report.inserted, report.rejected, report.superseded) == (19, 6, 12, 1)
    reasons = {r.line: r.reason for r in report.rejects}
    assert "'Created Date' is blank" in reasons[4]
    assert "'north'" in reasons[7] and "-180..180" in reasons[8]
    assert "9 fields" in reasons[10] and "without its pair" in reasons[17]
    written = read_rejects(rejects)
    assert [(int(r["line"]), r["field"]) for r in written] == [
        (line, fld) for line, _, fld in BROKEN_REJECTS
    ]
    assert json.loads(written[7]["row"])[0] == "9000009"
    assert count(factory, Ticket) == 6

    # Outside text stored clean: escape sequences gone, markup kept as literal text.
    first = ticket(factory, "9000001")
    assert first.title == "Noise - Residential — [bold red]Loud[/] Party"
    assert first.description == "Done. Police responded [link=http://x]here[/link]"
    assert first.address == "1 MAIN STREET, BROOKLYN"
    with factory() as s:
        for t in s.scalars(select(Ticket)):
            for text in (t.title, t.description, t.address):
                assert not any(c in text for c in "\x1b\x07\x9b"), text
    assert ticket(factory, "9000012").description == "Line one\nLine two"

    # The later row of a repeated key wins.
    dup = ticket(factory, "9000014")
    assert (dup.status, dup.version) == ("closed", 1)
    assert dup.closed_at == datetime(2024, 1, 3, 15, 0, tzinfo=UTC)
    # "*" defaults; an open ticket's imported due date is its running deadline.
    odd = ticket(factory, "9000011")
    assert (odd.status, odd.channel, odd.lat, odd.address) == ("new", "department", None, "")
    open_ = ticket(factory, "9000010")
    assert open_.status == "dispatched" and open_.channel == "citizen_app"
    assert open_.due_at == open_.next_deadline == datetime(2024, 1, 9, 14, 0, tzinfo=UTC)
    # Closed without a closed date: still closed. No type, no agency: fallbacks.
    bare = ticket(factory, "9000016")
    assert (bare.status, bare.closed_at, bare.department_id) == ("closed", None, None)
    assert (bare.title, bare.category) == ("nyc311 9000016", "nyc.unspecified")

    feed = changes(factory)
    again = import_file(factory, BROKEN, mapping, rejects=rejects, now=NOW, batch_size=2)
    assert (again.inserted, again.updated, again.unchanged, again.superseded) == (0, 0, 6, 1)
    assert changes(factory) == feed


def _write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)


def test_changed_row_is_updated_with_a_version_bump(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(islice(reader, 20))
    assert rows[0]["Status"] == "Closed" and rows[1]["Agency"] == "DOF"
    with factory.begin() as s:  # an existing code is used as is; a colour comes along
        s.add(Department(code="DOF", name="Finance", name_en="Finance"))
        rats = Category(code="nyc.rats", name="Rats", name_en="Rats", function="health")
        s.add(rats)
        rats.default_colour = "red"
    path = tmp_path / "export.csv"
    rejects = tmp_path / "rejects.csv"
    _write_rows(path, header, rows)
    mapping = load_map(NYC_MAP)
    first = import_file(factory, path, mapping, rejects=rejects, now=NOW)
    assert (first.inserted, first.rejected, first.departments_created) == (20, 0, 5)
    assert read_rejects(rejects) == []  # header only, still written
    assert rejects.read_text(encoding="utf-8").splitlines() == ["line,external_id,field,reason,row"]
    with factory() as s:
        dof = s.scalar(select(Department.id).where(Department.code == "DOF"))
    assert ticket(factory, rows[1]["Unique Key"]).department_id == dof
    feed = changes(factory)

    rows[0] |= {"Status": "In Progress", "Resolution Description": "Reopened by the agency"}
    rows[2]["Complaint Type"] = "Rats"
    _write_rows(path, header, rows)
    later = NOW + timedelta(days=1)
    report = import_file(factory, path, mapping, now=later)

    assert (report.inserted, report.updated, report.unchanged) == (0, 2, 18)
    t = ticket(factory, rows[0]["Unique Key"])
    assert (t.status, t.version, t.updated_at) == ("accepted", 2, later)
    assert t.description == "Reopened by the agency"
    assert t.closed_at is None and t.next_deadline == t.due_at is not None
    recat = ticket(factory, rows[2]["Unique Key"])
    assert (recat.category, recat.colour, recat.version) == ("nyc.rats", "red", 2)
    with factory() as s:
        events = list(
            s.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)
            )
        )
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("import", None, "closed"),
        ("import", "closed", "accepted"),
    ]
    assert "line 2" in events[1].note and "status" in events[1].note
    assert events[1].actor == "import:nyc311" and events[1].at == later
    new_feed = changes(factory)
    assert new_feed[: len(feed)] == feed and len(new_feed) == len(feed) + 1
    assert new_feed[-1]["updated"] == 2 and new_feed[-1]["inserted"] == 0


# -- JSON Lines, ISO times, grids ----------------------------------------------------

JSONL_MAP = """\
source = "demo"
timezone = "Asia/Shanghai"

[columns]
external_id = "id"
opened_at = "opened"
closed_at = "closed"
status = "state"
category = "kind"
channel = "via"
title = "title"
lat = "lat"
lon = "lon"
grid = "grid"

[values.status]
open = "dispatched"

[values.channel]
"*" = "citizen_app"
"""


def _nodes(factory: sessionmaker[Session]) -> dict[str, int]:
    ids: dict[str, int] = {}
    with factory.begin() as s:
        anc: dict[str, int | None] = {}
        parent = None
        for level, code in (
            ("city", "C"), ("district", "D"), ("street", "S"), ("community", "M"), ("grid", "G1"),
        ):  # fmt: skip
            node = Node(level=level, code=code, name=code, parent_id=parent, **anc)
            s.add(node)
            s.flush()
            ids[code], parent = node.id, node.id
            if level != "city":
                anc = {**anc, f"{level}_id": node.id}
    return ids


def test_jsonl_with_bad_lines_iso_times_and_grids(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    ids = _nodes(factory)
    (tmp_path / "demo.toml").write_text(JSONL_MAP, encoding="utf-8")
    lines = [
        {"id": "A1", "opened": "2024-03-01T10:00:00", "state": "open", "kind": "Pothole",
         "via": "patrol", "title": "Pothole\u001b[2J on Elm", "lat": 31.2, "lon": 121.4,
         "grid": "G1"},
        {"id": "A2", "opened": "2024-03-01T10:00:00+00:00", "closed": "2024-03-02T10:00:00Z",
         "state": "closed", "kind": "Pothole", "title": "Done", "grid": "M"},
        "{not json",
        [1, 2, 3],
        "",
        {"id": 42, "opened": "2024-03-01 10:00", "state": "bogus", "kind": "Pothole"},
        {"id": "A4", "opened": "2024-03-01 10:00", "state": "resolved", "via": "hotline",
         "kind": "Pothole", "title": "x", "grid": "NOPE"},
    ]  # fmt: skip
    path = tmp_path / "export.jsonl"
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"

    report = import_file(factory, path, load_map(tmp_path / "demo.toml"), rejects=rejects, now=NOW)

    assert (report.read, report.inserted, report.rejected) == (6, 3, 3)
    assert [(r.line, r.external_id, r.field) for r in report.rejects] == [
        (3, None, "row"),
        (4, None, "row"),
        (6, "42", "status"),
    ]
    assert "not JSON" in report.rejects[0].reason
    assert "'bogus'" in report.rejects[2].reason and '"*"' in report.rejects[2].reason
    assert [r["row"] for r in read_rejects(rejects)][:2] == ["{not json", "[1, 2, 3]"]

    a1 = ticket(factory, "A1", "demo")
    assert a1.opened_at == datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # naive: Shanghai time
    assert (a1.title, a1.status, a1.channel) == ("Pothole on Elm", "dispatched", "patrol")
    assert (a1.grid_id, a1.community_id, a1.street_id, a1.district_id) == (
        ids["G1"], ids["M"], ids["S"], ids["D"],
    )  # fmt: skip
    a2 = ticket(factory, "A2", "demo")
    assert a2.opened_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)  # aware: kept
    assert a2.closed_at == datetime(2024, 3, 2, 10, 0, tzinfo=UTC)
    assert (a2.grid_id, a2.community_id, a2.district_id) == (None, ids["M"], ids["D"])
    a4 = ticket(factory, "A4", "demo")
    assert (a4.status, a4.channel, a4.grid_id, a4.district_id) == (
        "resolved", "hotline", None, None,
    )  # fmt: skip
    assert a4.category == a1.category == "demo.pothole"


# -- errors that stop an import before it writes -------------------------------------


def test_file_problems_raise_before_anything_is_written(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    mapping = load_map(NYC_MAP)
    with pytest.raises(ImportFileError, match="no such file"):
        import_file(factory, tmp_path / "missing.csv", mapping, now=NOW)

    no_due = tmp_path / "no-due.csv"
    text = SAMPLE.read_text(encoding="utf-8-sig").replace("Due Date", "Deadline", 1)
    no_due.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError, match="'Due Date'"):
        import_file(factory, no_due, mapping, rejects=tmp_path / "r.csv", now=NOW)
    assert not (tmp_path / "r.csv").exists()

    # Valid rows first, a Latin-1 byte near the end: nothing is written at all.
    latin = tmp_path / "latin.csv"
    latin.write_bytes(SAMPLE.read_bytes()[:-200] + b"caf\xe9\r\n")
    with pytest.raises(ImportFileError, match="not UTF-8"):
        import_file(factory, latin, mapping, now=NOW, batch_size=10)
    assert count(factory, Ticket) == 0 and count(factory, Change) == 0

    (tmp_path / "m.toml").write_text(BASE_MAP, encoding="utf-8")
    (tmp_path / "export.dat").write_text("id,at\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="set format in the map"):
        import_file(factory, tmp_path / "export.dat", load_map(tmp_path / "m.toml"), now=NOW)


BASE_MAP = """\
source = "s"
timezone = "UTC"

[columns]
external_id = "id"
opened_at = "at"

[values.status]
"*" = "new"

[values.channel]
"*" = "hotline"
"""


@pytest.mark.parametrize(
    ("edit", "key", "line"),
    [
        (lambda t: t.replace('source = "s"', 'source = "a b"'), "'source'", 1),
        (lambda t: t.replace('"UTC"', '"Mars/Olympus_Mons"'), "'timezone'", 2),
        (lambda t: "colour = 1\n" + t, "'colour'", 1),
        (lambda t: t.replace('at"\n', 'at"\nfoo = "bar"\n', 1), "'columns.foo'", 7),
        (lambda t: t.replace('"*" = "new"', '"Closed" = "done"'), "'values.status.Closed'", 9),
        (lambda t: t.replace('external_id = "id"\n', ""), "'columns.external_id'", None),
        (lambda t: t.replace('opened_at = "at"', 'opened_at = ["a", "b"]'), "columns.opened_at", 6),
        (lambda t: t.replace('"*" = "hotline"', '"x" = "hotline"'), "'values.channel'", 11),
        (lambda t: t.replace('"*" = "hotline"', '"*" = "fax"'), "'values.channel.*'", 12),
        (lambda t: 'datetime_format = "%Q"\n' + t, "'datetime_format'", 1),
        (lambda t: 'format = "xml"\n' + t, "'format'", 1),
        (lambda t: t.replace("[values.status]", "[values.status"), None, 8),
    ],
)
def test_map_errors_name_file_line_and_key(
    tmp_path: Path, edit: Any, key: str | None, line: int | None
) -> None:
    (tmp_path / "ok.toml").write_text(BASE_MAP, encoding="utf-8")
    assert load_map(tmp_path / "ok.toml").source == "s"
    path = tmp_path / "map.toml"
    path.write_text(edit(BASE_MAP), encoding="utf-8")
    with pytest.raises(ImportMapError) as info:
        load_map(path)
    message = str(info.value)
    assert str(path) in message
    if key:
        assert key in message
    if line:
        assert f"{path}:{line}" in message or f"line {line}" in message


def test_an_export_carries_the_residents_callback_and_its_deadline(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _nodes(factory)
    text = JSONL_MAP.replace(
        'grid = "grid"\n', 'grid = "grid"\nsatisfaction = "callback"\ndue_at = "due"\n'
    )
    (tmp_path / "demo.toml").write_text(text, encoding="utf-8")
    lines = [
        {"id": "S1", "opened": "2024-03-01 10:00", "state": "closed", "kind": "Pothole",
         "closed": "2024-03-02 10:00", "callback": "满意", "due": "2024-03-03 10:00"},
        {"id": "S2", "opened": "2024-03-01 10:00", "state": "open", "kind": "Pothole",
         "callback": "not satisfied", "due": "2024-03-03 10:00"},
        {"id": "S3", "opened": "2024-03-01 10:00", "state": "open", "kind": "Pothole",
         "callback": "还行"},
    ]  # fmt: skip
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")

    report = import_file(factory, path, load_map(tmp_path / "demo.toml"), now=NOW)

    assert (report.inserted, report.rejected) == (2, 1)
    assert [(r.external_id, r.field) for r in report.rejects] == [("S3", "satisfaction")]
    assert "满意" in report.rejects[0].reason  # it says what is accepted
    s1, s2 = ticket(factory, "S1", "demo"), ticket(factory, "S2", "demo")
    assert (s1.satisfaction, s2.satisfaction) == ("satisfied", "unsatisfied")
    due = datetime(2024, 3, 3, 2, 0, tzinfo=UTC)
    # the export's deadline, by the domain's rule for imported tickets
    assert (s1.due_at, s1.next_deadline) == (due, None)
    assert (s2.due_at, s2.next_deadline) == (due, due)
