"""A temporary in-memory ``DataSource.assessment`` for :class:`tests.fakes.MemorySource`
(until the data layer's own lands): the fake city's streets, communities, grids,
workers and department assessed with made-up but self-consistent figures.

Honest as far as a screen can tell: rates come from the domain's ``rates_of``, a score
is the sum of its parts, ranks are competition ranks on the score, the previous
period and the history are this same function one, two … periods earlier, and grid
G03 is assessed only from November 2026 (``新`` / new before that). Weeks start on
Monday in Asia/Shanghai, keys as ``ScoringEngine.period_key``.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from gridtui.data.sources.records import Assessment, AssessmentRow, BulletinFacts
from gridtui.domain.assessment.figures import Figures, ScorePart, rates_of

TZ = ZoneInfo("Asia/Shanghai")
#: (level, id, code, name, name_en, parent id) of the fake city (tests/fakes.py)
SUBJECTS = [
    ("street", 1, "S01", "测试街道", "Test Street", None),
    ("community", 2, "C01", "东园社区", "East Garden", 1),
    ("community", 3, "C02", "西湖社区", "West Lake", 1),
    ("grid", 4, "G01", "东园一网格", "East Garden 1", 2),
    ("grid", 5, "G02", "东园二网格", "East Garden 2", 2),
    ("grid", 6, "G03", "西湖一网格", "West Lake 1", 3),
    ("worker", 100, "W100", "张伟", "Zhang Wei", 4),
    ("worker", 101, "W101", "李娜", "Li Na", 5),
    ("department", 10, "D01", "城管执法", "City management", None),
]
#: grid G03 is assessed from this day on
G03_FROM = datetime(2026, 11, 1, tzinfo=TZ)
WEIGHTS = {"closure": 0.5, "on_time": 0.3, "satisfaction": 0.2}


def window(period: str, at: datetime) -> tuple[datetime, datetime, str]:
    """The period containing ``at``: start, end (local midnights) and its key."""
    day = at.astimezone(TZ).date()
    if period == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
        iso = first.isocalendar()
        key = f"{iso.year:04d}-W{iso.week:02d}"
    elif period == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
        key = f"{day.year:04d}-{day.month:02d}"
    else:
        first, last, key = date(day.year, 1, 1), date(day.year + 1, 1, 1), f"{day.year:04d}"
    start = datetime(first.year, first.month, first.day, tzinfo=TZ).astimezone(UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=TZ).astimezone(UTC)
    return start, end, key


def figures_of(sid: int, key: str) -> Figures:
    """Made-up counts of one subject in one period (the same every time)."""
    rnd = random.Random(f"{sid}/{key}")
    intake = rnd.randint(8, 60)
    closed = rnd.randint(intake // 2, intake)
    with_deadline = rnd.randint(closed // 2, closed)
    callbacks = rnd.randint(0, closed)
    adjustments = rnd.choice([0.0, 0.0, 0.0, 1.5, -2.0])
    return Figures(
        intake=intake, closed=closed, closed_with_deadline=with_deadline,
        on_time=rnd.randint(with_deadline // 2, with_deadline), overdue_now=rnd.randint(0, 4),
        overdue_at_end=rnd.randint(0, 3), breaches=rnd.randint(0, 5), closed_in_period=closed,
        reopened=rnd.randint(0, 3), callbacks=callbacks,
        satisfied=rnd.randint(callbacks // 2, callbacks),
        reports_filed=rnd.randint(20, 30), reports_due=30, adjustments=adjustments,
        adjustment_count=int(adjustments != 0), points=round(rnd.uniform(10, 40), 2) + adjustments,
    )  # fmt: skip


def score_of(f: Figures) -> tuple[float, list[ScorePart]]:
    """A weighted score of three rates (weights shared over those with a base) plus the
    adjustments, and its parts."""
    rates = rates_of(f)
    values = {k: None if getattr(rates, k) is None else 100 * getattr(rates, k) for k in WEIGHTS}
    total = sum(w for k, w in WEIGHTS.items() if values[k] is not None) or 1.0
    parts = []
    for k, w in WEIGHTS.items():
        v = values[k]
        weight = 0.0 if v is None else w / total
        parts.append(ScorePart(k, v, weight, 0.0 if v is None else v * weight))
    parts.append(ScorePart("adjustments", f.adjustments, 0.0, f.adjustments))
    return round(round(sum(p.points for p in parts[:-1]), 2) + f.adjustments, 2), parts


def _rows(level: str, start: datetime, key: str) -> list[AssessmentRow]:
    subjects = [s for s in SUBJECTS if s[0] == level and (s[1] != 6 or start >= G03_FROM)]
    scored = []
    for _level, sid, code, name, name_en, parent in subjects:
        f = figures_of(sid, key)
        score, parts = score_of(f)
        scored.append(AssessmentRow(level, sid, code, name, name_en, parent, f, rates_of(f),
                                    score, parts, rank=0))  # fmt: skip
    scored.sort(key=lambda r: (-r.score, r.code))
    out, rank, last = [], 0, None
    for place, row in enumerate(scored, start=1):
        if row.score != last:
            rank, last = place, row.score
        out.append(replace(row, rank=rank))
    return out


def memory_assessment(
    level: str, period: str, at: datetime, now: datetime, *, history: int = 0
) -> Assessment:
    """The fake city's assessment of ``level`` for the period containing ``at``."""
    start, end, key = window(period, at)
    rows = _rows(level, start, key)
    before: list[list[AssessmentRow]] = []
    earlier = start
    for _ in range(max(1, history)):
        p_start, _end, p_key = window(period, earlier - timedelta(microseconds=1))
        before.append(_rows(level, p_start, p_key))
        earlier = p_start
    previous = {r.subject_id: r for r in before[0]}
    out = []
    for row in rows:
        prev = previous.get(row.subject_id)
        past = [{r.subject_id: r.score for r in b}.get(row.subject_id) for b in before[:history]]
        out.append(replace(
            row, previous_score=prev.score if prev else None,
            previous_rank=prev.rank if prev else None, history=past[::-1],
        ))  # fmt: skip
    totals = _sum([r.figures for r in rows])
    prev_totals = _sum([r.figures for r in before[0]])
    _p_start, _p_end, previous_key = window(period, start - timedelta(microseconds=1))
    return Assessment(
        level=level, period=period, period_key=key, start=start, end=end, at=at,  # type: ignore[arg-type]
        closed=end <= now, previous_key=previous_key, rows=out, totals=totals,
        totals_rates=rates_of(totals), previous_totals=prev_totals,
        previous_rates=rates_of(prev_totals),
    )  # fmt: skip


def _sum(figures: list[Figures]) -> Figures:
    names = Figures.__dataclass_fields__
    return Figures(**{n: sum(getattr(f, n) for f in figures) for n in names})


def memory_bulletin_facts(period: str, at: datetime) -> BulletinFacts:
    """No lists: the fake city has nothing overdue at a period's end."""
    start, end, key = window(period, at)
    return BulletinFacts(
        period=period, period_key=key, start=start, end=end, at=at,  # type: ignore[arg-type]
        overdue=[], overdue_total=0, breached=[], breached_total=0, reopened=[],
        reopened_total=0, unsatisfied=[], unsatisfied_total=0, adjustments=[],
        missing_reports=[], red_list=[],
    )  # fmt: skip
