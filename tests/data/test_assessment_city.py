"""The assessment of a small city, figures, scores and ranks computed by hand.

The city (two streets, three communities, four grids with one worker each, two
departments) lives through November 2026 by the real write path (the ticket service,
its sweeper, adjustments, daily reports) with a fixed clock, on SQLite and PostgreSQL;
the source's clock is then Wednesday 2 December 10:00, so week 47 (16–22 November) and
November have ended and are counted whole. Every figure of every subject of every level
is written below with where it comes from, then every score and rank with its
arithmetic (the weights are ``assessment.toml``'s defaults).

Rules of the city (its own ``sla.toml`` and ``scoring.toml`` below): a worker's ticket
must be resolved within 24 h of its opening (the clock pauses while the ticket waits
for acceptance and resumes when it is reopened); a department's within 24 h of the
escalation; resolving earns the worker 3 points (a department 5), a breach costs a
worker 3 (a department 4), rework costs the lead worker 2, a daily report earns 0.5.
Every day is a report day, due at 20:00. Times are Shanghai's (UTC+8).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, text

from gridtui.data.intake.confwatch import apply_rules
from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.reads.assessment_figures import Window, marks_query
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import Assessment, NewTicket
from gridtui.data.storage.db import make_engine, session_factory
from gridtui.data.storage.models import Department, Worker
from gridtui.data.writes.service import TicketService
from gridtui.domain.assessment.figures import Figures, rates_of

SH = ZoneInfo("Asia/Shanghai")


def L(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A Shanghai time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


#: the source's clock: Wednesday 2 December 2026, 10:00
CLOCK = L(2, 10, month=12)
WEEK_47 = L(18, 12)  # any instant of the week names it
NOVEMBER = L(15, 12)

CITY = {
    "nodes.csv": """code,parent,level,name,name_en,kind,households
C,,city,测试市,Test City,,
D,C,district,测试区,Test District,,
SA,D,street,甲街道,Street A,,
SB,D,street,乙街道,Street B,,
CA1,SA,community,甲一社区,Community A1,,
CA2,SA,community,甲二社区,Community A2,,
CB1,SB,community,乙一社区,Community B1,,
GA11,CA1,grid,甲一一网格,Grid A1-1,urban,300
GA12,CA1,grid,甲一二网格,Grid A1-2,urban,300
GA21,CA2,grid,甲二一网格,Grid A2-1,urban,300
GB11,CB1,grid,乙一一网格,Grid B1-1,rural,300
""",
    "workers.csv": """code,name,role,grid,phone
W1,赵一,full_time,GA11,
W2,钱二,full_time,GA12,
W3,孙三,full_time,GA21,
W4,李四,full_time,GB11,
""",
    "departments.csv": """code,name,name_en
DA,城管局,City Management
DB,供水公司,Water Co.
""",
    "categories.csv": (
        "code,name,name_en,function,default_colour,is_dispute,department,personal,inspection\n"
        "order.parking,乱停乱放,Illegal parking,order,blue,0,DA,0,0\n"
    ),
    "entities.csv": """code,kind,name,grid,colour,patrol_point,reason
E2,thing,燃气箱,GB11,red,0,隐患
E1,place,加油站,GA11,red,1,近期发生事故
E3,org,出租屋,GA12,green,0,
""",
    "sla.toml": """
[daily_report]
due = "20:00"
calendar = "realtime"

[loop]
unsatisfied_reopens = true

[[policy]]
name = "default"

[[policy.clocks]]
name = "resolved"
label_zh = "24小时内处置"
label_en = "Resolved within 24 h"
duration = "24h"
starts = "open"
stops = ["resolve", "verify", "cancel", "merge"]
resolution = true

[[policy]]
name = "department"
assignee = "department"

[[policy.clocks]]
name = "dept_solved"
label_zh = "部门24小时内办结"
label_en = "Department solved within 24 h"
duration = "24h"
starts = ["dispatch", "escalate", "assist"]
stops = ["resolve", "verify", "cancel", "merge"]
resolution = true
""",
    "scoring.toml": """
timezone = "Asia/Shanghai"
week_starts = "monday"

[adjustment]
min = -20
max = 20

[[rule]]
code = "resolve"
label_zh = "处置"
label_en = "Resolved"
subject = "worker"
on = "resolve"
points = 3

[[rule]]
code = "dept_resolve"
label_zh = "部门处置"
label_en = "Department resolved"
subject = "department"
on = "resolve"
points = 5

[[rule]]
code = "daily_report"
label_zh = "日报告"
label_en = "Daily report"
subject = "worker"
on = "daily_report"
points = 0.5

[[penalty]]
code = "sla_breach"
label_zh = "超时"
label_en = "Breached"
subject = "worker"
on = "sla_breach"
points = -3

[[penalty]]
code = "dept_breach"
label_zh = "部门超时"
label_en = "Department breached"
subject = "department"
on = "sla_breach"
points = -4

