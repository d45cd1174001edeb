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

from bisect import bisect_right
from dataclasses import dataclass
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
from gridtui.domain.scoring.rules import AlertPolicy


def period_window(
    engine: ScoringEngine | None, tz: ZoneInfo, period: Period, at: datetime
) -> tuple[datetime, datetime, str]:
    """The period containing ``at``: (start, end exclusive, key), in UTC, by the loaded
    ``scoring.toml`` (``engine``); without one, weeks from Monday in ``tz``."""
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


@dataclass(frozen=True)
class _PeriodReads:
    """The queries behind one period's leaderboards: everything counted from the
    period's ``start`` up to and including ``at`` (and not past its ``end``)."""

    session: Session
    start: datetime
    end: datetime
    at: datetime
    #: bucket starts of the trend (:func:`_buckets`)
    buckets: list[datetime]

    def so_far(self, col: Any) -> Any:
        """The condition that ``col`` lies in the period so far."""
        return and_(col >= self.start, col < self.end, col <= self.at)

    def ranking(self, kind: str, model: Any, limit: int) -> tuple[list[tuple[int, float]], int]:
        """The top ``limit`` ``(id, points)`` of ``kind`` (everyone, points or not), and
        how many there are."""
        totals = dict(
            self.session.execute(
                select(ScoreEntry.subject_id, func.sum(ScoreEntry.points))
                .where(self.so_far(ScoreEntry.at), ScoreEntry.subject_kind == kind)
                .group_by(ScoreEntry.subject_id)
            ).all()
        )
        everyone = self.session.scalars(select(model.id)).all()
        ranked = sorted(
            ((sid, float(totals.get(sid) or 0.0)) for sid in everyone), key=lambda x: (-x[1], x[0])
        )
        return ranked[:limit], len(everyone)

    def trend(self, kind: str, ids: list[int]) -> dict[int, list[float | None]]:
        """Points per trend bucket of each of ``ids``."""
        # a bucket not yet begun is None (drawn blank), not a day without points
        started = [b <= self.at for b in self.buckets]
        out: dict[int, list[float | None]] = {i: [0.0 if s else None for s in started] for i in ids}
        if not ids:
            return out
        for sid, when, pts in self.session.execute(
            select(ScoreEntry.subject_id, ScoreEntry.at, ScoreEntry.points).where(
                self.so_far(ScoreEntry.at),
                ScoreEntry.subject_kind == kind,
                ScoreEntry.subject_id.in_(ids),
            )
        ):
            i = bisect_right(self.buckets, when) - 1
            value = out[sid][i] if i >= 0 else None
            if value is not None:
                out[sid][i] = value + float(pts)
        return out

    def closures(self, col: Any, ids: list[int]) -> dict[int, tuple[int, int, int]]:
        """``(closed, closed with a deadline, closed by it)`` per ``col`` in ``ids``."""
        closed = and_(Ticket.status == "closed", self.so_far(Ticket.closed_at))
        rows = self.session.execute(
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

    def arrivals(self, col: Any, ids: list[int]) -> dict[int, timedelta]:
        """The average time from the last dispatch (or the report) to ``arrive`` per
        ``col`` in ``ids``."""
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
        rows = self.session.execute(
            select(col, TicketEvent.at, func.coalesce(last_dispatch, Ticket.opened_at))
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(
                TicketEvent.action == "arrive",
                self.so_far(TicketEvent.at),
                col.in_(ids),
            )
        )
        sums: dict[int, list[float]] = {}
        for sid, arrived, instructed in rows:
            acc = sums.setdefault(sid, [0.0, 0])
            acc[0] += max(0.0, (arrived - instructed).total_seconds())
            acc[1] += 1
        return {sid: timedelta(seconds=round(t / n)) for sid, (t, n) in sums.items() if n}

    def satisfaction(self, col: Any, ids: list[int]) -> dict[int, float | None]:
        """The satisfaction of every callback (回访) in the period so far on the
        tickets of each ``col`` in ``ids``."""
        return satisfaction_by(self.session, col, self.start, min(self.end, self.at), col.in_(ids))

    def report_rates(self, counted: list[date], ids: list[int]) -> dict[int, float | None]:
        """The share of the ``counted`` days on which each worker of ``ids`` reported."""
        if not counted:
            return {}
        rows = self.session.execute(
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
    start, end, key = period_window(engine, tz, period, at)
    reads = _PeriodReads(session, start, end, at, _buckets(start, end, period, tz))
    alerts = alert_policy(engine)
    # the period's last day is the one before its (exclusive) end
    counted = reports.counted_days(
        start.astimezone(tz).date(), (end - timedelta(seconds=1)).astimezone(tz).date(), at
    )
    workers, w_total = _worker_rows(reads, alerts, counted, limit)
    departments = _department_rows(reads, alerts, limit)
    return Scorecards(period, key, start, end, workers, departments, w_total)


def _worker_rows(
    reads: _PeriodReads, alerts: AlertPolicy, counted: list[date], limit: int
) -> tuple[list[ScoreRow], int]:
    """The top ``limit`` workers' rows, and how many workers there are."""
    w_ranked, w_total = reads.ranking("worker", Worker, limit)
    w_ids = [sid for sid, _ in w_ranked]
    names = {
        r.id: (r.code, r.name)
        for r in reads.session.execute(
            select(Worker.id, Worker.code, Worker.name).where(Worker.id.in_(w_ids))
        )
    }
    w_trend = reads.trend("worker", w_ids)
    w_close = reads.closures(Ticket.worker_id, w_ids)
    w_arrive = reads.arrivals(Ticket.worker_id, w_ids)
    w_reports = reads.report_rates(counted, w_ids)
    w_content = reads.satisfaction(Ticket.worker_id, w_ids)
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
    return workers, w_total


def _department_rows(reads: _PeriodReads, alerts: AlertPolicy, limit: int) -> list[ScoreRow]:
    """The top ``limit`` departments' rows."""
    d_ranked, _ = reads.ranking("department", Department, limit)
    d_ids = [sid for sid, _ in d_ranked]
    dnames = {
        r.id: (r.code, r.name, r.name_en)
        for r in reads.session.execute(
            select(Department.id, Department.code, Department.name, Department.name_en)
        )
    }
    d_trend = reads.trend("department", d_ids)
    d_close = reads.closures(Ticket.department_id, d_ids)
    d_arrive = reads.arrivals(Ticket.department_id, d_ids)
    d_content = reads.satisfaction(Ticket.department_id, d_ids)
    return [
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


def _rate(counts: tuple[int, int, int] | None) -> float | None:
    if not counts or not counts[1]:
        return None
    return counts[2] / counts[1]
