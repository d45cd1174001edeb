"""The figures (:class:`~gridtui.domain.assessment.figures.Figures`) of every street,
community, grid, worker and department for one period, read with a handful of
grouped queries for all five levels at once.

Each ticket count is one ``GROUP BY`` over the finest combination of the ticket's
columns (street, community, grid, assignee, lead department), rolled up in memory to
each level: a ticket counts for its ``street_id``, ``community_id``, ``grid_id``,
``worker_id`` (the assignee) and ``department_id``. The ledger and the daily reports
count for a worker and, through the worker's grid, for its grid, community and street;
a department's ledger counts for the department. Every subject of a level has figures
(zeros when nothing happened); inactive workers only when something counted for them.

What is counted (a period ``[start, end)`` "so far": up to and including ``until``
while it runs, see :class:`Window`; the meaning of each figure is
:class:`~gridtui.domain.assessment.figures.Figures`'):

* intake and closed-of-intake: tickets opened in the period, and of those the ones in
  status ``closed`` by the bound;
* closures: tickets in status ``closed`` whose ``closed_at`` is in the period (with a
  resolution deadline, and on or before it);
* overdue at the end: tickets opened before the bound, not closed then (``closed_at``
  null or later), whose ``due_at`` had passed;
* breaches: the sweeper's breach marks (a timeline note whose target is
  ``breach:<holder>/<clock>``, :data:`~gridtui.domain.chain.BREACH_MARK`) in the period,
  one per breached clock; rework: ``reject`` and ``reopen`` steps in the period (what
  ``tickets.reopen_count`` and the ``reopen`` penalty of ``scoring.toml`` count), both
  through the partial index ``ix_ticket_events_marks``;
* callbacks: the ``feedback`` steps in the period, reached and content by the
  domain's rule (:func:`~gridtui.data.reads.callbacks.callback_counts`);
* daily reports: the duty days whose report was due by the bound
  (:meth:`~gridtui.domain.reports.ReportSchedule.counted_days`, as the scorecards
  count them) times the active workers, and the reports they filed for those days;
* ledger: points credited in the period, and the manual adjustments among them (code
  :data:`~gridtui.domain.scoring.rules.ADJUSTMENT`).

``overdue_now`` is live (the open tickets past their deadline at the source's clock):
:func:`live_overdue` reads it apart, so that a period's other figures can be kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select, text
from sqlalchemy.orm import Session

from gridtui.data.reads.callbacks import callback_counts
from gridtui.data.sources.records.assessment import ASSESSMENT_LEVELS
from gridtui.data.storage.models import (
    MARKS_WHERE,
    DailyReportRow,
    Department,
    Node,
    ScoreEntry,
    Ticket,
    TicketEvent,
    Worker,
)
from gridtui.domain.assessment.figures import Figures
from gridtui.domain.chain import BREACH_MARK
from gridtui.domain.lifecycle import Action, Status
from gridtui.domain.reports import ReportSchedule
from gridtui.domain.scoring.rules import ADJUSTMENT

#: the ticket columns a ticket counts under, in the order of ``ASSESSMENT_LEVELS``
TICKET_KEYS = (
    Ticket.street_id,
    Ticket.community_id,
    Ticket.grid_id,
    Ticket.worker_id,
    Ticket.department_id,
)
#: the steps counted as rework (返工/重办): rejected acceptance and reopening
REOPEN_ACTIONS = (Action.REJECT.value, Action.REOPEN.value)
_CLOSED = Status.CLOSED.value
#: the names of the figures, in their order, and their places in a count vector
_FIELDS: tuple[str, ...] = tuple(Figures.__dataclass_fields__)
_INDEX = {name: i for i, name in enumerate(_FIELDS)}

Combo = tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class Window:
    """A period ``[start, end)`` counted "so far": up to and including ``until``
    (None: to its end)."""

    start: datetime
    end: datetime
    until: datetime | None = None

    @property
    def bound(self) -> datetime:
        """The instant the period is counted to."""
        return self.end if self.until is None else min(self.end, self.until)

    @property
    def inclusive(self) -> bool:
        """Whether the bound itself counts (``until`` inside the period)."""
        return self.until is not None and self.until < self.end

    def reached(self, col: Any) -> ColumnElement[bool]:
        """``col`` is at or before the bound (before it, for the period's end)."""
        cond: ColumnElement[bool] = col <= self.bound if self.inclusive else col < self.bound
        return cond

    def so_far(self, col: Any) -> ColumnElement[bool]:
        """``col`` lies in the period so far."""
        return and_(col >= self.start, self.reached(col))


@dataclass(frozen=True, slots=True)
class Subject:
    """A street, community, grid, worker or department as a row names it."""

    code: str
    name: str
    name_en: str
    parent_id: int | None


@dataclass(frozen=True)
class Subjects:
    """Every subject of every level, and how a worker's ledger and reports roll up."""

    by_level: dict[str, dict[int, Subject]]
    #: worker id -> (street, community, grid) of the worker's grid
    areas: dict[int, Combo]
    active: frozenset[int]


@dataclass(frozen=True)
class PeriodFigures:
    """One period's figures of every level (``overdue_now`` left at 0: live), and the
    city's totals (every ticket, every ledger line, every active worker)."""

    by_level: dict[str, dict[int, Figures]]
    city: Figures
    counted_days: tuple[date, ...]


def read_subjects(session: Session) -> Subjects:
    """The streets, communities, grids, workers and departments, and the areas of the
    workers (two small reads of the catalogue)."""
    by_level: dict[str, dict[int, Subject]] = {level: {} for level in ASSESSMENT_LEVELS}
    grids: dict[int, Combo] = {}
    for r in session.execute(
        select(Node.id, Node.level, Node.code, Node.name, Node.name_en, Node.parent_id,
               Node.street_id, Node.community_id)
        .where(Node.level.in_(("street", "community", "grid")))
    ):  # fmt: skip
        parent = None if r.level == "street" else r.parent_id
        by_level[r.level][r.id] = Subject(r.code, r.name, r.name_en or "", parent)
        if r.level == "grid":
            grids[r.id] = (r.street_id, r.community_id, r.id)
    active: set[int] = set()
    areas: dict[int, Combo] = {}
    for w in session.execute(
        select(Worker.id, Worker.code, Worker.name, Worker.grid_id, Worker.active)
    ):
        by_level["worker"][w.id] = Subject(w.code, w.name, "", w.grid_id)
        areas[w.id] = grids.get(w.grid_id, (None, None, w.grid_id))
        if w.active:
            active.add(w.id)
    for d in session.execute(select(Department.id, Department.code, Department.name,
                                    Department.name_en)):  # fmt: skip
        by_level["department"][d.id] = Subject(d.code, d.name, d.name_en or "", None)
    return Subjects(by_level, areas, frozenset(active))


class Tally:
    """Counts by level and subject, and the city's, added by ticket combination (kept
    as one vector of :data:`_FIELDS` per subject: a city month adds ~100,000 rows)."""

    def __init__(self) -> None:
        self.by_level: dict[str, dict[int, list[float]]] = {
            level: {} for level in ASSESSMENT_LEVELS
        }
        self._maps = [self.by_level[level] for level in ASSESSMENT_LEVELS]
        self.city: list[float] = [0] * len(_FIELDS)

    def add(self, combo: Sequence[int | None], counts: Mapping[str, float]) -> None:
        """``counts`` for each level's subject of a ticket ``combo`` (see
        :data:`TICKET_KEYS`) and for the city."""
        pairs = [(_INDEX[name], value) for name, value in counts.items() if value]
        if not pairs:
            return
        for subjects, key in zip(self._maps, combo, strict=True):
            if key is not None:
                vec = subjects.get(key)
                if vec is None:
                    vec = subjects[key] = [0] * len(_FIELDS)
                for i, value in pairs:
                    vec[i] += value
        city = self.city
        for i, value in pairs:
            city[i] += value

    def add_worker(self, area: Combo, worker_id: int, counts: Mapping[str, float]) -> None:
        """``counts`` of a worker, for the worker, its grid, community and street."""
        self.add((*area, worker_id, None), counts)

    def count(self, level: str, subject_id: int, name: str) -> float:
        """One subject's count of the figure ``name``."""
        vec = self.by_level[level].get(subject_id)
        return 0 if vec is None else vec[_INDEX[name]]

    def figures(self, subjects: Subjects) -> PeriodFigures:
        """Every subject's figures (workers: the active ones and any that counted)."""
        out: dict[str, dict[int, Figures]] = {}
        for level in ASSESSMENT_LEVELS:
            tallied = self.by_level[level]
            ids: Iterable[int] = subjects.by_level[level]
            if level == "worker":
                ids = [i for i in ids if i in subjects.active or i in tallied]
            out[level] = {i: as_figures(tallied.get(i)) for i in ids}
        return PeriodFigures(out, as_figures(self.city), ())


_ZERO = Figures()
#: the figures kept to hundredths (sums of points); the others are counts
_SUMS = frozenset(("adjustments", "points"))


def as_figures(counts: Sequence[float] | None) -> Figures:
    """:class:`Figures` from a vector of :data:`_FIELDS` (sums kept to hundredths)."""
    if counts is None or not any(counts):
        return _ZERO
    values: list[Any] = [
        round(float(v), 2) + 0.0 if name in _SUMS else int(v)
        for name, v in zip(_FIELDS, counts, strict=True)
    ]
    return Figures(*values)


def _count_if(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _grouped(session: Session, aggs: Sequence[Any], *where: Any) -> Iterable[Any]:
    """Rows of ``(*TICKET_KEYS, *aggs)`` over the tickets matching ``where``."""
    return session.execute(select(*TICKET_KEYS, *aggs).where(*where).group_by(*TICKET_KEYS))


def period_figures(
    session: Session,
    window: Window,
    subjects: Subjects,
    schedule: ReportSchedule,
    *,
    live: bool = False,
) -> PeriodFigures:
    """Every level's figures of ``window`` (``overdue_now`` aside: :func:`live_overdue`;
    with ``live``, a running period read at the source's clock, ``overdue_at_end`` too)."""
    tally = Tally()
    n = len(TICKET_KEYS)
    closed_by = and_(Ticket.status == _CLOSED, window.reached(Ticket.closed_at))
    for row in _grouped(
        session, [func.count(), _count_if(closed_by)], window.so_far(Ticket.opened_at)
    ):
        tally.add(row[:n], {"intake": row[n], "closed": row[n + 1]})
    on_time = and_(Ticket.due_at.is_not(None), Ticket.closed_at <= Ticket.due_at)
    for row in _grouped(
        session,
        [func.count(), _count_if(Ticket.due_at.is_not(None)), _count_if(on_time)],
        Ticket.status == _CLOSED,
        window.so_far(Ticket.closed_at),
    ):
        counts = {"closed_in_period": row[n], "closed_with_deadline": row[n + 1]}
        tally.add(row[:n], {**counts, "on_time": row[n + 2]})
    if not live:
        _overdue_at_end(session, window, tally)
    _marks(session, window, tally)
    for combo, (reached, content) in callback_counts(
        session, TICKET_KEYS, window.start, window.bound, TicketEvent.at < window.end
    ).items():
        tally.add(combo, {"callbacks": reached, "satisfied": content})
    _ledger(session, window, subjects, tally)
    counted = _reports(session, window, subjects, schedule, tally)
    figures = tally.figures(subjects)
    return PeriodFigures(figures.by_level, figures.city, counted)


def overdue_at_bound(window: Window) -> list[tuple[ColumnElement[bool], ...]]:
    """The conditions of the tickets open at the bound and past their deadline then, in
    two parts each read by its own index: those still open (the partial indexes over
    open tickets) and those closed since (``ix_tickets_closed``)."""
    bound = window.bound
    after = Ticket.closed_at > bound if window.inclusive else Ticket.closed_at >= bound
    # the opening time through a function: SQLite would otherwise walk the opening-time
    # index over every older ticket instead of the few closed since
    opened = window.reached(func.coalesce(Ticket.opened_at, Ticket.opened_at))
    return [
        (Ticket.closed_at.is_(None), Ticket.due_at < bound, window.reached(Ticket.opened_at)),
        (after, Ticket.due_at < bound, opened),
    ]


def _overdue_at_end(session: Session, window: Window, tally: Tally) -> None:
    """Tickets open at the bound and past their deadline then (:func:`overdue_at_bound`)."""
    n = len(TICKET_KEYS)
    for where in overdue_at_bound(window):
        for row in _grouped(session, [func.count()], *where):
            tally.add(row[:n], {"overdue_at_end": row[n]})


def marks_query(window: Window) -> Select[Any]:
    """(ticket combination, breach marks, rework steps) in the period: read through the
    partial index ``ix_ticket_events_marks``, not the whole timeline table."""
    breach = TicketEvent.target.startswith(BREACH_MARK)
    rework = TicketEvent.action.in_(REOPEN_ACTIONS)
    return (
        select(*TICKET_KEYS, _count_if(breach), _count_if(rework))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        # word for word the partial index's predicate, so that SQLite uses it
        .where(text(f"({MARKS_WHERE})"), window.so_far(TicketEvent.at))
        .group_by(*TICKET_KEYS)
    )


def _marks(session: Session, window: Window, tally: Tally) -> None:
    """Breach marks and rework steps in the period, by ticket combination."""
    n = len(TICKET_KEYS)
    for row in session.execute(marks_query(window)):
        tally.add(row[:n], {"breaches": row[n], "reopened": row[n + 1]})


def _ledger(session: Session, window: Window, subjects: Subjects, tally: Tally) -> None:
    """Points and adjustments of the period: a worker's for it and its areas, a
    department's for it."""
    adjustment = ScoreEntry.code == ADJUSTMENT
    stmt = (
        select(
            ScoreEntry.subject_kind,
            ScoreEntry.subject_id,
            func.sum(ScoreEntry.points),
            func.coalesce(func.sum(case((adjustment, ScoreEntry.points), else_=0.0)), 0.0),
            _count_if(adjustment),
        )
        .where(window.so_far(ScoreEntry.at))
        .group_by(ScoreEntry.subject_kind, ScoreEntry.subject_id)
    )
    for kind, sid, points, adjusted, adjustments in session.execute(stmt):
        counts = {
            "points": float(points or 0.0),
            "adjustments": float(adjusted or 0.0),
            "adjustment_count": int(adjustments),
        }
        if kind == "worker":
            tally.add_worker(subjects.areas.get(sid, (None, None, None)), sid, counts)
        elif kind == "department":
            tally.add((None, None, None, None, sid), counts)


def counted_days(window: Window, schedule: ReportSchedule) -> list[date]:
    """The duty days of the period whose daily report was due by its bound."""
    tz = schedule.tz
    first = window.start.astimezone(tz).date()
    last = (window.end - timedelta(microseconds=1)).astimezone(tz).date()
    return schedule.counted_days(first, last, window.bound)


def _reports(
    session: Session,
    window: Window,
    subjects: Subjects,
    schedule: ReportSchedule,
    tally: Tally,
) -> tuple[date, ...]:
    """Daily reports owed and filed by the active workers on the counted days."""
    counted = counted_days(window, schedule)
    if not counted:
        return ()
    filed = {
        int(w): int(c)
        for w, c in session.execute(
            select(DailyReportRow.worker_id, func.count())
            .where(
                DailyReportRow.day >= counted[0],
                DailyReportRow.day <= counted[-1],
                DailyReportRow.day.in_(counted),
            )
            .group_by(DailyReportRow.worker_id)
        )
    }
    for worker_id in subjects.active:
        counts = {"reports_due": len(counted), "reports_filed": filed.get(worker_id, 0)}
        tally.add_worker(subjects.areas.get(worker_id, (None, None, None)), worker_id, counts)
    return tuple(counted)


def live_overdue(
    session: Session, now: datetime, at: datetime | None = None
) -> tuple[Tally, Tally, int]:
    """The open tickets past their deadline at ``now`` (``overdue_now``) and, with
    ``at``, those opened by ``at`` and past their deadline then (``overdue_at_end`` of a
    running period read at ``at``, nothing being closed after now): one read of the
    open tickets (partial indexes). The third value is a hash of what was read (the
    same counts, the same hash)."""
    n = len(TICKET_KEYS)
    now_tally, at_tally = Tally(), Tally()
    late = now if at is None else max(now, at)
    aggs = [_count_if(Ticket.due_at < now)]
    if at is not None:
        aggs.append(_count_if(and_(Ticket.due_at < at, Ticket.opened_at <= at)))
    rows = [
        tuple(row)
        for row in _grouped(session, aggs, Ticket.closed_at.is_(None), Ticket.due_at < late)
    ]
    for row in rows:
        if row[n]:
            now_tally.add(row[:n], {"overdue_now": row[n]})
        if at is not None and row[n + 1]:
            at_tally.add(row[:n], {"overdue_at_end": row[n + 1]})
    return now_tally, at_tally, hash(tuple(sorted(rows, key=repr)))


__all__ = [
    "REOPEN_ACTIONS",
    "TICKET_KEYS",
    "PeriodFigures",
    "Subject",
    "Subjects",
    "Tally",
    "Window",
    "as_figures",
    "counted_days",
    "live_overdue",
    "marks_query",
    "overdue_at_bound",
    "period_figures",
    "read_subjects",
]