[[penalty]]
code = "reopen"
label_zh = "返工"
label_en = "Rework"
subject = "worker"
on = ["reject", "reopen"]
points = -2
""",
}

DUTY = "duty:王敏"


@dataclass
class Life:
    """The city's November through the ticket service (tickets numbered 1..11 in the
    order they are opened)."""

    svc: TicketService

    def open(self, grid: str, at: datetime) -> int:
        new = NewTicket(title="乱停车", category="order.parking", channel="patrol",
                        grid=grid, reporter=DUTY)  # fmt: skip
        return self.svc.open(new, at=at).ticket_id

    def act(self, t: int, action: str, at: datetime, actor: str = DUTY, **kw: str) -> None:
        note = "说明" if action in ("reject", "reopen", "cancel") else ""
        self.svc.act(t, action, actor, at=at, note=note, target=kw.get("target"))

    def work(self, t: int, worker: str, dispatched: datetime, resolved: datetime) -> None:
        """Dispatched to ``worker``, accepted five minutes later, resolved."""
        self.act(t, "dispatch", dispatched, target=worker)
        self.act(t, "accept", dispatched + timedelta(minutes=5), actor=worker)
        self.act(t, "resolve", resolved, actor=worker)

    def close(self, t: int, callback: datetime, result: str, verified: datetime) -> None:
        """The resident called back (回访) with ``result``, then verified and closed."""
        self.act(t, "feedback", callback, target=result)
        self.act(t, "verify", verified)


def live_november(svc: TicketService, ids: dict[str, int]) -> None:
    """Every write of the city's November (and 1 December), in time order."""
    c = Life(svc)
    # -- week 46 (9–15 November) -------------------------------------------------------
    for day in range(9, 16):  # W1 reports every day of weeks 46 and 47 at 19:00
        svc.file_report(ids["W1"], at=L(day, 19))
    t1 = c.open("GA11", L(10, 9))  # T1: W1, on time (due 11 09:00)
    c.work(t1, "W1", L(10, 9, 5), L(10, 15))
    c.close(t1, L(10, 16), "satisfied", L(10, 17))
    t2 = c.open("GA21", L(11, 10))  # T2: W3's, cancelled: counted in, never closed
    c.act(t2, "cancel", L(11, 11))
    svc.adjust("worker", ids["W1"], 3, "抽查表扬", "督查:李", at=L(12, 10))
    t3 = c.open("GB11", L(12, 8))  # T3: W4, resolved 2 h late (due 13 08:00)
    c.work(t3, "W4", L(12, 8, 5), L(13, 10))  # breach marked at the late resolve
    c.close(t3, L(13, 11), "basic", L(13, 12))
    # -- week 47 (16–22 November) ------------------------------------------------------
    t4 = c.open("GA11", L(16, 9))  # T4: W1; the resident is not satisfied: rework
    c.work(t4, "W1", L(16, 9, 5), L(16, 11))
    c.act(t4, "feedback", L(16, 12), target="unsatisfied")  # → reject by the rules
    c.work(t4, "W1", L(16, 13), L(16, 15))
    c.close(t4, L(16, 16), "satisfied", L(16, 17))
    t5 = c.open("GA12", L(17, 9))  # T5: W2 escalates to DB (吹哨), DB on time
    c.act(t5, "escalate", L(17, 10), actor="W2", target="DB")
    c.act(t5, "accept", L(17, 11), actor="dept:DB")
    c.act(t5, "resolve", L(18, 8), actor="dept:DB")
    c.close(t5, L(18, 8, 30), "satisfied", L(18, 9))
    t6 = c.open("GA21", L(18, 9))  # T6: W3 never acts; breached, open to this day
    svc.sweep(at=L(19, 9, 30))
    t7 = c.open("GB11", L(19, 14))  # T7: W4; closed, reopened by a supervisor, closed
    c.work(t7, "W4", L(19, 14, 5), L(20, 10))
    c.close(t7, L(20, 11), "satisfied", L(20, 12))
    svc.adjust("worker", ids["W3"], -5, "抽查发现问题", "督查:李", at=L(20, 10))
    c.act(t7, "reopen", L(21, 9))
    c.work(t7, "W4", L(21, 9, 5), L(21, 12))
    c.close(t7, L(21, 13), "satisfied", L(21, 14))
    t8 = c.open("GA11", L(22, 20))  # T8: W1, opened Sunday evening, closed Monday
    for day in range(16, 23):
        svc.file_report(ids["W1"], at=L(day, 19))
    for day in (16, 17, 18):
        svc.file_report(ids["W2"], at=L(day, 19))
    for day in (20, 21):
        svc.file_report(ids["W4"], at=L(day, 19))
    # -- the rest of November and 1 December ---------------------------------------------
    c.work(t8, "W1", L(22, 20, 5), L(23, 10))
    c.close(t8, L(23, 11), "satisfied", L(23, 12))
    t9 = c.open("GB11", L(24, 9))  # T9: W4 escalates to DA, which is late
    c.act(t9, "escalate", L(24, 10), actor="W4", target="DA")
    c.act(t9, "accept", L(24, 11), actor="dept:DA")
    t10 = c.open("GA12", L(25, 9))  # T10: W2's, breached, closed only in December
    svc.adjust("department", ids["DA"], 2, "专项督查表扬", "督查:李", at=L(25, 10))
    svc.sweep(at=L(25, 11))  # DA's clock (due 25 10:00)
    svc.file_report(ids["W2"], at=L(25, 19))
    c.act(t9, "resolve", L(26, 9), actor="dept:DA")
    c.close(t9, L(26, 10), "unreached", L(26, 11))
    svc.sweep(at=L(26, 10))  # T10 (due 26 09:00)
    svc.file_report(ids["W4"], at=L(28, 19))
    t11 = c.open("GB11", L(30, 22))  # T11: W4's, open (due 1 December 22:00)
    c.work(t10, "W2", L(1, 9, month=12), L(1, 10, month=12))
    c.close(t10, L(1, 11, month=12), "satisfied", L(1, 12, month=12))
    assert [t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11] == list(range(1, 12))


