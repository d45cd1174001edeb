"""A person's public key file (``id_ed25519.pub``) read for ``gridtui ssh-key add``:
exactly one public key, of a type and size worth trusting, or a clear reason why not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gridtui.data.sources.sshkeys import SshKeyError
from gridtui.ssh.lib import asyncssh, read_public_key_list

#: a public key file is a line; anything much larger is not one
MAX_BYTES = 64 * 1024
#: RSA keys shorter than this are refused (OpenSSH refuses under 1024; 2048 is the floor
#: of every current recommendation)
MIN_RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A public key as the ``.pub`` file writes it: type, base64 blob, comment."""

    key_type: str
    key_base64: str
    comment: str


def read_public_key(path: Path) -> PublicKey:
    """The one public key in the file at ``path`` (OpenSSH or RFC 4716 format).

    Raises:
        SshKeyError: no such file, a private key, not a key, several keys, a
            certificate, a DSA key, an RSA key under :data:`MIN_RSA_BITS` bits.
    """
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SshKeyError(f"cannot read the key file {path}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise SshKeyError(f"{path} is not a public key file (over {MAX_BYTES // 1024} KB)")
    if b"PRIVATE KEY" in data:
        raise SshKeyError(
            f"{path} is a private key: never hand it over; give its public half "
            f"({path.name}.pub), which ssh-keygen wrote beside it"
        )
    if b"-cert-v01@openssh.com" in data:
        raise SshKeyError(f"{path} is a certificate: give the plain public key (.pub)")
    return _parse(path)


def _parse(path: Path) -> PublicKey:
    """The key in the file at ``path``, checked."""
    try:
        keys = read_public_key_list(str(path))
    except (OSError, UnicodeDecodeError, asyncssh.KeyImportError, ValueError):
        keys = []
    if not keys:
        raise SshKeyError(
            f"{path} holds no public key: give the .pub file ssh-keygen wrote "
            "(one line: ssh-ed25519 AAAA… comment)"
        )
    if len(keys) > 1:
        raise SshKeyError(f"{path} holds {len(keys)} keys: one key per name, one file each")
    key = keys[0]
    kind = key.get_algorithm()
    if kind.startswith("ssh-dss"):
        raise SshKeyError(f"{path}: DSA keys are refused; make an ed25519 key "
                          "(ssh-keygen -t ed25519)")  # fmt: skip
    bits = int(getattr(key.pyca_key, "key_size", 0))
    if kind == "ssh-rsa" and bits < MIN_RSA_BITS:
        raise SshKeyError(
            f"{path}: an RSA key of {bits} bits is too short (at least {MIN_RSA_BITS}); "
            "better, make an ed25519 key (ssh-keygen -t ed25519)"
        )
    line = key.export_public_key("openssh").decode("ascii").split()
    return PublicKey(line[0], line[1], key.get_comment() or "")
