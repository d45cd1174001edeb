"""The column map of an import: a TOML file naming, for one source, the column of each
ticket field, the translation of its status, channel, category and department values,
the time zone of naive timestamps, and how to read the file when its name and content
do not say (encoding, delimiter, sheet, header row); see ``docs/import.md``.

Only ``[columns] external_id`` and ``opened_at`` are required. ``source`` defaults to
the map file's name (``city12345.toml`` → ``city12345``), ``timezone`` to the centre's
(the caller's ``timezone``), the channel of every row to ``channel = "…"`` when the
export has no channel column, and the status to ``new`` when it has no status column.

:func:`load_map` reads and validates it into an :class:`ImportMap`; every mistake is an
:class:`ImportMapError` naming the file, the line when it can be found, and the key.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridtui.domain.channels import Channel
from gridtui.domain.lifecycle import Status

FIELDS = (
    "external_id", "opened_at", "due_at", "closed_at", "status", "category", "channel",
    "title", "description", "address", "lat", "lon", "department", "grid", "satisfaction",
)  # fmt: skip
REQUIRED = ("external_id", "opened_at")
#: fields that may name several columns, and what joins their non-blank values
JOINERS = {"title": " — ", "address": ", "}
TOP_KEYS = (
    "source", "timezone", "datetime_format", "format", "code_prefix", "encoding", "delimiter",
    "sheet", "header_row", "channel", "status", "columns", "values",
)  # fmt: skip
_SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_CODE_PREFIX = re.compile(r"[a-z0-9][a-z0-9_-]{0,15}")
_SECTION_HEADER = re.compile(r"\[+([^\]]+)\]")
#: the enum a ``[values.*]`` table translates into (Status or Channel)
ValueEnum = TypeVar("ValueEnum", bound=StrEnum)
#: how an export is read: delimited text (CSV, TSV …), an Excel workbook, or JSON
Format = Literal["csv", "tsv", "xlsx", "xls", "jsonl", "json"]
FORMATS: tuple[Format, ...] = ("csv", "tsv", "xlsx", "xls", "jsonl", "json")
#: the header row of the largest sheet Excel allows
MAX_ROW = 1_048_576


class ImportMapError(ValueError):
    """The import map is wrong; the message names the file, line (when known) and key."""

    def __init__(self, path: Path, line: int | None, key: str | None, message: str) -> None:
        self.path, self.line, self.key = path, line, key
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {f'key {key!r}: ' if key else ''}{message}")


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
    #: source value -> our node code (a street's name → ``WH-HB``)
    grid_values: Mapping[str, str] = field(default_factory=dict)
    #: the text encoding (a Python codec name); None: detected
    encoding: str | None = None
    #: the delimiter of delimited text; None: sniffed (a ``.tsv`` falls back to tab)
    delimiter: str | None = None
    #: the worksheet of a workbook: its name, or its position from 1; None: the first
    sheet: str | int | None = None
    #: the line (row, in a workbook) of the header; the lines above it are skipped
    header_row: int = 1


def _line_of(text: str, section: str, key: str | None) -> int | None:
    """The line of ``key`` in ``[section]`` ("" is the top level), or of the section."""
    current = ""
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        header = _SECTION_HEADER.match(line)
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
    """Validates the parsed TOML of one map, table by table."""

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

    def read(self, doc: dict[str, Any], default_zone: str | None) -> ImportMap:
        for key in doc:
            if key not in TOP_KEYS:
                raise self.fail("", key, f"unknown key; expected one of {', '.join(TOP_KEYS)}")
        source, prefix = self.source(doc)
        given = self.string(doc, "format")
        fmt = next((f for f in FORMATS if f == given), None)
        if given is not None and fmt is None:
            raise self.fail("", "format", f"{given!r}: expected one of {', '.join(FORMATS)}")
        name = self.string(doc, "timezone", required=default_zone is None)
        zone = self.zone(name or default_zone or "")
        time_format = self.time_format(self.string(doc, "datetime_format"))
        columns = self.columns(self.table(doc, "columns"))
        values = self.table(doc, "values")
        for key in values:
            if key not in ("status", "channel", "category", "department", "grid"):
                why = "unknown key; expected status, channel, category, department or grid"
                raise self.fail("values", key, why)
        status = self.values(values, "status", Status, columns, self.default(doc, "status", Status))
        channel = self.values(
            values, "channel", Channel, columns, self.default(doc, "channel", Channel)
        )
        return ImportMap(
            path=self.path,
            source=source,
            timezone=zone,
            columns=columns,
            status_values=status,
            channel_values=channel,
            datetime_format=time_format,
            format=fmt,
            code_prefix=prefix,
            category_values=self.codes(values, "category", 64),
            department_values=self.codes(values, "department", 32),
            grid_values=self.codes(values, "grid", 32),
            **self.reading(doc, fmt),
        )

    def source(self, doc: dict[str, Any]) -> tuple[str, str]:
        """The source (default: the map file's name) and the code prefix."""
        source = self.string(doc, "source")
        if source is None and not _SOURCE_NAME.fullmatch(self.path.stem):
            why = (
                f"the map's name {self.path.stem!r} cannot be the source (1-32 letters, "
                "digits, '.', '_' or '-'): name one, e.g. source = \"hotline12345\""
            )
            raise self.fail("", "source", why)
        source = self.path.stem if source is None else source
        if not _SOURCE_NAME.fullmatch(source):
            raise self.fail("", "source", "expected 1-32 letters, digits, '.', '_' or '-'")
        prefix = self.string(doc, "code_prefix")
        if prefix is None:
            prefix = re.sub(r"[^a-z0-9_-]", "-", source.lower())[:16]
        if not _CODE_PREFIX.fullmatch(prefix):
            why = "expected 1-16 of a-z, 0-9, '_' or '-' (the default is the source)"
            raise self.fail("", "code_prefix", why)
        return source, prefix

    def reading(self, doc: dict[str, Any], fmt: str | None) -> dict[str, Any]:
        """How to read the file: encoding, delimiter, sheet, header row."""
        encoding = self.string(doc, "encoding")
        if encoding is not None:
            try:
                encoding = codecs.lookup(encoding).name
            except LookupError:
                why = f"{encoding!r} is not a text encoding (e.g. 'gb18030', 'utf-8')"
                raise self.fail("", "encoding", why) from None
        delimiter = doc.get("delimiter", "\t" if fmt == "tsv" else None)
        if delimiter is not None and (
            not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n'
        ):
            why = 'expected one character other than a quote or a line break, e.g. "\\t" or ";"'
            raise self.fail("", "delimiter", why)
        sheet = doc.get("sheet")
        if sheet is not None and not (
            (isinstance(sheet, str) and sheet.strip())
            or (isinstance(sheet, int) and not isinstance(sheet, bool) and sheet >= 1)
        ):
            why = 'expected a sheet name (sheet = "工单") or its position from 1 (sheet = 1)'
            raise self.fail("", "sheet", why)
        header_row = doc.get("header_row", 1)
        if (
            not isinstance(header_row, int)
            or isinstance(header_row, bool)
            or not 1 <= header_row <= MAX_ROW
        ):
            raise self.fail("", "header_row", f"expected a line (row) number, 1..{MAX_ROW}")
        return {
            "encoding": encoding,
            "delimiter": delimiter,
            "sheet": sheet,
            "header_row": header_row,
        }

    def default(self, doc: dict[str, Any], name: str, kind: type[ValueEnum]) -> ValueEnum | None:
        """The top-level ``status`` / ``channel``: the value of rows that give none."""
        value = doc.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or value not in set(kind):
            allowed = ", ".join(k.value for k in kind)
            raise self.fail("", name, f"{value!r} is not one of {allowed}")
        return kind(value)

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
        self,
        table: dict[str, Any],
        name: str,
        kind: type[ValueEnum],
        columns: Mapping[str, Any],
        default: ValueEnum | None,
    ) -> dict[str, ValueEnum]:
        """``[values.<name>]``, its ``"*"`` entry being the top-level default when given.

        Without a column for ``name`` every row needs that default: a status is then
        ``new``; a channel must be named (``channel = "hotline"``).
        """
        section = f"values.{name}"
        raw = self.table(table, name, "values")
        allowed = ", ".join(k.value for k in kind)
        out: dict[str, ValueEnum] = {}
        for source, target in raw.items():
            if not isinstance(target, str) or target not in set(kind):
                raise self.fail(section, source, f"{target!r} is not one of {allowed}")
            out[source] = kind(target)
        if default is not None:
            if out.get("*", default) != default:
                why = f'says {default.value!r}, and [values.{name}] "*" says {out["*"].value!r}'
                raise self.fail("", name, why)
            out["*"] = default
        if name not in columns and "*" not in out:
            if kind is Status:
                out["*"] = kind(Status.NEW.value)
            elif raw:
                raise self.fail(section, None, f'no {name} column: a "*" default is required')
            else:
                why = f'no {name} column: name the {name} of every row, e.g. {name} = "hotline"'
                raise self.fail("", name, why)
        return out

    def codes(self, table: dict[str, Any], name: str, limit: int) -> dict[str, str]:
        section = f"values.{name}"
        out: dict[str, str] = {}
        for source, target in self.table(table, name, "values").items():
            if not isinstance(target, str) or not target.strip() or len(target) > limit:
                raise self.fail(section, source, f"expected a {name} code of 1-{limit} characters")
            out[source] = target.strip()
        return out


def load_map(path: Path, *, timezone: str | None = None) -> ImportMap:
    """Read and validate the TOML map at ``path``; ``timezone`` (the centre's) is the
    time zone of a map that names none (without it, the map must name one).

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
    return _MapReader(path, text).read(doc, timezone)
