"""The drop folder: work-order files that land in a folder are imported, each one whole
or not at all, and never twice.

``gridtui watch DIR`` and ``gridtui serve --inbox DIR`` run an :class:`Inbox` (the
12345 hotline map, ``fixtures/maps/hotline12345.toml``, unless ``--map`` names
another). Every format the importer reads is taken (CSV, TSV and other delimited
text in any encoding, ``.xlsx``/``.xls`` workbooks, JSON, JSON Lines: see
:mod:`gridtui.data.intake.importer.formats`), through that one map. The life of a
file:

1. **Names still being written are left alone**: hidden names (``.name``) and
   ``*.part``, ``*.partial``, ``*.tmp``, ``*.crdownload``, ``*.swp``, ``*~``, and
   Excel's lock files (``~$name.xlsx``, there while a workbook is open). Write
   under such a name and rename when done: the rename is atomic. Empty files wait too.
   So do symbolic links, FIFOs, sockets, devices and folders (seen with ``lstat``,
   never opened). Each is reported once in the log (:mod:`gridtui.data.intake.inbox_files`).
2. **Any other file waits until it has settled**: its size and modification time must
   stay the same for ``settle`` seconds (default 1 s); a file still growing is left for
   later. It is read once settled, and the import is rolled back if it changed while
   being read.
3. **The same bytes are never imported twice** (under any name, by any process, after
   a restart): the SHA-256 of each imported file is stored with its rows, in the same
   transaction (``inbox_files``). A duplicate is not imported again: it goes to
   ``done/`` beside a ``NAME.duplicate.txt`` naming the earlier import.
4. Otherwise the file is imported through the map **in one transaction**
   (:func:`~gridtui.data.intake.importer.import_file_atomic`): every row, or none.

   - success: the file moves to ``done/``;
   - a refused row, or a file that cannot be read as a whole (not text in any
     encoding, CSV structure, a workbook without the sheet, JSON syntax, missing
     columns, an unknown type, no rows): nothing is written, and
     the file moves, intact, to ``rejected/`` beside ``NAME.error.txt``, which lists
     every refused line with its work-order number, field and reason;
   - the database is away: the file stays where it is and is tried again later;
   - the file cannot be read (permissions, I/O): it moves to ``rejected/`` with the
     reason; if it cannot even be moved, it is left and the reason logged once.

   A name already taken in ``done/`` or ``rejected/`` gets a counter
   (``export.2.csv``); nothing is overwritten. A name too long to have a note beside
   it is moved under a shortened one (the note names the original).
5. Rows are keyed by (source, work-order number): an order exported again in a later
   file updates the ticket, never duplicates it.

Files already in the folder at start are processed like new ones. What goes wrong with
one file stays with that file: the others are processed all the same, and the same
trouble is logged once, not at every scan.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.importer import (
    ImportFileError,
    ImportMap,
    ImportReport,
    ImportRowsError,
    import_file_atomic,
)
from gridtui.data.intake.inbox_files import (
    LEFT_ALONE,
    Told,
    is_temporary,
    kind_of,
    move,
    note,
    read_regular,
    shown_name,
    signature,
    stored_name,
)
from gridtui.data.storage.models import InboxFile

log = logging.getLogger("gridtui.inbox")

DONE = "done"
REJECTED = "rejected"
SETTLE_SECONDS = 1.0
STEP_MS = 50
DEBOUNCE_MS = 500
#: seconds before a file is tried again while the database is away
RETRY_SECONDS = 5.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one file: ``imported`` (to ``done/``), ``duplicate`` (to
    ``done/``, not imported again) or ``rejected`` (to ``rejected/``, nothing written).
    """

    name: str
    state: Literal["imported", "duplicate", "rejected"]
    moved_to: Path
    message: str
    report: ImportReport | None = None

    def __str__(self) -> str:
        return f"{shown_name(self.name)}: {shown_name(self.message)} → {shown_name(self.moved_to)}"


class _Retry:
    """The database is away: keep the file, try again after :data:`RETRY_SECONDS`."""


RETRY = _Retry()


