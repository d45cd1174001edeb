"""`gridtui import` of the exports people really get: a TSV from a 311 portal, a 12345
hotline workbook (.xlsx and .xls), a street office's GB18030 CSV, a workbook of good
and bad rows mixed, and the drop folder taking them; each imported again adds nothing.

One database for the module (a copy of the run's demo city: its streets, catalogue
and departments); each test imports its own source. Expected counts are read from the
files with the csv module and openpyxl (not through the importer).
"""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.cli.main import main
from gridtui.data.intake.importer import (
    ImportFileError,
    ImportMapError,
    ImportReport,
    import_file,
    load_map,
)
from gridtui.data.intake.importer.formats import open_export
from gridtui.data.intake.inbox import Inbox
from gridtui.data.storage.db import make_engine, session_factory
from gridtui.data.storage.models import Node, Ticket
from tests.conftest import FIXTURES, NOW

pytestmark = pytest.mark.xdist_group("import-formats")

SAMPLES, MAPS = FIXTURES / "samples", FIXTURES / "maps"
WORKBOOK = SAMPLES / "city12345-workbook.xlsx"
OLD_WORKBOOK = SAMPLES / "city12345-workbook.xls"
MIXED = SAMPLES / "city12345-mixed.xlsx"
LEDGER = SAMPLES / "street-office-gb18030.csv"
PORTAL = SAMPLES / "portal311-sample.tsv"
SHANGHAI = "Asia/Shanghai"
Factory = sessionmaker[Session]


