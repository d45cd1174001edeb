"""The figure records: the wall's overview and trend, the risk board, scorecards and
daily reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from gridtui.data.sources.records.reference import Named, NodeRef, bilingual
from gridtui.data.sources.records.tickets import TicketRow
from gridtui.domain.colours import worst_colour

Period = Literal["week", "month", "year"]
TrendSpan = Literal["24h", "7d", "30d"]


# -- overview, board, tree ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Intake and closures in one bucket of a trend."""

    start: datetime
    intake: int
    closed: int


@dataclass(frozen=True, slots=True)
class Overview:
    """The wall screen's figures as of ``at``.

    Rates are over tickets opened in the last ``window_days`` days (a rolling window,
    so the wall reads the current month, not three years of history):
    ``closure_rate`` = closed / opened, ``on_time_rate`` = closed on or before the
    resolution deadline / closed with a deadline.

    Daily reports (日报告) of ``report_day``, by the rules of
    :class:`~gridtui.domain.reports.ReportSchedule`: ``report_due_at`` is when they
    are due (``None``: not a duty day, none owed), ``reports_filed`` of
    ``reports_expected`` are in. ``missing_reports`` / ``missing_count`` name who has
    none only once ``reports_past_due``: before the due time nobody is missing.
    """

    at: datetime
    intake_today: int
    open: int
    overdue: int
    window_days: int
    closure_rate: float
    on_time_rate: float
    open_by_colour: dict[str, int]
    at_risk: list[TicketRow]
    channel_mix: dict[str, int]
    missing_reports: list[Named]  # the first few, by code
    missing_count: int
    workers_active: int
    report_day: date
    report_due_at: datetime | None = None
    reports_filed: int = 0
    reports_expected: int = 0
    reports_past_due: bool = False
    #: ``on_time_rate`` is below the ``[alerts]`` target of scoring.toml
    on_time_alert: bool = False
    #: open tickets by handling level (grid, community, street, district)
    open_by_level: dict[str, int] = field(default_factory=dict)
    #: open tickets in no grid (reported outside every outline, or never placed), and
    #: the first few of them, the longest waiting first
    unassigned: int = 0
    unassigned_tickets: list[TicketRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BoardCell:
    """Open tickets and registered entities of one hierarchy node, by colour."""

    node: NodeRef
    tickets: dict[str, int]
    entities: dict[str, int]
    entities_by_kind: dict[str, int]
    patrol_points: int
    children: int
    #: open tickets by handling level (grid, community, street, district)
    tickets_by_level: dict[str, int] = field(default_factory=dict)
    #: the residents' callbacks of the last 30 days under the node (满意率)
    satisfaction_rate: float | None = None

    @property
    def worst(self) -> str | None:
        """The most urgent colour present among open tickets and entities."""
        return worst_colour(self.tickets, self.entities)


@dataclass(frozen=True, slots=True)
class PatrolPoint:
    """A mandatory daily patrol point (日巡查必到点) under a node."""

    entity_code: str
    name: str
    kind: str
    colour: str
    grid_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Board:
    """A node, its children's cells, and the patrol points under it."""

    node: BoardCell
    cells: list[BoardCell]
    patrol: list[PatrolPoint]


# -- scorecards --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One worker's or department's card for a period."""

    subject_kind: str
    subject_id: int
    rank: int
    code: str
    name: str
    name_en: str
    points: float
    closures: int
    on_time_rate: float | None
    avg_arrival: timedelta | None
    #: days with a daily report / duty days already due in the period (workers only;
    #: ``None`` also before the period's first report is due)
    report_compliance: float | None
    #: per day (week, month) or month (year); None: not yet begun
    trend: list[float | None] = field(default_factory=list)
    #: ``on_time_rate`` is below the ``[alerts]`` target of scoring.toml
    on_time_alert: bool = False
    #: the residents' callbacks (回访) on its tickets in the period: (satisfied + basically
    #: satisfied) / reached; ``None`` when nobody was reached
    satisfaction_rate: float | None = None
    #: the report and satisfaction rates are below the ``[alerts]`` targets
    report_alert: bool = False
    satisfaction_alert: bool = False

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return bilingual(self.name, self.name_en, lang)


@dataclass(frozen=True, slots=True)
class Scorecards:
    """The leaderboards of one period."""

    period: Period
    period_key: str
    start: datetime
    end: datetime
    workers: list[ScoreRow]
    departments: list[ScoreRow]
    workers_total: int


# -- daily reports ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One filed daily report (日报告; a 零报告 has ``kind`` all_safe and no events)."""

    worker_id: int
    worker: Named
    day: date
    at: datetime
    kind: str
    events: int
    note: str
    #: an earlier request with the same idempotency key filed it; nothing new happened
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class DailyReports:
    """A day's reports: who filed and who is missing.

    ``missing`` follows the due time (:class:`~gridtui.domain.reports.ReportSchedule`):
    empty before ``due_at`` and on a day that owes no report (``due_at`` ``None``),
    then the active workers without a report; ``past_due`` says which.
    """

    day: date
    filed: list[ReportRow]
    missing: list[Named]
    workers_active: int
    due_at: datetime | None = None
    past_due: bool = False
