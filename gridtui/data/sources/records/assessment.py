"""The assessment records (周督查、月通报、年总评): ranked areas, workers and departments
of one period, and the facts a bulletin (通报) lists besides the rankings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from gridtui.data.sources.records.figures import Period
from gridtui.data.sources.records.reference import Named, bilingual
from gridtui.data.sources.records.tickets import TicketRow
from gridtui.domain.assessment.figures import Figures, Rates, ScorePart

AssessmentLevel = Literal["street", "community", "grid", "worker", "department"]
#: the levels in the order the screen and the bulletin walk them
ASSESSMENT_LEVELS: tuple[AssessmentLevel, ...] = (
    "street",
    "community",
    "grid",
    "worker",
    "department",
)
#: the level a row drills into (absent: the bottom of the ladder)
CHILD_LEVEL: dict[str, AssessmentLevel] = {
    "street": "community",
    "community": "grid",
    "grid": "worker",
}


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    """One street, community, grid, worker or department in one period."""

    level: str
    subject_id: int
    code: str
    name: str
    name_en: str
    #: the node (or the worker's grid) one level up: a community's street, a grid's
    #: community, a worker's grid; None for streets and departments
    parent_id: int | None
    figures: Figures
    rates: Rates
    #: the weighted score (0..100 plus spot-check points) and what it is made of
    score: float
    parts: list[ScorePart]
    #: 1 = best within the level (ties share a rank)
    rank: int
    #: the same subject in the previous period (None: not assessed then)
    previous_score: float | None = None
    previous_rank: int | None = None
    #: scores of the periods before this one, oldest first (None: not assessed), when
    #: asked for (``history``)
    history: list[float | None] = field(default_factory=list)

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return bilingual(self.name, self.name_en, lang)

    @property
    def score_change(self) -> float | None:
        """The score minus the previous period's (None: no previous score)."""
        return None if self.previous_score is None else round(self.score - self.previous_score, 2)

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous period (positive: up)."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


@dataclass(frozen=True, slots=True)
class Assessment:
    """A level's ranked rows for the period containing ``at``.

    ``totals`` sums the whole city's figures (what the bulletin's headline reads),
    ``previous_totals`` the previous period's; ``closed`` says the period has ended.
    """

    level: str
    period: Period
    period_key: str
    start: datetime
    end: datetime
    at: datetime
    closed: bool
    previous_key: str
    rows: list[AssessmentRow]
    totals: Figures
    totals_rates: Rates
    previous_totals: Figures | None = None
    previous_rates: Rates | None = None


@dataclass(frozen=True, slots=True)
class AdjustmentRow:
    """One spot-check adjustment (抽查、专项督查加减分) in the period."""

    at: datetime
    subject_kind: str
    subject: Named
    points: float
    reason: str
    author: str
    ticket_id: int | None = None


@dataclass(frozen=True, slots=True)
class MissingReports:
    """A worker who owed daily reports in the period and did not file them all."""

    worker: Named
    missing: int
    due: int
    #: the days without a report, oldest first
    days: list[date] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RedEntity:
    """A registered person, event, place, thing or organisation on the red list
    (红色管控) at the period's end, with its grid."""

    code: str
    kind: str
    name: str
    grid: Named
    reason: str
    patrol_point: bool


@dataclass(frozen=True, slots=True)
class BulletinFacts:
    """What a bulletin lists besides the rankings, for the period containing ``at``:
    tickets overdue at the period's end or breached in it, tickets reopened or with an
    unsatisfied resident (倒查 candidates), the spot checks, missing daily reports and
    the red list. Lists are whole up to ``limit`` rows each; ``*_total`` counts all."""

    period: Period
    period_key: str
    start: datetime
    end: datetime
    at: datetime
    overdue: list[TicketRow]
    overdue_total: int
    breached: list[TicketRow]
    breached_total: int
    reopened: list[TicketRow]
    reopened_total: int
    unsatisfied: list[TicketRow]
    unsatisfied_total: int
    adjustments: list[AdjustmentRow]
    missing_reports: list[MissingReports]
    red_list: list[RedEntity]
