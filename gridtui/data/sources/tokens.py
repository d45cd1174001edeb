"""API bearer tokens: created once (the secret is shown once), stored only as a hash.

A token is ``gt_`` plus 32 random URL-safe bytes. The database keeps its SHA-256;
verifying a presented token hashes it and looks the hash up, so a copy of the
database reveals no usable token. Revoking keeps the row (the audit trail names
tokens) and stamps ``revoked_at``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.sources.source import SourceUnavailable
from gridtui.data.storage.models import ApiToken
from gridtui.domain.roles import Role
from gridtui.domain.text import clean_text

PREFIX = "gt_"


class TokenError(ValueError):
    """A token request the rules refuse (duplicate or empty name, unknown role …)."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listings show it (never the secret)."""

    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """Not revoked."""
        return self.revoked_at is None


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(factory: sessionmaker[Session], name: str, role: str, *, at: datetime) -> str:
    """A new token for ``name`` with ``role``; returns the secret (shown once).

    Raises:
        TokenError: empty or taken name, unknown role.
    """
    name = clean_text(name, one_line=True).strip()
    if not name:
        raise TokenError("a token needs a name (who or what uses it)")
    try:
        role = Role(role).value
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise TokenError(f"unknown role {role!r}; one of {roles}") from None
    secret = PREFIX + secrets.token_urlsafe(32)
    try:
        with factory.begin() as s:
            s.add(ApiToken(name=name, role=role, token_hash=digest(secret), created_at=at))
    except IntegrityError:
        raise TokenError(f"a token named {name!r} exists; revoke it or pick another name") from None
    return secret


def list_tokens(factory: sessionmaker[Session]) -> list[TokenInfo]:
    """Every token, by name."""
    with factory() as s:
        rows = s.scalars(select(ApiToken).order_by(ApiToken.name)).all()
        return [TokenInfo(r.name, r.role, r.created_at, r.revoked_at) for r in rows]


def revoke_token(factory: sessionmaker[Session], name: str, *, at: datetime) -> None:
    """Revoke the token ``name`` (idempotent).

    Raises:
        TokenError: no such token.
    """
    with factory.begin() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.name == name))
        if row is None:
            raise TokenError(f"no token named {name!r}")
        if row.revoked_at is None:
            row.revoked_at = at


def verify_token(factory: sessionmaker[Session], token: str) -> TokenInfo | None:
    """The token's holder if ``token`` is valid and not revoked, else None."""
    if not token.startswith(PREFIX):
        return None
    return holder_of(factory, digest(token))


def holder_of(factory: sessionmaker[Session], token_hash: str) -> TokenInfo | None:
    """The holder of the token stored as ``token_hash`` (:func:`digest`) if it is not
    revoked, else None: what a session opened with a token (``gridtui web``) checks
    again while it lasts, without keeping the secret."""
    with factory() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
        if row is None or row.revoked_at is not None:
            return None
        return TokenInfo(row.name, row.role, row.created_at, row.revoked_at)


class TokenCache:
    """:func:`verify_token` with a short memory, for a server answering many requests.

    A valid token is remembered for ``ttl`` seconds, so revoking one takes effect on a
    running server within ``ttl`` seconds; unknown tokens are never remembered. Give
    it a factory of its own (the source's side pool): a token check must never wait
    behind writers for a connection. When the check cannot be made (the database
    away, the pool busy), a token known valid within ``stale`` seconds is still
    accepted; other failures come out as
    :class:`~gridtui.data.sources.source.SourceUnavailable`.
    """

    def __init__(
        self, factory: sessionmaker[Session], *, ttl: float = 2.0, stale: float = 60.0
    ) -> None:
        self.factory = factory
        self.ttl = ttl
        self.stale = stale
        self._known: dict[str, tuple[float, TokenInfo]] = {}

    def verify(self, token: str) -> TokenInfo | None:
        """The token's holder, or None."""
        key = digest(token)
        now = time.monotonic()
        hit = self._known.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        try:
            info = verify_token(self.factory, token)
        except (OperationalError, PoolTimeout) as exc:
            if hit is not None and now - hit[0] < self.stale:
                return hit[1]  # checked a moment ago: good enough until it can be again
            reason = "no connection came free" if isinstance(exc, PoolTimeout) else exc.orig
            raise SourceUnavailable(
                f"cannot check the token, database unavailable: {reason}"
            ) from exc
        if info is None:
            self._known.pop(key, None)
            return None
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[key] = (now, info)
        return info