@pytest.fixture(scope="module")
def city_url(tmp_path_factory: pytest.TempPathFactory, demo_city: Callable[[int], Path]) -> str:
    path = tmp_path_factory.mktemp("formats") / "city.sqlite"
    shutil.copyfile(demo_city(1), path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def city(city_url: str) -> Iterator[Factory]:
    engine = make_engine(city_url)
    yield session_factory(engine)
    engine.dispose()


def tickets(factory: Factory, source: str) -> dict[str, Ticket]:
    with factory() as s:
        return {
            t.external_id or "": t for t in s.scalars(select(Ticket).where(Ticket.source == source))
        }


def node_id(factory: Factory, code: str) -> int:
    with factory() as s:
        return int(s.scalar(select(Node.id).where(Node.code == code)) or 0)


def counts(report: ImportReport) -> tuple[int, ...]:
    return (report.read, report.inserted, report.updated, report.unchanged, report.rejected)


def beijing(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Beijing wall-clock time as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def sheet_rows(path: Path) -> list[tuple[Any, ...]]:
    """The data rows of sheet 工单 (header on row 3), by openpyxl in full mode."""
    ws = load_workbook(path, data_only=True)["工单"]
    return [r for r in ws.iter_rows(min_row=4, values_only=True) if any(v is not None for v in r)]


# -- TSV ---------------------------------------------------------------------------------


def test_a_tsv_export_is_read_by_its_tabs(city: Factory, tmp_path: Path) -> None:
    with PORTAL.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    mapping = load_map(MAPS / "portal311.toml")
    assert (mapping.source, mapping.delimiter) == ("portal311", None)  # the file's name; sniffed

    report = import_file(city, PORTAL, mapping, now=NOW)

    assert counts(report) == (len(rows), len(rows), 0, 0, 0) and report.sheet is None
    got = tickets(city, "portal311")
    first, graffiti = got[rows[0]["service_request_id"]], got[rows[1]["service_request_id"]]
    assert graffiti.title == "Graffiti — Graffiti on Building"
    assert graffiti.description == 'Tag on wall, 2nd floor "KRS"'  # commas and quotes kept
    assert (graffiti.channel, first.channel) == ("citizen_app", "citizen_app")
    # naive Pacific times: 2026-11-20 09:31 PST is 17:31 UTC
    assert first.opened_at == datetime(2026, 11, 20, 17, 31, tzinfo=UTC)
    assert first.lat == pytest.approx(float(rows[0]["lat"])) and first.status == "closed"
    assert sum(t.status == "dispatched" for t in got.values()) == sum(
        r["status_description"] == "Open" for r in rows
    )

    # Again, and under a name that tells nothing (.txt): the tabs are sniffed.
    as_text = tmp_path / "portal-export.txt"
    shutil.copyfile(PORTAL, as_text)
    assert str(open_export(as_text, mapping).layout) == "read as UTF-8 text, tab between fields"
    for path in (PORTAL, as_text):
        again = import_file(city, path, mapping, now=NOW + timedelta(hours=1))
        assert counts(again) == (len(rows), 0, 0, len(rows), 0)
    assert len(tickets(city, "portal311")) == len(rows)


# -- workbooks -----------------------------------------------------------------------------


def test_a_hotline_workbook_reads_dates_and_numbers_as_excel_has_them(city: Factory) -> None:
    rows = sheet_rows(WORKBOOK)
    number, called, phone = rows[0][1], rows[0][2], rows[0][3]
    # the sample stores them as Excel does: a float number, a date, a float phone
    assert isinstance(number, float) and isinstance(called, datetime)
    assert isinstance(phone, float) and phone > 1e10
    mapping = load_map(MAPS / "city12345.toml", timezone=SHANGHAI)
    assert (mapping.source, mapping.sheet, mapping.header_row) == ("city12345", "工单", 3)

    first = next(open_export(WORKBOOK, mapping).records())
    assert first.line == 4  # the sheet's row
    assert first.cells["工单编号"] == f"{number:.0f}" and "E" not in first.cells["工单编号"]
    assert first.cells["来电号码"] == f"{phone:.0f}"  # 1.7738243118E10 → its 11 digits
    assert first.dates["来电时间"] == called

    report = import_file(city, WORKBOOK, mapping, now=NOW)

    assert counts(report) == (len(rows), len(rows), 0, 0, 0) and report.sheet == "工单"
    got = tickets(city, "city12345")
    t = got[f"{number:.0f}"]
    assert t.opened_at == called.replace(tzinfo=UTC) - timedelta(hours=8)  # Beijing time
    assert t.due_at == rows[0][12].replace(tzinfo=UTC) - timedelta(hours=8)
    assert (t.channel, t.category, t.status) == ("hotline", "order.stall", "new")
    assert t.street_id == node_id(city, "WH-HB") and t.title == "城市管理/占道经营"
    # a closing time is kept for the orders that are over (归档, 撤销), by the domain's rule
    over = {f"{r[1]:.0f}": r[13] for r in rows if r[11] in ("已归档", "已撤销")}
    assert over and all(got[k].closed_at == v.replace(tzinfo=UTC) - timedelta(hours=8)
                        for k, v in over.items())  # fmt: skip

    # The same workbook saved as .xls (calamine) is the same orders: nothing changes.
    old = import_file(city, OLD_WORKBOOK, mapping, now=NOW + timedelta(hours=1))
    assert counts(old) == (len(rows), 0, 0, len(rows), 0) and old.sheet == "工单"
    again = import_file(city, WORKBOOK, mapping, now=NOW + timedelta(hours=2))
    assert counts(again) == (len(rows), 0, 0, len(rows), 0)
    assert len(tickets(city, "city12345")) == len(rows)


MIXED_REJECTS = [  # sheet row, work order, field, what the reason names
    (7, None, "external_id", "'工单编号' is blank"),
    (9, "2026112300206", "opened_at", "'昨天下午三点' is not a time"),
    (10, "2026112300207", "status", "'挂起' is not mapped"),
    (11, "2026112300208", "closed_at", "is before opened_at"),
    (14, "2026112300211", "due_at", "'三个工作日' is not a time"),
]


def test_a_mixed_workbook_keeps_good_rows_and_lists_bad_ones_by_sheet_row(
    city: Factory, city_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = load_map(MAPS / "city12345.toml", timezone=SHANGHAI)
    rejects = tmp_path / "rejects.csv"
    before = len(tickets(city, "city12345"))

    report = import_file(city, MIXED, mapping, rejects=rejects, now=NOW)

    assert counts(report) == (10, 4, 0, 0, 5) and report.superseded == 1
    got = [(r.line, r.external_id, r.field) for r in report.rejects]
    assert got == [row[:3] for row in MIXED_REJECTS]
    for r, (_, _, _, why) in zip(report.rejects, MIXED_REJECTS, strict=True):
        assert why in r.reason, r
    with rejects.open(encoding="utf-8", newline="") as fh:
        written = list(csv.DictReader(fh))
    assert [int(w["line"]) for w in written] == [7, 9, 10, 11, 14]
    raw = json.loads(written[0]["row"])  # the sheet row's cells, numbers as their digits
    assert raw[3].isdigit() and len(raw[3]) == 11 and raw[2] == "2026-11-23 11:51:00"
    kept = tickets(city, "city12345")
    assert len(kept) == before + 4
    # a time typed as text, a date cell without its format, a number stored as text
    assert kept["2026112300202"].opened_at == beijing(2026, 11, 23, 11, 15)
    assert kept["2026112300203"].opened_at == beijing(2026, 11, 23, 11, 34)
    assert "2026112300209" in kept
    # row 4's order came again on row 13, done: the later row wins
    assert (kept["2026112300201"].status, kept["2026112300201"].version) == ("resolved", 1)

    # Again, by the command: nothing new, the same rows named by their sheet row.
    code = main(["--db", city_url, "import", str(MIXED), "--map", str(MAPS / "city12345.toml")])
    out, err = capsys.readouterr()
    assert code == 0 and "read 10 (sheet '工单'): 0 new, 0 updated, 4 unchanged, 5 rejected" in out
    assert "row 9: opened_at: '昨天下午三点' is not a time" in err and "line" not in err
    assert len(tickets(city, "city12345")) == before + 4


# -- encodings ---------------------------------------------------------------------------------


def test_a_gb18030_csv_reads_right_named_or_detected(city: Factory, tmp_path: Path) -> None:
    with LEDGER.open(encoding="gb18030", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with pytest.raises(UnicodeError):
        LEDGER.read_bytes().decode("gbk")  # 𠮷 and 䶮 are beyond GBK
    mapping = load_map(MAPS / "street-office.toml")
    assert (mapping.source, mapping.encoding) == ("street-office", "gb18030")

    report = import_file(city, LEDGER, mapping, now=NOW)

    assert counts(report) == (len(rows), len(rows), 0, 0, 0)
    got = tickets(city, "street-office")
    first = got[rows[0]["登记编号"]]
    assert first.description == rows[0]["问题描述"] and "𠮷祥里" in first.address
    assert any("䶮女士" in t.description for t in got.values())
    at = datetime.strptime(rows[0]["登记时间"], "%Y/%m/%d %H:%M")
    assert first.opened_at == at.replace(tzinfo=UTC) - timedelta(hours=8)
    assert (first.channel, first.category) == ("hotline", "env.noise")
    assert first.grid_id == node_id(city, rows[0]["所属网格"])

    # The same map without its encoding (same name, same source): detected, the same.
    detected = tmp_path / "street-office.toml"
    text = (MAPS / "street-office.toml").read_text(encoding="utf-8")
    detected.write_text(text.replace('encoding = "gb18030"\n', ""), encoding="utf-8")
    plain = load_map(detected)
    assert plain.encoding is None
    assert str(open_export(LEDGER, plain).layout).startswith("read as gb18030 text")
    for m in (plain, mapping):
        assert counts(import_file(city, LEDGER, m, now=NOW)) == (len(rows), 0, 0, len(rows), 0)


SHORT_MAP = """\
channel = "hotline"
timezone = "Asia/Shanghai"

[columns]
external_id = "工单编号"
opened_at = "受理时间"
description = "诉求内容"
"""


def test_detection_survives_a_wrong_guess_and_refuses_what_is_not_text(
    city: Factory, tmp_path: Path
) -> None:
    (tmp_path / "shortgbk.toml").write_text(SHORT_MAP, encoding="utf-8")
    mapping = load_map(tmp_path / "shortgbk.toml")
    # Two GBK lines: charset-normalizer alone takes them for Korean (cp949); the map's
    # column names tell GB18030 apart. Under an .xls name (some systems export text so).
    short = tmp_path / "short.xls"
    short.write_bytes(
        "工单编号,受理时间,诉求内容\nGB1,2026-11-24 08:00:00,路灯不亮\n".encode("gbk")
    )

    report = import_file(city, short, mapping, now=NOW)

    assert counts(report) == (1, 1, 0, 0, 0)
    t = tickets(city, "shortgbk")["GB1"]
    assert (t.description, t.status, t.opened_at) == ("路灯不亮", "new", beijing(2026, 11, 24, 8))

    binary = tmp_path / "export.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ImportFileError, match="not text in any encoding") as info:
        import_file(city, binary, mapping, now=NOW)
    assert str(binary) in str(info.value)

    (tmp_path / "utf8.toml").write_text('encoding = "utf-8"\n' + SHORT_MAP, encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"not UTF-8 text \(the map's encoding\)"):
        import_file(city, short, load_map(tmp_path / "utf8.toml"), now=NOW)
    (tmp_path / "sheet.toml").write_text('sheet = "Sheet1"\n' + SHORT_MAP, encoding="utf-8")
    with pytest.raises(
        ImportFileError, match="no sheet 'Sheet1': the workbook has '导出说明', '工单'"
    ):
        import_file(city, WORKBOOK, load_map(tmp_path / "sheet.toml"), now=NOW)
    assert len(tickets(city, "shortgbk")) == 1


def test_a_damaged_workbook_is_refused_and_never_takes_the_importer_down(
    city: Factory, tmp_path: Path
) -> None:
    shutil.copyfile(MAPS / "city12345.toml", tmp_path / "damaged.toml")
    mapping = load_map(tmp_path / "damaged.toml", timezone=SHANGHAI)
    xls, xlsx = OLD_WORKBOOK.read_bytes(), WORKBOOK.read_bytes()
    damaged: dict[str, bytes] = {"cut.xlsx": xlsx[:4000], "cut.xls": xls[:5000]}
    for seed in range(20, 26):  # with calamine 0.9, seed 23 makes it abort on a huge allocation
        rng, flipped = random.Random(seed), bytearray(xls)
        for _ in range(20):
            flipped[rng.randrange(512, len(flipped))] = rng.randrange(256)
        damaged[f"flipped-{seed}.xls"] = bytes(flipped)
    refused = 0
    for name, data in damaged.items():
        (path := tmp_path / name).write_bytes(data)
        try:
            import_file(city, path, mapping, now=NOW)
        except ImportFileError as exc:
            assert str(path) in str(exc)
            refused += 1
    assert refused >= 4  # a flip may also land in a cell and only change a value


@pytest.mark.parametrize(
    ("line", "key", "says"),
    [
        ('delimiter = "ab"', "'delimiter'", "one character"),
        ('encoding = "klingon"', "'encoding'", "not a text encoding"),
        ("header_row = 0", "'header_row'", "1..1048576"),
        ("sheet = 0", "'sheet'", "position from 1"),
        ('channel = "fax"', "'channel'", "not one of"),
        ('format = "ods"', "'format'", "csv, tsv, xlsx, xls, jsonl, json"),
        ('[values.channel]\n"*" = "patrol"', "'channel'", "\"*\" says 'patrol'"),
    ],
)
def test_the_reading_keys_of_a_map_are_checked(
    tmp_path: Path, line: str, key: str, says: str
) -> None:
    path = tmp_path / "m.toml"
    body = SHORT_MAP.replace("[columns]", f"{line}\n\n[columns]", 1)
    if line.startswith("channel"):
        body = SHORT_MAP.replace('channel = "hotline"', line)
    elif line.startswith("["):
        body = SHORT_MAP + "\n" + line + "\n"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ImportMapError, match=re.escape(says)) as info:
        load_map(path)
    assert key in str(info.value) and str(path) in str(info.value)


def test_a_map_needs_only_its_two_columns_and_a_channel(tmp_path: Path) -> None:
    minimal = '[columns]\nexternal_id = "编号"\nopened_at = "时间"\n'
    (tmp_path / "jiedao-2026.toml").write_text(f'channel = "patrol"\n{minimal}', encoding="utf-8")
    m = load_map(tmp_path / "jiedao-2026.toml", timezone=SHANGHAI)
    assert (m.source, m.code_prefix, str(m.timezone)) == ("jiedao-2026", "jiedao-2026", SHANGHAI)
    assert (m.channel_values["*"], m.status_values["*"]) == ("patrol", "new")
    (tmp_path / "nochannel.toml").write_text(minimal, encoding="utf-8")
    with pytest.raises(ImportMapError, match='channel = "hotline"'):
        load_map(tmp_path / "nochannel.toml", timezone=SHANGHAI)
    (tmp_path / "工单导出.toml").write_text(f'channel = "patrol"\n{minimal}', encoding="utf-8")
    with pytest.raises(ImportMapError, match="cannot be the source"):
        load_map(tmp_path / "工单导出.toml", timezone=SHANGHAI)
    with pytest.raises(ImportMapError, match="'timezone': missing"):
        load_map(tmp_path / "jiedao-2026.toml")  # no centre's zone given: the map must say


# -- the drop folder ----------------------------------------------------------------------------


def _gb18030_export(path: Path) -> list[str]:
    """Three orders in the workbook's columns, as a CSV saved from it on a Chinese
    Windows: title lines, header on line 3, GB18030. Returns their numbers."""
    lines = [["龙城市12345政务服务便民热线工单明细"], ["导出时间：2026-11-24 09:30"]]
    lines.append(["序号", "工单编号", "来电时间", "来电号码", "诉求类型", "问题分类",
                  "诉求内容", "事发地址", "所属街道", "所属社区", "承办单位", "办理状态",
                  "办理时限", "办结时间"])  # fmt: skip
    numbers = [f"20261124090{n:02d}" for n in range(1, 4)]
    for n, number in enumerate(numbers):
        lines.append([str(n + 1), number, f"2026-11-24 0{7 + n}:10:00", "13800138000",
                      "投诉", "环境保护/噪音扰民", f"𠮷祥里{n + 1}号夜间施工", "𠮷祥里",
                      "湖滨街道", "柳岸社区", "区生态环境分局", "已派单", "2026-11-27 08:00:00",
                      ""])  # fmt: skip
    with path.open("w", encoding="gb18030", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(lines)
    return numbers


def test_the_drop_folder_takes_workbooks_and_gb18030(city: Factory, tmp_path: Path) -> None:
    # the workbook's map under another name: another source, "drop12345"
    shutil.copyfile(MAPS / "city12345.toml", tmp_path / "drop12345.toml")
    mapping = load_map(tmp_path / "drop12345.toml", timezone=SHANGHAI)
    drop = tmp_path / "inbox"
    drop.mkdir()
    shutil.copyfile(WORKBOOK, drop / WORKBOOK.name)
    (drop / f"~${WORKBOOK.name}").write_bytes(b"\x0bExcel lock")  # Excel's, while open
    numbers = _gb18030_export(drop / "工单导出.csv")
    shutil.copyfile(MIXED, drop / MIXED.name)
    clock = [1000.0]
    inbox = Inbox(drop, city, mapping, settle=1.0, clock=lambda: clock[0], now=lambda: NOW)
    inbox.scan()
    clock[0] += 2

    outcomes = {o.name: o for o in inbox.scan()}

    assert {n: o.state for n, o in outcomes.items()} == {
        WORKBOOK.name: "imported", "工单导出.csv": "imported", MIXED.name: "rejected",
    }  # fmt: skip
    assert (drop / f"~${WORKBOOK.name}").exists()  # left alone
    got = tickets(city, "drop12345")
    assert len(got) == len(sheet_rows(WORKBOOK)) + len(numbers)
    t = got[numbers[0]]
    assert (t.description, t.status, t.category) == ("𠮷祥里1号夜间施工", "dispatched", "env.noise")
    assert t.opened_at == beijing(2026, 11, 24, 7, 10)
    note = (drop / "rejected" / f"{MIXED.name}.error.txt").read_text(encoding="utf-8")
    assert "5 of 10 row(s) refused" in note and "sheet: '工单'" in note
    assert "row 9 (2026112300206): field opened_at: '昨天下午三点'" in note
    assert "row 7: field external_id" in note
    assert "2026112300202" not in got  # nothing from the refused workbook


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_the_new_formats_round_trip_on_postgresql(factory: Factory) -> None:
    from gridtui.data.intake.fixtures import load_fixtures

    load_fixtures(factory, FIXTURES, now=NOW)
    jobs = [
        (WORKBOOK, load_map(MAPS / "city12345.toml", timezone=SHANGHAI), 24),
        (LEDGER, load_map(MAPS / "street-office.toml"), 16),
        (PORTAL, load_map(MAPS / "portal311.toml"), 20),
    ]
    for path, mapping, n in jobs:
        assert counts(import_file(factory, path, mapping, now=NOW)) == (n, n, 0, 0, 0)
        later = NOW + timedelta(hours=1)
        assert counts(import_file(factory, path, mapping, now=later)) == (n, 0, 0, n, 0)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 60
    t = tickets(factory, "city12345")["2026112200101"]
    assert t.opened_at == beijing(2026, 11, 22, 8, 36) and t.street_id == node_id(factory, "WH-HB")
    assert "𠮷祥里" in tickets(factory, "street-office")["HB-20261122-001"].address
