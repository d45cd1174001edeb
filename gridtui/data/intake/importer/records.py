"""What every reader of an export (:mod:`.formats`) gives and shares: the
:class:`SourceRecord`, the :class:`ImportFileError`, the header check, and the text of
a spreadsheet number."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from gridtui.data.intake.importer.column_map import ImportMap

#: the ticket fields whose cells are times (a workbook's date cells are read as such)
TIME_FIELDS = ("opened_at", "due_at", "closed_at")


class ImportFileError(ValueError):
    """The export cannot be read (missing, not text, broken CSV, header lacks columns)."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record of an export, as read, before any check.

    ``line`` is the line the record starts on, or its row in a worksheet. ``dates``
    holds the cells of time columns that a workbook stores as dates (naive, in the
    export's local time); their text is in ``cells`` too.
    """

    line: int
    cells: Mapping[str, str]
    raw: list[str] | str  # CSV fields or a sheet row's cells, or the JSON text
    problem: str = ""  # why the row as a whole is unreadable (cells then hold what was read)
    dates: Mapping[str, datetime] = field(default_factory=dict)


def mapped_columns(mapping: ImportMap) -> set[str]:
    """Every column the map names."""
    return {c for cols in mapping.columns.values() for c in cols}


def time_columns(mapping: ImportMap) -> set[str]:
    """The columns the map reads times from."""
    return {c for name in TIME_FIELDS for c in mapping.columns.get(name, ())}


def check_header(path: Path, header: list[str], mapping: ImportMap, how: str = "") -> None:
    """Raise when ``header`` lacks a mapped column or has one twice; ``how`` (how the
    file was read, e.g. its encoding) is added to the message."""
    wanted = mapped_columns(mapping)
    missing = sorted(wanted - set(header))
    read = f" ({how})" if how else ""
    if missing:
        raise ImportFileError(
            path, f"the header lacks mapped column(s) {missing}; it has {header[:60]}{read}"
        )
    doubled = sorted(c for c in wanted if header.count(c) > 1)
    if doubled:
        raise ImportFileError(path, f"mapped column(s) {doubled} appear twice in the header")


def number_text(value: float) -> str:
    """A spreadsheet number as Excel shows it, to its 15 significant digits and
    without an exponent: ``1.3800138e10`` → ``13800138000``, ``112.5501160000001`` →
    ``112.550116``."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    text = format(Decimal(format(value, ".15g")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
