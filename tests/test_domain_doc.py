"""docs/domain.md's table of rules stays true: every test it names exists, and every
configuration key it names is in its file."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "domain.md").read_text("utf-8")


def _rows() -> list[list[str]]:
    table = DOC[DOC.index("## Rules as implemented") : DOC.index("### Definitions worth knowing")]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| Rule")
    ]
    assert len(rows) >= 20
    return rows


def test_every_test_the_table_names_exists() -> None:
    for row in _rows():
        path, _, name = row[3].strip("`").partition("::")
        source = (ROOT / path).read_text("utf-8")
        assert re.search(rf"^(async )?def {re.escape(name)}\(", source, re.M), row[3]


def test_every_config_key_the_table_names_is_in_its_file() -> None:
    for row in _rows():
        config = row[2].strip("`")
        if config == "—":
            continue
        path, _, key = config.partition(": ")
        assert key and key in (ROOT / path).read_text("utf-8"), config
