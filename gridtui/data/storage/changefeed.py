"""The change feed: a monotonic sequence of every write, for live clients to follow.

Each write appends its :class:`~gridtui.data.storage.models.Change` rows inside its own
transaction. On PostgreSQL, sequence numbers are handed out before commit, so two
concurrent writers could commit out of order and a follower could skip the lower
number; a transaction-scoped advisory lock taken before the append serialises
appenders, making ``seq`` order equal commit order. SQLite writers are serialised
by the database itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gridtui.data.storage.models import Change

_ADVISORY_KEY = 0x67726964  # "grid"


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One change as clients see it."""

    seq: int
    at: datetime
    kind: str
    entity_id: int | None
    op: str
    data: dict[str, Any]


def record_change(
    session: Session,
    *,
    at: datetime,
    kind: str,
    op: str,
    entity_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one change to the feed, inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # Re-entrant within one transaction; released at commit or rollback.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    session.add(Change(at=at, kind=kind, op=op, entity_id=entity_id, data=data or {}))


def changes_since(session: Session, seq: int, limit: int = 1000) -> list[ChangeRecord]:
    """Changes with a sequence number above ``seq``, oldest first."""
    rows = session.scalars(
        select(Change).where(Change.seq > seq).order_by(Change.seq).limit(limit)
    ).all()
    return [ChangeRecord(r.seq, r.at, r.kind, r.entity_id, r.op, dict(r.data)) for r in rows]


def last_seq(session: Session) -> int:
    """The newest sequence number, 0 when the feed is empty."""
    return int(session.scalar(select(func.coalesce(func.max(Change.seq), 0))) or 0)
