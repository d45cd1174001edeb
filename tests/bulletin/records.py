"""Hand-made records for the bulletin writers: a small city (龙城市) assessed for
November 2026, its previous month, and the bulletin facts. Codes are digits only, so
that a Chinese bulletin of these records holds no Latin letter at all."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import cast

from gridtui.data.sources.records import (
    AdjustmentRow,
    Assessment,
    AssessmentRow,
    BulletinFacts,
    ClockSpec,
    MissingReports,
    Named,
    NodeRef,
    RedEntity,
    Reference,
    TicketRow,
)
from gridtui.data.sources.source import DataSource, SourceError
from gridtui.domain.assessment.config import DEFAULT_ASSESSMENT, AssessmentConfig, BulletinLayout
from gridtui.domain.assessment.figures import Figures, ScorePart, rates_of

START = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 2026-11-01 00:00 in Shanghai
END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
AT = END - timedelta(microseconds=1)
ISSUED = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
LAYOUT = BulletinLayout(top=2, bottom=1, list_limit=3, full_table_max=3)


def reference(city: str = "龙城市") -> Reference:
    """The city, two streets, four communities, two grids, workers, departments."""
    nodes = [
        NodeRef(1, None, "city", "3200", city, "Longcheng"),
        NodeRef(2, 1, "street", "3201", "东街街道", "East Street"),
        NodeRef(3, 1, "street", "3202", "西街街道", "West Street"),
        NodeRef(4, 2, "community", "320101", "花园社区", "Garden"),
        NodeRef(5, 2, "community", "320102", "河畔社区", "Riverside"),
        NodeRef(6, 3, "community", "320201", "新村社区", "New Village"),
        NodeRef(7, 3, "community", "320202", "老城社区", "Old Town"),
        NodeRef(8, 4, "grid", "32010101", "花园一网格", "Garden 1"),
        NodeRef(9, 6, "grid", "32020101", "新村一网格", "New Village 1"),
    ]
    return Reference(
        nodes={n.id: n for n in nodes},
        departments={1: Named("0101", "城管局", "Urban Management"),
                     2: Named("0102", "水务局", "Water Bureau")},
        categories={"0301": Named("0301", "环境卫生", "Sanitation"),
                    "0302": Named("0302", "矛盾纠纷", "Dispute")},
        workers={1: Named("0001", "张伟", "Zhang Wei", grid_id=8),
                 2: Named("0002", "李娜", "Li Na", grid_id=9)},
        root_id=1,
    )  # fmt: skip


def figures(intake: int, closed: int, **more: int | float) -> Figures:
    """Figures with the given counts (the rest zero)."""
    return Figures(intake=intake, closed=closed, **more)  # type: ignore[arg-type]


def row(
    level: str, sid: int, code: str, names: tuple[str, str], parent: int | None, f: Figures,
    score: float, rank: int, prev: tuple[float, int] | None,
) -> AssessmentRow:  # fmt: skip
    """One assessed row."""
    return AssessmentRow(
        level=level, subject_id=sid, code=code, name=names[0], name_en=names[1],
        parent_id=parent, figures=f, rates=rates_of(f), score=score,
        parts=[ScorePart("closure", 90.0, 1.0, score)], rank=rank,
        previous_score=prev[0] if prev else None, previous_rank=prev[1] if prev else None,
    )  # fmt: skip


TOTALS = Figures(
    intake=1250, closed=1200, closed_with_deadline=1100, on_time=1045, overdue_now=8,
    overdue_at_end=12, breaches=30, closed_in_period=1180, reopened=24, callbacks=400,
    satisfied=372, reports_filed=590, reports_due=600, adjustments=-1.5,
    adjustment_count=3, points=320.0,
)  # fmt: skip
PREVIOUS = Figures(
    intake=1100, closed=1030, closed_with_deadline=1000, on_time=930, overdue_at_end=15,
    breaches=41, closed_in_period=1010, reopened=30, callbacks=380, satisfied=350,
    reports_filed=570, reports_due=600,
)  # fmt: skip


def assessment(level: str, rows: list[AssessmentRow], *, closed: bool = True) -> Assessment:
    """November 2026 at ``level``, with the city's totals and October's."""
    return Assessment(
        level=level, period="month", period_key="2026-11", start=START, end=END,
        at=AT if closed else datetime(2026, 11, 24, 2, 0, tzinfo=UTC), closed=closed,
        previous_key="2026-10", rows=rows, totals=TOTALS, totals_rates=rates_of(TOTALS),
        previous_totals=PREVIOUS, previous_rates=rates_of(PREVIOUS),
    )  # fmt: skip


def streets() -> Assessment:
    """Two streets: every row shown (within full_table_max)."""
    return assessment("street", [
        row("street", 2, "3201", ("东街街道", "East Street"), None,
            figures(700, 680, closed_with_deadline=600, on_time=580, callbacks=200, satisfied=190,
                    adjustments=1.0), 92.35, 1, (90.1, 2)),
        row("street", 3, "3202", ("西街街道", "West Street"), None,
            figures(550, 520, closed_with_deadline=500, on_time=465, callbacks=200, satisfied=182,
                    adjustments=-2.5), 88.5, 2, (91.0, 1)),
    ])  # fmt: skip


def communities() -> Assessment:
    """Four communities: more than full_table_max, so the top 2 and the last 1."""
    names = [
        (4, "320101", ("花园社区", "Garden"), 2, 95.0),
        (5, "320102", ("河畔社区", "Riverside"), 2, 90.25),
        (6, "320201", ("新村社区", "New Village"), 3, 80.0),
        (7, "320202", ("老城社区", "Old Town"), 3, 71.75),
    ]
    return assessment("community", [
        row("community", sid, code, nm, parent, figures(300, 290), score, rank, None)
        for rank, (sid, code, nm, parent, score) in enumerate(names, 1)
    ])  # fmt: skip


def ticket(tid: int, title: str, **more: object) -> TicketRow:
    """A ticket of grid 8, worker 1 (or as given)."""
    base = TicketRow(
        id=tid, title=title, status="on_scene", colour="orange", channel="hotline",
        category="0301", grid_id=8, worker_id=1, department_id=None,
        opened_at=datetime(2026, 11, 20, 1, 30, tzinfo=UTC),
        due_at=datetime(2026, 11, 21, 1, 30, tzinfo=UTC), next_deadline=None, closed_at=None,
        version=3,
    )  # fmt: skip
    return replace(base, **more)  # type: ignore[arg-type]


def facts(title: str = "小区垃圾清运不及时") -> BulletinFacts:
    """The lists: two overdue (of 12), one breached, one reopened, one unsatisfied, a
    spot check, a missing report, a red entity."""
    return BulletinFacts(
        period="month", period_key="2026-11", start=START, end=END, at=AT,
        overdue=[ticket(101, title), ticket(102, "路灯不亮", colour="red", worker_id=None,
                                              department_id=1, category="0302")],
        overdue_total=12,
        breached=[ticket(103, "井盖缺失", status="resolved")], breached_total=1,
        reopened=[ticket(104, "噪音扰民", status="dispatched")], reopened_total=1,
        unsatisfied=[ticket(105, "楼道堆物", status="closed", satisfaction="unsatisfied")],
        unsatisfied_total=1,
        adjustments=[AdjustmentRow(datetime(2026, 11, 12, 6, 0, tzinfo=UTC), "worker",
                                   Named("0001", "张伟", "Zhang Wei"), -1.5, "巡查记录不实",
                                   "督查组", ticket_id=101)],
        missing_reports=[MissingReports(Named("0002", "李娜", "Li Na"), 2, 26,
                                        [date(2026, 11, 3), date(2026, 11, 17)])],
        red_list=[RedEntity("9001", "place", "化工仓库",
                            Named("32010101", "花园一网格", "Garden 1"), "危化品存放", True)],
    )  # fmt: skip


class RecordsSource:
    """Answers with the hand-made records and notes what it was asked (the source is
    not what is under test here)."""

    timezone = "Asia/Shanghai"

    def __init__(self, fail: bool = False, spec: ClockSpec | None = None) -> None:
        self.asked: list[tuple[str, ...]] = []
        self.fail, self.spec = fail, spec

    def reference(self) -> Reference:
        return reference()

    def assessment(self, level: str, period: str, at: datetime, *, history: int = 0) -> Assessment:
        self.asked.append(("assessment", level, period))
        return streets() if level == "street" else assessment(level, communities().rows)

    def assessment_rules(self) -> AssessmentConfig:
        self.asked.append(("rules",))
        return DEFAULT_ASSESSMENT

    def clock_spec(self) -> ClockSpec | None:
        return self.spec

    def source(self) -> DataSource:
        """Itself, as the writers take it."""
        return cast(DataSource, self)

    def bulletin_facts(self, period: str, at: datetime, limit: int) -> BulletinFacts:
        self.asked.append(("facts", period, str(limit)))
        if self.fail:
            raise SourceError("the database is away")
        return facts()