class _StillWriting(Exception):
    """The file changed while it was being imported: roll back, try again later."""


class Inbox:
    """One drop folder, its map and the database it imports into.

    :meth:`scan` processes what has settled (tests call it directly, with a fake
    ``clock``); :meth:`start` runs scans in a thread, woken by file events (watchfiles)
    and by the settle timer, never by polling an idle folder.

    Args:
        folder: the drop folder (created, with ``done/`` and ``rejected/``).
        factory: sessions on the database to import into.
        mapping: how the files' columns become tickets.
        settle: seconds a file's size and modification time must stay the same.
        clock: monotonic seconds (settling).
        now: the time stamped on imported tickets and events.
        report: called with each outcome (default: the ``gridtui.inbox`` log).
        on_import: called after each import that wrote (e.g. to wake a change stream).
    """

    def __init__(
        self,
        folder: Path,
        factory: sessionmaker[Session],
        mapping: ImportMap,
        *,
        settle: float = SETTLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utcnow,
        report: Callable[[Outcome], None] | None = None,
        on_import: Callable[[], None] | None = None,
    ) -> None:
        self.folder = folder
        self.factory = factory
        self.mapping = mapping
        self.settle = settle
        self.clock = clock
        self.now = now
        self.report = report or _log_outcome
        self.on_import = on_import
        for sub in ("", DONE, REJECTED):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        #: name -> (size, mtime, inode) and when that signature was first seen
        self._pending: dict[str, tuple[tuple[int, int, int], float]] = {}
        #: name -> signature of a file that failed (left until it changes)
        self._failed: dict[str, tuple[int, int, int]] = {}
        self._told = Told()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._notify: Any = None

    # -- one pass -----------------------------------------------------------------------

    def scan(self) -> list[Outcome]:
        """Process every file that has settled; note the others. Returns the outcomes."""
        out: list[Outcome] = []
        seen: set[str] = set()
        with os.scandir(self.folder) as entries:
            found = sorted(entries, key=lambda e: e.name)
        for entry in found:
            if entry.name in (DONE, REJECTED):
                continue
            seen.add(entry.name)
            try:
                outcome = self._consider(entry)
            except Exception as exc:  # this file's trouble stays with this file
                self._fail(entry.name, exc)
                continue
            if outcome is not None:
                out.append(outcome)
                self.report(outcome)
        for gone in self._pending.keys() - seen:
            del self._pending[gone]
        for gone in self._failed.keys() - seen:
            del self._failed[gone]
        self._told.keep_only(seen)
        return out

    def _consider(self, entry: os.DirEntry[str]) -> Outcome | None:
        """One entry of the folder: left alone, noted as waiting, or processed."""
        name = entry.name
        try:
            st = entry.stat(follow_symlinks=False)  # lstat: nothing is opened
        except FileNotFoundError:  # moved away meanwhile (another inbox took it)
            return None
        kind = kind_of(st, name)
        if kind is not None:
            self._told.once(name, LEFT_ALONE[kind])
            return None
        sig = (st.st_size, st.st_mtime_ns, st.st_ino)
        if self._failed.get(name) == sig:
            return None  # failed as it is: tried again once it changes
        self._failed.pop(name, None)
        now = self.clock()
        first = self._pending.get(name)
        if first is None or first[0] != sig or st.st_size == 0:
            self._pending[name] = (sig, now)  # new, still growing, or still empty
            if st.st_size == 0:
                self._told.once(name, LEFT_ALONE["empty"])
            return None
        if now - first[1] < self.settle:
            return None
        path = Path(entry.path)
        outcome = self._process(path, sig)
        if outcome is None:  # changed while read: settle again
            self._pending[name] = (signature(path) or sig, self.clock())
            return None
        if isinstance(outcome, _Retry):  # the database is away: try a little later
            self._pending[name] = (sig, self.clock() + RETRY_SECONDS)
            return None
        del self._pending[name]
        self._told.forget(name)
        return outcome

    def _fail(self, name: str, exc: Exception) -> None:
        """``name`` could not be processed: leave it until it changes, say why once."""
        self._pending.pop(name, None)
        sig = signature(self.folder / name)
        if sig is not None:
            self._failed[name] = sig
        if isinstance(exc, OSError):  # a name, a move, a permission: said plainly
            why, trace = f"{exc.strerror} ({type(exc).__name__})", False
        else:  # a surprise: with its traceback
            why, trace = repr(exc), True
        what = f"cannot be processed, left where it is: {why}"
        self._told.once(name, what, logging.WARNING, trace=trace)

    def next_check(self) -> float | None:
        """Seconds until a waiting file may have settled; None when none waits."""
        if not self._pending:
            return None
        now = self.clock()
        return max(0.0, min(since + self.settle - now for _, since in self._pending.values()))

    @property
    def waiting(self) -> list[str]:
        """Names seen but not yet settled (or waiting for the database)."""
        return sorted(self._pending)

    def scan_until_settled(self, grace: float = 10.0) -> list[str]:
        """Scan, and again as waiting files settle, for at most ``settle`` + ``grace``
        seconds; the names still waiting then (``gridtui watch --once``)."""
        self.scan()
        deadline = time.monotonic() + self.settle + grace
        while (wait := self.next_check()) is not None and time.monotonic() < deadline:
            time.sleep(wait + 0.05)
            self.scan()
        return self.waiting

    # -- one file ----------------------------------------------------------------------------

    def _process(self, path: Path, sig: tuple[int, int, int]) -> Outcome | _Retry | None:
        try:
            data = read_regular(path)
        except OSError as exc:  # unreadable: to rejected/ with the reason
            why = f"cannot be read: {exc.strerror}"
            return self._reject(path, why, _file_text(path.name, why, self.mapping))
        if data is None or signature(path) != sig:
            return None
        digest = hashlib.sha256(data).hexdigest()
        try:
            prior = self._prior(digest)
            if prior is not None:
                return self._duplicate(path, prior)
            report = self._import(path, sig, digest, len(data))
        except _StillWriting:
            return None
        except IntegrityError:  # the same bytes were imported by another inbox just now
            prior = self._prior(digest)
            return self._duplicate(path, prior) if prior is not None else None
        except ImportRowsError as exc:
            r, first = exc.report, exc.report.rejects[0]
            why = (
                f"{r.rejected} of {r.read} row(s) refused, the first on {r.where(first)}: "
                f"{first.field}: {first.reason}"
            )
            return self._reject(path, why, _rows_text(path.name, exc, self.mapping))
        except ImportFileError as exc:
            why = str(exc).removeprefix(f"{path}: ")
            return self._reject(path, why, _file_text(path.name, why, self.mapping))
        except SQLAlchemyError as exc:  # the database is away: keep the file, retry later
            why = _first_line(exc)
            self._told.once(
                path.name, f"cannot import now ({why}); retrying every {RETRY_SECONDS}s",
                logging.WARNING,
            )  # fmt: skip
            return RETRY
        if self.on_import is not None:
            self.on_import()
        dest = move(path, self.folder / DONE)
        counts = (
            f"{report.read} row(s): {report.inserted} new, {report.updated} updated, "
            f"{report.unchanged} unchanged"
        )
        return Outcome(path.name, "imported", dest, f"imported {counts}", report)

    def _prior(self, digest: str) -> InboxFile | None:
        with self.factory() as s:
            return s.get(InboxFile, digest)

    def _import(
        self, path: Path, sig: tuple[int, int, int], digest: str, size: int
    ) -> ImportReport:
        now = self.now()
        if signature(path) != sig:  # replaced (by a FIFO, a link…) since it was read
            raise _StillWriting(path.name)
        with self.factory.begin() as s:
            report = import_file_atomic(s, path, self.mapping, now=now)
            if not report.read:
                raise ImportFileError(path, "no work orders in the file")
            if signature(path) != sig:
                raise _StillWriting(path.name)
            s.add(
                InboxFile(
                    digest=digest, name=stored_name(path.name), size=size, rows=report.read,
                    source=self.mapping.source, at=now,
                )
            )  # fmt: skip
        return report

    def _duplicate(self, path: Path, prior: InboxFile) -> Outcome:
        dest = move(path, self.folder / DONE)
        when = prior.at.isoformat(timespec="seconds")
        message = (
            f"not imported again: the same content as {prior.name!r}, imported at {when} "
            f"({prior.rows} row(s); sha256 {prior.digest})"
        )
        note(dest, ".duplicate.txt", f"{shown_name(path.name)}: {message}\n")
        return Outcome(path.name, "duplicate", dest, message)

    def _reject(self, path: Path, why: str, text: str) -> Outcome:
        dest = move(path, self.folder / REJECTED)
        written = note(dest, ".error.txt", text)
        see = f"see {written.name}" if written is not None else "no note could be written"
        return Outcome(path.name, "rejected", dest, f"rejected: {why}; {see}")

    # -- watching ----------------------------------------------------------------------------

    def start(self) -> Inbox:
        """Scan now and at every change in the folder, in a thread, until :meth:`close`."""
        from watchfiles._rust_notify import RustNotify

        self._notify = RustNotify([str(self.folder)], False, False, 300, False, True)
        self._thread = threading.Thread(target=self._watch, name="gridtui-inbox", daemon=True)
        self._thread.start()
        return self

    def run(self) -> None:
        """Scan now and at every change until interrupted (Ctrl-C) or :meth:`close`; in
        the calling thread (``gridtui watch``)."""
        from watchfiles._rust_notify import RustNotify

        self._notify = RustNotify([str(self.folder)], False, False, 300, False, True)
        self._watch(interruptible=True)

    def close(self) -> None:
        """Stop watching (returns within a watch step, or after the file in hand)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(30)

    def _watch(self, interruptible: bool = False) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self.scan()
                except OSError as exc:  # the folder went away…: said once, until it is back
                    why = f"cannot work the inbox: {exc.strerror}"
                    self._told.once(str(self.folder), why, logging.WARNING)
                except Exception as exc:  # the watcher must outlive any surprise: files wait
                    why = f"scan failed ({exc!r}); files wait for the next"
                    self._told.once(str(self.folder), why, logging.ERROR, trace=True)
                wait = self.next_check()
                timeout = 0 if wait is None else max(STEP_MS, int(wait * 1000) + 20)
                got = self._notify.watch(DEBOUNCE_MS, STEP_MS, timeout, self._stop)
                if got == "stop":
                    return
                if got == "signal" and interruptible:
                    raise KeyboardInterrupt
        finally:
            self._notify.close()


# -- helpers ---------------------------------------------------------------------------------


def _rows_text(name: str, exc: ImportRowsError, mapping: ImportMap) -> str:
    report = exc.report
    lines = [
        f"{shown_name(name)}: not imported; nothing from this file was written "
        f"({report.rejected} of {report.read} row(s) refused).",
        f"map: {mapping.path} (source {mapping.source})",
        "",
    ]
    if report.sheet is not None:
        lines.insert(2, f"sheet: {report.sheet!r} (rows as Excel numbers them)")
    for r in report.rejects:
        order = f" ({r.external_id})" if r.external_id else ""
        lines.append(f"{report.where(r)}{order}: field {r.field}: {r.reason}")
    if report.rejected > len(report.rejects):
        lines.append(f"… and {report.rejected - len(report.rejects)} more")
    lines += ["", "Fix these rows (or the map) and drop the file into the folder again."]
    return "\n".join(lines) + "\n"


def _file_text(name: str, message: str, mapping: ImportMap) -> str:
    return (
        f"{shown_name(name)}: not imported; nothing from this file was written.\n"
        f"{message}\n"
        f"map: {mapping.path} (source {mapping.source})\n"
        "\nFix the file (or the map) and drop it into the folder again.\n"
    )


def _first_line(exc: BaseException) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]


def _log_outcome(outcome: Outcome) -> None:
    if outcome.state == "rejected":
        log.warning("%s", outcome)
    else:
        log.info("%s", outcome)


__all__ = ["DONE", "REJECTED", "Inbox", "Outcome", "is_temporary"]
