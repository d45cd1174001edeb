"""An in-memory :class:`~gridtui.data.sources.source.DataSource` for widget and screen
tests that need no database: a city of one street, two communities and three grids,
two workers, one department and a handful of open tickets, all fixed at :data:`NOW`.

:class:`MemorySource` answers every method of the protocol from plain lists; it pages
the queue by position (the cursor holds the index), which is all a screen can tell.
Writes are refused: a test that acts needs the real :class:`LocalSource`. Its
assessment counts the tickets' own columns (intake, closures, overdue) through the
domain's scoring (:func:`~gridtui.domain.assessment.engine.score_level` with the
default weights); it has no timeline, ledger or reports, so those figures are 0. Its
map (outlines, ticket positions, entities) is :mod:`tests.fake_geo`'s.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from gridtui.data.reads.scorecards import period_window
from gridtui.data.sources.records import (
    ActionOutcome,
    Anchor,
    Assessment,
    AssessmentLevel,
    AssessmentRow,
    Board,
    BoardCell,
    BulletinFacts,
    ChangeBatch,
    ClockSpec,
    ConfigProblem,
    Cursor,
    Named,
    NewTicket,
    NodeRef,
    Overview,
    Page,
    Period,
    QueueQuery,
    Reference,
    Scorecards,
    SlaRow,
    TicketDetail,
    TicketRow,
    TrendPoint,
    TrendSpan,
)
from gridtui.data.sources.source import AT_RISK, ActionRefused, DataSource, SourceError
from gridtui.data.storage.changesignal import ChangeSignal, ChangeWaiter
from gridtui.domain.assessment.config import DEFAULT_ASSESSMENT, AssessmentConfig
from gridtui.domain.assessment.engine import score_level, total_figures
from gridtui.domain.assessment.figures import Figures, rates_of
from tests.fake_geo import FakeMap

#: the fake city's "now": a Tuesday morning in Shanghai (as tests/conftest.py's NOW)
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
COLOURS = ("red", "orange", "yellow", "blue", "green")

STREET = NodeRef(1, None, "street", "S01", "测试街道", "Test Street")
COMMUNITIES = [
    NodeRef(2, 1, "community", "C01", "东园社区", "East Garden"),
    NodeRef(3, 1, "community", "C02", "西湖社区", "West Lake"),
]
GRIDS = [
    NodeRef(4, 2, "grid", "G01", "东园一网格", "East Garden 1"),
    NodeRef(5, 2, "grid", "G02", "东园二网格", "East Garden 2"),
    NodeRef(6, 3, "grid", "G03", "西湖一网格", "West Lake 1"),
]


def _ticket(n: int, title: str, colour: str, grid: int, hours_left: float) -> TicketRow:
    opened = NOW - timedelta(hours=10 - n)
    due = NOW + timedelta(hours=hours_left)
    return TicketRow(
        id=n, title=title, status="assigned", colour=colour, channel="hotline",
        category="env.litter", grid_id=grid, worker_id=100 + grid % 2, department_id=10,
        opened_at=opened, due_at=due, next_deadline=due, closed_at=None, version=1,
    )  # fmt: skip


#: the open tickets, most urgent first
TICKETS = [
    _ticket(1, "楼道堆放杂物", "red", 4, -1.0),
    _ticket(2, "路灯不亮", "orange", 4, 0.5),
    _ticket(3, "噪音扰民", "yellow", 5, 2.0),
    _ticket(4, "井盖松动", "blue", 6, 6.0),
    _ticket(5, "绿化带垃圾", "green", 6, 20.0),
]


class MemorySource(FakeMap):
    """The fake city, read from memory: every read is instant and never fails."""

    description = "memory (test fake)"
    timezone = "Asia/Shanghai"

    def __init__(self, tickets: list[TicketRow] | None = None) -> None:
        self.tickets = list(TICKETS if tickets is None else tickets)
        self.signal = ChangeSignal()
        self.calls: list[str] = []  # the methods asked, in order (a test may look)

    # -- reference and boards ----------------------------------------------------------

    def reference(self) -> Reference:
        self.calls.append("reference")
        nodes = {n.id: n for n in [STREET, *COMMUNITIES, *GRIDS]}
        return Reference(
            nodes=nodes,
            departments={10: Named("D01", "城管执法", "City management")},
            categories={"env.litter": Named("env.litter", "乱堆乱放", "Litter")},
            workers={
                100: Named("W100", "张伟", "Zhang Wei", grid_id=4),
                101: Named("W101", "李娜", "Li Na", grid_id=5),
            },
            root_id=STREET.id,
        )

    def _cell(self, node: NodeRef) -> BoardCell:
        under = self._grids_under(node.id)
        tickets = {c: 0 for c in COLOURS}
        for row in self.tickets:
            if row.grid_id in under:
                tickets[row.colour] += 1
        children = [n for n in [*COMMUNITIES, *GRIDS] if n.parent_id == node.id]
        return BoardCell(
            node=node, tickets=tickets, entities={c: 0 for c in COLOURS},
            entities_by_kind={}, patrol_points=0, children=len(children),
            tickets_by_level={"grid": sum(tickets.values())},
        )  # fmt: skip

    def _grids_under(self, node_id: int) -> set[int]:
        found = {node_id}
        for node in [*COMMUNITIES, *GRIDS]:  # parents come before their children
            if node.parent_id in found:
                found.add(node.id)
        return found

    def board(self, node_id: int | None) -> Board:
        self.calls.append("board")
        node = next(n for n in [STREET, *COMMUNITIES, *GRIDS] if n.id == (node_id or STREET.id))
        children = [n for n in [*COMMUNITIES, *GRIDS] if n.parent_id == node.id]
        return Board(node=self._cell(node), cells=[self._cell(c) for c in children], patrol=[])

    # -- the queue ---------------------------------------------------------------------

    def _matching(self, query: QueueQuery) -> list[TicketRow]:
        rows = [
            r
            for r in self.tickets
            if (not query.colours or r.colour in query.colours)
            and (not query.statuses or r.status in query.statuses)
            and query.text in r.title
        ]
        return rows[::-1] if query.descending else rows

    def queue(
        self,
        query: QueueQuery,
        anchor: Anchor,
        cursor: Cursor | None,
        limit: int,
        count_cap: int | None = None,
    ) -> Page:
        self.calls.append("queue")
        rows = self._matching(query)
        at = 0 if cursor is None else int(str(cursor.key[0]))
        if anchor is Anchor.LAST:
            start = max(0, len(rows) - limit)
        elif anchor is Anchor.AFTER:
            start = at + 1
        elif anchor is Anchor.BEFORE:
            start = max(0, at - limit)
        else:
            start = 0
        page = rows[start : start + limit]
        end = start + len(page) - 1
        return Page(
            rows=page,
            first=Cursor((start,)) if page else None,
            last=Cursor((end,)) if page else None,
            has_before=start > 0,
            has_after=end + 1 < len(rows),
            count=None if count_cap is None else min(len(rows), count_cap),
        )

    def queue_count(self, query: QueueQuery, cap: int) -> int:
        return min(len(self._matching(query)), cap)

    def most_urgent(self) -> int | None:
        return self.tickets[0].id if self.tickets else None

    def ticket(self, ticket_id: int, at: datetime) -> TicketDetail:
        row = next((r for r in self.tickets if r.id == ticket_id), None)
        if row is None:
            raise SourceError(f"no ticket {ticket_id}")
        return TicketDetail(
            row=row, description=row.title, address="", source="hotline", external_id=None,
            sla_policy="standard", mediation_failures=0, reopen_count=0, merged_into=None,
            timeline=[], clocks=[], actions=[],
        )  # fmt: skip

    # -- figures -----------------------------------------------------------------------

    def overview(self, at: datetime, at_risk: int = AT_RISK) -> Overview:
        open_by_colour = {c: sum(r.colour == c for r in self.tickets) for c in COLOURS}
        return Overview(
            at=at, intake_today=len(self.tickets), open=len(self.tickets),
            overdue=sum(r.due_at is not None and r.due_at < at for r in self.tickets),
            window_days=30, closure_rate=0.0, on_time_rate=1.0, open_by_colour=open_by_colour,
            at_risk=self.tickets[: min(3, at_risk)], channel_mix={"hotline": len(self.tickets)},
            missing_reports=[], missing_count=0, workers_active=2, report_day=at.date(),
        )  # fmt: skip

    def trend(self, span: TrendSpan, at: datetime) -> list[TrendPoint]:
        return [TrendPoint(at - timedelta(hours=h), intake=h % 3, closed=h % 2) for h in range(24)]

    def sla_board(self, at: datetime, limit: int) -> list[SlaRow]:
        return []

    def scorecards(self, period: Period, at: datetime, limit: int) -> Scorecards:
        return Scorecards(
            period=period, period_key="2026-11", start=at.replace(day=1), end=at,
            workers=[], departments=[], workers_total=0,
        )  # fmt: skip

    # -- assessment ----------------------------------------------------------------------

    def _subjects(self, level: str) -> dict[int, tuple[str, str, str, int | None]]:
        """(code, name, name_en, parent) of every subject of ``level``."""
        nodes = [STREET, *COMMUNITIES, *GRIDS]
        if level in ("street", "community", "grid"):
            return {n.id: (n.code, n.name, n.name_en, n.parent_id) for n in nodes
                    if n.level == level}  # fmt: skip
        if level == "worker":
            return {w: (n.code, n.name, n.name_en, n.grid_id)
                    for w, n in self.reference().workers.items()}  # fmt: skip
        return {10: ("D01", "城管执法", "City management", None)}

    def _keys(self, row: TicketRow, level: str) -> int | None:
        parents = {n.id: n.parent_id for n in [STREET, *COMMUNITIES, *GRIDS]}
        community = parents.get(row.grid_id) if row.grid_id else None
        return {
            "grid": row.grid_id, "community": community,
            "street": parents.get(community) if community else None,
            "worker": row.worker_id, "department": row.department_id,
        }[level]  # fmt: skip

    def _figures(
        self, rows: list[TicketRow], start: datetime, end: datetime, at: datetime
    ) -> Figures:
        bound = min(end, at)

        def late(r: TicketRow, when: datetime) -> bool:
            still_open = r.closed_at is None or r.closed_at > when
            return still_open and r.due_at is not None and r.due_at < when

        opened = [r for r in rows if start <= r.opened_at <= bound]
        closed = [r for r in rows if r.closed_at and start <= r.closed_at <= bound]
        on_time = [r for r in closed if r.due_at and r.closed_at and r.closed_at <= r.due_at]
        return Figures(
            intake=len(opened),
            closed=sum(r.closed_at is not None and r.closed_at <= bound for r in opened),
            closed_with_deadline=sum(r.due_at is not None for r in closed),
            on_time=len(on_time),
            overdue_now=sum(late(r, at) for r in rows),
            overdue_at_end=sum(r.opened_at <= bound and late(r, bound) for r in rows),
            closed_in_period=len(closed),
        )

    def _level(self, level: str, period: Period, at: datetime) -> tuple[dict[int, Figures], str]:
        start, end, key = period_window(None, ZoneInfo(self.timezone), period, at)
        at = end if end <= NOW else at  # a period ended by the fake's clock counts whole
        figures = {
            sid: self._figures([r for r in self.tickets if self._keys(r, level) == sid],
                               start, end, at)
            for sid in self._subjects(level)
        }  # fmt: skip
        return figures, key

    def assessment(
        self, level: AssessmentLevel, period: Period, at: datetime, *, history: int = 0
    ) -> Assessment:
        self.calls.append("assessment")
        tz = ZoneInfo(self.timezone)
        start, end, key = period_window(None, tz, period, at)
        keys = [n[0] for n in self._subjects(level).values()]
        codes = dict(zip(self._subjects(level), keys, strict=True))
        figures, _ = self._level(level, period, at)
        scored = score_level(level, figures, codes, DEFAULT_ASSESSMENT)
        earlier, back = [], start
        for _ in range(max(1, history)):
            p_start, _, p_key = period_window(None, tz, period, back - timedelta(microseconds=1))
            p_figures, _ = self._level(level, period, back - timedelta(microseconds=1))
            earlier.append((p_key, score_level(level, p_figures, codes, DEFAULT_ASSESSMENT)))
            back = p_start
        names = self._subjects(level)
        rows = [
            AssessmentRow(
                level, sid, names[sid][0], names[sid][1], names[sid][2], names[sid][3],
                figures[sid], rates_of(figures[sid]), s.score, s.parts, s.rank,
                earlier[0][1][sid].score, earlier[0][1][sid].rank,
                [e[1][sid].score for e in reversed(earlier[:history])],
            )
            for sid, s in scored.items()
        ]  # fmt: skip
        totals = total_figures(figures.values())
        return Assessment(
            level, period, key, start, end, at, end <= NOW, earlier[0][0], rows, totals,
            rates_of(totals),
        )  # fmt: skip

    def assessment_rules(self) -> AssessmentConfig:
        return DEFAULT_ASSESSMENT

    def bulletin_facts(self, period: Period, at: datetime, limit: int) -> BulletinFacts:
        self.calls.append("bulletin_facts")
        start, end, key = period_window(None, ZoneInfo(self.timezone), period, at)
        bound = min(end, at)
        overdue = sorted(
            (r for r in self.tickets if not r.closed_at and r.due_at and r.due_at < bound),
            key=lambda r: (r.due_at, r.id),
        )
        return BulletinFacts(
            period, key, start, end, at, overdue[:limit], len(overdue),
            [], 0, [], 0, [], 0, [], [], [],
        )  # fmt: skip

    # -- writes (refused) --------------------------------------------------------------

    def act(
        self,
        ticket_id: int,
        action: str,
        *,
        role: str,
        actor: str,
        note: str = "",
        target: str | None = None,
        expected_version: int | None = None,
    ) -> ActionOutcome:
        raise ActionRefused("the memory source is read-only")

    def adjust(
        self,
        subject_kind: str,
        subject_id: int,
        points: float,
        reason: str,
        *,
        role: str,
        actor: str,
        ticket_id: int | None = None,
    ) -> bool:
        raise ActionRefused("the memory source is read-only")

    def open_ticket(
        self,
        new: NewTicket,
        *,
        role: str,
        idempotency_key: str | None = None,
        window: timedelta | None = None,
    ) -> ActionOutcome:
        raise ActionRefused("the memory source is read-only")

    # -- the change feed ---------------------------------------------------------------

    def recolour(self, ticket_id: int, colour: str) -> None:
        """Change one ticket's colour and wake the readers (as another writer would)."""
        self.tickets = [replace(r, colour=colour) if r.id == ticket_id else r for r in self.tickets]
        self.signal.bump()

    def last_seq(self) -> int:
        return self.signal.generation

    def changes(self, since: int) -> ChangeBatch:
        moved = self.signal.generation - since
        ids = frozenset(r.id for r in self.tickets) if moved else frozenset()
        return ChangeBatch(
            seq=self.signal.generation, ticket_ids=ids,
            kinds=frozenset({"ticket"}) if moved else frozenset(), count=moved,
        )  # fmt: skip

    def clock_spec(self) -> ClockSpec | None:
        return None

    def change_waiter(self) -> ChangeWaiter:
        return self.signal.waiter()

    def config_problems(self) -> list[ConfigProblem]:
        return []

    def close(self) -> None:
        self.signal.close()


def _conforms(source: MemorySource) -> DataSource:
    return source  # mypy checks here that MemorySource implements the whole protocol
