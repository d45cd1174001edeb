"""Reading an export into raw records: delimited text, an Excel workbook, or JSON.

:func:`open_export` tells how a file is read, once, before anything is written:

1. by its content first: a file that starts like a zip archive is an ``.xlsx``
   workbook (openpyxl), one that starts like an OLE2 compound file an ``.xls``
   workbook (calamine), whatever its name and the map say;
2. else by the map's ``format`` (``csv`` or ``tsv``: delimited text; ``json``;
   ``jsonl``), else by the file name: ``.csv``, ``.tsv``/``.tab``, ``.txt``: delimited
   text (:mod:`.delimited`: encoding and delimiter detected); ``.jsonl`` /
   ``.ndjson``: one object per line; ``.json``: an array of objects (errors name the
   line each object starts on). A ``.xls``/``.xlsx`` name on a text file (some systems
   export text under that name) is read as delimited text.

:meth:`Export.records` yields every non-blank record with the line it starts on (its
row for a workbook), its cells by column name and its raw text for the rejects file; a
record unreadable as a whole (wrong field count, not a JSON object) carries the
problem instead of stopping the read. A file that cannot be read as a whole raises
:class:`ImportFileError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gridtui.data.intake.importer.column_map import Format, ImportMap
from gridtui.data.intake.importer.delimited import (
    TextLayout,
    delimited_records,
    encoding_name,
    text_layout,
)
from gridtui.data.intake.importer.records import ImportFileError, SourceRecord
from gridtui.data.intake.importer.workbooks import (
    xls_records,
    xls_sheet,
    xlsx_records,
    xlsx_sheet,
)

#: the format of an export by its file name's suffix (when the map gives none)
SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}
#: how a file starts: a zip archive (.xlsx), an OLE2 compound file (.xls)
ZIP, OLE2 = b"PK\x03\x04", bytes.fromhex("d0cf11e0a1b11ae1")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
Kind = Literal["text", "xlsx", "xls", "json", "jsonl"]

__all__ = ["SUFFIXES", "Export", "ImportFileError", "SourceRecord", "open_export"]


@dataclass(frozen=True, slots=True)
class Export:
    """A file and how it is read: ``layout`` for delimited text, ``sheet`` for a workbook."""

    path: Path
    mapping: ImportMap
    kind: Kind
    layout: TextLayout | None = None
    sheet: str | None = None

    def records(self) -> Iterator[SourceRecord]:
        """Every non-blank record of the file, in order.

        Raises:
            ImportFileError: the file cannot be opened or read as a whole.
        """
        path, mapping = self.path, self.mapping
        try:
            if self.layout is not None:
                yield from delimited_records(path, mapping, self.layout)
            elif self.kind == "xlsx":
                yield from xlsx_records(path, mapping, self.sheet or "")
            elif self.kind == "xls":
                yield from xls_records(path, mapping, self.sheet or "")
            elif self.kind == "json":
                yield from _json_records(path, mapping)
            else:
                yield from _jsonl_records(path, mapping)
        except UnicodeDecodeError as exc:  # JSON
            name = encoding_name(_json_encoding(mapping))
            raise ImportFileError(path, f"not {name} text: {exc.reason}") from exc
        except OSError as exc:
            raise ImportFileError(path, f"cannot read: {exc.strerror or exc}") from exc


def _starts_with(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(8)
    except OSError as exc:
        raise ImportFileError(path, f"cannot read: {exc.strerror or exc}") from exc


def file_format(path: Path, mapping: ImportMap) -> Kind:
    """How the file at ``path`` is read (see the module docstring).

    Raises:
        ImportFileError: nothing tells.
    """
    start = _starts_with(path)
    if start.startswith(ZIP):
        return "xlsx"
    if start.startswith(OLE2):
        return "xls"
    fmt = mapping.format or SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(SUFFIXES)
        why = f"cannot tell the format from the name (known: {known}): set format in the map"
        raise ImportFileError(path, why)
    return fmt if fmt in ("json", "jsonl") else "text"


def open_export(path: Path, mapping: ImportMap) -> Export:
    """The export at ``path`` and how it is read (its format, encoding and delimiter,
    or its sheet).

    Raises:
        ImportFileError: the format cannot be told, the file is not text in any
            encoding, or a workbook lacks the sheet.
    """
    kind = file_format(path, mapping)
    try:
        if kind == "text":
            fmt = mapping.format or SUFFIXES.get(path.suffix.lower())
            layout = text_layout(path, mapping, "\t" if fmt == "tsv" else ",")
            return Export(path, mapping, kind, layout=layout)
    except OSError as exc:
        raise ImportFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    if kind == "xlsx":
        return Export(path, mapping, kind, sheet=xlsx_sheet(path, mapping))
    if kind == "xls":
        return Export(path, mapping, kind, sheet=xls_sheet(path, mapping))
    return Export(path, mapping, kind)


def _json_encoding(mapping: ImportMap) -> str:
    return mapping.encoding or "utf-8-sig"


def _cell_text(value: object) -> str:
    """A JSON value as the text of a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # JSON may escape lone surrogates, which no database column can store.
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _object_cells(obj: dict[object, object]) -> dict[str, str]:
    return {str(k): _cell_text(v) for k, v in obj.items()}


def _jsonl_records(path: Path, mapping: ImportMap) -> Iterator[SourceRecord]:
    with path.open(encoding=_json_encoding(mapping)) as fh:
        for line, text in enumerate(fh, 1):
            text = text.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield SourceRecord(line, {}, text, f"not JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(obj, dict):
                yield SourceRecord(line, {}, text, "expected a JSON object")
                continue
            yield SourceRecord(line, _object_cells(obj), text)


def _skip_space(text: str, pos: int) -> int:
    """The position of the first non-whitespace character at or after ``pos``."""
    return _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]


def _json_records(path: Path, mapping: ImportMap) -> Iterator[SourceRecord]:
    """The objects of a JSON array, each with the line it starts on (a file that does
    not start with ``[`` is read as JSON Lines).

    Raises:
        ImportFileError: the array is not valid JSON (line and column named).
    """
    text = path.read_text(encoding=_json_encoding(mapping))
    pos = _skip_space(text, 0)
    if not text.startswith("[", pos):
        yield from _jsonl_records(path, mapping)
        return
    decoder = json.JSONDecoder()
    counted, line = 0, 1  # lines are counted once, as the reader moves forward

    def line_at(p: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, p)
        counted = p
        return line

    def fail(p: int, why: str) -> ImportFileError:
        column = p - text.rfind("\n", 0, p)
        return ImportFileError(path, f"not JSON at line {line_at(p)} column {column}: {why}")

    pos = _skip_space(text, pos + 1)
    closed = text.startswith("]", pos)
    while not closed:
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ImportFileError(
                path, f"not JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from None
        start, raw = line_at(pos), text[pos:end]
        if isinstance(obj, dict):
            yield SourceRecord(start, _object_cells(obj), raw)
        else:
            yield SourceRecord(start, {}, raw, "expected a JSON object")
        pos = _skip_space(text, end)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
        elif text.startswith("]", pos):
            closed = True
        else:
            raise fail(pos, "expected ',' or ']' after an element of the array")
    rest = _skip_space(text, pos + 1)
    if rest < len(text):
        raise fail(rest, "unexpected text after the array")
