"""The idempotency store: a write's key, stored with the write in its transaction.

Keys come from clients (the ``Idempotency-Key`` header: kept for good) or from a
report's content (:func:`gridtui.domain.intake.content_key`: kept for a short
``window``, after which the same content is a new write and the old key is
replaced in the new write's transaction).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gridtui.data.models import IdempotencyKey


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A write's idempotency key: ``scope`` is who sent it (a token), ``request`` the
    request's canonical text (the same key with another request is refused);
    ``window``: how long the key holds (None: for good)."""

    scope: str
    key: str
    request: str
    window: timedelta | None = None

    @property
    def request_hash(self) -> str:
        """SHA-256 of the request text."""
        return hashlib.sha256(self.request.encode()).hexdigest()


def stored_key(session: Session, idem: Idempotency, at: datetime) -> IdempotencyKey | None:
    """The stored key of ``idem`` when it still holds at ``at``; a key whose window
    has passed is deleted (in the caller's transaction) and None returned."""
    row = session.get(IdempotencyKey, (idem.scope[:100], idem.key[:100]))
    if row is None or idem.window is None:
        return row
    if at - row.at < idem.window:
        return row
    session.delete(row)
    session.flush()
    return None
