"""Writing a bulletin's file so that nobody ever sees half of one: into a temporary
file in the same folder, then renamed into place; and the claim (an ``O_EXCL`` lock
file) that lets only one of several processes write a scheduled bulletin.

Files are created readable by their owner only (0600), like the database: a bulletin
names residents' matters and the red list.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

#: a claim older than this (seconds) is taken over: its writer died mid-way
STALE_CLAIM_SECONDS = 900.0


def write_atomically(path: Path, write: Callable[[Path], None], *, replace: bool = True) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path`` and move it to ``path``.

    With ``replace`` False an existing ``path`` is kept (``FileExistsError``, the
    temporary file removed): the scheduled bulletins are written once.

    Raises:
        OSError: the folder cannot be written (or ``path`` exists, without ``replace``).
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails when path exists: never over another's bulletin
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _holder() -> str:
    return f"{os.getpid()} {socket.gethostname()}"


def _stale(lock: Path) -> bool:
    """Whether the claim at ``lock`` was left by a writer that is gone: a process of
    this host that no longer runs, or a claim older than :data:`STALE_CLAIM_SECONDS`."""
    try:
        text = lock.read_text(encoding="utf-8", errors="replace")
        age = time.time() - lock.stat().st_mtime
    except FileNotFoundError:
        return True
    if age > STALE_CLAIM_SECONDS:
        return True
    pid, _, host = text.strip().partition(" ")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _take(lock: Path) -> bool:
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(_holder() + "\n")
    return True


@contextlib.contextmanager
def claim(path: Path) -> Iterator[bool]:
    """Claim the right to write ``path``: yields True for the one process that holds
    the lock file ``.NAME.lock`` beside it (created with ``O_EXCL``), False for the
    others; a stale claim (:func:`_stale`) is taken over. The lock goes on exit."""
    lock = path.with_name(f".{path.name}.lock")
    held = _take(lock)
    if not held and _stale(lock):
        lock.unlink(missing_ok=True)
        held = _take(lock)
    try:
        yield held
    finally:
        if held:
            lock.unlink(missing_ok=True)
