"""The assessment of one level for one period (周督查、月通报、年总评): every street,
community, grid, worker or department with its figures, rates, weighted score and
rank, the previous period's score and rank, and the scores of earlier periods.

The figures are read by :mod:`gridtui.data.reads.assessment_figures` (all levels of
a period at once); the scores, ranks and totals are the domain's
(:func:`~gridtui.domain.assessment.engine.score_level`,
:func:`~gridtui.domain.assessment.engine.total_figures`,
:func:`~gridtui.domain.assessment.figures.rates_of`): this module only puts them
together. :class:`ScoredPeriod` is what a cache keeps of a period;
:func:`assemble` builds the record a source answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from gridtui.data.reads.assessment_figures import (
    PeriodFigures,
    Subjects,
    Tally,
    as_figures,
)
from gridtui.data.sources.records import Assessment, AssessmentRow, Period
from gridtui.domain.assessment.config import AssessmentConfig
from gridtui.domain.assessment.engine import Scored, score_level, total_figures
from gridtui.domain.assessment.figures import Figures, rates_of

_SERIALS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class PeriodWindow:
    """A period as the records name it."""

    period: Period
    key: str
    start: datetime
    end: datetime


#: subject id -> (score, rank) of one level in one period
Ranked = dict[int, tuple[float, int]]


@dataclass
class ScoredPeriod:
    """One period's figures and, level by level once asked, its scores and ranks (kept
    small: the parts of a score go into the answers only)."""

    window: PeriodWindow
    figures: PeriodFigures
    #: level -> subject id -> (score, rank), filled on first use
    ranked: dict[str, Ranked] = field(default_factory=dict)
    #: tells one reading of a period from another (answers built on it are kept by it)
    serial: int = field(default_factory=lambda: next(_SERIALS))

    def scores(self, level: str, subjects: Subjects, config: AssessmentConfig) -> dict[int, Scored]:
        """The level's scores, ranks and parts (scored afresh; the ranks are kept)."""
        scored = score_figures(level, self.figures.by_level[level], subjects, config)
        self.ranked[level] = {sid: (s.score, s.rank) for sid, s in scored.items()}
        return scored

    def ranks(self, level: str, subjects: Subjects, config: AssessmentConfig) -> Ranked:
        """The level's (score, rank) by subject (scored once per period and level)."""
        if level not in self.ranked:
            self.scores(level, subjects, config)
        return self.ranked[level]


def score_figures(
    level: str, figures: Mapping[int, Figures], subjects: Subjects, config: AssessmentConfig
) -> dict[int, Scored]:
    """Every subject of ``level`` scored and ranked by the domain's rules (ties by code)."""
    names = subjects.by_level[level]
    codes = {sid: names[sid].code if sid in names else "" for sid in figures}
    return score_level(level, figures, codes, config)


def with_live(
    figures: Mapping[int, Figures], level: str, now: Tally, at_end: Tally | None
) -> dict[int, Figures]:
    """``figures`` with the live counts: ``overdue_now`` from ``now`` and, for a
    running period read at the source's clock, ``overdue_at_end`` from ``at_end``."""
    out = dict(figures)
    ends = at_end.by_level[level] if at_end is not None else {}
    for sid in set(now.by_level[level]) | set(ends):
        if sid in out:
            changes = {"overdue_now": int(now.count(level, sid, "overdue_now"))}
            if at_end is not None:
                changes["overdue_at_end"] = int(at_end.count(level, sid, "overdue_at_end"))
            out[sid] = replace(out[sid], **changes)
    return out


def live_totals(city: Figures, now: Tally, at_end: Tally | None) -> Figures:
    """The city's totals with the live counts (see :func:`with_live`)."""
    if at_end is not None:
        city = replace(city, overdue_at_end=0)
    extra = [as_figures(now.city)]
    if at_end is not None:
        extra.append(as_figures(at_end.city))
    return total_figures([city, *extra])


@dataclass(frozen=True)
class Context:
    """What every row of one answer shares: the subjects and the live counts."""

    subjects: Subjects
    config: AssessmentConfig
    now: Tally
    #: the running period's live ``overdue_at_end`` (None: counted with the period)
    at_end: Tally | None
    at: datetime
    #: the previous period's key (also when it is not assessed: before any data)
    previous_key: str
    #: the period has ended by the source's clock (and is counted whole)
    closed: bool


def assemble(
    level: str,
    current: ScoredPeriod,
    previous: ScoredPeriod | None,
    history: Sequence[ScoredPeriod | None],
    ctx: Context,
) -> Assessment:
    """The record of ``level`` for ``current``: its rows ranked (best first, ties by
    code), each with the previous period's score and rank and the ``history`` periods'
    scores (oldest first; None: that period is not assessed or the subject was not in
    it), and the city's totals now and in the previous period."""
    figures = current.figures.by_level[level]
    live = with_live(figures, level, ctx.now, ctx.at_end)
    if ctx.at_end is None:
        scored = current.scores(level, ctx.subjects, ctx.config)
    else:  # the running period's live overdue counts enter its scores
        scored = score_figures(level, live, ctx.subjects, ctx.config)
    before = previous.ranks(level, ctx.subjects, ctx.config) if previous else {}
    past = [p.ranks(level, ctx.subjects, ctx.config) if p else {} for p in history]
    names = ctx.subjects.by_level[level]
    rows = []
    for sid, s in scored.items():  # in ranking order
        who = names[sid]
        last = before.get(sid)
        rows.append(
            AssessmentRow(
                level=level, subject_id=sid, code=who.code, name=who.name,
                name_en=who.name_en, parent_id=who.parent_id, figures=live[sid],
                rates=rates_of(live[sid]), score=s.score, parts=s.parts, rank=s.rank,
                previous_score=last[0] if last else None,
                previous_rank=last[1] if last else None,
                history=[p[sid][0] if sid in p else None for p in past],
            )
        )  # fmt: skip
    return _record(level, current, previous, rows, ctx)


def _record(
    level: str,
    current: ScoredPeriod,
    previous: ScoredPeriod | None,
    rows: list[AssessmentRow],
    ctx: Context,
) -> Assessment:
    w = current.window
    totals = live_totals(current.figures.city, ctx.now, ctx.at_end)
    prev_totals = live_totals(previous.figures.city, ctx.now, None) if previous else None
    return Assessment(
        level=level,
        period=w.period,
        period_key=w.key,
        start=w.start,
        end=w.end,
        at=ctx.at,
        closed=ctx.closed,
        previous_key=ctx.previous_key,
        rows=rows,
        totals=totals,
        totals_rates=rates_of(totals),
        previous_totals=prev_totals,
        previous_rates=rates_of(prev_totals) if prev_totals is not None else None,
    )
