"""The workbook and the Word document, written and opened again (openpyxl,
python-docx): their sheets, sections, tables and figures, and outside text that
stays data."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, cast

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from gridtui.bulletin import write_content
from tests.bulletin.conftest import HOSTILE, bulletin

SHEETS_ZH = [
    "一、总体情况", "二、街道考核排名", "三、社区考核排名", "四、超期和超时工单",
    "五、返工和不满意工单（倒查线索）", "六、抽查督查结果", "七、日报告缺报情况",
    "八、红色管控对象",
]  # fmt: skip


def _row_of(ws: Worksheet, first: object) -> list[object]:
    """The values of the first row whose column A holds ``first``."""
    for row in ws.iter_rows(values_only=True):
        if row[0] == first:
            return list(row)
    raise AssertionError(f"no row starting with {first!r} in {ws.title}")


def _cell_of(ws: Worksheet, first: object, col: int) -> Any:
    for row in ws.iter_rows():
        if row[0].value == first:
            return row[col]
    raise AssertionError(first)


def _charts(ws: Worksheet) -> list[Any]:
    """The charts openpyxl read back with the sheet."""
    return list(cast(Any, ws)._charts)


def test_the_workbook_has_a_sheet_per_section_numbers_dates_and_charts(tmp_path: Path) -> None:
    path = write_content(bulletin("zh"), tmp_path / "b.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS_ZH
    head = cast(Worksheet, wb["一、总体情况"])
    assert head["A1"].value == "龙城市网格化服务管理 2026年11月 工作通报"
    # the header row is styled, and the figures are numbers with their formats
    header = _row_of(head, "指标")
    assert header[:4] == ["指标", "本期", "上期", "变化"]
    assert _cell_of(head, "指标", 1).font.bold
    assert _row_of(head, "受理量")[:4] == ["受理量", 1250, 1100, 150]
    closure = _cell_of(head, "办结率", 1)
    assert closure.value == pytest.approx(0.96) and closure.number_format == "0.0%"
    assert _cell_of(head, "办结率", 3).value == pytest.approx(2.36)
    assert len(_charts(head)) == 2  # the headline against the previous period
    streets = cast(Worksheet, wb["二、街道考核排名"])
    row = _row_of(streets, 1)
    assert row[1:4] == ["东街街道", "3201", pytest.approx(92.35)]
    assert isinstance(row[4], float) and row[6] == 700
    assert len(_charts(streets)) == 1  # the level's scores
    chart = _charts(streets)[0]
    assert chart.type == "bar" and len(chart.series) == 1
    # CJK columns are wide enough: two units per character
    assert streets.column_dimensions["B"].width >= 10
    tickets = cast(Worksheet, wb["四、超期和超时工单"])
    opened = _cell_of(tickets, 101, 7)
    assert opened.value == datetime(2026, 11, 20, 9, 30) and opened.is_date
    assert _cell_of(tickets, 101, 0).number_format == '"#"0'


def test_the_workbook_keeps_outside_text_as_text(tmp_path: Path) -> None:
    path = write_content(
        bulletin("en", title='=HYPERLINK("http://x")|' + HOSTILE), tmp_path / "b.xlsx"
    )
    ws = load_workbook(path).worksheets[3]
    cell = _cell_of(ws, 101, 1)
    assert cell.data_type == "s" and str(cell.value).startswith('=HYPERLINK("http://x")|甲|乙')
    assert "\x1b" not in str(cell.value) and "<U+202E>" in str(cell.value)


def test_the_document_is_a_bulletin_in_the_usual_form(tmp_path: Path) -> None:
    path = write_content(bulletin("zh"), tmp_path / "b.docx")
    doc = docx.Document(str(path))
    title = doc.paragraphs[0]
    assert title.text == "龙城市网格化服务管理 2026年11月 工作通报"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert doc.paragraphs[1].text == "统计期间：2026年11月1日至2026年11月30日"
    assert doc.paragraphs[2].text.startswith("龙城市网格化服务管理中心")
    headings = [
        p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"
    ]
    assert headings == SHEETS_ZH
    assert [p.text for p in doc.paragraphs][-3:] == [
        "特此通报。",
        "龙城市网格化服务管理中心",
        "2026年12月1日",
    ]
    tables = doc.tables
    headline = [[c.text for c in r.cells] for r in tables[0].rows]
    assert headline[0] == ["指标", "本期", "上期", "变化"]
    assert headline[1] == ["受理量", "1,250", "1,100", "+150"]
    assert headline[4] == ["办结率", "96.0%", "93.6%", "+2.4个百分点"]
    streets = [[c.text for c in r.cells] for r in tables[1].rows]
    assert streets[1][:3] == ["1", "东街街道", "92.35"]
    overdue = next(t for t in tables if t.rows[1].cells[0].text == "#101")
    assert [c.text for c in overdue.rows[1].cells][1:4] == ["小区垃圾清运不及时", "橙", "已到场"]


def test_the_document_keeps_outside_text_as_text(tmp_path: Path) -> None:
    path = write_content(bulletin("zh", title=HOSTILE), tmp_path / "b.docx")
    doc = docx.Document(str(path))
    cell = next(t for t in doc.tables if t.rows[1].cells[0].text == "#101").rows[1].cells[1]
    assert cell.text.startswith(
        "甲|乙 **粗** <b>x</b> [链](http://evil.example) =1+2 # 标题 红<U+202E>反"
    )
    assert "\n" not in cell.text