@pytest.fixture
def city(db_url: str, tmp_path: Path) -> Iterator[LocalSource]:
    """The city lived through November, read by a source whose clock is :data:`CLOCK`."""
    folder = tmp_path / "city"
    folder.mkdir()
    for name, content in CITY.items():
        (folder / name).write_text(content, encoding="utf-8")
    engine = make_engine(db_url)
    factory = session_factory(engine)
    load_fixtures(factory, folder, now=L(1, 0))
    with factory() as s:
        ids = {w.code: w.id for w in s.scalars(select(Worker))}
        ids |= {d.code: d.id for d in s.scalars(select(Department))}
    live_november(TicketService(factory, clock=lambda: CLOCK), ids)
    source = LocalSource(db_url, clock=lambda: CLOCK)
    yield source
    source.close()
    engine.dispose()


# -- week 47 (16–22 November): every figure ------------------------------------------------
#
# Opened in the week: T4 (GA11, W1), T5 (GA12, W2, lead department DB), T6 (GA21, W3),
# T7 (GB11, W4), T8 (GA11, W1). Closed by the week's end: T4, T5, T7 (T8 on Monday the
# 23rd). Closed in the week: T4 (16 17:00, due 17 10:00: the clock ran 2 h before the
# rework and 22 h were left at 12:00 → on time), T5 (18 09:00, due 18 10:00 → on time),
# T7 (21 14:00; due 21 13:00: 20 h used 19 14:00 → 20 10:00, 4 h left at the reopening
# at 21 09:00 → late). Overdue at the end (23 00:00): T6 (open, due 19 09:00); T8 is
# due 23 20:00. Breach marks in the week: T6 (swept 19 09:30). Rework: T4's reject
# (16 12:00, the unsatisfied resident) and T7's reopen (21 09:00). Callbacks: T4
# unsatisfied and satisfied, T5 satisfied, T7 satisfied twice. Reports: 7 days due for
# each worker; W1 filed 7, W2 3 (16–18), W3 0, W4 2 (20, 21). Ledger: W1 +3 −2 +3
# (T4) + 7 × 0.5 = 7.5; W2 3 × 0.5 = 1.5; W3 −3 (T6's breach, dated 19 09:00) − 5
# (spot check) = −8; W4 +3 −2 +3 (T7) + 2 × 0.5 = 5; DB +5 (T5). Overdue now (2
# December 10:00): T6 (W3, GA21) and T11 (W4, GB11, due 1 December 22:00).
F = Figures
WEEK_WORKERS = {
    "W1": F(intake=2, closed=1, closed_with_deadline=1, on_time=1, closed_in_period=1,
            reopened=1, callbacks=2, satisfied=1, reports_filed=7, reports_due=7,
            points=7.5),
    "W2": F(intake=1, closed=1, closed_with_deadline=1, on_time=1, closed_in_period=1,
            callbacks=1, satisfied=1, reports_filed=3, reports_due=7, points=1.5),
    "W3": F(intake=1, overdue_now=1, overdue_at_end=1, breaches=1, reports_due=7,
            adjustments=-5.0, adjustment_count=1, points=-8.0),
    "W4": F(intake=1, closed=1, closed_with_deadline=1, on_time=0, overdue_now=1,
            closed_in_period=1, reopened=1, callbacks=2, satisfied=2, reports_filed=2,
            reports_due=7, points=5.0),
}  # fmt: skip
#: one worker per grid, and a worker's ledger and reports count for its grid
GRID_OF = {"GA11": "W1", "GA12": "W2", "GA21": "W3", "GB11": "W4"}
WEEK = {
    "worker": WEEK_WORKERS,
    "grid": {g: WEEK_WORKERS[w] for g, w in GRID_OF.items()},
    "community": {
        # CA1 = GA11 + GA12 (W1 + W2)
        "CA1": F(intake=3, closed=2, closed_with_deadline=2, on_time=2, closed_in_period=2,
                 reopened=1, callbacks=3, satisfied=2, reports_filed=10, reports_due=14,
                 points=9.0),
        "CA2": WEEK_WORKERS["W3"],
        "CB1": WEEK_WORKERS["W4"],
    },
    "street": {
        # SA = CA1 + CA2 (W1 + W2 + W3)
        "SA": F(intake=4, closed=2, closed_with_deadline=2, on_time=2, overdue_now=1,
                overdue_at_end=1, breaches=1, closed_in_period=2, reopened=1, callbacks=3,
                satisfied=2, reports_filed=10, reports_due=21, adjustments=-5.0,
                adjustment_count=1, points=1.0),
        "SB": WEEK_WORKERS["W4"],
    },
    "department": {
        "DA": F(),
        "DB": F(intake=1, closed=1, closed_with_deadline=1, on_time=1, closed_in_period=1,
                callbacks=1, satisfied=1, points=5.0),
    },
}  # fmt: skip
#: the city: every ticket, every ledger line (workers 6 + DB 5), every active worker
WEEK_TOTALS = F(intake=5, closed=3, closed_with_deadline=3, on_time=2, overdue_now=2,
                overdue_at_end=1, breaches=1, closed_in_period=3, reopened=2, callbacks=5,
                satisfied=4, reports_filed=12, reports_due=28, adjustments=-5.0,
                adjustment_count=1, points=11.0)  # fmt: skip

