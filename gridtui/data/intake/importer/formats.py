"""Reading an export into raw records: CSV, JSON Lines or a JSON array.

The format follows the map's ``format`` or the file name (:func:`file_format`):
``.csv``, ``.jsonl`` / ``.ndjson`` (one object per line) or ``.json`` (an array of
objects; errors name the line each object starts on). :func:`read_records` yields
every non-blank record with the line it starts on, its cells by column name and its
raw text for the rejects file; a record unreadable as a whole (wrong field count, not
a JSON object) carries the problem instead of stopping the read. A file that cannot
be read as a whole raises :class:`ImportFileError`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from gridtui.data.intake.importer.column_map import Format, ImportMap

#: the format of an export by its file name's suffix (when the map gives none)
SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class ImportFileError(ValueError):
    """The export cannot be read (missing, not UTF-8, broken CSV, header lacks columns)."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record of an export, as read, before any check."""

    line: int
    cells: Mapping[str, str]
    raw: list[str] | str  # CSV fields, or the JSON line
    problem: str = ""  # why the row as a whole is unreadable (cells then hold what was read)


def file_format(path: Path, mapping: ImportMap) -> Format:
    """The map's format, else the one the file name's suffix says.

    Raises:
        ImportFileError: neither says.
    """
    if mapping.format:
        return mapping.format
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    raise ImportFileError(path, "cannot tell the format from the name: set format in the map")


def _check_header(path: Path, header: list[str], mapping: ImportMap) -> None:
    wanted = {c for cols in mapping.columns.values() for c in cols}
    missing = sorted(wanted - set(header))
    if missing:
        raise ImportFileError(
            path, f"the header lacks mapped column(s) {missing}; it has {header[:60]}"
        )
    doubled = sorted(c for c in wanted if header.count(c) > 1)
    if doubled:
        raise ImportFileError(path, f"mapped column(s) {doubled} appear twice in the header")


def _csv_records(path: Path, mapping: ImportMap) -> Iterator[SourceRecord]:
    # csv.reader rather than DictReader: it yields blank lines too, so the line where
    # each record starts is exact, and the raw fields are at hand for the rejects file.
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ImportFileError(path, "the file is empty: expected a header line") from None
        _check_header(path, header, mapping)
        end = reader.line_num
        for fields in reader:
            line, end = end + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue
            cells = dict(zip(header, fields, strict=False))
            bad = f"{len(fields)} fields where the header has {len(header)}"
            yield SourceRecord(line, cells, fields, "" if len(fields) == len(header) else bad)


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


def _jsonl_records(path: Path) -> Iterator[SourceRecord]:
    with path.open(encoding="utf-8-sig") as fh:
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


def _json_records(path: Path) -> Iterator[SourceRecord]:
    """The objects of a JSON array, each with the line it starts on (a file that does
    not start with ``[`` is read as JSON Lines).

    Raises:
        ImportFileError: the array is not valid JSON (line and column named).
    """
    text = path.read_text(encoding="utf-8-sig")
    pos = _skip_space(text, 0)
    if not text.startswith("[", pos):
        yield from _jsonl_records(path)
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


def read_records(path: Path, fmt: str, mapping: ImportMap) -> Iterator[SourceRecord]:
    """Every non-blank record of the file, in order.

    Raises:
        ImportFileError: the file cannot be opened, is not UTF-8, or is not valid CSV.
    """
    last = 0
    try:
        records = (
            _csv_records(path, mapping)
            if fmt == "csv"
            else _json_records(path)
            if fmt == "json"
            else _jsonl_records(path)
        )
        for rec in records:
            last = rec.line
            yield rec
    except UnicodeDecodeError as exc:
        raise ImportFileError(path, f"not UTF-8 text after line {last}: {exc.reason}") from exc
    except csv.Error as exc:
        raise ImportFileError(path, f"broken CSV after line {last}: {exc}") from exc
    except OSError as exc:
        raise ImportFileError(path, f"cannot read: {exc.strerror or exc}") from exc
