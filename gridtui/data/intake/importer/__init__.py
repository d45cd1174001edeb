"""Importing real 311-style exports (CSV, JSON Lines or a JSON array) through a column map.

A map (TOML, see ``fixtures/maps/nyc311.toml``) names the source column of each ticket
field, translates status and channel values, and gives the time zone of naive
timestamps. :func:`import_file` streams the export, checks every row, and writes the
good ones in batches, one transaction and one ``bulk``/``import`` change-feed row per
batch that wrote something. Bad rows never stop an import: each becomes a
:class:`Reject` (line, external id, field, reason) in the report and in the rejects
file, with the raw row, so an operator can fix and re-import it.
:func:`import_file_atomic` is the all-or-nothing variant the drop folder uses: one
transaction (the caller's), and a single bad row refuses the whole file.

The format follows the map's ``format`` or the file name: ``.csv``, ``.jsonl`` /
``.ndjson`` (one object per line) or ``.json`` (an array of objects; errors name the
line each object starts on).

Row rules (the first problem found rejects the row):

- ``external_id`` is required, non-blank, at most 64 characters;
- ``opened_at`` is required; it and ``due_at``/``closed_at`` (optional) must parse
  (``datetime_format`` when the map gives one, else ISO-8601); naive times are read in
  the map's time zone, aware ones keep their offset; ``closed_at`` may not precede
  ``opened_at``;
- ``status`` and ``channel`` values go through ``[values.*]``: an exact source value,
  else a value that already is ours, else ``"*"``; with none of these the row is
  rejected naming the value;
- ``lat``/``lon`` are finite numbers within ±90/±180, given together or not at all;
- ``satisfaction`` (optional), the resident's callback (回访): 满意 / 基本满意 / 不满意
  / 未联系上 or ``satisfied`` / ``basic`` / ``unsatisfied`` / ``unreached``.

An imported ticket keeps the export's deadline: its due date and, while it is open,
its next deadline (:func:`gridtui.domain.chain.imported_deadlines`).

Text is cleaned where it enters (:func:`~gridtui.domain.text.clean_text`; titles and
addresses on one line); markup such as ``[bold]`` is kept as literal text, since the
UI renders outside text as data. UTF-8 read back as Latin-1 (``â\\x80\\x99`` for ``’``),
common in 311 exports, is repaired first. ``[values.category]`` and
``[values.department]`` translate source values into our codes; other unknown
categories become ``<code_prefix>.<slug>`` (function ``imported``, colour blue,
``personal``: withheld from public Open311 reads until someone says otherwise) and
unknown departments ``<PREFIX>-<SLUG>``; a value that already is a code is used as
is. A ``grid`` value naming a node fills the ticket's hierarchy ids at that node's
level and above.

Tickets are keyed by (source, external id), so importing a file again writes nothing.
A changed row overwrites the imported fields (status included: the export is the
source of truth for them), bumps ``version`` and adds an ``import`` event; the colour
follows the category only when the category changed. **Duplicates:** when an external
id occurs more than once in a file, its last row wins: earlier rows are counted as
``superseded`` and skipped (not written, not rejected), so a re-import stays
idempotent. When that last row is rejected, nothing is written for the id: the
newest data is broken, and older rows would silently revert it. Finding repeats
costs one extra read of the file, which also checks that the whole file reads
(encoding, CSV structure, header) before anything is written.

Errors (all ``ValueError``)::

    ValueError
     ├── ImportMapError   the map is wrong: file, line when known, key
     └── ImportFileError  the export cannot be read: path and why
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import Base, Category, Department, Node, Ticket
from gridtui.domain.callback import Satisfaction
from gridtui.domain.chain import imported_deadlines
from gridtui.domain.channels import Channel
from gridtui.domain.colours import RiskColour
from gridtui.domain.lifecycle import Action, Status
from gridtui.domain.text import clean_text, spreadsheet_cell

FIELDS = (
    "external_id", "opened_at", "due_at", "closed_at", "status", "category", "channel",
    "title", "description", "address", "lat", "lon", "department", "grid", "satisfaction",
)  # fmt: skip
REQUIRED = ("external_id", "opened_at")
#: fields that may name several columns, and what joins their non-blank values
JOINERS = {"title": " — ", "address": ", "}
TOP_KEYS = ("source", "timezone", "datetime_format", "format", "code_prefix", "columns", "values")
REJECT_COLUMNS = ("line", "external_id", "field", "reason", "row")
MAX_REPORTED_REJECTS = 1000  # the report keeps this many; the rejects file has them all
MAX_BATCH = 10_000  # one IN query per batch stays under every backend's parameter limit
_SOURCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_PREFIX = re.compile(r"[a-z0-9][a-z0-9_-]{0,15}")
_C1 = re.compile(r"[\x80-\x9f]")
_SECTION = re.compile(r"\[+([^\]]+)\]")
E = TypeVar("E", bound=StrEnum)
Format = Literal["csv", "jsonl", "json"]
FORMATS: dict[str, Format] = {"csv": "csv", "jsonl": "jsonl", "json": "json"}
#: the format of an export by its file name's suffix (when the map gives none)
SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}
_WS = re.compile(r"[ \t\n\r]*")


class ImportMapError(ValueError):
    """The import map is wrong; the message names the file, line (when known) and key."""

    def __init__(self, path: Path, line: int | None, key: str | None, message: str) -> None:
        self.path, self.line, self.key = path, line, key
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {f'key {key!r}: ' if key else ''}{message}")


class ImportFileError(ValueError):
    """The export cannot be read (missing, not UTF-8, broken CSV, header lacks columns)."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True, slots=True)