# -- November: every figure ------------------------------------------------------------------
#
# Opened: all eleven. Closed by 1 December 00:00: T1, T3, T4, T5, T7, T8, T9 (T2 was
# cancelled; T10 closed on 1 December; T6, T11 open). Closed in November with on time:
# T1 (10 17:00 ≤ 11 09:00 ✓), T3 (13 12:00 > 13 08:00 ✗), T4 ✓, T5 ✓, T7 ✗, T8
# (23 12:00 ≤ 23 20:00 ✓), T9 (26 11:00 > 25 10:00 ✗). Overdue at the end: T6 (open)
# and T10 (closed only on 1 December, due 26 09:00); T11 is due 1 December 22:00.
# Breach marks: T3 (13 10:00, W4), T6 (19 09:30, W3), T9 (25 11:00, DA's clock; W4 the
# assignee), T10 (26 10:00, W2). Rework: T4, T7. Callbacks: W1 T1 + T4 ×2 + T8 = 4 (3
# content), W2 T5, W4 T3 (basic) + T7 ×2 = 3; T9's resident was not reached (no
# callback), T10's came in December. Reports: 30 days due each; W1 filed 14 (9–22), W2
# 4, W3 0, W4 3. Ledger: W1 +3 (T1) +3 (spot check) +3 −2 +3 (T4) +3 (T8) + 14 × 0.5 =
# 20; W2 4 × 0.5 − 3 (T10's breach, 26 09:00) = −1; W3 −3 − 5 = −8; W4 −3 +3 (T3)
# +3 −2 +3 (T7) + 3 × 0.5 = 5.5; DA −4 (breach, 25 10:00) +2 (spot check) +5 = 3; DB 5.
MONTH_WORKERS = {
    "W1": F(intake=3, closed=3, closed_with_deadline=3, on_time=3, closed_in_period=3,
            reopened=1, callbacks=4, satisfied=3, reports_filed=14, reports_due=30,
            adjustments=3.0, adjustment_count=1, points=20.0),
    "W2": F(intake=2, closed=1, closed_with_deadline=1, on_time=1, overdue_at_end=1,
            breaches=1, closed_in_period=1, callbacks=1, satisfied=1, reports_filed=4,
            reports_due=30, points=-1.0),
    "W3": F(intake=2, overdue_now=1, overdue_at_end=1, breaches=1, reports_due=30,
            adjustments=-5.0, adjustment_count=1, points=-8.0),
    "W4": F(intake=4, closed=3, closed_with_deadline=3, on_time=0, overdue_now=1,
            breaches=2, closed_in_period=3, reopened=1, callbacks=3, satisfied=3,
            reports_filed=3, reports_due=30, points=5.5),
}  # fmt: skip
MONTH = {
    "worker": MONTH_WORKERS,
    "grid": {g: MONTH_WORKERS[w] for g, w in GRID_OF.items()},
    "community": {
        "CA1": F(intake=5, closed=4, closed_with_deadline=4, on_time=4, overdue_at_end=1,
                 breaches=1, closed_in_period=4, reopened=1, callbacks=5, satisfied=4,
                 reports_filed=18, reports_due=60, adjustments=3.0, adjustment_count=1,
                 points=19.0),
        "CA2": MONTH_WORKERS["W3"],
        "CB1": MONTH_WORKERS["W4"],
    },
    "street": {
        "SA": F(intake=7, closed=4, closed_with_deadline=4, on_time=4, overdue_now=1,
                overdue_at_end=2, breaches=2, closed_in_period=4, reopened=1, callbacks=5,
                satisfied=4, reports_filed=18, reports_due=90, adjustments=-2.0,
                adjustment_count=2, points=11.0),
        "SB": MONTH_WORKERS["W4"],
    },
    "department": {
        "DA": F(intake=1, closed=1, closed_with_deadline=1, on_time=0, breaches=1,
                closed_in_period=1, adjustments=2.0, adjustment_count=1, points=3.0),
        "DB": F(intake=1, closed=1, closed_with_deadline=1, on_time=1, closed_in_period=1,
                callbacks=1, satisfied=1, points=5.0),
    },
}  # fmt: skip
#: adjustments 3 − 5 + 2 = 0 over three spot checks; points 20 − 1 − 8 + 5.5 + 3 + 5
MONTH_TOTALS = F(intake=11, closed=7, closed_with_deadline=7, on_time=4, overdue_now=2,
                 overdue_at_end=2, breaches=4, closed_in_period=7, reopened=2, callbacks=8,
                 satisfied=7, reports_filed=21, reports_due=120, adjustments=0.0,
                 adjustment_count=3, points=24.5)  # fmt: skip


