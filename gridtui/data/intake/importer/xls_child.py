"""Reads an ``.xls`` workbook with python-calamine in a child process, for
:mod:`.workbooks`: run as a script (``python -P xls_child.py FILE [SHEET]``), it imports
nothing of gridtui.

calamine is native code: a damaged or hostile ``.xls`` can make it panic, or ask for
terabytes and abort the whole process, which no ``except`` can catch. In a child with
an address-space and CPU limit, that ends the child only; the importer refuses the
file and the drop folder (``serve --inbox``) goes on.

Output, one JSON document a line (ASCII): ``{"sheets": [...]}`` without ``SHEET``;
else ``{"first": N}`` (the sheet row of the first row given, counting from 1), then
each row as a list of cells: strings, numbers, booleans, or ``{"datetime": ISO}``,
``{"date": ISO}``, ``{"time": ISO}``, ``{"seconds": S}``. A failure ends the output
with ``{"error": "..."}`` and exit status 1.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime, time, timedelta
from typing import Any

#: the child's address space (bytes) and CPU time (seconds)
MEMORY_LIMIT = 2 << 30
CPU_SECONDS = 120


def _limit() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    except (ImportError, ValueError, OSError):  # not POSIX, or a lower limit already
        pass


def cell(value: Any) -> Any:
    """A cell as JSON."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"seconds": value.total_seconds()}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def main(argv: list[str]) -> int:
    """Write the sheets of ``argv[1]``, or the rows of its sheet ``argv[2]``."""
    _limit()
    out = sys.stdout
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(argv[1])
        if len(argv) < 3:
            out.write(json.dumps({"sheets": book.sheet_names}) + "\n")
            return 0
        ws = book.get_sheet_by_name(argv[2])
        out.write(json.dumps({"first": (ws.start or (0, 0))[0] + 1}) + "\n")
        for row in ws.iter_rows():
            out.write(json.dumps([cell(v) for v in row]) + "\n")
    except BaseException as exc:  # calamine's errors and its panics (a BaseException)
        out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
