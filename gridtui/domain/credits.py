"""Scorable credits and who they are for.

A :class:`Credit` is one scorable event for one subject (a grid worker or a
department); :mod:`gridtui.domain.chain` says which credits a ticket's history
produces, :mod:`gridtui.domain.scoring` how many points each is worth. Pure code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gridtui.domain.scoring.rules import SubjectKind

#: a holder's key or an actor -> the scored subject, or None for the centre, residents …
SubjectOf = Callable[[str], tuple[SubjectKind, int] | None]


@dataclass(frozen=True, slots=True)
class Credit:
    """One scorable event for one subject."""

    subject_kind: SubjectKind
    subject_id: int
    event: str  # a ticket action or a penalty trigger
    at: datetime
    on_time: bool | None = None


def actor_subject(workers: dict[str, int], departments: dict[str, int]) -> SubjectOf:
    """Map actors and holder keys to subjects: worker codes via ``workers``,
    ``dept:<code>`` via ``departments``; anyone else (the centre, residents, the rules)
    to nobody."""

    def subject_of(actor: str) -> tuple[SubjectKind, int] | None:
        if actor.startswith("dept:"):
            did = departments.get(actor[5:])
            return None if did is None else (SubjectKind.DEPARTMENT, did)
        wid = workers.get(actor)
        return None if wid is None else (SubjectKind.WORKER, wid)

    return subject_of
