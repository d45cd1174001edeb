"""Excel workbooks: ``.xlsx`` through openpyxl (read-only: rows are streamed, a large
workbook is never loaded whole) and old ``.xls`` through python-calamine, in a child
process (:mod:`.xls_child`: native code that a hostile file can crash).

The sheet is the map's ``sheet`` (a name, or a position from 1), else the first; its
``header_row`` (default 1) holds the column names, the rows above it are skipped.
Each record's ``line`` is its row in the sheet, as Excel numbers it. Cells keep their
type: a date cell in a time column is a date (naive, in the map's time zone), and so
is a number there that fits Excel's date range (a date cell that lost its format); a
number is written as Excel shows it, to 15 significant digits without an exponent
(a phone or work-order number stored as ``1.3800138E+10`` reads ``13800138000``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Generator, Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from gridtui.data.intake.importer.column_map import ImportMap
from gridtui.data.intake.importer.records import (
    ImportFileError,
    SourceRecord,
    check_header,
    number_text,
    time_columns,
)

#: Excel's day 1 and its last day (9999-12-31) as serial numbers
SERIALS = (1, 2_958_465)
EXCEL_1900 = datetime(1899, 12, 30)


def cell_text(value: object) -> str:
    """A cell's value as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def cell_date(value: object, epoch: datetime = EXCEL_1900) -> datetime | None:
    """A time column's cell as a naive date and time, when it is one (or a serial
    number in Excel's range); None for text and blanks, read as text later."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and SERIALS[0] <= value <= SERIALS[1]
    ):
        from openpyxl.utils.datetime import from_excel

        found = from_excel(value, epoch)
        return found if isinstance(found, datetime) else None
    return None


def _sheet_name(path: Path, names: Sequence[str], mapping: ImportMap) -> str:
    """The name of the sheet to read.

    Raises:
        ImportFileError: the map's sheet is not in the workbook.
    """
    sheet, listed = mapping.sheet, ", ".join(repr(n) for n in names)
    if not names:
        raise ImportFileError(path, "the workbook has no sheets")
    if sheet is None:
        return names[0]
    if isinstance(sheet, int):
        if sheet <= len(names):
            return names[sheet - 1]
        raise ImportFileError(path, f"no sheet {sheet}: the workbook has {len(names)} ({listed})")
    if sheet in names:
        return sheet
    raise ImportFileError(path, f"no sheet {sheet!r}: the workbook has {listed}")


def sheet_records(
    path: Path,
    mapping: ImportMap,
    rows: Iterable[tuple[int, Sequence[Any]]],
    epoch: datetime = EXCEL_1900,
) -> Iterator[SourceRecord]:
    """The records of a sheet's ``(row number, values)`` pairs.

    Raises:
        ImportFileError: no header row, or it lacks mapped columns.
    """
    header: list[str] | None = None
    times = time_columns(mapping)
    for number, values in rows:
        if number < mapping.header_row:
            continue
        texts = [cell_text(v) for v in values]
        if header is None:
            if number > mapping.header_row:
                break
            header = [t.strip() for t in texts]
            check_header(path, header, mapping, f"sheet row {number}")
            continue
        if not any(t.strip() for t in texts[: len(header)]):
            continue
        texts = (texts + [""] * len(header))[: len(header)]
        cells = dict(zip(header, texts, strict=True))
        dates = {
            col: found
            for col, value in zip(header, values, strict=False)
            if col in times and (found := cell_date(value, epoch)) is not None
        }
        yield SourceRecord(number, cells, texts, dates=dates)
    if header is None:
        raise ImportFileError(path, f"no header in row {mapping.header_row} of the sheet")


def xlsx_sheet(path: Path, mapping: ImportMap) -> str:
    """The name of the sheet :func:`xlsx_records` reads (the workbook is opened and closed).

    Raises:
        ImportFileError: not a workbook openpyxl reads, or no such sheet.
    """
    book = _open_xlsx(path)
    try:
        return _sheet_name(path, book.sheetnames, mapping)
    finally:
        book.close()


def _open_xlsx(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():  # styles openpyxl does not know: no matter here
            warnings.simplefilter("ignore")
            return load_workbook(path, read_only=True, data_only=True)
    except OSError:
        raise
    except Exception as exc:  # zipfile, XML and openpyxl's own errors: all say "not one"
        raise ImportFileError(path, f"not an Excel workbook openpyxl reads: {exc}") from exc


def xlsx_records(path: Path, mapping: ImportMap, sheet: str) -> Iterator[SourceRecord]:
    """The records of ``sheet`` of the ``.xlsx`` workbook, streamed row by row."""
    book = _open_xlsx(path)
    try:
        ws = book[sheet]
        if not hasattr(ws, "reset_dimensions"):
            raise ImportFileError(path, f"sheet {sheet!r} is a chart, not a worksheet")
        ws.reset_dimensions()  # some writers record wrong ones; read what is there
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = enumerate(ws.iter_rows(values_only=True), 1)
            yield from sheet_records(path, mapping, rows, book.epoch)
    except (ImportFileError, OSError):
        raise
    except Exception as exc:  # zip, zlib and XML errors of a damaged sheet, met as it streams
        raise ImportFileError(path, f"the workbook is damaged: {exc}") from exc
    finally:
        book.close()


#: the script that reads an ``.xls`` in a child process (see its docstring)
XLS_CHILD = Path(__file__).with_name("xls_child.py")


def _json_cell(value: Any) -> Any:
    """A cell as :mod:`.xls_child` wrote it, as calamine gave it."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, given),) = value.items()
        if kind == "datetime":
            return datetime.fromisoformat(given)
        if kind == "date":
            return date.fromisoformat(given)
        if kind == "time":
            return time.fromisoformat(given)
        if kind == "seconds":
            return timedelta(seconds=float(given))
    return value


def _calamine(path: Path, *sheet: str) -> Generator[Any, None, None]:
    """What :mod:`.xls_child` writes about the ``.xls`` at ``path``, line by line.

    Raises:
        ImportFileError: calamine cannot read it, or the child failed (killed by its
            limits: a damaged or hostile file).
    """
    cmd = [sys.executable, "-P", str(XLS_CHILD), str(path), *sheet]
    env = {**os.environ, "RUST_BACKTRACE": "0"}
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, encoding="ascii"
    ) as child:
        assert child.stdout is not None
        try:
            for line in child.stdout:
                item = json.loads(line)
                if isinstance(item, dict) and "error" in item:
                    why = f"not an Excel workbook calamine reads: {item['error']}"
                    raise ImportFileError(path, why)
                yield item
        finally:
            if child.poll() is None:
                child.kill()
    if child.returncode != 0:
        why = f"the .xls reader stopped (exit status {child.returncode}): a damaged workbook?"
        raise ImportFileError(path, why)


def xls_sheet(path: Path, mapping: ImportMap) -> str:
    """The name of the sheet :func:`xls_records` reads."""
    lines = _calamine(path)
    try:
        found: dict[str, Any] = next(lines, {})
    finally:
        lines.close()
    return _sheet_name(path, found.get("sheets", []), mapping)


def xls_records(path: Path, mapping: ImportMap, sheet: str) -> Iterator[SourceRecord]:
    """The records of ``sheet`` of the ``.xls`` workbook, read by calamine in a child
    process (:mod:`.xls_child`) and streamed from it."""
    lines = _calamine(path, sheet)
    start: dict[str, Any] = next(lines, {})
    first = int(start.get("first", 1))  # calamine starts at the first row with data
    rows = ([_json_cell(v) for v in row] for row in lines)
    yield from sheet_records(path, mapping, enumerate(rows, first))
