"""The points ledger and its caps: a :class:`LedgerEntry` is one line of the
append-only ledger, and :func:`capped_award` the one place a cap is applied.

Every task the platform records generates points automatically, and an item stops
accumulating once it reaches its maximum (达到最高分值后不再累加). All cap arithmetic
is done in integer hundredths, so totals are exact. :func:`capped_award` is given
what the rule already credited in the period: the live service counts that in the
database (:meth:`~gridtui.domain.scoring.engine.ScoringEngine.award_with`, asking a
:data:`UsedPoints`), the seed keeps running counters, and
:meth:`~gridtui.domain.scoring.engine.ScoringEngine.award` scans a history. Pure code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from gridtui.domain.scoring.rules import (
    Rule,
    SubjectKind,
    as_subject_kind,
    require_aware,
    to_cents,
)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One line of the append-only points ledger.

    ``raw_points`` is what the rule gives; ``points`` what was credited after the
    cap (0 or partial once the cap is reached, so the audit shows the capped award).
    """

    subject_kind: SubjectKind
    subject_id: int
    at: datetime
    code: str
    raw_points: float
    points: float
    reason: str
    author: str
    ticket_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject_kind", as_subject_kind(self.subject_kind))
        require_aware(self.at)

    @property
    def is_capped(self) -> bool:
        """True when the cap cut the award (fully or partly)."""
        return to_cents(self.points) != to_cents(self.raw_points)


class Award(NamedTuple):
    """What one award of a rule credits once its cap is applied (integer hundredths)."""

    raw: int  #: what the rule gives
    points: int  #: what is credited: ``raw``, or what was left of the cap
    reason: str  #: the ledger's reason text, saying so when the cap cut the award


def capped_award(rule: Rule, used: int, period_key: str) -> Award:
    """One award of ``rule``, capped: the only place a cap is applied.

    ``used`` is what ``rule`` has already credited the subject in the cap period that
    contains the award, in hundredths and as a magnitude (a penalty counts what it
    deducted); ``period_key`` names that period (:meth:`ScoringEngine.period_key`)
    for the reason text. A capped rule credits ``min(|points|, cap - used)`` with the
    rule's sign and never less than 0; an uncapped rule ignores both arguments.
    """
    raw, cap, reason = _award_base(rule)
    if cap is None or rule.cap_period is None:
        return Award(raw, raw, reason)
    room = max(0, cap - used)
    credited = int(math.copysign(min(abs(raw), room), raw))
    if credited != raw:
        reason += f" (cap {rule.cap:g} per {rule.cap_period.value} reached, {period_key})"
    return Award(raw, credited, reason)


_BASES: dict[int, tuple[Rule, tuple[int, int | None, str]]] = {}


def _award_base(rule: Rule) -> tuple[int, int | None, str]:
    """A rule's points and cap in hundredths and its reason text, worked out once per
    rule (a city-scale seed awards millions of times through a few dozen rules)."""
    found = _BASES.get(id(rule))
    if found is not None and found[0] is rule:
        return found[1]
    cap = to_cents(rule.cap) if rule.cap is not None else None
    base = (to_cents(rule.points), cap, f"{rule.label_zh} / {rule.label_en}")
    if len(_BASES) > 4096:  # rules of configs long replaced
        _BASES.clear()
    _BASES[id(rule)] = (rule, base)
    return base


#: what a rule already credited a subject in ``[start, end)`` (UTC), in hundredths,
#: as a magnitude: how :meth:`ScoringEngine.award_with` asks its caller
UsedPoints = Callable[[Rule, datetime, datetime], int]
