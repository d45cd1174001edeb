"""The server's own key: made on the first start (ed25519), kept in the state folder
(mode 0700, the key 0600) and used on every start after, so that the fingerprint the
supervisors checked once stays true."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from gridtui.ssh.lib import asyncssh

HOST_KEY = "ssh_host_ed25519_key"


class HostKeyError(Exception):
    """The host key cannot be made or used (the message says how to fix it)."""


def default_state_dir(db_url: str) -> Path:
    """Where the host key lives when no folder is given: beside a SQLite database
    (``<its folder>/gridtui-ssh``), else ``$XDG_STATE_HOME/gridtui`` (by default
    ``~/.local/state/gridtui``)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).resolve().parent / "gridtui-ssh"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "gridtui"


def load_or_create(folder: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The host key in ``folder`` (made there first if missing); and whether it was
    made now.

    Raises:
        HostKeyError: the folder cannot be made, or the key file is readable by others
            or is not a private key.
    """
    path = folder / HOST_KEY
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise HostKeyError(f"cannot make the state folder {folder}: {exc.strerror}") from None
    if path.exists():
        return _load(path), False
    key = asyncssh.generate_private_key("ssh-ed25519", comment="gridtui ssh-serve")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another server made it meanwhile: use that one
        return _load(path), False
    except OSError as exc:
        raise HostKeyError(f"cannot write the host key {path}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as f:
        f.write(key.export_private_key())
    pub = path.with_name(path.name + ".pub")
    pub.write_bytes(key.export_public_key())
    return key, True


def _load(path: Path) -> asyncssh.SSHKey:
    """The key at ``path``, if only its owner can read it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise HostKeyError(
            f"the host key {path} is readable by others (mode {mode:04o}): "
            f"chmod 600 {path}, or remove it and let a new one be made (clients then "
            "see a changed host key)"
        )
    try:
        return asyncssh.read_private_key(str(path))
    except (OSError, asyncssh.KeyImportError, ValueError) as exc:
        raise HostKeyError(f"the host key {path} cannot be read: {exc}") from None


def known_hosts_line(key: asyncssh.SSHKey, host: str, port: int) -> str:
    """The line a client's ``known_hosts`` needs for this server."""
    kind, blob = key.export_public_key().decode("ascii").split()[:2]
    where = host if port == 22 else f"[{host}]:{port}"
    return f"{where} {kind} {blob}"
