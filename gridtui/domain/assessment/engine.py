"""The weighted score and the rank of every subject of one level (周督查、月通报、年总评).

Each indicator gets a value from 0 to 100 out of the subject's :class:`Figures` (rates
from :func:`~gridtui.domain.assessment.figures.rates_of`, the one home of the rates),
or ``None`` when there is nothing to divide by:

=============  ==============================================================
closure        100 × closed / intake                                  (办结率)
on_time        100 × on_time / closed_with_deadline                   (按期办结率)
overdue        100 × (1 − overdue_at_end / (intake + overdue_at_end)) (逾期)
breaches       100 × max(0, 1 − breaches / max(intake, closed_in_period)); 0 when
               there are breaches but neither intake nor closures     (超时)
reopen         100 × max(0, 1 − reopened / closed_in_period)          (返工率)
satisfaction   100 × satisfied / callbacks                            (满意率)
reports        100 × reports_filed / reports_due                      (日报率)
points         100 × (points − adjustments) / the best (points − adjustments) of the
               level, when that best is above 0; at least 0           (积分)
=============  ==============================================================

(every value is kept within 0..100). The weights of ``assessment.toml`` for the level
are shared out over the indicators that have a value: an indicator's *effective
weight* is its weight divided by the sum of the weights of the indicators with a value,
so that the effective weights add up to 1 (an indicator without a value carries 0).

    score = round(Σ value × effective weight, 2) + adjustment_factor × adjustments

rounded to 2 decimals: spot checks (抽查、专项督查) add or deduct their points directly
(加减分), beyond the 0..100 of the weighted part. A subject without any value scores
its adjustments alone. Subjects are ranked by score, best first, with competition
ranking (1, 2, 2, 4); ties are listed by code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from gridtui.domain.assessment.config import INDICATORS, AssessmentConfig
from gridtui.domain.assessment.figures import Figures, ScorePart, rates_of

#: the indicator name of the spot-check part of a score (no weight; value: the sum of
#: the adjustments, points: that times ``adjustment_factor``)
ADJUSTMENTS = "adjustments"


@dataclass(frozen=True, slots=True)
class Scored:
    """One subject's score, its parts (the indicators in :data:`INDICATORS` order, then
    the spot-check part :data:`ADJUSTMENTS`) and its rank (1 = best) in its level."""

    subject_id: int
    score: float
    parts: list[ScorePart]
    rank: int


def _scale(rate: float | None) -> float | None:
    """``rate`` (0..1) on the 0..100 scale, kept within it."""
    return None if rate is None else 100 * min(1.0, max(0.0, rate))


def _penalty(count: int, base: int) -> float | None:
    """100 × (1 − count / base), within 0..100; None when there is neither."""
    if base <= 0:
        return None if count <= 0 else 0.0
    return 100 * max(0.0, 1 - count / base)


def indicator_values(figures: Figures, best_points: float | None) -> dict[str, float | None]:
    """The value (0..100, or None: no base) of every indicator for ``figures`` (see
    the module); ``best_points`` is the best ``points − adjustments`` of the level
    (None when no subject of the level is above 0)."""
    f = figures
    rates = rates_of(f)
    points = None
    if best_points is not None and best_points > 0:
        points = 100 * min(1.0, max(0.0, (f.points - f.adjustments) / best_points))
    return {
        "closure": _scale(rates.closure),
        "on_time": _scale(rates.on_time),
        "overdue": _penalty(f.overdue_at_end, f.intake + f.overdue_at_end),
        "breaches": _penalty(f.breaches, max(f.intake, f.closed_in_period)),
        "reopen": None if rates.reopen is None else _scale(1 - rates.reopen),
        "satisfaction": _scale(rates.satisfaction),
        "reports": _scale(rates.reports),
        "points": points,
    }


def _parts(values: Mapping[str, float | None], weights: Mapping[str, float]) -> list[ScorePart]:
    """The weighted parts: each weight shared out over the indicators with a value."""
    total = sum(weights.get(k, 0.0) for k in INDICATORS if values[k] is not None)
    parts = []
    for key in INDICATORS:
        value = values[key]
        weight = weights.get(key, 0.0) / total if value is not None and total > 0 else 0.0
        parts.append(ScorePart(key, value, weight, 0.0 if value is None else value * weight))
    return parts


def score_of(
    figures: Figures, best_points: float | None, weights: Mapping[str, float], factor: float
) -> tuple[float, list[ScorePart]]:
    """One subject's score and its parts (see the module): the weighted parts for
    ``weights`` (one level's), then the spot-check part with ``factor``."""
    parts = _parts(indicator_values(figures, best_points), weights)
    weighted = round(sum(p.points for p in parts), 2)
    extra = factor * figures.adjustments
    parts.append(ScorePart(ADJUSTMENTS, figures.adjustments, 0.0, extra))
    return round(weighted + extra, 2), parts


def best_points(figures: Iterable[Figures]) -> float | None:
    """The best ``points − adjustments`` of ``figures``, or None when none is above 0
    (then the points indicator has no value for anyone)."""
    best = max((f.points - f.adjustments for f in figures), default=0.0)
    return best if best > 0 else None


def score_level(
    level: str,
    figures: Mapping[int, Figures],
    codes: Mapping[int, str],
    config: AssessmentConfig,
) -> dict[int, Scored]:
    """Every subject of ``level`` (``figures`` by subject id) scored and ranked:
    competition ranking on the score rounded to 2 decimals (1, 2, 2, 4); ties are
    ordered by ``codes`` (the dict's order is the ranking's).

    Raises:
        ValueError: ``level`` is not an assessed level.
    """
    if level not in config.weights:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(config.weights)}")
    weights, factor = config.weights[level], config.adjustment_factor
    best = best_points(figures.values())
    scored = {sid: score_of(f, best, weights, factor) for sid, f in figures.items()}
    order = sorted(scored, key=lambda sid: (-scored[sid][0], codes.get(sid, ""), sid))
    out: dict[int, Scored] = {}
    rank, previous = 0, None
    for place, sid in enumerate(order, start=1):
        score, parts = scored[sid]
        if score != previous:
            rank, previous = place, score
        out[sid] = Scored(sid, score, parts, rank)
    return out


def total_figures(figures: Iterable[Figures]) -> Figures:
    """The field-by-field sum of ``figures`` (the city's headline); adjustments and
    points rounded to 2 decimals."""
    sums: dict[str, float] = {f.name: 0 for f in fields(Figures)}
    for one in figures:
        for name in sums:
            sums[name] += getattr(one, name)
    sums["adjustments"] = round(sums["adjustments"], 2)
    sums["points"] = round(sums["points"], 2)
    return Figures(**sums)  # type: ignore[arg-type]


__all__ = [
    "ADJUSTMENTS",
    "Scored",
    "best_points",
    "indicator_values",
    "score_level",
    "score_of",
    "total_figures",
]
