"""Plain typed records the screens read: what crosses the data-source boundary.

Every record is a frozen dataclass of plain values (no ORM objects, no sessions), so
the same screens run on a local database (:class:`~gridtui.data.sources.local.LocalSource`)
and over HTTP (the API client of issue 4). Times are timezone-aware UTC; text fields
were cleaned of control characters when they entered and are still shown as data
(never as markup) by the UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from gridtui.domain.handling import Holder, HolderKind, Level
from gridtui.domain.sla import ClockState, state_at

SortKey = Literal["deadline", "colour", "age"]
Period = Literal["week", "month", "year"]
TrendSpan = Literal["24h", "7d", "30d"]


def bilingual(name: str, name_en: str, lang: str) -> str:
    """``name`` (Chinese) for zh, ``name_en`` for en when there is one."""
    return name if lang.startswith("zh") or not name_en else name_en


# -- reference data -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeRef:
    """One place in the hierarchy: city, district, street, community or grid."""

    id: int
    parent_id: int | None
    level: str
    code: str
    name: str
    name_en: str

    def label(self, lang: str) -> str:
        """The name in ``lang`` (the Chinese name when no English one exists)."""
        return bilingual(self.name, self.name_en, lang)


@dataclass(frozen=True, slots=True)
class Named:
    """A department, category or worker: code and names."""

    code: str
    name: str
    name_en: str = ""
    #: a worker's grid (node id), for the pickers of the action forms
    grid_id: int | None = None
    #: a category's department (code), for the pickers of the action forms
    department: str | None = None

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return bilingual(self.name, self.name_en, lang)


@dataclass(frozen=True, slots=True)
class Reference:
    """The slowly changing catalogue screens resolve ids and codes against."""

    nodes: dict[int, NodeRef]
    departments: dict[int, Named]
    categories: dict[str, Named]
    workers: dict[int, Named]
    root_id: int | None

    def holder_label(self, key: str, lang: str) -> str:
        """A holder's name (:attr:`gridtui.domain.handling.Holder.key`): the worker's name
        and code, the department's name, or the centre of a level."""
        holder = Holder.from_key(key)
        if holder.kind is HolderKind.WORKER:
            found = next((w for w in self.workers.values() if w.code == holder.ref), None)
            return f"{found.name}({found.code})" if found else holder.ref
        if holder.kind is HolderKind.DEPARTMENT:
            dept = next((d for d in self.departments.values() if d.code == holder.ref), None)
            return dept.label(lang) if dept else holder.ref
        if holder.kind is HolderKind.CENTRE:
            return "指挥中心" if lang == "zh" else "command centre"
        level = Level(holder.ref).label(lang)
        return f"{level}中心" if lang == "zh" else f"{level} centre"

    def node_label(self, node_id: int | None, lang: str) -> str:
        """A node's name, or ``—``."""
        node = self.nodes.get(node_id) if node_id is not None else None
        return node.label(lang) if node else "—"

    def path(self, node_id: int | None) -> list[NodeRef]:
        """The chain from the root down to ``node_id`` (inclusive)."""
        out: list[NodeRef] = []
        node = self.nodes.get(node_id) if node_id is not None else None
        while node is not None:
            out.append(node)
            node = self.nodes.get(node.parent_id) if node.parent_id is not None else None
        return out[::-1]


# -- tickets ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TicketRow:
    """A ticket as the queue and lists show it."""

    id: int
    title: str
    status: str
    colour: str
    channel: str
    category: str
    grid_id: int | None
    worker_id: int | None
    department_id: int | None
    opened_at: datetime
    due_at: datetime | None
    next_deadline: datetime | None
    closed_at: datetime | None
    version: int
    #: the handling level: grid, community, street or district
    level: str = "grid"
    #: the resident's latest callback (回访), if any
    satisfaction: str | None = None


@dataclass(frozen=True)
class QueueQuery:
    """What the queue shows: filters and order. Empty sets mean "any".

    ``statuses`` empty means every open ticket; name ``closed`` (or any terminal
    status) to see settled ones. ``node_id`` is any hierarchy node: the ticket's
    district, street, community or grid must be it.
    """

    sort: SortKey = "deadline"
    statuses: frozenset[str] = frozenset()
    colours: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    department_id: int | None = None
    node_id: int | None = None
    worker_id: int | None = None
    text: str = ""
    levels: frozenset[str] = frozenset()
    #: the order of ``sort`` reversed (latest deadline, least severe, newest first)
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in a sorted queue: the sort key of one row (opaque to screens)."""

    key: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the queue and where its neighbours start."""

    rows: list[TicketRow]
    first: Cursor | None
    last: Cursor | None
    has_before: bool
    has_after: bool
    #: matching tickets (at most the cap asked for) read in the same snapshot as ``rows``;
    #: None when no count was asked for
    count: int | None = None


class Anchor(StrEnum):
    """Where a page starts."""

    FIRST = "first"
    LAST = "last"
    AFTER = "after"
    BEFORE = "before"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a ticket's audit trail."""

    at: datetime
    action: str
    actor: str
    from_status: str | None
    to_status: str
    note: str
    target: str | None


