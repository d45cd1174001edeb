"""What an import did: the :class:`ImportReport`, its :class:`Reject` rows, the rejects
file, and :class:`ImportRowsError` (an all-or-nothing import that refused rows).

Bad rows never stop an import: each becomes a :class:`Reject` (line, external id,
field, reason) in the report and, with the raw row, in the rejects file
(:func:`rejects_file`), so an operator can fix and re-import it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gridtui.data.intake.importer.records import ImportFileError
from gridtui.domain.text import spreadsheet_cell

REJECT_COLUMNS = ("line", "external_id", "field", "reason", "row")
MAX_REPORTED_REJECTS = 1000  # the report keeps this many; the rejects file has them all


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
    ``sheet`` names the worksheet read from a workbook (a reject's ``line`` is then
    its row in that sheet).
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
    sheet: str | None = None

    def where(self, reject: Reject) -> str:
        """Where ``reject`` is in the file: ``line 7``, or ``row 7`` of a sheet."""
        return f"{'line' if self.sheet is None else 'row'} {reject.line}"

    def add_reject(self, reject: Reject) -> None:
        """Count ``reject`` and keep it while the list is below its bound."""
        self.rejected += 1
        if len(self.rejects) < MAX_REPORTED_REJECTS:
            self.rejects.append(reject)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return asdict(self)


class ImportRowsError(ImportFileError):
    """Rows of an export were refused, so an all-or-nothing import wrote nothing;
    ``report.rejects`` lists them (line, external id, field, reason)."""

    def __init__(self, path: Path, report: ImportReport) -> None:
        self.report = report
        first = report.rejects[0]
        super().__init__(
            path,
            f"{report.rejected} of {report.read} row(s) refused, nothing imported "
            f"(first: {report.where(first)}: {first.field}: {first.reason})",
        )


#: writes one reject, with the raw row (CSV fields, or the JSON text), to the rejects file
WriteReject = Callable[[Reject, list[str] | str], None]


@contextmanager
def rejects_file(path: Path | None) -> Iterator[WriteReject]:
    """A writer of rejects to the CSV file at ``path`` (header written at once), or
    one that drops them when ``path`` is None. Cells never start a formula.

    Raises:
        ImportFileError: the file cannot be opened for writing.
    """
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
