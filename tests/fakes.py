"""An in-memory :class:`~gridtui.data.sources.source.DataSource` for widget and screen
tests that need no database: a city of one street, two communities and three grids,
two workers, one department and a handful of open tickets, all fixed at :data:`NOW`.

:class:`MemorySource` answers every method of the protocol from plain lists; it pages
the queue by position (the cursor holds the index), which is all a screen can tell.
Writes are refused: a test that acts needs the real :class:`LocalSource`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from gridtui.data.sources.records import (
    ActionOutcome,
    Anchor,
    Assessment,
    AssessmentLevel,
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


class MemorySource:
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

    def assessment(
        self, level: AssessmentLevel, period: Period, at: datetime, *, history: int = 0
    ) -> Assessment:
        # temporary (issue 15, helper D): the data layer's own replaces it
        from tests.fake_assessment import memory_assessment

        self.calls.append("assessment")
        return memory_assessment(level, period, at, NOW, history=history)

    def bulletin_facts(self, period: Period, at: datetime, limit: int) -> BulletinFacts:
        from tests.fake_assessment import memory_bulletin_facts

        return memory_bulletin_facts(period, at)

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
