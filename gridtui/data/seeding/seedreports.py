"""The seeded daily reports (日报告): who filed when over the seeded days, and the
missing-report penalties the live sweep would have written
(:func:`~gridtui.data.seeding.seed.seed`)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from gridtui.data.seeding.seedwrite import BulkWriter
from gridtui.data.writes.scoring_runtime import ScoreAccumulator
from gridtui.domain.reports import ReportKind, ReportSchedule


def daily_reports(
    writer: BulkWriter,
    rng: random.Random,
    workers: Iterable[tuple[int, str]],
    days: list[date],
    schedule: ReportSchedule,
    now: datetime,
    scores: ScoreAccumulator,
) -> tuple[int, int]:
    """Daily reports over ``days`` (the last one today, filed up to ``now``); returns
    (reports written, missing-report penalties).

    Workers differ: most miss a day now and then (0–3 %) and are seldom late, a few
    (one in ten) miss 10–25 % of days and are often late. Most reports come in the
    three hours before the due time, late ones up to three hours after it. Only duty
    days owe a report; one not in by the due time costs the ``missing_daily_report``
    penalty dated at the due instant, as the live sweep writes it
    (:mod:`gridtui.data.writes.report_sweep`), and today's only once it is due.
    """
    now_s = int(now.timestamp())
    window = 3 * 3600
    profiles: list[tuple[int, float, float]] = []
    for wid, _code in workers:
        if rng.random() < 0.1:
            profiles.append((wid, rng.uniform(0.10, 0.25), rng.uniform(0.10, 0.30)))
        else:
            profiles.append((wid, rng.uniform(0.0, 0.03), rng.uniform(0.0, 0.03)))
    rows = []
    missing = 0
    for d in days:
        if not schedule.is_duty_day(d):
            continue
        due = int(schedule.due_at(d).timestamp())
        day_start = int(datetime.combine(d, datetime.min.time(), schedule.tz).timestamp())
        day_end = int(
            datetime.combine(d + timedelta(days=1), datetime.min.time(), schedule.tz).timestamp()
        )
        for wid, p_miss, p_late in profiles:
            at: int | None = None
            if rng.random() >= p_miss:
                if rng.random() < p_late and day_end - due > 120:
                    # late, but still on the day (a report is for its own day)
                    at = due + rng.randrange(60, min(window, day_end - due - 60))
                else:
                    at = due - rng.randrange(max(1, min(window, due - day_start)))
            if at is not None and at <= now_s:
                events = 0 if rng.random() < 0.7 else rng.randint(1, 4)
                kind = ReportKind.ALL_SAFE if events == 0 else ReportKind.EVENTS
                note = "无事报平安" if events == 0 else f"今日上报事件{events}件"
                rows.append((wid, d, at, kind.value, events, note))
                scores.daily_report(wid, at)
            if due <= now_s and (at is None or at > due):
                missing += 1
                scores.missing_report(wid, due)
    writer.write_reports(rows)
    return len(rows), missing
