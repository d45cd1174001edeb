"""The bulletin as an Excel workbook (openpyxl): one sheet per section, the title
lines on the first; each table with a styled header row, numbers stored as numbers
(rates as fractions shown ``0.0%``), times as dates, columns wide enough for their
Chinese text; and native Excel bar charts beside the tables that ask for one (the
headline against the previous period, each level's scores).

Text cells are always stored as text: a value starting with ``=`` is not a formula.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import cast

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from gridtui.bulletin.model import Bulletin, Chart, Paragraph, Table, Value, cell_kind, cell_value
from gridtui.bulletin.numbers import NUMERIC, excel_format, show, text_width
from gridtui.bulletin.words import say

_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_WIDTH_MAX = 60
#: the height of a default row, in centimetres (to stack charts without overlap)
_ROW_CM = 0.53


def sheet_title(label: str, used: set[str]) -> str:
    """A sheet name from a section's label: no ``[]:*?/\\``, at most 31 characters,
    unique in the workbook."""
    base = _BAD_SHEET.sub(" ", label)[:31].strip() or "sheet"
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


class _Sheet:
    """One section's sheet being written: the next free row, and each column's width."""

    def __init__(self, ws: Worksheet, lang: str) -> None:
        self.ws, self.lang, self.row = ws, lang, 1
        self.widths: dict[int, int] = {}

    def text(self, value: str, *, bold: bool = False, size: float | None = None) -> None:
        cell = self._put(self.row, 1, value)
        if bold or size:
            cell.font = Font(bold=bold, size=size)
        self.row += 1

    def _put(self, row: int, col: int, value: Value) -> XlCell:
        cell = cast(XlCell, self.ws.cell(row=row, column=col))  # never a merged one here
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever it starts with
        return cell

    def _fit(self, col: int, text: str) -> None:
        self.widths[col] = max(self.widths.get(col, 0), text_width(text))

    def table(self, table: Table) -> None:
        if table.caption:
            self.text(table.caption, bold=True)
        if not table.rows:
            self.text(say("list.empty", self.lang))
            self.row += 1
            return
        head = self.row
        for col, column in enumerate(table.columns, 1):
            cell = self._put(head, col, column.heading)
            cell.font, cell.fill, cell.border = _HEAD_FONT, _HEAD_FILL, _BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            self._fit(col, column.heading)
        for r, row in enumerate(table.rows, head + 1):
            for col, (cell_in, column) in enumerate(zip(row, table.columns, strict=True), 1):
                value, kind = cell_value(cell_in), cell_kind(cell_in, column)
                cell = self._put(r, col, value)
                cell.border = _BORDER
                fmt = excel_format(kind, self.lang)
                if fmt is not None:
                    cell.number_format = fmt
                if kind in NUMERIC:
                    cell.alignment = Alignment(horizontal="right")
                self._fit(col, show(value, kind, self.lang))
        self.ws.row_dimensions[head].height = 20
        anchor = head
        for chart in table.charts:
            anchor += self._chart(chart, table, head, anchor)
        self.row = head + len(table.rows) + 2

    def _chart(self, spec: Chart, table: Table, head: int, anchor: int) -> int:
        """Draw ``spec`` beside the table, its top at row ``anchor``; the rows it takes."""
        last = len(table.rows) - 1 if spec.last is None else spec.last
        first_row, last_row = head + 1 + spec.first, head + 1 + last
        chart = BarChart()
        chart.type = "bar" if spec.horizontal else "col"
        chart.title = spec.title
        chart.style = 10
        for col in spec.values:
            values = Reference(self.ws, min_col=col + 1, min_row=first_row, max_row=last_row)
            chart.series.append(Series(values, title=table.columns[col].heading))
        cats = Reference(self.ws, min_col=spec.category + 1, min_row=first_row, max_row=last_row)
        chart.set_categories(cats)
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        kinds = {cell_kind(table.rows[spec.first][c], table.columns[c]) for c in spec.values}
        chart.y_axis.scaling.min = 0  # bars from zero: no difference looks bigger than it is
        if kinds == {"rate"}:
            chart.y_axis.number_format = "0%"
            chart.y_axis.scaling.max = 1
        if len(spec.values) == 1:
            chart.legend = None
        if spec.horizontal:
            chart.x_axis.scaling.orientation = "maxMin"  # the first place on top
        chart.width = 18
        chart.height = max(7.5, 0.55 * (last_row - first_row + 1) + 3)
        self.ws.add_chart(chart, f"{get_column_letter(len(table.columns) + 2)}{anchor}")
        return math.ceil(chart.height / _ROW_CM) + 1

    def close(self) -> None:
        for col, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = min(width + 2, _WIDTH_MAX)
        # printed: landscape A4, one page wide (tables and charts side by side)
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = self.ws.PAPERSIZE_A4
        self.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0


def build_workbook(bulletin: Bulletin) -> Workbook:
    """The bulletin's workbook."""
    wb = Workbook()
    first = wb.active
    if first is not None:
        wb.remove(first)
    used: set[str] = set()
    for n, section in enumerate(bulletin.sections):
        sheet = _Sheet(wb.create_sheet(sheet_title(section.label, used)), bulletin.lang)
        if n == 0:
            sheet.text(bulletin.title, bold=True, size=16)
            sheet.text(bulletin.period_line)
            sheet.text(f"{bulletin.issuer}  {bulletin.issued}".strip())
            sheet.row += 1
        sheet.text(section.label, bold=True, size=13)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                sheet.text(block.text)
            else:
                sheet.row += 1
                sheet.table(block)
        sheet.close()
    wb.properties.title = bulletin.title
    wb.properties.creator = "gridtui"
    return wb


def write_workbook(bulletin: Bulletin, path: Path) -> None:
    """Write the bulletin's workbook to ``path``."""
    build_workbook(bulletin).save(path)
