"""Writing the points ledger: credits in, capped ledger lines out.

The caps are the domain's (:meth:`gridtui.domain.scoring.engine.ScoringEngine.award_with`);
this module only tells it what a rule already credited, read from the ledger, and
stores what it answers. The live service and the missing-report sweep write through
here; the seed's bulk path (:mod:`gridtui.data.writes.scoring_runtime`) keeps running
counters instead and applies the same cap rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridtui.data.storage.models import ScoreEntry
from gridtui.domain.credits import Credit
from gridtui.domain.scoring.caps import LedgerEntry, UsedPoints
from gridtui.domain.scoring.engine import ScoringEngine
from gridtui.domain.scoring.rules import Rule


def award(
    session: Session,
    engine: ScoringEngine,
    credits: Iterable[Credit],
    ticket_id: int | None = None,
    channel: str | None = None,
) -> int:
    """Append the ledger lines of ``credits``, in order (each sees the ones before);
    returns how many lines were written."""
    written = 0
    for credit in credits:
        for entry in engine.award_with(
            used_points(session, credit),
            credit.subject_kind,
            credit.subject_id,
            credit.event,
            credit.at,
            ticket_id,
            channel,
            on_time=credit.on_time,
        ):
            session.add(ledger_row(entry))
            written += 1
        session.flush()
    return written


def used_points(session: Session, credit: Credit) -> UsedPoints:
    """What a rule already credited ``credit``'s subject in a period, read from the ledger."""

    def used(rule: Rule, start: datetime, end: datetime) -> int:
        # Whole hundredths summed, so a long period adds up exactly (points are floats).
        cents = func.abs(func.round(ScoreEntry.points * 100))
        total = session.scalar(
            select(func.coalesce(func.sum(cents), 0)).where(
                ScoreEntry.subject_kind == credit.subject_kind.value,
                ScoreEntry.subject_id == credit.subject_id,
                ScoreEntry.code == rule.code,
                ScoreEntry.at >= start,
                ScoreEntry.at < end,
            )
        )
        return int(total or 0)

    return used


def ledger_row(entry: LedgerEntry) -> ScoreEntry:
    """The stored row of a ledger line."""
    return ScoreEntry(
        subject_kind=entry.subject_kind.value,
        subject_id=entry.subject_id,
        at=entry.at,
        code=entry.code,
        raw_points=entry.raw_points,
        points=entry.points,
        reason=entry.reason,
        author=entry.author,
        ticket_id=entry.ticket_id,
    )
