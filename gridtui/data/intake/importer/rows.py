"""Checking a raw record of an export: a :class:`TicketRow` ready to write, or a
:class:`~gridtui.data.intake.importer.report.Reject` (:func:`check_record`).

Row rules (the first problem found rejects the row):

- ``external_id`` is required, non-blank, at most 64 characters;
- ``opened_at`` is required; it and ``due_at``/``closed_at`` (optional) must parse
  (``datetime_format`` when the map gives one, else ISO-8601) unless a workbook stores
  them as dates; naive times are read in the map's time zone, aware ones keep their
  offset; ``closed_at`` may not precede ``opened_at``;
- ``status`` and ``channel`` values go through ``[values.*]``: an exact source value,
  else a value that already is ours, else ``"*"``; with none of these the row is
  rejected naming the value;
- ``lat``/``lon`` are finite numbers within ±90/±180, given together or not at all;
- ``satisfaction`` (optional), the resident's callback (回访): 满意 / 基本满意 / 不满意
  / 未联系上 or ``satisfied`` / ``basic`` / ``unsatisfied`` / ``unreached``.

Text is cleaned where it enters (:func:`~gridtui.domain.text.clean_text`; titles and
addresses on one line); markup such as ``[bold]`` is kept as literal text, since the
UI renders outside text as data. UTF-8 read back as Latin-1 (``â\\x80\\x99`` for ``’``),
common in 311 exports, is repaired first. ``[values.category]``,
``[values.department]`` and ``[values.grid]`` translate source values into our codes
(unlisted values pass as they are, for the store to resolve).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from gridtui.data.intake.importer.column_map import JOINERS, ImportMap, ValueEnum
from gridtui.data.intake.importer.records import SourceRecord
from gridtui.data.intake.importer.report import Reject
from gridtui.domain.callback import Satisfaction
from gridtui.domain.channels import Channel
from gridtui.domain.lifecycle import Status
from gridtui.domain.text import clean_text

_C1_CONTROLS = re.compile(r"[\x80-\x9f]")


class RowProblem(Exception):
    """Why a row is rejected: the field at fault and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason


@dataclass(frozen=True, slots=True)
class TicketRow:
    """A checked row: the ticket fields of one record, cleaned and translated."""

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


def _repair_mojibake(value: str) -> str:
    """``value`` with UTF-8 that was decoded as Latin-1 decoded again, when it decodes."""
    # C1 controls never occur in real text; together they usually mean UTF-8 bytes
    # that were decoded as Latin-1 somewhere upstream. Undo that when it decodes.
    if not _C1_CONTROLS.search(value):
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _cleaned(value: str, *, one_line: bool = True) -> str:
    """``value`` repaired, cleaned and stripped."""
    return clean_text(_repair_mojibake(value), one_line=one_line).strip()


def _quoted_for_reason(value: str) -> str:
    """``value`` cleaned, cut to 60 characters and quoted, to name it in a reason."""
    text = _cleaned(value)
    return repr(text if len(text) <= 60 else text[:59] + "…")


def shorten(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, the last an ellipsis when cut."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _first_column(cells: Mapping[str, str], mapping: ImportMap, name: str) -> str:
    """The stripped cell of the first column mapped to ``name`` ("" when none)."""
    cols = mapping.columns.get(name, ())
    return cells.get(cols[0], "").strip() if cols else ""


def _joined_text(cells: Mapping[str, str], mapping: ImportMap, name: str, *, one_line: bool) -> str:
    """The cleaned, non-blank cells of every column mapped to ``name``, joined."""
    parts = (_cleaned(cells.get(c, ""), one_line=one_line) for c in mapping.columns.get(name, ()))
    return JOINERS.get(name, "\n").join(p for p in parts if p)


def external_id_of(rec: SourceRecord, mapping: ImportMap) -> str | None:
    """The record's external id, cleaned (None when blank)."""
    return _cleaned(rec.cells.get(mapping.columns["external_id"][0], "")) or None


def _time(rec: SourceRecord, mapping: ImportMap, name: str) -> datetime | None:
    cols = mapping.columns.get(name, ())
    stored = rec.dates.get(cols[0]) if cols else None
    value = _first_column(rec.cells, mapping, name)
    if not value and stored is None:
        return None
    fmt = mapping.datetime_format
    try:
        if stored is not None:  # a workbook's date cell: a date already
            parsed = stored
        else:
            parsed = datetime.strptime(value, fmt) if fmt else datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=mapping.timezone)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        expected = f"the format {fmt!r}" if fmt else "ISO-8601"
        raise RowProblem(name, f"{_quoted_for_reason(value)} is not a time in {expected}") from None


