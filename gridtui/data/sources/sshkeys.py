"""The public keys ``gridtui ssh-serve`` lets in: each with a role and the name the
audit trail gives its holder (``ssh:<name>``).

A key is stored as its type, its base64 blob (as in the ``.pub`` file) and its SHA-256
fingerprint, the form ``ssh-keygen -lf`` prints and the server looks keys up by.
Revoking keeps the row (the audit trail names it) and stamps ``revoked_at``; a
revoked key stays revoked (a key that had to be revoked may be in other hands: its
holder makes a new one).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.models import SshKey
from gridtui.domain.roles import Role

#: the roles a key may carry: the app's (admin manages tokens and is no app role)
KEY_ROLES = (Role.VIEWER.value, Role.OFFICER.value, Role.SUPERVISOR.value)
#: a name: letters (any script), digits, ``.``, ``_``, ``-``; a letter or digit first
_NAME = re.compile(r"[^\W_][\w.-]{0,39}")
#: the audit trail's prefix for a key's holder
ACTOR_PREFIX = "ssh:"


class SshKeyError(ValueError):
    """A key request the rules refuse (bad name or role, duplicate name or key …)."""


@dataclass(frozen=True, slots=True)
class SshKeyInfo:
    """A key as listings and the server see it."""

    name: str
    role: str
    key_type: str
    fingerprint: str
    added_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """Not revoked."""
        return self.revoked_at is None

    @property
    def actor(self) -> str:
        """The name in the audit trail: ``ssh:<name>``."""
        return f"{ACTOR_PREFIX}{self.name}"


def fingerprint(blob: bytes) -> str:
    """``SHA256:…`` of a public key blob, as ``ssh-keygen -lf`` prints it."""
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def _info(row: SshKey) -> SshKeyInfo:
    return SshKeyInfo(row.name, row.role, row.key_type, row.fingerprint, row.added_at,
                      row.revoked_at)  # fmt: skip


def check_name(name: str) -> str:
    """``name`` if it may name a key's holder.

    Raises:
        SshKeyError: empty, too long, or with characters other than letters, digits,
            ``.``, ``_`` and ``-``.
    """
    if not _NAME.fullmatch(name):
        raise SshKeyError(
            f"{name!r} cannot name a key: 1 to 40 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (it becomes ssh:<name> in the audit trail)"
        )
    return name


def check_role(role: str) -> str:
    """``role`` if a key may carry it.

    Raises:
        SshKeyError: not one of :data:`KEY_ROLES`.
    """
    if role not in KEY_ROLES:
        raise SshKeyError(f"unknown role {role!r} for a key; one of {', '.join(KEY_ROLES)}")
    return role


def add_ssh_key(
    factory: sessionmaker[Session], name: str, role: str, key_type: str, key_base64: str,
    *, at: datetime,
) -> SshKeyInfo:  # fmt: skip
    """Let the key (``key_type`` and its base64 blob) in as ``name`` with ``role``.

    Raises:
        SshKeyError: bad name or role, a blob that is not base64, a name or a key
            already registered (revoked ones included).
    """
    check_name(name)
    check_role(role)
    try:
        blob = base64.b64decode(key_base64, validate=True)
    except (binascii.Error, ValueError):
        raise SshKeyError("the key is not base64") from None
    print_ = fingerprint(blob)
    with factory.begin() as s:
        taken = s.scalars(
            select(SshKey).where(or_(SshKey.name == name, SshKey.fingerprint == print_))
        ).all()
        for row in taken:
            if row.fingerprint == print_:
                state = " (revoked: a revoked key stays revoked)" if row.revoked_at else ""
                raise SshKeyError(f"this key ({print_}) is already registered as {row.name!r}"
                                  f"{state}")  # fmt: skip
            raise SshKeyError(f"a key named {name!r} exists; revoke it or pick another name")
        row = SshKey(name=name, role=role, key_type=key_type, key_base64=key_base64,
                     fingerprint=print_, added_at=at)  # fmt: skip
        s.add(row)
        try:
            s.flush()
        except IntegrityError:  # added meanwhile by another process
            raise SshKeyError(f"a key named {name!r} or this key exists already") from None
        return _info(row)


def list_ssh_keys(factory: sessionmaker[Session]) -> list[SshKeyInfo]:
    """Every key, by name."""
    with factory() as s:
        return [_info(r) for r in s.scalars(select(SshKey).order_by(SshKey.name)).all()]


def revoke_ssh_key(factory: sessionmaker[Session], name: str, *, at: datetime) -> SshKeyInfo:
    """Revoke the key ``name`` (idempotent: a revoked key keeps its first date).

    Raises:
        SshKeyError: no such key.
    """
    with factory.begin() as s:
        row = s.scalar(select(SshKey).where(SshKey.name == name))
        if row is None:
            raise SshKeyError(f"no key named {name!r} (gridtui ssh-key list shows them)")
        if row.revoked_at is None:
            row.revoked_at = at
        return _info(row)


def find_ssh_key(factory: sessionmaker[Session], blob: bytes) -> SshKeyInfo | None:
    """The active key whose blob is ``blob``, else None (unknown or revoked)."""
    with factory() as s:
        row = s.scalar(select(SshKey).where(SshKey.fingerprint == fingerprint(blob)))
        if row is None or row.revoked_at is not None:
            return None
        # the fingerprint found it; the blob itself must match too
        if base64.b64decode(row.key_base64) != blob:
            return None
        return _info(row)


def active_fingerprints(factory: sessionmaker[Session]) -> set[str]:
    """The fingerprints of every key not revoked (the server ends the sessions of the
    others)."""
    with factory() as s:
        query = select(SshKey.fingerprint).where(SshKey.revoked_at.is_(None))
        return set(s.scalars(query).all())
