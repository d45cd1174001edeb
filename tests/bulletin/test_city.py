"""``gridtui bulletin`` end to end on the run's demo city (SQLite): the three formats
from the database, and the same bulletin read through a server's API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook

from gridtui.bulletin.numbers import count_text, rate_text
from gridtui.cli.main import main
from gridtui.data.intake.confwatch import apply_rules
from gridtui.data.sources.local import LocalSource
from tests.bulletin.servers import api_server, city_copy
from tests.conftest import FIXTURES, NOW

pytestmark = pytest.mark.xdist_group("bulletin-city")
AT = datetime(2026, 10, 15, 4, 0, tzinfo=UTC)


def test_the_command_writes_each_format_from_the_database_and_the_api(
    demo_city: Callable[[int], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    url = city_copy(demo_city(3), tmp_path)
    source = LocalSource(url, clock=lambda: NOW)
    # the city's own layout, not the defaults: the API must carry it to a remote writer
    text = (FIXTURES / "assessment.toml").read_text(encoding="utf-8")
    ours = text.replace("top = 3 ", "top = 2 ").replace("full_table_max = 30", "full_table_max = 9")
    assert ours != text and apply_rules(source.factory, "assessment.toml", ours).state == "applied"
    try:
        street = source.assessment("street", "month", AT)
        grids = source.assessment("grid", "month", AT)
        base = ["--db", url, "bulletin", "--period", "month", "--at", "2026-10-15"]
        for suffix in ("md", "xlsx", "docx"):
            out = tmp_path / f"october.{suffix}"
            assert main([*base, "--level", "street,grid", "--out", str(out)]) == 0
            assert f"{out} (" in capsys.readouterr().out
        text = (tmp_path / "october.md").read_text(encoding="utf-8")
        # the figures are the source's, shown as the screens show them
        totals, rates = street.totals, street.totals_rates
        assert (
            f"本期共受理事件{count_text(totals.intake)}件，办结率{rate_text(rates.closure)}" in text
        )
        first = min(street.rows, key=lambda r: (r.rank, r.code))
        assert f"排名靠前的是：{first.name}（{first.score:.2f}分）" in text
        assert "## 二、街道考核排名" in text and "## 三、网格考核排名" in text
        assert "## 四、超期和超时工单" in text and "社区考核排名" not in text
        wb = load_workbook(tmp_path / "october.xlsx")
        assert wb.sheetnames[:3] == ["一、总体情况", "二、街道考核排名", "三、网格考核排名"]
        ranks = [row[0] for row in wb["三、网格考核排名"].iter_rows(min_row=4, values_only=True)
                 if isinstance(row[0], int)]  # fmt: skip
        layout = source.assessment_rules().bulletin
        assert (layout.top, layout.full_table_max) == (2, 9)
        n = len(grids.rows)  # the whole table when short, else the top and bottom
        assert len(ranks) == (n if n <= layout.full_table_max else layout.top + layout.bottom)
        doc = docx.Document(str(tmp_path / "october.docx"))
        assert doc.paragraphs[0].text.endswith("2026年10月 工作通报")
        # the same bulletin through a server's API (its clock is the tests' NOW)
        with api_server(source, None) as (base_url, token):
            monkeypatch.setenv("GRIDTUI_TOKEN", token)
            remote = tmp_path / "remote.md"
            args = ["bulletin", "--api", base_url, "--period", "month", "--at", "2026-10-15",
                    "--level", "street", "--level", "grid", "--out", str(remote)]  # fmt: skip
            assert main(args) == 0
        assert remote.read_text(encoding="utf-8") == text
    finally:
        source.close()
