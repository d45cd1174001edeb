"""The figures an area, a worker or a department is assessed on, for one period.

:class:`Figures` are counts read from the ledger and the tickets; :class:`Rates` are
derived from them by :func:`rates_of` (the one place a rate is computed); the
weighted score and its parts come from :mod:`gridtui.domain.assessment.engine`.

Counts of a period ``[start, end)`` "so far": nothing after ``at`` is counted while
the period runs (``at`` < ``end``); a closed period is counted to its ``end``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Figures:
    """One subject's counts for one period (see the module for "so far")."""

    #: tickets opened in the period (受理量)
    intake: int = 0
    #: of that intake, closed by the period's end (so far)  (办结)
    closed: int = 0
    #: tickets closed in the period that had a resolution deadline
    closed_with_deadline: int = 0
    #: of those, closed on or before the deadline (按期办结)
    on_time: int = 0
    #: open tickets past their resolution deadline now (the source's clock)
    overdue_now: int = 0
    #: tickets open at the period's end (so far) and past their deadline then
    overdue_at_end: int = 0
    #: SLA clocks breached in the period (超时)
    breaches: int = 0
    #: tickets closed in the period (the base of the reopen rate)
    closed_in_period: int = 0
    #: reopen events in the period (返工/重办)
    reopened: int = 0
    #: residents reached by a callback in the period (回访)
    callbacks: int = 0
    #: of those, satisfied or basically satisfied (满意、基本满意)
    satisfied: int = 0
    #: daily reports filed for the duty days counted so far (日报告)
    reports_filed: int = 0
    #: daily reports owed on those days (active workers × counted duty days)
    reports_due: int = 0
    #: spot-check adjustments in the period (抽查、专项督查): their sum and number
    adjustments: float = 0.0
    adjustment_count: int = 0
    #: points credited in the ledger in the period (adjustments included)
    points: float = 0.0


@dataclass(frozen=True, slots=True)
class Rates:
    """Rates derived from :class:`Figures` (0..1; ``None``: no base to divide by)."""

    closure: float | None
    on_time: float | None
    reopen: float | None
    satisfaction: float | None
    reports: float | None


def _ratio(part: int, whole: int) -> float | None:
    return None if whole <= 0 else part / whole


def rates_of(f: Figures) -> Rates:
    """The rates of ``f``: closure = closed / intake (办结率), on time = on_time /
    closed_with_deadline (按期办结率), reopen = reopened / closed_in_period (返工率),
    satisfaction = satisfied / callbacks (满意率), reports = reports_filed /
    reports_due (日报率)."""
    return Rates(
        closure=_ratio(f.closed, f.intake),
        on_time=_ratio(f.on_time, f.closed_with_deadline),
        reopen=_ratio(f.reopened, f.closed_in_period),
        satisfaction=_ratio(f.satisfied, f.callbacks),
        reports=_ratio(f.reports_filed, f.reports_due),
    )


@dataclass(frozen=True, slots=True)
class ScorePart:
    """One indicator's share of a score: its value on a 0..100 scale (``None``: no
    data, its weight went to the others), the weight it carried and the points it gave
    (``value × weight``); the spot-check part has no weight and adds its points."""

    indicator: str
    value: float | None
    weight: float
    points: float
