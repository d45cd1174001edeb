"""At most once per idempotency key: the one mechanism behind every retry-safe write.

A write that carries a key runs in one transaction with the key's row
(:class:`~gridtui.data.storage.models.IdempotencyKey`: who sent it, the key, a hash of the
request and the result as JSON). The same key again answers with the stored result,
marked ``replayed``, and writes nothing; the same key with another request is
refused (:class:`KeyReused`). Ticket writes, spot-check adjustments, daily reports
and Open311 requests all go through :func:`run_once`.

Keys come from clients (the ``Idempotency-Key`` header: kept for good) or from a
report's content (:func:`gridtui.domain.intake.content_key`: kept for a short
``window``, after which the same content is a new write and the old key is replaced
in the new write's transaction). The key is stamped with a time taken before the
transaction: the clock is never asked inside one (it may hold the change feed's lock,
and reading the clock may need a second connection).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, Self, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.models import IdempotencyKey


class KeyReused(ValueError):
    """An idempotency key came back with a different request."""


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


class Replayable(Protocol):
    """A write's result that a key can store and give back."""

    @property
    def replayed(self) -> bool:
        """Whether this is a stored result given back, not a new write."""
        ...

    def to_json(self) -> dict[str, object]:
        """The result as JSON values."""
        ...

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Self:
        """The stored result, marked replayed."""
        ...


R = TypeVar("R", bound=Replayable)


def run_once(
    factory: sessionmaker[Session],
    idem: Idempotency | None,
    work: Callable[[Session], R],
    kind: type[R],
    at: datetime,
) -> R:
    """Run ``work`` in one transaction; with a key, at most once: the key is stored
    with the write (stamped ``at``, taken before the transaction), and a key seen
    before (still within its window) answers with the stored result.

    Raises:
        KeyReused: the key came with a different request before.
    """
    if idem is None:
        with factory.begin() as session:
            return work(session)
    try:
        with factory.begin() as session:
            prior = replay(session, idem, kind, at)
            if prior is not None:
                return prior
            result = work(session)
            session.add(
                IdempotencyKey(
                    scope=idem.scope[:100], key=idem.key[:100],
                    request_hash=idem.request_hash, result=result.to_json(), at=at,
                )
            )  # fmt: skip
            return result
    except IntegrityError:
        # the same key raced in from another request and won: answer with its result
        with factory() as session:
            prior = replay(session, idem, kind, at)
        if prior is None:
            raise
        return prior


def replay(session: Session, idem: Idempotency, kind: type[R], at: datetime) -> R | None:
    """The stored result of ``idem``'s key, or None when the key is new (or its
    window has passed by ``at``).

    Raises:
        KeyReused: the key came with a different request before.
    """
    row = stored_key(session, idem, at)
    if row is None:
        return None
    if row.request_hash != idem.request_hash:
        raise KeyReused(
            f"idempotency key {idem.key!r} was used for a different request; "
            "use a new key for a new request"
        )
    return kind.from_json(row.result)


@dataclass(frozen=True, slots=True)
class AdjustResult:
    """A spot-check adjustment as written: the points the rules allowed."""

    subject_kind: str
    subject_id: int
    points: float
    replayed: bool = False

    def to_json(self) -> dict[str, object]:
        """The result as JSON values (what an idempotency key stores)."""
        return {"subject_kind": self.subject_kind, "subject_id": self.subject_id,
                "points": self.points}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Self:
        """The stored result, marked replayed."""
        return cls(str(data["subject_kind"]), int(str(data["subject_id"])),
                   float(str(data["points"])), replayed=True)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReportResult:
    """A daily report as filed."""

    worker_id: int
    day: date
    at: datetime
    kind: str
    events: int
    note: str
    replayed: bool = False

    def to_json(self) -> dict[str, object]:
        """The result as JSON values (what an idempotency key stores)."""
        return {
            "worker_id": self.worker_id, "day": self.day.isoformat(),
            "at": self.at.isoformat(), "kind": self.kind, "events": self.events,
            "note": self.note,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Self:
        """The stored result, marked replayed."""
        return cls(
            int(str(data["worker_id"])), date.fromisoformat(str(data["day"])),
            datetime.fromisoformat(str(data["at"])), str(data["kind"]),
            int(str(data["events"])), str(data["note"]), replayed=True,
        )  # fmt: skip


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
