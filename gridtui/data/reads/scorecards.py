"""Worker and department scorecards for a week, month or year.

Points are the ledger's credited points (caps were applied when they were awarded);
closures and the on-time rate count tickets closed in the period by the assignee;
the average arrival is from the last dispatch (or the report) to ``arrive``; the
report rate is days with a daily report over the days that count so far: the duty
days of the period whose report was due by ``at``
(:meth:`~gridtui.domain.reports.ReportSchedule.counted_days`; none yet: no rate).
Ranking is one aggregate over the period's ledger; the details are read for the shown
rows only.

"So far" includes the instant ``at`` itself: an adjustment written a moment ago (at
the source clock's now) shows on the board read at that same now.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from gridtui.data.reads.callbacks import satisfaction_by
from gridtui.data.sources.records import Period, Scorecards, ScoreRow
from gridtui.data.storage.models import (
    DailyReportRow,
    Department,
    ScoreEntry,
    Ticket,
    TicketEvent,
    Worker,
)
from gridtui.domain.reports import ReportSchedule
from gridtui.domain.scoring.engine import ScoringEngine, alert_policy


def _window(
    engine: ScoringEngine | None, tz: ZoneInfo, period: Period, at: datetime
) -> tuple[datetime, datetime, str]:
    if engine is not None:
        start, end = engine.period_of(at, period)
        return start.astimezone(UTC), end.astimezone(UTC), engine.period_key(at, period)
    day = at.astimezone(tz).date()
    if period == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
        key = f"{first.isocalendar().year}-W{first.isocalendar().week:02d}"
    elif period == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
        key = f"{first:%Y-%m}"
    else:
        first = day.replace(month=1, day=1)
        last = day.replace(year=day.year + 1, month=1, day=1)
        key = str(day.year)

    def midnight(d: Any) -> datetime:
        return datetime.combine(d, datetime.min.time(), tz).astimezone(UTC)

    return midnight(first), midnight(last), key


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _buckets(start: datetime, end: datetime, period: Period, tz: ZoneInfo) -> list[datetime]:
    """Bucket starts for the trend: days (week, month) or months (year)."""
    out: list[datetime] = []
    local = start.astimezone(tz)
    while local.astimezone(UTC) < end:
        out.append(local.astimezone(UTC))
        if period == "year":
            nxt = (local.replace(day=1) + timedelta(days=32)).replace(day=1)
        else:
            nxt = local + timedelta(days=1)
        local = datetime.combine(nxt.date(), datetime.min.time(), tz)
    return out


def scorecards(
    session: Session,
    engine: ScoringEngine | None,
    tz: ZoneInfo,
    period: Period,
    at: datetime,
    limit: int,
    *,
    reports: ReportSchedule,
) -> Scorecards:
    """The leaderboards of the period containing ``at``, top ``limit`` each; report
    rates by the daily-report rules ``reports``."""
    start, end, key = _window(engine, tz, period, at)
    alerts = alert_policy(engine)

    def so_far(col: Any) -> Any:
        # from the start of the period up to and including ``at`` (and not past its end)
        return and_(col >= start, col < end, col <= at)

    in_period = so_far(ScoreEntry.at)
    buckets = _buckets(start, end, period, tz)

    def ranking(kind: str, model: Any) -> tuple[list[tuple[int, float]], int]:
        totals = dict(
            session.execute(
                select(ScoreEntry.subject_id, func.sum(ScoreEntry.points))
                .where(in_period, ScoreEntry.subject_kind == kind)
                .group_by(ScoreEntry.subject_id)
            ).all()
        )
        everyone = session.scalars(select(model.id)).all()
        ranked = sorted(
            ((sid, float(totals.get(sid) or 0.0)) for sid in everyone), key=lambda x: (-x[1], x[0])
        )
        return ranked[:limit], len(everyone)

    def trend(kind: str, ids: list[int]) -> dict[int, list[float | None]]:
        # a bucket not yet begun is None (drawn blank), not a day without points
        started = [b <= at for b in buckets]
        out: dict[int, list[float | None]] = {i: [0.0 if s else None for s in started] for i in ids}
        if not ids:
            return out
        from bisect import bisect_right

        for sid, when, pts in session.execute(
            select(ScoreEntry.subject_id, ScoreEntry.at, ScoreEntry.points).where(
                in_period, ScoreEntry.subject_kind == kind, ScoreEntry.subject_id.in_(ids)
            )
        ):
            i = bisect_right(buckets, when) - 1
            value = out[sid][i] if i >= 0 else None
            if value is not None:
                out[sid][i] = value + float(pts)
        return out

    def closures(col: Any, ids: list[int]) -> dict[int, tuple[int, int, int]]:
        closed = and_(Ticket.status == "closed", so_far(Ticket.closed_at))
        rows = session.execute(
            select(
                col,
                func.count(),
                func.coalesce(func.sum(case((Ticket.due_at.is_not(None), 1), else_=0)), 0),
                func.coalesce(func.sum(case((Ticket.closed_at <= Ticket.due_at, 1), else_=0)), 0),
            )
            .where(closed, col.in_(ids))
            .group_by(col)
        )
        return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}

    def arrivals(col: Any, ids: list[int]) -> dict[int, timedelta]:
        dispatch = aliased(TicketEvent)
        last_dispatch = (
            select(func.max(dispatch.at))
            .where(
                dispatch.ticket_id == TicketEvent.ticket_id,
                dispatch.action == "dispatch",
                dispatch.at <= TicketEvent.at,
            )
            .correlate(TicketEvent)
            .scalar_subquery()
        )
        rows = session.execute(
            select(col, TicketEvent.at, func.coalesce(last_dispatch, Ticket.opened_at))
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(
                TicketEvent.action == "arrive",
                so_far(TicketEvent.at),
                col.in_(ids),
            )
        )
        sums: dict[int, list[float]] = {}
        for sid, arrived, instructed in rows:
            acc = sums.setdefault(sid, [0.0, 0])
            acc[0] += max(0.0, (arrived - instructed).total_seconds())
            acc[1] += 1
        return {sid: timedelta(seconds=round(t / n)) for sid, (t, n) in sums.items() if n}

    def satisfaction(col: Any, ids: list[int]) -> dict[int, float | None]:
        # every callback (回访) in the period so far on the subject's tickets
        return satisfaction_by(session, col, start, min(end, at), col.in_(ids))

    # the period's last day is the one before its (exclusive) end
    counted = reports.counted_days(
        start.astimezone(tz).date(), (end - timedelta(seconds=1)).astimezone(tz).date(), at
    )

    def report_rates(ids: list[int]) -> dict[int, float | None]:
        if not counted:
            return {}
        rows = session.execute(
            select(DailyReportRow.worker_id, DailyReportRow.day).where(
                DailyReportRow.day >= counted[0],
                DailyReportRow.day <= counted[-1],
                DailyReportRow.worker_id.in_(ids),
            )
        )
        days: dict[int, set[date]] = {i: set() for i in ids}
        for worker_id, day in rows:
            days[int(worker_id)].add(day)
        due = set(counted)
        return {i: len(d & due) / len(due) for i, d in days.items()}

    w_ranked, w_total = ranking("worker", Worker)
    w_ids = [sid for sid, _ in w_ranked]
    names = {
        r.id: (r.code, r.name)
        for r in session.execute(
            select(Worker.id, Worker.code, Worker.name).where(Worker.id.in_(w_ids))
        )
    }
    w_trend = trend("worker", w_ids)
    w_close = closures(Ticket.worker_id, w_ids)
    w_arrive = arrivals(Ticket.worker_id, w_ids)
    w_reports = report_rates(w_ids)
    w_content = satisfaction(Ticket.worker_id, w_ids)
    workers = [
        ScoreRow(
            "worker",
            sid,
            rank,
            names.get(sid, ("?", "?"))[0],
            names.get(sid, ("?", "?"))[1],
            "",
            round(points, 2),
            w_close.get(sid, (0, 0, 0))[0],
            _rate(w_close.get(sid)),
            w_arrive.get(sid),
            w_reports.get(sid),
            [_round(v) for v in w_trend.get(sid, [])],
            alerts.on_time_alert(_rate(w_close.get(sid))),
            w_content.get(sid),
            alerts.report_alert(w_reports.get(sid)),
            alerts.satisfaction_alert(w_content.get(sid)),
        )
        for rank, (sid, points) in enumerate(w_ranked, start=1)
    ]

    d_ranked, _ = ranking("department", Department)
    d_ids = [sid for sid, _ in d_ranked]
    dnames = {
        r.id: (r.code, r.name, r.name_en)
        for r in session.execute(
            select(Department.id, Department.code, Department.name, Department.name_en)
        )
    }
    d_trend = trend("department", d_ids)
    d_close = closures(Ticket.department_id, d_ids)
    d_arrive = arrivals(Ticket.department_id, d_ids)
    d_content = satisfaction(Ticket.department_id, d_ids)
    departments = [
        ScoreRow(
            "department",
            sid,
            rank,
            *dnames.get(sid, ("?", "?", "")),
            round(points, 2),
            d_close.get(sid, (0, 0, 0))[0],
            _rate(d_close.get(sid)),
            d_arrive.get(sid),
            None,
            [_round(v) for v in d_trend.get(sid, [])],
            alerts.on_time_alert(_rate(d_close.get(sid))),
            d_content.get(sid),
            False,
            alerts.satisfaction_alert(d_content.get(sid)),
        )
        for rank, (sid, points) in enumerate(d_ranked, start=1)
    ]
    return Scorecards(period, key, start, end, workers, departments, w_total)


def _rate(counts: tuple[int, int, int] | None) -> float | None:
    if not counts or not counts[1]:
        return None
    return counts[2] / counts[1]