@dataclass(frozen=True, slots=True)
class ClockView:
    """One SLA clock of one ticket, with the instants its state changes.

    ``warning_at`` and ``critical_at`` let a countdown change colour between reloads
    without asking the database again.
    """

    ticket_id: int
    name: str
    label_zh: str
    label_en: str
    state: str
    started_at: datetime | None
    deadline: datetime | None
    stopped_at: datetime | None
    warning_at: datetime | None
    critical_at: datetime | None
    paused: bool
    remaining: timedelta | None
    resolution: bool
    #: whose clock: a worker code, ``dept:<code>``, ``level:<level>`` or ``centre``
    holder: str = ""

    def label(self, lang: str) -> str:
        """The clock's name in ``lang``."""
        return self.label_zh if lang.startswith("zh") else self.label_en

    @property
    def running(self) -> bool:
        """Started and not stopped."""
        return self.started_at is not None and self.stopped_at is None

    def state_at(self, now: datetime) -> str:
        """The state as of ``now``, moving ok → warning → critical → breached in time
        (the domain's rule: :func:`gridtui.domain.sla.state_at`)."""
        counting = self.started_at is not None and self.stopped_at is None and not self.paused
        return state_at(
            ClockState(self.state), counting, self.deadline, self.warning_at,
            self.critical_at, now,
        ).value  # fmt: skip


@dataclass(frozen=True, slots=True)
class SlaRow:
    """A running clock on the SLA board: the clock and the ticket it belongs to."""

    ticket: TicketRow
    clock: ClockView


@dataclass(frozen=True, slots=True)
class TicketDetail:
    """Everything about one ticket."""

    row: TicketRow
    description: str
    address: str
    source: str
    external_id: str | None
    sla_policy: str
    mediation_failures: int
    reopen_count: int
    merged_into: int | None
    timeline: list[TimelineEntry]
    clocks: list[ClockView]
    actions: list[str]  # lifecycle actions the status allows (before role checks)
    #: the lead holder's key and the co-handling departments' keys (协办)
    lead: str | None = None
    co_handlers: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """The ticket after an action."""

    ticket_id: int
    status: str
    colour: str
    version: int
    recoloured: bool
    #: an earlier request with the same idempotency key did this; nothing new happened
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class NewTicket:
    """What a report needs to become a ticket."""

    title: str
    category: str
    channel: str
    grid: str  # the grid's node code
    reporter: str
    description: str = ""
    address: str = ""
    colour: str | None = None  # default: the category's colour
    lat: float | None = None
    lon: float | None = None
    source: str = "gridtui"  # where the report came from (e.g. open311)


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
        for colour in ("red", "orange", "yellow", "blue", "green"):
            if self.tickets.get(colour) or self.entities.get(colour):
                return colour
        return None


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


# -- rules files -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """A rules file (``sla.toml``, ``scoring.toml``) whose edit was refused: the last
    good rules stay in force until the file is fixed.

    ``message`` names the file, the line when known, the key and what was expected,
    e.g. ``sla.toml:42: policy[2].clocks[0].duration: expected …``.
    """

    name: str
    line: int | None
    message: str
    at: datetime


# -- the change feed ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """Changes since a sequence number: the newest number and the tickets touched."""

    seq: int
    ticket_ids: frozenset[int]
    kinds: frozenset[str]
    count: int


# -- the simulated clock -----------------------------------------------------------------

#: the fastest a simulated clock may run (a simulated week in about a second)
MAX_SPEED = 1_000_000.0


@dataclass(frozen=True, slots=True)
class ClockSpec:
    """The simulated clock a simulator publishes (``gridtui simulate --speed N``).

    ``simulated now = origin_sim + (real now − origin_real) × speed``: every process
    that shows the city (the simulator's writes, the app's countdowns, the server)
    computes "now" from the same spec, so SLA clocks agree everywhere. Times are
    aware UTC.

    Raises:
        ValueError: a naive time, or a speed that is not a number in (0, MAX_SPEED].
    """

    origin_real: datetime
    origin_sim: datetime
    speed: float

    def __post_init__(self) -> None:
        for name in ("origin_real", "origin_sim"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ValueError(f"clock {name} must be an aware datetime, got {value!r}")
        speed = self.speed
        if isinstance(speed, bool) or not isinstance(speed, int | float):
            raise ValueError(f"clock speed must be a number, got {speed!r}")
        if not 0 < speed <= MAX_SPEED:  # also refuses NaN
            raise ValueError(f"clock speed must be in (0, {MAX_SPEED:g}], got {speed!r}")

    def now(self, real: datetime) -> datetime:
        """The simulated time at the real instant ``real``."""
        return self.origin_sim + (real - self.origin_real) * self.speed

    def real_at(self, sim: datetime) -> datetime:
        """The real instant at which the simulated clock shows ``sim``."""
        return self.origin_real + (sim - self.origin_sim) / self.speed

    def to_json(self) -> dict[str, object]:
        """JSON values (what the database row and the API carry)."""
        return {
            "origin_real": self.origin_real.isoformat(),
            "origin_sim": self.origin_sim.isoformat(),
            "speed": self.speed,
        }

    @classmethod
    def from_json(cls, data: object) -> ClockSpec:
        """The spec :meth:`to_json` wrote.

        Raises:
            ValueError: not such a spec (the message says what is wrong).
        """
        if not isinstance(data, dict):
            raise ValueError(f"a clock spec is a JSON object, got {type(data).__name__}")
        try:
            origin_real = datetime.fromisoformat(str(data["origin_real"]))
            origin_sim = datetime.fromisoformat(str(data["origin_sim"]))
            speed = data["speed"]
        except KeyError as exc:
            raise ValueError(f"a clock spec needs {exc.args[0]!r}") from None
        if isinstance(speed, int) and not isinstance(speed, bool):
            speed = float(speed)
        return cls(origin_real, origin_sim, speed)
