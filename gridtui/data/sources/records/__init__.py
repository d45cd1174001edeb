"""Plain typed records the screens read: what crosses the data-source boundary.

Every record is a frozen dataclass of plain values (no ORM objects, no sessions), so
the same screens run on a local database (:class:`~gridtui.data.sources.local.LocalSource`)
and over HTTP (:mod:`gridtui.api.client`). Times are timezone-aware UTC; text fields
were cleaned of control characters when they entered and are still shown as data
(never as markup) by the UI.

This package is the boundary's one import place: it re-exports every record of its
modules, kept by subject: :mod:`.reference` (the catalogue), :mod:`.tickets` (queue,
ticket detail, clocks, a new ticket, an action's outcome), :mod:`.figures` (overview,
trend, board, scorecards, daily reports), :mod:`.assessment` (assessment and the
bulletin's lists) and :mod:`.changes` (the change feed, the simulated clock, refused
rules files). Import records from here.
"""

from gridtui.data.sources.records.assessment import (
    ASSESSMENT_LEVELS,
    CHILD_LEVEL,
    AdjustmentRow,
    Assessment,
    AssessmentLevel,
    AssessmentRow,
    BulletinFacts,
    MissingReports,
    RedEntity,
)
from gridtui.data.sources.records.changes import MAX_SPEED, ChangeBatch, ClockSpec, ConfigProblem
from gridtui.data.sources.records.figures import (
    Board,
    BoardCell,
    DailyReports,
    Overview,
    PatrolPoint,
    Period,
    ReportRow,
    Scorecards,
    ScoreRow,
    TrendPoint,
    TrendSpan,
)
from gridtui.data.sources.records.geo import (
    GEO_LAYERS,
    Bounds,
    GeoArea,
    GeoCluster,
    GeoEntity,
    GeoLayer,
    GeoPoint,
    GeoView,
)
from gridtui.data.sources.records.reference import Named, NodeRef, Reference, bilingual
from gridtui.data.sources.records.tickets import (
    ActionOutcome,
    Anchor,
    ClockView,
    Cursor,
    NewTicket,
    Page,
    QueueQuery,
    SlaRow,
    SortKey,
    TicketDetail,
    TicketRow,
    TimelineEntry,
)

__all__ = [
    "ASSESSMENT_LEVELS",
    "CHILD_LEVEL",
    "GEO_LAYERS",
    "MAX_SPEED",
    "ActionOutcome",
    "AdjustmentRow",
    "Anchor",
    "Assessment",
    "AssessmentLevel",
    "AssessmentRow",
    "Board",
    "BoardCell",
    "Bounds",
    "BulletinFacts",
    "ChangeBatch",
    "ClockSpec",
    "ClockView",
    "ConfigProblem",
    "Cursor",
    "DailyReports",
    "GeoArea",
    "GeoCluster",
    "GeoEntity",
    "GeoLayer",
    "GeoPoint",
    "GeoView",
    "MissingReports",
    "Named",
    "NewTicket",
    "NodeRef",
    "Overview",
    "Page",
    "PatrolPoint",
    "Period",
    "QueueQuery",
    "RedEntity",
    "Reference",
    "ReportRow",
    "ScoreRow",
    "Scorecards",
    "SlaRow",
    "SortKey",
    "TicketDetail",
    "TicketRow",
    "TimelineEntry",
    "TrendPoint",
    "TrendSpan",
    "bilingual",
]