class ImportMap:
    """A validated map: how the columns of one source become tickets."""

    path: Path
    source: str
    timezone: ZoneInfo
    columns: Mapping[str, tuple[str, ...]]
    status_values: Mapping[str, Status]
    channel_values: Mapping[str, Channel]
    datetime_format: str | None = None
    format: Format | None = None
    code_prefix: str = ""
    #: source value -> our category / department code (unlisted values pass as they are)
    category_values: Mapping[str, str] = field(default_factory=dict)
    department_values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reject:
    """A row that was not imported: where, which record, which field, and why."""

    line: int
    external_id: str | None
    field: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    """What an import did. ``read`` = inserted + updated + unchanged + superseded + rejected.

    ``rejects`` holds the first :data:`MAX_REPORTED_REJECTS`; ``rejected`` counts all.
    """

    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    superseded: int = 0
    categories_created: int = 0
    departments_created: int = 0
    rejects: list[Reject] = field(default_factory=list)

    def add_reject(self, reject: Reject) -> None:
        """Count ``reject`` and keep it while the list is below its bound."""
        self.rejected += 1
        if len(self.rejects) < MAX_REPORTED_REJECTS:
            self.rejects.append(reject)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return asdict(self)


# -- the map -------------------------------------------------------------------------


def _line_of(text: str, section: str, key: str | None) -> int | None:
    """The line of ``key`` in ``[section]`` ("" is the top level), or of the section."""
    current = ""
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        header = _SECTION.match(line)
        if header:
            current = header[1].replace('"', "").replace(" ", "")
            if key is None and current == section:
                return no
        elif current == section and key is not None and "=" in line:
            name = line.split("=", 1)[0].strip().strip("\"'")
            if name == key:
                return no
    return None