# -- scores and ranks --------------------------------------------------------------------------
#
# Each indicator is 0..100: closure 100 × closed / intake, on time 100 × on_time /
# closed_with_deadline, overdue 100 × (1 − overdue_at_end / (intake + overdue_at_end)),
# breaches 100 × (1 − breaches / max(intake, closed_in_period)), reopen 100 × (1 −
# reopened / closed_in_period), satisfaction 100 × satisfied / callbacks, reports 100 ×
# filed / due, points 100 × (points − adjustments) / the level's best (points −
# adjustments), at least 0. An indicator without a base has no value and its weight is
# shared out over the others. Weights (closure, on time, overdue, breaches, reopen,
# satisfaction, reports, points): areas 25 20 10 10 10 15 5 5, workers 25 20 5 5 10 15
# 10 10, departments 25 25 10 10 10 15 0 5. Score = the weighted mean rounded to
# hundredths, plus the spot-check points.


def s(weighted: float, adjustments: float = 0.0) -> float:
    """A score: the weighted part rounded to hundredths, plus the spot checks."""
    return round(round(weighted, 2) + adjustments, 2)


# week 47. Workers: best points − adjustments is W1's 7.5 (W2 1.5, W3 −8 + 5 = −3, W4 5).
WEEK_SCORES = {
    "worker": {
        # closure 50, on time 100, overdue 100, breaches 100, reopen 0, satisfaction 50,
        # reports 100, points 100
        "W1": (s((50 * 25 + 100 * 20 + 100 * 5 + 100 * 5 + 0 * 10 + 50 * 15 + 100 * 10
                  + 100 * 10) / 100), 2),  # 70.0
        # 100 everywhere but reports 3/7 and points 1.5/7.5 = 20
        "W2": (s((100 * (25 + 20 + 5 + 5 + 10 + 15) + 10 * 300 / 7 + 10 * 20) / 100), 1),
        # 86.29; W3: closure 0, overdue 50, breaches 0, reports 0, points 0 (on time,
        # reopen, satisfaction have no base: weights 25 + 5 + 5 + 10 + 10 = 55)
        "W3": (s((0 * 25 + 50 * 5 + 0 * 5 + 0 * 10 + 0 * 10) / 55, -5.0), 4),  # −0.45
        # closure 100, on time 0, overdue 100, breaches 100, reopen 0, satisfaction 100,
        # reports 2/7, points 5/7.5
        "W4": (s((100 * 25 + 0 * 20 + 100 * 5 + 100 * 5 + 0 * 10 + 100 * 15 + 10 * 200 / 7
                  + 10 * 200 / 3) / 100), 3),  # 59.52
    },
    "grid": {  # the workers' figures with the areas' weights; best points 7.5 (GA11)
        "GA11": (s((50 * 25 + 100 * 20 + 100 * 10 + 100 * 10 + 0 * 10 + 50 * 15 + 100 * 5
                    + 100 * 5) / 100), 2),  # 70.0
        "GA12": (s((100 * (25 + 20 + 10 + 10 + 10 + 15) + 5 * 300 / 7 + 5 * 20) / 100), 1),
        "GA21": (s((0 * 25 + 50 * 10 + 0 * 10 + 0 * 5 + 0 * 5) / 55, -5.0), 4),  # 4.09
        "GB11": (s((100 * 25 + 0 * 20 + 100 * 10 + 100 * 10 + 0 * 10 + 100 * 15
                    + 5 * 200 / 7 + 5 * 200 / 3) / 100), 3),  # 64.76
    },
    "community": {  # best points − adjustments: CA1's 9 (CA2 −3, CB1 5)
        # CA1: closure 2/3, on time 100, overdue 100, breaches 100, reopen 1 − 1/2,
        # satisfaction 2/3, reports 10/14, points 100
        "CA1": (s((25 * 200 / 3 + 100 * 20 + 100 * 10 + 100 * 10 + 50 * 10 + 15 * 200 / 3
                   + 5 * 1000 / 14 + 100 * 5) / 100), 1),  # 80.24
        "CA2": (s((0 * 25 + 50 * 10 + 0 * 10 + 0 * 5 + 0 * 5) / 55, -5.0), 3),  # 4.09
        "CB1": (s((100 * 25 + 0 * 20 + 100 * 10 + 100 * 10 + 0 * 10 + 100 * 15
                   + 5 * 200 / 7 + 5 * 500 / 9) / 100), 2),  # 64.21
    },
    "street": {  # best points − adjustments: SA's 1 + 5 = 6 (SB 5)
        # SA: closure 2/4, on time 100, overdue 1 − 1/5, breaches 1 − 1/4, reopen 1 −
        # 1/2, satisfaction 2/3, reports 10/21, points 100
        "SA": (s((50 * 25 + 100 * 20 + 80 * 10 + 75 * 10 + 50 * 10 + 15 * 200 / 3
                  + 5 * 1000 / 21 + 100 * 5) / 100, -5.0), 2),  # 65.38
        "SB": (s((100 * 25 + 0 * 20 + 100 * 10 + 100 * 10 + 0 * 10 + 100 * 15
                  + 5 * 200 / 7 + 5 * 500 / 6) / 100), 1),  # 65.6
    },
    "department": {  # best points: DB's 5
        # DA has nothing but its points indicator (0 of 5): 0
        "DA": (s(0 * 5 / 5), 2),
        # DB: 100 on every indicator with a base (reports none: 25 + 25 + 10 + 10 + 10
        # + 15 + 5 = 100)
        "DB": (s(100 * 100 / 100), 1),
    },
}  # fmt: skip

