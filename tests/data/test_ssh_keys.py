"""The keys ``gridtui ssh-serve`` lets in: stored, listed, revoked and found on each
backend; key files read (or refused with the reason); ``gridtui ssh-key``'s messages
and exit codes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from gridtui.cli.main import main
from gridtui.data.sources.sshkeys import (
    SshKeyError,
    active_fingerprints,
    add_ssh_key,
    find_ssh_key,
    fingerprint,
    list_ssh_keys,
    revoke_ssh_key,
)
from gridtui.ssh.keyfile import read_public_key
from gridtui.ssh.lib import asyncssh
from tests.conftest import NOW


def _key(kind: str = "ssh-ed25519", **kw: object) -> asyncssh.SSHKey:
    return asyncssh.generate_private_key(kind, comment="wang@laptop", **kw)


def _pub(tmp_path: Path, key: asyncssh.SSHKey, name: str = "id.pub", fmt: str = "openssh") -> Path:
    path = tmp_path / name
    path.write_bytes(key.export_public_key(fmt))
    return path


def test_keys_are_added_found_listed_and_revoked(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    wang, li = _key(), _key("ecdsa-sha2-nistp256")
    pub = read_public_key(_pub(tmp_path, wang))
    info = add_ssh_key(factory, "wang", "supervisor", pub.key_type, pub.key_base64, at=NOW)
    # the fingerprint is the one ssh-keygen -lf (and asyncssh) prints
    assert info.fingerprint == wang.get_fingerprint() == fingerprint(wang.public_data)
    assert info.actor == "ssh:wang" and info.active
    other = read_public_key(_pub(tmp_path, li, "li.pub", "rfc4716"))
    assert other.key_type == "ecdsa-sha2-nistp256"
    add_ssh_key(factory, "李.li", "viewer", other.key_type, other.key_base64, at=NOW)

    assert find_ssh_key(factory, wang.public_data) == info
    assert find_ssh_key(factory, _key().public_data) is None
    assert [k.name for k in list_ssh_keys(factory)] == ["wang", "李.li"]

    with pytest.raises(SshKeyError, match="a key named 'wang' exists"):
        add_ssh_key(factory, "wang", "viewer", other.key_type, other.key_base64, at=NOW)
    with pytest.raises(SshKeyError, match="already registered as 'wang'"):
        add_ssh_key(factory, "wang2", "viewer", pub.key_type, pub.key_base64, at=NOW)

    gone = revoke_ssh_key(factory, "wang", at=NOW)
    assert gone.revoked_at == NOW
    # idempotent: the first date stays
    assert revoke_ssh_key(factory, "wang", at=NOW + timedelta(hours=1)).revoked_at == NOW
    assert find_ssh_key(factory, wang.public_data) is None
    assert active_fingerprints(factory) == {li.get_fingerprint()}
    # a revoked key stays revoked, under any name
    with pytest.raises(SshKeyError, match="a revoked key stays revoked"):
        add_ssh_key(factory, "wang3", "viewer", pub.key_type, pub.key_base64, at=NOW)
    with pytest.raises(SshKeyError, match="no key named 'zhao'"):
        revoke_ssh_key(factory, "zhao", at=NOW)


def test_names_and_roles_are_checked(factory: sessionmaker[Session]) -> None:
    b64 = _key().export_public_key().split()[1].decode()
    cases = [
        ("a b", "viewer", "cannot name a key"),
        ("", "viewer", "cannot name a key"),
        ("-x", "viewer", "cannot name a key"),
        ("x" * 41, "viewer", "cannot name a key"),
        ("wang\x1b[31m", "viewer", "cannot name a key"),
        ("wang", "admin", "unknown role 'admin'"),
    ]
    for name, role, why in cases:
        with pytest.raises(SshKeyError, match=why):
            add_ssh_key(factory, name, role, "ssh-ed25519", b64, at=NOW)
    with pytest.raises(SshKeyError, match="not base64"):
        add_ssh_key(factory, "wang", "viewer", "ssh-ed25519", "not base64!", at=NOW)
    assert list_ssh_keys(factory) == []


def test_key_files_are_read_or_refused_with_the_reason(tmp_path: Path) -> None:
    key = _key()
    private = tmp_path / "id_ed25519"
    private.write_bytes(key.export_private_key())
    two = tmp_path / "two.pub"
    two.write_bytes(key.export_public_key() + _key().export_public_key())
    cert = tmp_path / "id-cert.pub"
    cert.write_bytes(_key().generate_user_certificate(key, "wang").export_certificate())
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    short = _pub(tmp_path, _key("ssh-rsa", key_size=1024), "rsa.pub")
    cases = {
        private: "is a private key: never hand it over",
        two: "holds 2 keys",
        cert: "is a certificate",
        text: "holds no public key",
        short: "an RSA key of 1024 bits is too short",
        tmp_path / "missing.pub": "cannot read the key file",
    }
    for path, why in cases.items():
        with pytest.raises(SshKeyError, match=why):
            read_public_key(path)
    ok = read_public_key(_pub(tmp_path, _key("ssh-rsa", key_size=3072), "rsa3072.pub"))
    assert ok.key_type == "ssh-rsa" and ok.comment == "wang@laptop"


def test_the_ssh_key_command(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = _pub(tmp_path, _key())
    assert main(["--db", db_url, "ssh-key", "add", "--name", "wang", "--role", "supervisor",
                 str(pub)]) == 0  # fmt: skip
    assert "key 'wang' added" in capsys.readouterr().out
    refusals = [
        (["add", "--name", "wang", "--role", "viewer", str(_pub(tmp_path, _key(), "b.pub"))],
         "a key named 'wang' exists"),
        (["add", "--name", "li", "--role", "viewer", str(pub)], "already registered as 'wang'"),
        (["add", "--name", "li", "--role", "viewer", str(tmp_path / "nope.pub")],
         "cannot read the key file"),
        (["revoke", "li"], "no key named 'li'"),
    ]  # fmt: skip
    for args, why in refusals:
        assert main(["--db", db_url, "ssh-key", *args]) == 2, args
        assert why in capsys.readouterr().err
    assert main(["--db", db_url, "ssh-key", "revoke", "wang"]) == 0
    assert main(["--db", db_url, "ssh-key", "list"]) == 0
    listed = capsys.readouterr().out
    assert "wang" in listed and "supervisor" in listed and "revoked" in listed
