"""What the drop folder (:mod:`gridtui.data.intake.inbox`) does with names and files that are
not plain work-order files, so that no one file can stop the folder.

- **Kinds left alone** (:func:`kind_of`, from ``lstat``: nothing is opened, a FIFO is
  never read): symbolic links, FIFOs, sockets and devices, folders, hidden names
  (``.name``) and names still being written (``*.part`` …, Excel's ``~$name.xlsx``
  lock files). Each is reported once
  (:class:`Told`), not at every scan.
- **Names too long for a note beside them** (a 250-byte name leaves no room for
  ``.error.txt`` within the 255 bytes a name may have): the file is moved under a
  shortened name (:func:`fitting_name`: a cut stem, ``~`` and 8 hex digits of the
  name's SHA-256, the suffix), so its note fits; the note names the original.
- **Names shown** in the log, in ``gridtui watch``'s output and in notes go through
  :func:`shown_name`: escape sequences and control characters removed, bidi and
  zero-width controls written ``<U+202E>``, a newline ``\\n``, undecodable bytes
  ``�``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from pathlib import Path

from gridtui.domain.text import clean_text, log_text

log = logging.getLogger("gridtui.inbox")

#: the longest name (in bytes) a file system takes for one file
NAME_MAX = 255
#: the longest suffix a note has (``.duplicate.txt``)
NOTE_ROOM = len(".duplicate.txt")
#: suffixes of names that are still being written (by convention of browsers, editors,
#: rsync, scp…)
TEMPORARY = (".part", ".partial", ".tmp", ".crdownload", ".swp", "~")
#: the prefix of the lock file Excel keeps beside a workbook while it is open
EXCEL_LOCK = "~$"
#: why a kind of entry is left alone, for the log
LEFT_ALONE = {
    "symlink": "a symbolic link: left alone (drop the file itself)",
    "special": "not a regular file (FIFO, socket or device): left alone, never read",
    "folder": "a folder: left alone (drop files, not folders)",
    "hidden": "a hidden name: left alone (rename it when it is complete)",
    "temporary": "a name still being written: left alone until it is renamed",
    "empty": "empty: left until it has content",
}


def is_temporary(name: str) -> bool:
    """Whether ``name`` is one a writer uses while the file is not complete."""
    return name.startswith((".", EXCEL_LOCK)) or name.lower().endswith(TEMPORARY)


def readable(name: str) -> str:
    """``name`` with undecodable bytes (kept by Python as surrogates) as ``�``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def stored_name(name: str) -> str:
    """``name`` as the database keeps it: decodable, without control characters."""
    return clean_text(readable(name), one_line=True)[:255]


def shown_name(name: object) -> str:
    """A file name (or path) safe in a log line or on a terminal."""
    return log_text(readable(str(name)))


def kind_of(st: os.stat_result, name: str) -> str | None:
    """Why an entry (its ``lstat``) is left alone, as a key of :data:`LEFT_ALONE`;
    None for a regular file to work on (empty or not)."""
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "folder"
    if not stat.S_ISREG(mode):
        return "special"
    if name.startswith("."):
        return "hidden"
    if is_temporary(name):
        return "temporary"
    return None


def fitting_name(name: str, room: int = NOTE_ROOM) -> str:
    """``name``, or a shortened one, that leaves ``room`` bytes of :data:`NAME_MAX`
    (for a note's suffix): the stem cut, ``~`` and a hash of the whole name added."""
    if len(os.fsencode(name)) + room <= NAME_MAX:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(os.fsencode(suffix)) > 16:
        stem, suffix = name, ""
    tail = (
        "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:8] + (f".{suffix}" if suffix else "")
    )
    budget = NAME_MAX - room - len(os.fsencode(tail))
    cut = os.fsencode(stem)[:budget]
    # whole characters only (a cut UTF-8 sequence is dropped)
    return cut.decode("utf-8", "ignore").encode("utf-8").decode("utf-8") + tail


def signature(path: Path) -> tuple[int, int, int] | None:
    """Size, modification time and inode of the regular file at ``path`` (not followed
    if a link); None when it is gone or no longer a regular file."""
    try:
        st = path.lstat()
    except OSError:  # gone, or out of reach
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def read_regular(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is (still) a regular file; opened without following a
    link and without waiting (a FIFO put in its place is never read). None when gone.

    Raises:
        OSError: it cannot be read (permissions, I/O).
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return fh.read()


def move(path: Path, folder: Path) -> Path:
    """Move ``path`` into ``folder`` under a name nothing there has (never overwrites)
    and that leaves room for a note beside it."""
    name = fitting_name(path.name)
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    n = 1
    while True:
        candidate = (
            name if n == 1 else fitting_name(f"{stem}.{n}" + (f".{suffix}" if suffix else ""))
        )
        dest = folder / candidate
        if not dest.exists() and not Path(f"{dest}.error.txt").exists():
            try:
                os.link(path, dest, follow_symlinks=False)  # fails if the name was taken
            except FileExistsError:
                n += 1
                continue
            except FileNotFoundError:  # another inbox moved it first
                return dest
            except OSError:  # no hard links on this file system: rename instead
                os.replace(path, dest)
                return dest
            path.unlink(missing_ok=True)
            return dest
        n += 1


def note(dest: Path, suffix: str, text: str) -> Path | None:
    """Write the note ``dest`` + ``suffix``; None (and a warning) when it cannot be."""
    path = dest.with_name(dest.name + suffix)
    try:
        path.write_text(text, encoding="utf-8", errors="replace")
    except OSError as exc:
        log.warning("%s: cannot write the note %s: %s", dest, path.name, exc.strerror)
        return None
    return path


class Told:
    """What was said about each name, so that each thing is said once: again only when
    it changes, or after the name has gone and come back."""

    def __init__(self) -> None:
        self._said: dict[str, str] = {}

    def once(self, name: str, what: str, level: int = logging.INFO, *, trace: bool = False) -> None:
        """Log ``name: what`` unless that was the last thing said about ``name`` (with
        the exception being handled when ``trace``)."""
        if self._said.get(name) != what:
            self._said[name] = what
            log.log(level, "%s: %s", shown_name(name), what, exc_info=trace)

    def forget(self, name: str) -> None:
        """``name`` was dealt with: a later problem under it is new."""
        self._said.pop(name, None)

    def keep_only(self, names: set[str]) -> None:
        """Forget the names no longer in the folder."""
        for gone in self._said.keys() - names:
            del self._said[gone]