# November. Workers: best points − adjustments is W1's 20 − 3 = 17 (W2 −1, W3 −3, W4 5.5).
MONTH_SCORES = {
    "worker": {
        # W1: 100 100 100 100, reopen 1 − 1/3, satisfaction 3/4, reports 14/30, points 100
        "W1": (s((100 * (25 + 20 + 5 + 5) + 10 * 200 / 3 + 15 * 75 + 10 * 1400 / 30
                  + 10 * 100) / 100, 3.0), 1),  # 87.58 + 3 = 90.58
        # W2: closure 1/2, on time 100, overdue 1 − 1/3, breaches 1 − 1/2, reopen 100,
        # satisfaction 100, reports 4/30, points 0
        "W2": (s((50 * 25 + 100 * 20 + 5 * 200 / 3 + 50 * 5 + 100 * 10 + 100 * 15
                  + 10 * 400 / 30 + 0 * 10) / 100), 2),  # 64.67
        # W3: closure 0, overdue 1 − 1/3, breaches 1 − 1/2, reports 0, points 0 (/55)
        "W3": (s((0 * 25 + 5 * 200 / 3 + 50 * 5 + 0 * 10 + 0 * 10) / 55, -5.0), 4),  # 5.61
        # W4: closure 3/4, on time 0, overdue 100, breaches 1 − 2/4, reopen 1 − 1/3,
        # satisfaction 100, reports 3/30, points 5.5/17
        "W4": (s((75 * 25 + 0 * 20 + 100 * 5 + 50 * 5 + 10 * 200 / 3 + 100 * 15 + 10 * 10
                  + 10 * 550 / 17) / 100), 3),  # 52.15
    },
    "grid": {  # best points − adjustments 17 (GA11)
        "GA11": (s((100 * (25 + 20 + 10 + 10) + 10 * 200 / 3 + 15 * 75 + 5 * 1400 / 30
                    + 5 * 100) / 100, 3.0), 1),  # 90.25 + 3 = 93.25
        "GA12": (s((50 * 25 + 100 * 20 + 10 * 200 / 3 + 50 * 10 + 100 * 10 + 100 * 15
                    + 5 * 400 / 30 + 0 * 5) / 100), 2),  # 69.83
        "GA21": (s((0 * 25 + 10 * 200 / 3 + 50 * 10 + 0 * 5 + 0 * 5) / 55, -5.0), 4),  # 16.21
        "GB11": (s((75 * 25 + 0 * 20 + 100 * 10 + 50 * 10 + 10 * 200 / 3 + 100 * 15 + 5 * 10
                    + 5 * 550 / 17) / 100), 3),  # 57.53
    },
    "community": {  # best points − adjustments: CA1's 19 − 3 = 16 (CA2 −3, CB1 5.5)
        # CA1: closure 4/5, on time 100, overdue 1 − 1/6, breaches 1 − 1/5, reopen 1 −
        # 1/4, satisfaction 4/5, reports 18/60, points 100
        "CA1": (s((80 * 25 + 100 * 20 + 10 * 500 / 6 + 80 * 10 + 75 * 10 + 80 * 15
                   + 30 * 5 + 100 * 5) / 100, 3.0), 1),  # 82.33 + 3 = 85.33
        "CA2": (s((0 * 25 + 10 * 200 / 3 + 50 * 10 + 0 * 5 + 0 * 5) / 55, -5.0), 3),  # 16.21
        "CB1": (s((75 * 25 + 0 * 20 + 100 * 10 + 50 * 10 + 10 * 200 / 3 + 100 * 15 + 5 * 10
                   + 5 * 550 / 16) / 100), 2),  # 57.64
    },
    "street": {  # best points − adjustments: SA's 11 + 2 = 13 (SB 5.5)
        # SA: closure 4/7, on time 100, overdue 1 − 2/9, breaches 1 − 2/7, reopen 1 − 1/4,
        # satisfaction 4/5, reports 18/90, points 100
        "SA": (s((25 * 400 / 7 + 100 * 20 + 10 * 700 / 9 + 10 * 500 / 7 + 75 * 10 + 80 * 15
                  + 20 * 5 + 100 * 5) / 100, -2.0), 1),  # 74.71 − 2 = 72.71
        "SB": (s((75 * 25 + 0 * 20 + 100 * 10 + 50 * 10 + 10 * 200 / 3 + 100 * 15 + 5 * 10
                  + 5 * 550 / 13) / 100), 2),  # 58.03
    },
    "department": {  # best points − adjustments: DB's 5 (DA 3 − 2 = 1)
        # DA: closure 100, on time 0, overdue 100, breaches 1 − 1/1 = 0, reopen 100,
        # points 1/5; no callbacks, no reports: weights 25 + 25 + 10 + 10 + 10 + 5 = 85
        "DA": (s((100 * 25 + 0 * 25 + 100 * 10 + 0 * 10 + 100 * 10 + 20 * 5) / 85, 2.0), 2),
        "DB": (s(100 * 100 / 100), 1),  # 100 on every indicator with a base
    },
}  # fmt: skip

