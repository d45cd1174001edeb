"""External ids a file repeats, found in a first read before anything is written.

When an external id occurs more than once in a file, its last row wins: earlier rows
are counted as ``superseded`` and skipped (not written, not rejected), so a re-import
stays idempotent. When that last row is rejected, nothing is written for the id: the
newest data is broken, and older rows would silently revert it. Finding repeats costs
one extra read of the file (:func:`scan_file`), which also checks that the whole file
reads (encoding, CSV structure, header) before anything is written.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from gridtui.data.intake.importer.column_map import ImportMap
from gridtui.data.intake.importer.formats import Export, ImportFileError, open_export
from gridtui.data.intake.importer.rows import external_id_of


class RepeatedIds:
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
        """Note that ``key`` occurs on ``line``."""
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


def scan_file(path: Path, mapping: ImportMap) -> tuple[Export, RepeatedIds]:
    """The file (and how it is read) and the keys it repeats (read once before any write).

    Raises:
        ImportFileError: no such file, or it cannot be read as a whole.
    """
    if not path.is_file():
        raise ImportFileError(path, "no such file")
    export = open_export(path, mapping)
    repeats = RepeatedIds(path.stat().st_size)
    for rec in export.records():
        key = external_id_of(rec, mapping)
        if key:
            repeats.add(key, rec.line)
    return export, repeats
