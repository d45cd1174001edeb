"""The assessment engine (gridtui.domain.assessment.engine): indicator values, weights
shared out over the indicators with a value, spot-check adjustments, competition ranks;
every expected number is worked out by hand below."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridtui.domain.assessment.config import DEFAULT_ASSESSMENT, INDICATORS
from gridtui.domain.assessment.engine import (
    ADJUSTMENTS,
    Scored,
    best_points,
    indicator_values,
    score_level,
    total_figures,
)
from gridtui.domain.assessment.figures import Figures

# street weights (assessment.toml): closure 25, on_time 20, overdue 10, breaches 10,
# reopen 10, satisfaction 15, reports 5, points 5 (sum 100)
BUSY = Figures(
    intake=10, closed=8, closed_with_deadline=8, on_time=6, overdue_now=3, overdue_at_end=2,
    breaches=1, closed_in_period=8, reopened=1, callbacks=4, satisfied=3, reports_filed=9,
    reports_due=10, adjustments=2.0, adjustment_count=1, points=42.0,
)  # fmt: skip
# no tickets: only reports (5 of 10) and points (the level's best: 50 - 0)
QUIET = Figures(reports_filed=5, reports_due=10, points=50.0)
# nothing but a deduction of 3 (points include adjustments: -3 - (-3) = 0)
DEDUCTED = Figures(adjustments=-3.0, adjustment_count=1, points=-3.0)


def test_indicator_values_by_hand() -> None:
    values = indicator_values(BUSY, best_points=50.0)
    assert values == pytest.approx(
        {
            "closure": 80.0,  # 100 × 8 / 10
            "on_time": 75.0,  # 100 × 6 / 8
            "overdue": 100 * (1 - 2 / 12),  # 83.33: 2 overdue at the end of 10 + 2
            "breaches": 90.0,  # 100 × (1 − 1 / max(10, 8))
            "reopen": 87.5,  # 100 × (1 − 1 / 8)
            "satisfaction": 75.0,  # 100 × 3 / 4
            "reports": 90.0,  # 100 × 9 / 10
            "points": 80.0,  # 100 × (42 − 2) / 50
        }
    )
    assert list(values) == list(INDICATORS)
    empty = indicator_values(Figures(), best_points=None)
    assert empty == dict.fromkeys(INDICATORS)  # nothing to divide by: no values
    # breaches with neither intake nor closures count 0; reopen is never below 0;
    # points never below 0 nor above 100
    odd = Figures(breaches=2, closed_in_period=1, reopened=3, points=-5.0)
    got = indicator_values(odd, best_points=10.0)
    assert (got["breaches"], got["reopen"], got["points"]) == (0.0, 0.0, 0.0)
    assert indicator_values(Figures(breaches=2), None)["breaches"] == 0.0


def test_scores_share_weights_and_add_adjustments() -> None:
    figures = {1: BUSY, 2: QUIET, 3: DEDUCTED}
    codes = {1: "S01", 2: "S02", 3: "S03"}
    assert best_points(figures.values()) == 50.0  # QUIET: 50 − 0 beats BUSY: 42 − 2
    scored = score_level("street", figures, codes, DEFAULT_ASSESSMENT)

    # BUSY: 0.25×80 + 0.20×75 + 0.10×83.333 + 0.10×90 + 0.10×87.5 + 0.15×75
    #       + 0.05×90 + 0.05×80 = 20 + 15 + 8.333 + 9 + 8.75 + 11.25 + 4.5 + 4
    #       = 80.833 → 80.83; + 1 × 2 (adjustments) = 82.83
    assert scored[1].score == 82.83
    # QUIET: only reports (5) and points (5) have values: 0.5 each;
    #        0.5×50 + 0.5×100 = 75.00
    assert scored[2].score == 75.0
    quiet = {p.indicator: p for p in scored[2].parts}
    assert quiet["reports"].weight == 0.5 and quiet["points"].weight == 0.5
    assert quiet["closure"].value is None and quiet["closure"].weight == 0
    assert quiet["points"].points == 50.0
    # DEDUCTED: points alone (0 of 50) carries weight 1: 0; − 3 = −3
    assert scored[3].score == -3.0
    assert [(s.subject_id, s.rank) for s in scored.values()] == [(1, 1), (2, 2), (3, 3)]

    parts = scored[1].parts
    assert [p.indicator for p in parts] == [*INDICATORS, ADJUSTMENTS]
    assert sum(p.weight for p in parts) == pytest.approx(1.0)
    assert (parts[-1].value, parts[-1].weight, parts[-1].points) == (2.0, 0.0, 2.0)
    assert sum(p.points for p in parts) == pytest.approx(82.8333, abs=1e-4)

    # half a score point per spot-check point: 80.83 + 0.5 × 2 = 81.83
    half = replace(DEFAULT_ASSESSMENT, adjustment_factor=0.5)
    assert score_level("street", figures, codes, half)[1].score == 81.83


def test_department_and_worker_weights() -> None:
    # a department with reports owed (there are none in practice) gets no weight for them:
    # department weights: closure 25, on_time 25, overdue 10, breaches 10, reopen 10,
    # satisfaction 15, reports 0, points 5
    dept = Figures(intake=4, closed=2, reports_filed=0, reports_due=5)
    # closure 50, overdue 100 (0 of 4), breaches 100 (0 of 4); reports (0) weighs 0;
    # (25×50 + 10×100 + 10×100) / 45 = 3250 / 45 = 72.222 → 72.22
    scored = score_level("department", {7: dept}, {7: "D1"}, DEFAULT_ASSESSMENT)[7]
    assert scored.score == 72.22
    reports = next(p for p in scored.parts if p.indicator == "reports")
    assert (reports.value, reports.weight, reports.points) == (0.0, 0.0, 0.0)
    # the same figures for a worker: reports 10 of (25 + 5 + 5 + 10) = 45:
    # (25×50 + 5×100 + 5×100 + 10×0) / 45 = 2250 / 45 = 50.00
    assert score_level("worker", {7: dept}, {7: "W1"}, DEFAULT_ASSESSMENT)[7].score == 50.0
    with pytest.raises(ValueError, match="unknown level 'city'"):
        score_level("city", {7: dept}, {7: "X"}, DEFAULT_ASSESSMENT)


def test_ties_share_a_rank_and_are_listed_by_code() -> None:
    def closing(closed: int) -> Figures:
        return Figures(intake=10, closed=closed)

    # closure 10 × closed, overdue 100, breaches 100; weights 25, 10, 10 of 45:
    # closed 10: (2500 + 1000 + 1000) / 45 = 100; closed 5: 3250 / 45 = 72.22;
    # closed 0: 2000 / 45 = 44.44
    figures = {1: closing(5), 2: closing(10), 3: closing(5), 4: closing(0)}
    codes = {1: "C", 2: "A", 3: "B", 4: "D"}
    scored = score_level("grid", figures, codes, DEFAULT_ASSESSMENT)
    assert [(s.subject_id, s.score, s.rank) for s in scored.values()] == [
        (2, 100.0, 1),
        (3, 72.22, 2),
        (1, 72.22, 2),
        (4, 44.44, 4),
    ]
    assert score_level("grid", {}, {}, DEFAULT_ASSESSMENT) == {}


def test_total_figures_sum_every_count() -> None:
    total = total_figures([BUSY, QUIET, DEDUCTED])
    assert (total.intake, total.closed, total.reports_filed, total.reports_due) == (10, 8, 14, 20)
    assert (total.adjustments, total.adjustment_count, total.points) == (-1.0, 2, 89.0)
    assert isinstance(total.intake, int)
    assert total_figures([]) == Figures()


counts = st.integers(min_value=0, max_value=40)
cents = st.integers(min_value=-2000, max_value=2000).map(lambda c: c / 100)


@st.composite
def some_figures(draw: st.DrawFn) -> Figures:
    adjustments = draw(cents)
    return Figures(
        intake=draw(counts), closed=draw(counts), closed_with_deadline=draw(counts),
        on_time=draw(counts), overdue_at_end=draw(counts), breaches=draw(counts),
        closed_in_period=draw(counts), reopened=draw(counts), callbacks=draw(counts),
        satisfied=draw(counts), reports_filed=draw(counts), reports_due=draw(counts),
        adjustments=adjustments, points=round(draw(cents) + adjustments, 2),
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.integers(1, 500), some_figures(), min_size=1, max_size=12),
    st.sampled_from(("street", "community", "grid", "worker", "department")),
)
def test_scores_stay_in_bounds_and_ranks_follow_scores(
    figures: dict[int, Figures], level: str
) -> None:
    codes = {sid: f"N{sid:04d}" for sid in figures}
    scored = score_level(level, figures, codes, DEFAULT_ASSESSMENT)
    assert set(scored) == set(figures)
    rows: list[Scored] = list(scored.values())
    for row in rows:
        weighted = row.score - figures[row.subject_id].adjustments  # factor 1
        assert -0.011 <= weighted <= 100.011
        shares = [p.weight for p in row.parts if p.value is not None and p.indicator in INDICATORS]
        assert sum(shares) == pytest.approx(1.0) or sum(shares) == 0
        assert all(p.value is None or 0 <= p.value <= 100 for p in row.parts[:-1])
    assert rows[0].rank == 1
    for before, after in pairwise(rows):
        assert before.score >= after.score
        if before.score == after.score:
            assert codes[before.subject_id] < codes[after.subject_id]
        assert after.rank == (before.rank if after.score == before.score else rows.index(after) + 1)
    for row in rows:
        assert row.rank == 1 + sum(other.score > row.score for other in rows)