LEVELS = ("street", "community", "grid", "worker", "department")


def _codes(a: Assessment) -> dict[int, str]:
    return {r.subject_id: r.code for r in a.rows}


def test_week_and_month_figures_scores_and_ranks(city: LocalSource) -> None:
    streets = _codes(city.assessment("street", "week", WEEK_47))
    communities = _codes(city.assessment("community", "week", WEEK_47))
    grids = _codes(city.assessment("grid", "week", WEEK_47))
    parents = {"community": streets, "grid": communities, "worker": grids}
    for period, at, figures, scores, totals in (
        ("week", WEEK_47, WEEK, WEEK_SCORES, WEEK_TOTALS),
        ("month", NOVEMBER, MONTH, MONTH_SCORES, MONTH_TOTALS),
    ):
        for level in LEVELS:
            a = city.assessment(level, period, at)  # type: ignore[arg-type]
            where = f"{period} {level}"
            assert {r.code: r.figures for r in a.rows} == figures[level], where
            assert {r.code: (r.score, r.rank) for r in a.rows} == scores[level], where
            assert [r.rank for r in a.rows] == sorted(r.rank for r in a.rows), where
            assert a.totals == totals and a.closed, where
            assert all(r.rates == rates_of(r.figures) for r in a.rows), where
            names = {r.code: r.parent_id for r in a.rows}
            if level in parents:  # each row names the node (or grid) one level up
                up = {code: parents[level].get(pid) for code, pid in names.items()}  # type: ignore[arg-type]
                assert up == EXPECTED_PARENTS[level], where
            else:
                assert set(names.values()) == {None}, where


EXPECTED_PARENTS = {
    "community": {"CA1": "SA", "CA2": "SA", "CB1": "SB"},
    "grid": {"GA11": "CA1", "GA12": "CA1", "GA21": "CA2", "GB11": "CB1"},
    "worker": {"W1": "GA11", "W2": "GA12", "W3": "GA21", "W4": "GB11"},
}


def test_the_periods_and_what_came_before(city: LocalSource) -> None:
    week = city.assessment("grid", "week", WEEK_47, history=2)
    assert (week.period_key, week.previous_key) == ("2026-W47", "2026-W46")
    assert (week.start, week.end) == (L(16, 0), L(23, 0))
    # week 46 (9–15 November): T1 (W1, on time), T2 (W3, cancelled), T3 (W4, late)
    before = city.assessment("grid", "week", L(11, 12))
    assert before.period_key == "2026-W46" and before.closed
    assert {r.code: (r.previous_score, r.previous_rank) for r in week.rows} == {
        r.code: (r.score, r.rank) for r in before.rows
    }
    assert week.previous_totals == before.totals
    # week 45 ended before the city's first ledger line (W1's report of 9 November,
    # 19:00): not assessed
    assert {r.code: r.history for r in week.rows} == {r.code: [None, r.score] for r in before.rows}
    month = city.assessment("street", "month", NOVEMBER, history=1)
    assert (month.period_key, month.previous_key, month.start, month.end) == (
        "2026-11", "2026-10", L(1, 0), L(1, 0, month=12),
    )  # fmt: skip
    assert {(r.previous_score, r.previous_rank) for r in month.rows} == {(None, None)}
    assert month.previous_totals is None and {tuple(r.history) for r in month.rows} == {(None,)}
    # the running month (December): counted so far, not closed
    december = city.assessment("worker", "month", CLOCK)
    assert december.period_key == "2026-12" and not december.closed
    assert december.totals.intake == 0 and december.totals.closed_in_period == 1  # T10
    assert december.previous_totals == MONTH_TOTALS


def test_bulletin_facts(city: LocalSource) -> None:
    facts = city.bulletin_facts("month", NOVEMBER, 50)
    assert (facts.period_key, facts.start, facts.end) == ("2026-11", L(1, 0), L(1, 0, month=12))
    # overdue at the end: T6 (due 19 November) then T10 (due 26 November)
    assert [t.id for t in facts.overdue] == [6, 10] and facts.overdue_total == 2
    # one breach mark each, the earliest first
    assert [t.id for t in facts.breached] == [3, 6, 9, 10] and facts.breached_total == 4
    assert [t.id for t in facts.reopened] == [4, 7] and facts.reopened_total == 2
    assert [t.id for t in facts.unsatisfied] == [4] and facts.unsatisfied_total == 1
    assert [(a.subject.code, a.points, a.reason) for a in facts.adjustments] == [
        ("W1", 3.0, "抽查表扬"), ("W3", -5.0, "抽查发现问题"), ("DA", 2.0, "专项督查表扬"),
    ]  # fmt: skip
    # 30 days owed: W3 missed 30, W4 27 (filed 20, 21, 28), W2 26, W1 16 (filed 9–22)
    missing = {m.worker.code: (m.missing, m.due) for m in facts.missing_reports}
    assert list(missing.items()) == [
        ("W3", (30, 30)), ("W4", (27, 30)), ("W2", (26, 30)), ("W1", (16, 30)),
    ]  # fmt: skip
    w4 = facts.missing_reports[1].days
    assert len(w4) == 27 and {d.day for d in w4}.isdisjoint({20, 21, 28})
    # the red list: the patrol point first
    assert [(e.code, e.grid.code, e.patrol_point) for e in facts.red_list] == [
        ("E1", "GA11", True), ("E2", "GB11", False),
    ]  # fmt: skip
    short = city.bulletin_facts("month", NOVEMBER, 2)
    assert [t.id for t in short.breached] == [3, 6] and short.breached_total == 4
    assert [m.worker.code for m in short.missing_reports] == ["W3", "W4"]
    week = city.bulletin_facts("week", WEEK_47, 10)
    assert [t.id for t in week.overdue] == [6] and [t.id for t in week.breached] == [6]
    assert [t.id for t in week.reopened] == [4, 7]
    assert [a.subject.code for a in week.adjustments] == ["W3"]


