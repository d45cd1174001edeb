"""What a bulletin (通报) lists besides the rankings, for one period so far
(:class:`~gridtui.data.sources.records.BulletinFacts`): each list at most ``limit``
rows, in the order a reader wants them, its total counted exactly.

* overdue: tickets open at the period's end (so far) and past their deadline then,
  the longest overdue first (by deadline);
* breached: tickets with a breach mark (超时) in the period, the most breaches first,
  then the earliest;
* reopened: tickets with rework steps (``reject``, ``reopen``) in the period, the most
  first, then the earliest;
* unsatisfied: tickets whose resident was not satisfied at a callback (回访) in the
  period, the earliest first;
* spot checks: the ledger's manual adjustments in the period, in time order;
* missing daily reports: the active workers who did not report on every counted duty
  day, the most missing first (then by code), with the days;
* the red list: the registered entities whose colour is red now, mandatory patrol
  points first, then by code.

The same counting rules as the figures (:mod:`gridtui.data.reads.assessment_figures`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, TextClause, and_, func, literal_column, select, text
from sqlalchemy.orm import Session

from gridtui.data.reads.assessment import PeriodWindow
from gridtui.data.reads.assessment_figures import (
    REOPEN_ACTIONS,
    Subjects,
    Window,
    counted_days,
    overdue_at_bound,
)
from gridtui.data.reads.queue import ROW_COLUMNS, to_row
from gridtui.data.sources.records import (
    AdjustmentRow,
    BulletinFacts,
    MissingReports,
    Named,
    RedEntity,
    TicketRow,
)
from gridtui.data.storage.models import (
    MARKS_WHERE,
    DailyReportRow,
    Entity,
    Node,
    ScoreEntry,
    Ticket,
    TicketEvent,
)
from gridtui.domain.callback import Satisfaction
from gridtui.domain.chain import BREACH_MARK
from gridtui.domain.colours import RiskColour
from gridtui.domain.reports import ReportSchedule
from gridtui.domain.scoring.rules import ADJUSTMENT


def bulletin_facts(
    session: Session,
    period: PeriodWindow,
    window: Window,
    at: datetime,
    limit: int,
    subjects: Subjects,
    schedule: ReportSchedule,
) -> BulletinFacts:
    """The lists of the bulletin for ``period`` counted over ``window`` (see the
    module), answered as of ``at``."""
    overdue, overdue_total = _overdue(session, window, limit)
    breach = TicketEvent.target.startswith(BREACH_MARK)
    marks = text(f"({MARKS_WHERE})")  # the partial index's predicate, word for word
    breached, breached_total = _ticket_list(session, window, limit, marks, breach)
    rework = TicketEvent.action.in_(REOPEN_ACTIONS)
    reopened, reopened_total = _ticket_list(session, window, limit, marks, rework)
    unhappy = and_(
        TicketEvent.action == literal_column("'feedback'"),  # the feedback index
        TicketEvent.target == Satisfaction.UNSATISFIED.value,
    )
    unsatisfied, unsatisfied_total = _ticket_list(session, window, limit, unhappy, by_count=False)
    return BulletinFacts(
        period=period.period,
        period_key=period.key,
        start=period.start,
        end=period.end,
        at=at,
        overdue=overdue,
        overdue_total=overdue_total,
        breached=breached,
        breached_total=breached_total,
        reopened=reopened,
        reopened_total=reopened_total,
        unsatisfied=unsatisfied,
        unsatisfied_total=unsatisfied_total,
        adjustments=_adjustments(session, window, limit, subjects),
        missing_reports=_missing_reports(session, window, limit, subjects, schedule),
        red_list=_red_list(session, limit),
    )


def _overdue(session: Session, window: Window, limit: int) -> tuple[list[TicketRow], int]:
    """Tickets open at the bound and past their deadline then: those still open and
    those closed since, each read by its own index (:func:`overdue_at_bound`), merged
    by deadline."""
    rows: list[TicketRow] = []
    total = 0
    for where in overdue_at_bound(window):
        total += int(session.scalar(select(func.count()).where(*where)) or 0)
        rows += [
            to_row(r)
            for r in session.execute(
                select(*ROW_COLUMNS).where(*where).order_by(Ticket.due_at, Ticket.id).limit(limit)
            )
        ]
    rows.sort(key=lambda r: (r.due_at, r.id))
    return rows[:limit], total


def _ticket_list(
    session: Session,
    window: Window,
    limit: int,
    *where: ColumnElement[bool] | TextClause,
    by_count: bool = True,
) -> tuple[list[TicketRow], int]:
    """The tickets with timeline steps matching ``where`` in the period: the most steps
    first (``by_count``), then the earliest; and how many tickets there are."""
    steps = (
        select(
            TicketEvent.ticket_id.label("ticket_id"),
            func.count().label("n"),
            func.min(TicketEvent.at).label("first"),
        )
        .where(*where, window.so_far(TicketEvent.at))
        .group_by(TicketEvent.ticket_id)
        .subquery()
    )
    total = int(session.scalar(select(func.count()).select_from(steps)) or 0)
    order: list[Any] = [steps.c.n.desc()] if by_count else []
    rows = session.execute(
        select(*ROW_COLUMNS)
        .join(steps, steps.c.ticket_id == Ticket.id)
        .order_by(*order, steps.c.first, Ticket.id)
        .limit(limit)
    )
    return [to_row(r) for r in rows], total


def _adjustments(
    session: Session, window: Window, limit: int, subjects: Subjects
) -> list[AdjustmentRow]:
    """The spot checks (抽查、专项督查) of the period, in time order."""
    out = []
    for e in session.scalars(
        select(ScoreEntry)
        .where(ScoreEntry.code == ADJUSTMENT, window.so_far(ScoreEntry.at))
        .order_by(ScoreEntry.at, ScoreEntry.id)
        .limit(limit)
    ):
        who = subjects.by_level.get(e.subject_kind, {}).get(e.subject_id)
        named = (
            Named(who.code, who.name, who.name_en) if who else Named(str(e.subject_id), "?", "?")
        )
        out.append(
            AdjustmentRow(e.at, e.subject_kind, named, e.points, e.reason, e.author, e.ticket_id)
        )
    return out


def _missing_reports(
    session: Session, window: Window, limit: int, subjects: Subjects, schedule: ReportSchedule
) -> list[MissingReports]:
    """The active workers short of daily reports on the counted days, the most missing
    first; the days of the listed ones only are read."""
    counted = counted_days(window, schedule)
    if not counted:
        return []
    in_days = (DailyReportRow.day >= counted[0], DailyReportRow.day <= counted[-1])
    filed = {
        int(w): int(n)
        for w, n in session.execute(
            select(DailyReportRow.worker_id, func.count())
            .where(*in_days, DailyReportRow.day.in_(counted))
            .group_by(DailyReportRow.worker_id)
        )
    }
    workers = subjects.by_level["worker"]
    short = [
        (len(counted) - filed.get(w, 0), workers[w].code, w)
        for w in subjects.active
        if filed.get(w, 0) < len(counted)
    ]
    short.sort(key=lambda x: (-x[0], x[1]))
    chosen = [w for _, _, w in short[:limit]]
    days: dict[int, set[Any]] = {w: set() for w in chosen}
    for w, day in session.execute(
        select(DailyReportRow.worker_id, DailyReportRow.day).where(
            *in_days, DailyReportRow.worker_id.in_(chosen)
        )
    ):
        days[int(w)].add(day)
    return [
        MissingReports(
            Named(workers[w].code, workers[w].name, grid_id=workers[w].parent_id),
            missing,
            len(counted),
            [d for d in counted if d not in days[w]],
        )
        for missing, _, w in short[:limit]
    ]


def _red_list(session: Session, limit: int) -> list[RedEntity]:
    """The entities red now (红色管控), patrol points first, then by code."""
    rows = session.execute(
        select(Entity, Node.code, Node.name, Node.name_en)
        .join(Node, Node.id == Entity.grid_id)
        .where(Entity.colour == RiskColour.RED.value)
        .order_by(Entity.patrol_point.desc(), Entity.code)
        .limit(limit)
    )
    return [
        RedEntity(
            e.code, e.kind, e.name, Named(code, name, name_en or ""), e.reason, e.patrol_point
        )
        for e, code, name, name_en in rows
    ]