class _MapReader:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, section: str, key: str | None, message: str) -> ImportMapError:
        full = ".".join(p for p in (section, key) if p) or None
        return ImportMapError(self.path, _line_of(self.text, section, key), full, message)

    def table(self, doc: dict[str, Any], key: str, section: str = "") -> dict[str, Any]:
        value = doc.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(section, key, "expected a table")
        return value

    def string(self, doc: dict[str, Any], key: str, *, required: bool = False) -> str | None:
        value = doc.get(key)
        if value is None and required:
            raise self.fail("", key, "missing (required)")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.fail("", key, "expected a non-empty string")
        return value

    def read(self, doc: dict[str, Any]) -> ImportMap:
        for key in doc:
            if key not in TOP_KEYS:
                raise self.fail("", key, f"unknown key; expected one of {', '.join(TOP_KEYS)}")
        source = self.string(doc, "source", required=True) or ""
        if not _SOURCE.fullmatch(source):
            raise self.fail("", "source", "expected 1-32 letters, digits, '.', '_' or '-'")
        prefix = self.string(doc, "code_prefix") or source.lower()
        if not _PREFIX.fullmatch(prefix):
            why = "expected 1-16 of a-z, 0-9, '_' or '-' (the default is the source)"
            raise self.fail("", "code_prefix", why)
        fmt = self.string(doc, "format")
        if fmt not in (None, *FORMATS):
            raise self.fail("", "format", f"{fmt!r}: expected 'csv', 'jsonl' or 'json'")
        zone = self.zone(self.string(doc, "timezone", required=True) or "")
        time_format = self.time_format(self.string(doc, "datetime_format"))
        columns = self.columns(self.table(doc, "columns"))
        values = self.table(doc, "values")
        for key in values:
            if key not in ("status", "channel", "category", "department"):
                raise self.fail(
                    "values", key, "unknown key; expected status, channel, category or department"
                )
        status = self.values(values, "status", Status, columns)
        channel = self.values(values, "channel", Channel, columns)
        categories = self.codes(values, "category", 64)
        departments = self.codes(values, "department", 32)
        return ImportMap(
            path=self.path,
            source=source,
            timezone=zone,
            columns=columns,
            status_values=status,
            channel_values=channel,
            datetime_format=time_format,
            format=FORMATS.get(fmt or ""),
            code_prefix=prefix,
            category_values=categories,
            department_values=departments,
        )

    def zone(self, name: str) -> ZoneInfo:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail("", "timezone", f"{name!r} is not an IANA time zone") from None

    def time_format(self, fmt: str | None) -> str | None:
        if fmt is None:
            return None
        if "%" not in fmt:
            raise self.fail("", "datetime_format", f"{fmt!r} has no % directive")
        sample = datetime(2024, 11, 22, 13, 4, 5, tzinfo=UTC)
        try:
            datetime.strptime(sample.strftime(fmt), fmt)
        except ValueError as exc:
            raise self.fail("", "datetime_format", f"{fmt!r} does not parse: {exc}") from None
        return fmt

    def columns(self, table: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        if not table:
            raise self.fail("", "columns", "missing (required table)")
        out: dict[str, tuple[str, ...]] = {}
        for key, value in table.items():
            if key not in FIELDS:
                raise self.fail(
                    "columns", key, f"unknown field; expected one of {', '.join(FIELDS)}"
                )
            names = [value] if isinstance(value, str) else value
            ok = isinstance(names, list) and all(isinstance(n, str) and n.strip() for n in names)
            if not ok or not names or (len(names) > 1 and key not in JOINERS):
                kinds = "a column name or a list of them" if key in JOINERS else "a column name"
                raise self.fail("columns", key, f"expected {kinds}")
            out[key] = tuple(n.strip() for n in names)
        for key in REQUIRED:
            if key not in out:
                raise self.fail("columns", key, "missing (required)")
        return out

    def values(
        self, table: dict[str, Any], name: str, kind: type[E], columns: Mapping[str, Any]
    ) -> dict[str, E]:
        section = f"values.{name}"
        raw = self.table(table, name, "values")
        allowed = ", ".join(k.value for k in kind)
        out: dict[str, E] = {}
        for source, target in raw.items():
            if not isinstance(target, str) or target not in set(kind):
                raise self.fail(section, source, f"{target!r} is not one of {allowed}")
            out[source] = kind(target)
        if name not in columns and "*" not in out:
            raise self.fail(section, None, f'no {name} column: a "*" default is required')
        return out

    def codes(self, table: dict[str, Any], name: str, limit: int) -> dict[str, str]:
        section = f"values.{name}"
        out: dict[str, str] = {}
        for source, target in self.table(table, name, "values").items():
            if not isinstance(target, str) or not target.strip() or len(target) > limit:
                raise self.fail(section, source, f"expected a {name} code of 1-{limit} characters")
            out[source] = target.strip()
        return out


def load_map(path: Path) -> ImportMap:
    """Read and validate the TOML map at ``path``.

    Raises:
        ImportMapError: unreadable, not TOML, or a key missing, unknown or invalid.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportMapError(path, None, None, f"cannot read the map: {exc}") from exc
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        raise ImportMapError(path, int(found[1]) if found else None, None, str(exc)) from exc
    return _MapReader(path, text).read(doc)


# -- reading the file ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Record:
    line: int
    cells: Mapping[str, str]
    raw: list[str] | str  # CSV fields, or the JSON line
    problem: str = ""  # why the row as a whole is unreadable (cells then hold what was read)


def _file_format(path: Path, mapping: ImportMap) -> Format:
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


def _csv_records(path: Path, mapping: ImportMap) -> Iterator[_Record]:
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
            yield _Record(line, cells, fields, "" if len(fields) == len(header) else bad)


def _cell(value: object) -> str:
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


def _jsonl_records(path: Path) -> Iterator[_Record]:
    with path.open(encoding="utf-8-sig") as fh:
        for line, text in enumerate(fh, 1):
            text = text.rstrip("\r\n")
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield _Record(line, {}, text, f"not JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(obj, dict):
                yield _Record(line, {}, text, "expected a JSON object")
                continue
            yield _Record(line, {str(k): _cell(v) for k, v in obj.items()}, text)


def _json_records(path: Path) -> Iterator[_Record]:
    """The objects of a JSON array, each with the line it starts on (a file that does
    not start with ``[`` is read as JSON Lines).

    Raises:
        ImportFileError: the array is not valid JSON (line and column named).
    """
    text = path.read_text(encoding="utf-8-sig")
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
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

    pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
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
            yield _Record(start, {str(k): _cell(v) for k, v in obj.items()}, raw)
        else:
            yield _Record(start, {}, raw, "expected a JSON object")
        pos = _WS.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith(",", pos):
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
        elif text.startswith("]", pos):
            closed = True
        else:
            raise fail(pos, "expected ',' or ']' after an element of the array")
    rest = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    if rest < len(text):
        raise fail(rest, "unexpected text after the array")


def _records(path: Path, fmt: str, mapping: ImportMap) -> Iterator[_Record]:
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


def _first_pass(path: Path, mapping: ImportMap) -> tuple[Format, _Repeats]:
    """The file's format and the keys it repeats (read once before any write).

    Raises:
        ImportFileError: no such file, or it cannot be read as a whole.
    """
    if not path.is_file():
        raise ImportFileError(path, "no such file")
    fmt = _file_format(path, mapping)
    repeats = _Repeats(path.stat().st_size)
    for rec in _records(path, fmt, mapping):
        key = _key(rec, mapping)
        if key:
            repeats.add(key, rec.line)
    return fmt, repeats


class _Repeats:
    """External ids that occur more than once in a file, found in bounded memory.

    A Bloom filter (a bit array sized from the file) remembers the ids seen; an id it
    reports as seen before (really, or by a rare false positive) has its line kept
    exactly in ``last``. So ``last`` holds every repeated id with the line of its final
    row, plus a few single ids, harmlessly; no set of every id is ever built.
    """

    def __init__(self, size: int) -> None:
        self._bits = bytearray(min(max(size // 32, 4096), 64 << 20))
        self._nbits = len(self._bits) * 8
        self.last: dict[str, int] = {}

    def add(self, key: str, line: int) -> None:
        digest = hashlib.blake2b(key.encode(), digest_size=12).digest()
        seen = True
        for i in (0, 4, 8):
            byte, bit = divmod(int.from_bytes(digest[i : i + 4], "little") % self._nbits, 8)
            if not self._bits[byte] >> bit & 1:
                seen = False
                self._bits[byte] |= 1 << bit
        if seen:
            self.last[key] = line

    def superseded(self, key: str, line: int) -> bool:
        """Whether a later row of the file has the same key."""
        last = self.last.get(key)
        return last is not None and line < last


# -- checking a row ------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    external_id: str
    opened_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    status: Status
    channel: Channel
    category: str
    title: str
    description: str
    address: str
    lat: float | None
    lon: float | None
    department: str
    grid: str
    satisfaction: str | None = None


def _repair(value: str) -> str:
    # C1 controls never occur in real text; together they usually mean UTF-8 bytes
    # that were decoded as Latin-1 somewhere upstream. Undo that when it decodes.
    if not _C1.search(value):
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _clean(value: str, *, one_line: bool = True) -> str:
    return clean_text(_repair(value), one_line=one_line).strip()


def _show(value: str) -> str:
    text = _clean(value)
    return repr(text if len(text) <= 60 else text[:59] + "…")


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _raw(cells: Mapping[str, str], mapping: ImportMap, name: str) -> str:
    cols = mapping.columns.get(name, ())
    return cells.get(cols[0], "").strip() if cols else ""


def _text(cells: Mapping[str, str], mapping: ImportMap, name: str, *, one_line: bool) -> str:
    parts = (_clean(cells.get(c, ""), one_line=one_line) for c in mapping.columns.get(name, ()))
    return JOINERS.get(name, "\n").join(p for p in parts if p)


def _key(rec: _Record, mapping: ImportMap) -> str | None:
    return _clean(rec.cells.get(mapping.columns["external_id"][0], "")) or None


def _time(cells: Mapping[str, str], mapping: ImportMap, name: str) -> datetime | None:
    value = _raw(cells, mapping, name)
    if not value:
        return None
    fmt = mapping.datetime_format
    try:
        parsed = datetime.strptime(value, fmt) if fmt else datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=mapping.timezone)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        expected = f"the format {fmt!r}" if fmt else "ISO-8601"
        raise _Bad(name, f"{_show(value)} is not a time in {expected}") from None


def _opened(cells: Mapping[str, str], mapping: ImportMap) -> datetime:
    opened = _time(cells, mapping, "opened_at")
    if opened is None:
        raise _Bad("opened_at", f"column {mapping.columns['opened_at'][0]!r} is blank")
    return opened


def _coord(cells: Mapping[str, str], mapping: ImportMap, name: str, limit: int) -> float | None:
    value = _raw(cells, mapping, name)
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise _Bad(name, f"{_show(value)} is not a number") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise _Bad(name, f"{_show(value)} is outside -{limit}..{limit}")
    return number


def _pick(table: Mapping[str, E], value: str, kind: type[E], name: str) -> E:
    if value in table:
        return table[value]
    if value in set(kind):
        return kind(value)
    if "*" in table:
        return table["*"]
    raise _Bad(name, f'value {_show(value)} is not mapped in [values.{name}] and has no "*"')


def _row(line: int, key: str, cells: Mapping[str, str], mapping: ImportMap) -> _Row:
    if len(key) > 64:
        raise _Bad("external_id", f"{_show(key)} is longer than 64 characters")
    opened = _opened(cells, mapping)
    due, closed = _time(cells, mapping, "due_at"), _time(cells, mapping, "closed_at")
    if closed is not None and closed < opened:
        raise _Bad("closed_at", f"{closed.isoformat()} is before opened_at {opened.isoformat()}")
    status = _pick(mapping.status_values, _clean(_raw(cells, mapping, "status")), Status, "status")
    channel = _pick(
        mapping.channel_values, _clean(_raw(cells, mapping, "channel")), Channel, "channel"
    )
    lat, lon = _coord(cells, mapping, "lat", 90), _coord(cells, mapping, "lon", 180)
    if (lat is None) != (lon is None):
        raise _Bad("lat" if lat is None else "lon", "given without its pair (lat and lon)")
    given = _text(cells, mapping, "category", one_line=True)
    category = mapping.category_values.get(given, given)
    title = _text(cells, mapping, "title", one_line=True) or given
    department = _text(cells, mapping, "department", one_line=True)
    callback = _text(cells, mapping, "satisfaction", one_line=True)
    try:
        satisfaction = Satisfaction.parse(callback).value if callback else None
    except ValueError as exc:
        raise _Bad("satisfaction", str(exc)) from None
    return _Row(
        line=line,
        external_id=key,
        opened_at=opened,
        due_at=due,
        closed_at=closed if status.is_terminal else None,
        status=status,
        channel=channel,
        category=category,
        title=_cut(title or f"{mapping.source} {key}", 200),
        description=_text(cells, mapping, "description", one_line=False),
        address=_cut(_text(cells, mapping, "address", one_line=True), 200),
        lat=lat,
        lon=lon,
        department=mapping.department_values.get(department, department),
        grid=_text(cells, mapping, "grid", one_line=True),
        satisfaction=satisfaction,
    )


def _parse(rec: _Record, mapping: ImportMap) -> _Row | Reject:
    key = _key(rec, mapping)
    if rec.problem:
        return Reject(rec.line, key, "row", rec.problem)
    if key is None:
        col = mapping.columns["external_id"][0]
        return Reject(rec.line, None, "external_id", f"column {col!r} is blank")
    try:
        return _row(rec.line, key, rec.cells, mapping)
    except _Bad as bad:
        return Reject(rec.line, key, bad.field, bad.reason)


# -- writing -------------------------------------------------------------------------


def _slug(value: str) -> str:
    return re.sub(r"[\W_]+", "-", unicodedata.normalize("NFKC", value).casefold()).strip("-")


def _code(prefix: str, slug: str, limit: int) -> str:
    code = prefix + (slug or "unspecified")
    if len(code) <= limit:
        return code
    return f"{code[: limit - 9]}-{hashlib.sha1(code.encode()).hexdigest()[:8]}"


def _place(node: Node) -> dict[str, int | None]:
    ids = {
        "district_id": node.district_id,
        "street_id": node.street_id,
        "community_id": node.community_id,
        "grid_id": None,
    }
    if node.level in ("district", "street", "community", "grid"):
        ids[f"{node.level}_id"] = node.id
    return ids


TICKETS = Base.metadata.tables["tickets"]
EVENTS = Base.metadata.tables["ticket_events"]
NO_PLACE: dict[str, int | None] = dict.fromkeys(
    ("district_id", "street_id", "community_id", "grid_id")
)


class _Store:
    """Writes batches of checked rows; caches the catalogue, departments and nodes."""

    def __init__(self, mapping: ImportMap, report: ImportReport, file: str, now: datetime) -> None:
        self.mapping, self.report, self.file, self.now = mapping, report, file, now
        self.actor = f"import:{mapping.source}"
        self.loaded = False
        self.colours: dict[str, str] = {}  # category code -> default colour
        self.departments: dict[str, int] = {}  # department code -> id
        self.places: dict[str, dict[str, int | None]] = {}  # node code -> hierarchy ids

    def load(self, session: Session, grids: set[str]) -> None:
        """Fill the caches: the catalogue and departments once, nodes as named."""
        if not self.loaded:
            cats = session.execute(select(Category.code, Category.default_colour))
            self.colours = {code: colour for code, colour in cats}
            depts = session.execute(select(Department.code, Department.id))
            self.departments = {code: id_ for code, id_ in depts}
            self.loaded = True
        missing = grids - self.places.keys()
        if missing:
            for node in session.scalars(select(Node).where(Node.code.in_(missing))):
                self.places[node.code] = _place(node)
            for code in missing - self.places.keys():
                self.places[code] = NO_PLACE

    def category(self, session: Session, value: str) -> str:
        code = value
        if code not in self.colours:
            code = _code(f"{self.mapping.code_prefix}.", _slug(value), 64)
        if code not in self.colours:
            name = _cut(value or "Unspecified", 120)
            colour = RiskColour.BLUE.value
            # Nobody has said what an unknown category is about: withheld from public
            # Open311 reads (personal) until the catalogue says otherwise.
            session.add(
                Category(
                    code=code,
                    name=name,
                    name_en=name,
                    function="imported",
                    default_colour=colour,
                    personal=True,
                )
            )
            self.colours[code] = colour
            self.report.categories_created += 1
        return code

    def department(self, session: Session, value: str) -> int | None:
        if not value:
            return None
        code = value
        if code not in self.departments:
            code = _code(f"{self.mapping.code_prefix.upper()}-", _slug(value).upper(), 32)
        if code not in self.departments:
            dept = Department(code=code, name=_cut(value, 120), name_en=_cut(value, 120))
            session.add(dept)
            session.flush()
            self.departments[code] = dept.id
            self.report.departments_created += 1
        return self.departments[code]

    def values(self, session: Session, row: _Row) -> dict[str, Any]:
        """The imported columns of ``row``'s ticket."""
        due, next_deadline = imported_deadlines(row.due_at, row.status)
        return {
            "title": row.title,
            "description": row.description,
            "address": row.address,
            "lat": row.lat,
            "lon": row.lon,
            "channel": row.channel.value,
            "category": self.category(session, row.category),
            "status": row.status.value,
            "opened_at": row.opened_at,
            "due_at": due,
            "next_deadline": next_deadline,
            "satisfaction": row.satisfaction,
            "closed_at": row.closed_at,
            "department_id": self.department(session, row.department),
            **(self.places[row.grid] if row.grid else NO_PLACE),
        }

    def event(self, ticket_id: int, before: str | None, after: str, note: str) -> dict[str, Any]:
        """A timeline row for ``insert(TicketEvent)``."""
        return {
            "ticket_id": ticket_id,
            "at": self.now,
            "action": Action.IMPORT.value,
            "actor": self.actor,
            "from_status": before,
            "to_status": after,
            "note": note,
        }

    def update(self, session: Session, ticket: Ticket, row: _Row) -> dict[str, Any] | None:
        """Overwrite what changed; the event to record, or None when nothing did."""
        values = self.values(session, row)
        changed = [k for k, v in values.items() if getattr(ticket, k) != v]
        if not changed:
            return None
        before = ticket.status
        for k in changed:
            setattr(ticket, k, values[k])
        if "category" in changed:
            ticket.colour = self.colours[ticket.category]
        ticket.version += 1
        ticket.updated_at = self.now
        note = f"updated from {self.file} line {row.line}: {', '.join(changed)}"
        return self.event(ticket.id, before, ticket.status, note)

    def insert(self, session: Session, new: list[tuple[_Row, dict[str, Any]]]) -> list[Any]:
        """Insert new tickets in one executemany; the events recording it.

        Core rather than the ORM: the ORM inserts row by row on SQLite to read ids
        back, and its bulk mode splits a batch wherever the non-null columns change.
        """
        if not new:
            return []
        stmt = insert(TICKETS).returning(TICKETS.c.external_id, TICKETS.c.id)
        ids = {key: id_ for key, id_ in session.execute(stmt, [v for _, v in new])}
        note = f"imported from {self.file} line "
        return [
            self.event(ids[row.external_id], None, row.status.value, f"{note}{row.line}")
            for row, _ in new
        ]

    def write(self, session: Session, rows: list[_Row]) -> None:
        """Insert or update ``rows`` (distinct keys) inside the caller's transaction."""
        source = self.mapping.source
        # Keys inline as literals: a prepared statement's generic plan on PostgreSQL
        # would test every row of the source against the whole list.
        keys: Any = bindparam(
            "keys", [r.external_id for r in rows], expanding=True, literal_execute=True
        )
        found = session.scalars(
            select(Ticket)
            .where(Ticket.source == source, Ticket.external_id.in_(keys))
            .with_for_update()
        )
        existing = {t.external_id: t for t in found}
        self.load(session, {r.grid for r in rows if r.grid})
        created = (self.report.categories_created, self.report.departments_created)
        new: list[tuple[_Row, dict[str, Any]]] = []
        events: list[dict[str, Any]] = []
        for row in rows:
            ticket = existing.get(row.external_id)
            if ticket is None:
                values = self.values(session, row)
                colour = self.colours[values["category"]]
                values |= {
                    "source": source,
                    "external_id": row.external_id,
                    "colour": colour,
                    "updated_at": self.now,
                    "version": 1,
                }
                new.append((row, values))
            elif (event := self.update(session, ticket, row)) is not None:
                events.append(event)
        updated = len(events)
        events += self.insert(session, new)
        if events:
            session.execute(insert(EVENTS), events)
        self.report.inserted += len(new)
        self.report.updated += updated
        self.report.unchanged += len(rows) - len(new) - updated
        cats = self.report.categories_created - created[0]
        depts = self.report.departments_created - created[1]
        if new or updated or cats or depts:
            data = {
                "source": source,
                "file": self.file,
                "inserted": len(new),
                "updated": updated,
                "categories_created": cats,
                "departments_created": depts,
                "lines": [rows[0].line, rows[-1].line],
            }
            record_change(session, at=self.now, kind="bulk", op="import", data=data)


@contextmanager
def _rejects_sink(path: Path | None) -> Iterator[Callable[[Reject, list[str] | str], None]]:
    if path is None:
        yield lambda _reject, _raw: None
        return
    try:
        fh = path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ImportFileError(path, f"cannot write the rejects file: {exc.strerror}") from exc
    with fh:
        (writer := csv.writer(fh)).writerow(REJECT_COLUMNS)

        def write(rej: Reject, raw: list[str] | str) -> None:
            row = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
            cells = [rej.line, rej.external_id or "", rej.field, rej.reason, row]
            writer.writerow([spreadsheet_cell(c) for c in cells])  # never a formula

        yield write


def import_file(
    factory: sessionmaker[Session],
    path: Path,
    mapping: ImportMap,
    *,
    rejects: Path | None = None,
    now: datetime | None = None,
    batch_size: int = 2000,
) -> ImportReport:
    """Import the export at ``path`` through ``mapping``; see the module docstring.

    ``rejects``, when given, is (re)written as CSV with the columns ``line``,
    ``external_id``, ``field``, ``reason`` and ``row`` (the raw CSV fields as a JSON
    array, or the JSON line), even when nothing was rejected. ``now`` stamps events,
    ``updated_at`` and the change feed (default: the current time).

    Raises:
        ImportFileError: the file is missing or cannot be read as a whole (nothing is
            written then: the whole file is read once before the first write).
        ValueError: ``now`` is naive or ``batch_size`` is outside 1..10000.
    """
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError(f"now={now!r} is naive: pass an aware time")
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size={batch_size}: expected 1..{MAX_BATCH}")
    fmt, repeats = _first_pass(path, mapping)
    report = ImportReport()
    store = _Store(mapping, report, path.name, now)
    batch: list[_Row] = []
    with _rejects_sink(rejects) as write_reject:
        for rec in _records(path, fmt, mapping):
            report.read += 1
            row = _parse(rec, mapping)
            if isinstance(row, Reject):
                report.add_reject(row)
                write_reject(row, rec.raw)
            elif repeats.superseded(row.external_id, row.line):
                report.superseded += 1
            else:
                batch.append(row)
            if len(batch) >= batch_size:
                with factory.begin() as session:
                    store.write(session, batch)
                batch = []
        if batch:
            with factory.begin() as session:
                store.write(session, batch)
    return report


class ImportRowsError(ImportFileError):
    """Rows of an export were refused, so an all-or-nothing import wrote nothing;
    ``report.rejects`` lists them (line, external id, field, reason)."""

    def __init__(self, path: Path, report: ImportReport) -> None:
        self.report = report
        first = report.rejects[0]
        super().__init__(
            path,
            f"{report.rejected} of {report.read} row(s) refused, nothing imported "
            f"(first: line {first.line}: {first.field}: {first.reason})",
        )


def import_file_atomic(
    session: Session, path: Path, mapping: ImportMap, *, now: datetime
) -> ImportReport:
    """Import the export at ``path`` inside the caller's transaction: every row, or
    (when any row is refused) none. The drop folder (:mod:`gridtui.data.intake.inbox`) uses it.

    Rows are written as they are checked (in batches, inside the one transaction);
    after a refused row nothing more is written but every row is still checked, so the
    error lists them all. The caller commits on success and rolls back on an error.

    Raises:
        ImportRowsError: rows were refused (all of them listed, up to
            :data:`MAX_REPORTED_REJECTS`); the caller must roll back.
        ImportFileError: the file cannot be read as a whole (encoding, CSV structure,
            JSON syntax, header).
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError(f"now={now!r} is naive: pass an aware time")
    fmt, repeats = _first_pass(path, mapping)
    report = ImportReport()
    store = _Store(mapping, report, path.name, now)
    batch: list[_Row] = []
    for rec in _records(path, fmt, mapping):
        report.read += 1
        row = _parse(rec, mapping)
        if isinstance(row, Reject):
            report.add_reject(row)
            batch = []
        elif repeats.superseded(row.external_id, row.line):
            report.superseded += 1
        elif not report.rejected:
            batch.append(row)
            if len(batch) >= MAX_BATCH // 5:
                store.write(session, batch)
                batch = []
    if report.rejected:
        raise ImportRowsError(path, report)
    if batch:
        store.write(session, batch)
    return report


__all__ = [
    "ImportFileError",
    "ImportMap",
    "ImportMapError",
    "ImportReport",
    "ImportRowsError",
    "Reject",
    "import_file",
    "import_file_atomic",
    "load_map",
]