class Statements:
    """The SQL a source sends, seen by an SQLAlchemy event listener."""

    #: the ledger read of a period's figures: one per period read from the database
    PERIOD_READ = "GROUP BY score_entries.subject_kind"

    def __init__(self, source: LocalSource) -> None:
        self.sql: list[str] = []
        event.listen(source.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        self.sql.append(statement)

    def take(self) -> tuple[int, int]:
        """(statements, periods read) since the last take."""
        sql, self.sql = self.sql, []
        return len(sql), sum(self.PERIOD_READ in q for q in sql)


def test_the_cache_keeps_what_cannot_have_changed(city: LocalSource, db_url: str) -> None:
    seen = Statements(city)
    november = city.assessment("street", "month", NOVEMBER)
    assert seen.take()[1] == 1  # November (October ended before any data: not read)
    # the same month again, and its other levels: nothing read but the live counts
    assert city.assessment("street", "month", NOVEMBER) == november
    statements, periods = seen.take()
    assert periods == 0 and statements <= 8, seen.sql
    workers = city.assessment("worker", "month", NOVEMBER)
    assert seen.take()[1] == 0 and {r.code: r.figures for r in workers.rows} == MONTH["worker"]
    # the running month, read at the source's clock, and read again
    december = city.assessment("grid", "month", CLOCK)
    assert seen.take()[1] == 1  # December; November is kept
    assert city.assessment("grid", "month", CLOCK) == december and seen.take()[1] == 0
    # a new ticket now: the running month is read again, November is not
    city.open_ticket(
        NewTicket(title="占道经营", category="order.parking", channel="patrol", grid="GA21",
                  reporter=DUTY),
        role="officer",
    )  # fmt: skip
    after = city.assessment("grid", "month", CLOCK)
    assert seen.take()[1] == 1
    assert after.totals.intake == december.totals.intake + 1 == 1
    assert city.assessment("worker", "month", NOVEMBER) == workers
    assert seen.take()[1] == 0
    # a report filed late for 29 November is dated in the past: November is read again
    # (week 47 ended before it and stays)
    week = city.assessment("street", "week", WEEK_47)
    seen.take()
    w3 = {r.code: r.subject_id for r in workers.rows}["W3"]
    city.service.file_report(w3, at=L(29, 23))
    assert city.assessment("street", "week", WEEK_47) == week and seen.take()[1] == 0
    late = {r.code: r.figures for r in city.assessment("worker", "month", NOVEMBER).rows}
    assert seen.take()[1] == 1
    assert (late["W3"].reports_filed, late["W3"].points) == (1, -7.5)  # + a report, + 0.5
    # a rules edit (new weights) empties the cache: every period is read again
    text = "[weights]\nclosure = 50\non_time = 50\n"
    assert apply_rules(city.factory, "assessment.toml", text, now=CLOCK).state == "applied"
    reweighted = city.assessment("street", "week", WEEK_47)
    assert seen.take()[1] == 2  # week 47 and week 46
    # SA: closure 2/4, on time 2/2 → (50 × 50 + 100 × 50) / 100 − 5 (the spot check)
    assert {r.code: r.score for r in reweighted.rows}["SA"] == s((50 * 50 + 100 * 50) / 100, -5.0)


def test_breaches_and_rework_are_read_through_their_index(city: LocalSource, db_url: str) -> None:
    sqlite = db_url.startswith("sqlite")
    with city.factory() as s:
        if not sqlite:
            s.execute(text("ANALYZE ticket_events"))
            s.execute(text("SET LOCAL enable_seqscan = off"))  # the city is tiny
        stmt = marks_query(Window(L(1, 0), L(1, 0, month=12)))
        sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        # straight to the driver: the compiled text is already escaped for it
        plan = " | ".join(str(r[-1]) for r in s.connection().exec_driver_sql(explain + sql))
        assert "ix_ticket_events_marks" in plan, plan
        assert "SCAN ticket_events" not in plan and "Seq Scan on ticket_events" not in plan
        # November's marks: four breaches (T3, T6, T9, T10), two rework steps (T4, T7)
        rows = s.execute(stmt).all()
        assert (sum(r[-2] for r in rows), sum(r[-1] for r in rows)) == (4, 2)
