"""Importing real 311-style exports (CSV, TSV or other delimited text in any encoding,
Excel ``.xlsx``/``.xls`` workbooks, JSON Lines or a JSON array) through a column map.

A map (TOML, see ``docs/import.md`` and ``fixtures/maps/``; :mod:`.column_map`) names
the source column of each ticket field, translates status and channel values, and
gives the time zone of naive timestamps. :func:`import_file` streams the export
(:mod:`.formats`: :mod:`.delimited` text, :mod:`.workbooks`),
checks every row (:mod:`.rows`), and writes the good ones in batches (:mod:`.store`),
one transaction and one ``bulk``/``import`` change-feed row per batch that wrote
something. Bad rows never stop an import: each becomes a :class:`Reject` (line,
external id, field, reason) in the report and in the rejects file, with the raw row,
so an operator can fix and re-import it (:mod:`.report`). :func:`import_file_atomic`
is the all-or-nothing variant the drop folder uses: one transaction (the caller's),
and a single bad row refuses the whole file.

An external id repeated in a file is written once, from its last row; earlier rows
count as ``superseded`` (:mod:`.duplicates`). Importing a file again writes nothing.

Errors (all ``ValueError``)::

    ValueError
     ├── ImportMapError   the map is wrong: file, line when known, key
     └── ImportFileError  the export cannot be read: path and why
          └── ImportRowsError  an all-or-nothing import refused rows
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.importer.column_map import ImportMap, ImportMapError, load_map
from gridtui.data.intake.importer.duplicates import scan_file
from gridtui.data.intake.importer.formats import ImportFileError
from gridtui.data.intake.importer.report import (
    ImportReport,
    ImportRowsError,
    Reject,
    rejects_file,
)
from gridtui.data.intake.importer.rows import TicketRow, check_record
from gridtui.data.intake.importer.store import TicketStore

MAX_BATCH = 10_000  # one IN query per batch stays under every backend's parameter limit


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
    array, the sheet row's cells, or the JSON line), even when nothing was rejected;
    for a workbook, ``line`` is the row in the sheet. ``now`` stamps events,
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
    export, repeats = scan_file(path, mapping)
    report = ImportReport(sheet=export.sheet)
    store = TicketStore(mapping, report, path.name, now)
    batch: list[TicketRow] = []
    with rejects_file(rejects) as write_reject:
        for rec in export.records():
            report.read += 1
            row = check_record(rec, mapping)
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
            :data:`~.report.MAX_REPORTED_REJECTS`); the caller must roll back.
        ImportFileError: the file cannot be read as a whole (encoding, CSV structure,
            JSON syntax, header).
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError(f"now={now!r} is naive: pass an aware time")
    export, repeats = scan_file(path, mapping)
    report = ImportReport(sheet=export.sheet)
    store = TicketStore(mapping, report, path.name, now)
    batch: list[TicketRow] = []
    for rec in export.records():
        report.read += 1
        row = check_record(rec, mapping)
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