def _opened_at(rec: SourceRecord, mapping: ImportMap) -> datetime:
    opened = _time(rec, mapping, "opened_at")
    if opened is None:
        raise RowProblem("opened_at", f"column {mapping.columns['opened_at'][0]!r} is blank")
    return opened


def _coordinate(
    cells: Mapping[str, str], mapping: ImportMap, name: str, limit: int
) -> float | None:
    value = _first_column(cells, mapping, name)
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise RowProblem(name, f"{_quoted_for_reason(value)} is not a number") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise RowProblem(name, f"{_quoted_for_reason(value)} is outside -{limit}..{limit}")
    return number


def _translated(
    cells: Mapping[str, str],
    mapping: ImportMap,
    name: str,
    table: Mapping[str, ValueEnum],
    kind: type[ValueEnum],
) -> ValueEnum:
    """The ``name`` cell through ``[values.<name>]``: the source value's entry, else the
    value itself when it is ours, else the ``"*"`` default."""
    value = _cleaned(_first_column(cells, mapping, name))
    if value in table:
        return table[value]
    if value in set(kind):
        return kind(value)
    if "*" in table:
        return table["*"]
    reason = f'value {_quoted_for_reason(value)} is not mapped in [values.{name}] and has no "*"'
    raise RowProblem(name, reason)


def _satisfaction(cells: Mapping[str, str], mapping: ImportMap) -> str | None:
    callback = _joined_text(cells, mapping, "satisfaction", one_line=True)
    try:
        return Satisfaction.parse(callback).value if callback else None
    except ValueError as exc:
        raise RowProblem("satisfaction", str(exc)) from None


def _ticket_row(rec: SourceRecord, key: str, mapping: ImportMap) -> TicketRow:
    """The checked row of a record with external id ``key``.

    Raises:
        RowProblem: the first rule the record breaks.
    """
    if len(key) > 64:
        raise RowProblem("external_id", f"{_quoted_for_reason(key)} is longer than 64 characters")
    cells = rec.cells
    opened = _opened_at(rec, mapping)
    due, closed = _time(rec, mapping, "due_at"), _time(rec, mapping, "closed_at")
    if closed is not None and closed < opened:
        why = f"{closed.isoformat()} is before opened_at {opened.isoformat()}"
        raise RowProblem("closed_at", why)
    status = _translated(cells, mapping, "status", mapping.status_values, Status)
    channel = _translated(cells, mapping, "channel", mapping.channel_values, Channel)
    lat, lon = _coordinate(cells, mapping, "lat", 90), _coordinate(cells, mapping, "lon", 180)
    if (lat is None) != (lon is None):
        raise RowProblem("lat" if lat is None else "lon", "given without its pair (lat and lon)")
    given = _joined_text(cells, mapping, "category", one_line=True)
    title = _joined_text(cells, mapping, "title", one_line=True) or given
    department = _joined_text(cells, mapping, "department", one_line=True)
    satisfaction = _satisfaction(cells, mapping)
    grid = _joined_text(cells, mapping, "grid", one_line=True)
    return TicketRow(
        line=rec.line,
        external_id=key,
        opened_at=opened,
        due_at=due,
        closed_at=closed if status.is_terminal else None,
        status=status,
        channel=channel,
        category=mapping.category_values.get(given, given),
        title=shorten(title or f"{mapping.source} {key}", 200),
        description=_joined_text(cells, mapping, "description", one_line=False),
        address=shorten(_joined_text(cells, mapping, "address", one_line=True), 200),
        lat=lat,
        lon=lon,
        department=mapping.department_values.get(department, department),
        grid=mapping.grid_values.get(grid, grid),
        satisfaction=satisfaction,
    )


def check_record(rec: SourceRecord, mapping: ImportMap) -> TicketRow | Reject:
    """The record as a ticket row, or the reject naming its first problem."""
    key = external_id_of(rec, mapping)
    if rec.problem:
        return Reject(rec.line, key, "row", rec.problem)
    if key is None:
        col = mapping.columns["external_id"][0]
        return Reject(rec.line, None, "external_id", f"column {col!r} is blank")
    try:
        return _ticket_row(rec, key, mapping)
    except RowProblem as problem:
        return Reject(rec.line, key, problem.field, problem.reason)
