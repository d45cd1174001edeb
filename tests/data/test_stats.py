"""KPIs as of a moment, checked against a small history whose numbers are known."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.reads.stats import compute_stats
from gridtui.data.sources.records import NewTicket
from gridtui.data.writes.service import TicketService
from tests.conftest import FIXTURES, NOW

H = timedelta(hours=1)
WALK = ["dispatch", "accept", "arrive", "resolve", "feedback", "verify"]


def opened(svc: TicketService, at: datetime, channel: str = "patrol", colour: str = "blue") -> int:
    grid, reporter = "WH-HB-01-01", "W0001"
    new = NewTicket("路灯不亮", "utility.streetlight", channel, grid, reporter, colour=colour)
    return svc.open(new, at=at).ticket_id


def close(svc: TicketService, tid: int, start: datetime, end: datetime) -> None:
    step = (end - start) / len(WALK)
    for i, action in enumerate(WALK, start=1):
        target = "satisfied" if action == "feedback" else None
        svc.act(tid, action, "W0001", at=start + step * i, target=target)


@pytest.fixture
def history(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    load_fixtures(factory, FIXTURES, now=NOW - 24 * H)
    svc = TicketService(factory, clock=lambda: NOW + 100 * H)
    a = opened(svc, NOW)  # closed after 2 h: on time
    close(svc, a, NOW, NOW + 2 * H)
    b = opened(svc, NOW, channel="hotline", colour="red")  # closed after 30 h: late
    close(svc, b, NOW, NOW + 30 * H)
    opened(svc, NOW, colour="yellow")  # never handled: overdue once its deadline passes
    d = opened(svc, NOW)
    svc.act(d, "cancel", "duty:王敏", note="重复上报", at=NOW + H)
    opened(svc, NOW + 10 * H, channel="citizen_app")  # later than the first moment
    return factory


def test_kpis_early(history: sessionmaker[Session]) -> None:
    with history() as s:
        st = compute_stats(s, NOW + 5 * H)
    assert st.tickets_total == 4  # the fifth was opened later
    assert (st.open, st.closed) == (2, 1)  # a closed; b and c open; d cancelled
    assert st.overdue == 1  # b is red: its resolution clock ran out before 5 h
    assert st.closure_rate == pytest.approx(1 / 4)
    assert (st.on_time_closed, st.closed_with_deadline) == (1, 1)
    # as of 5 h, b had just been dispatched (its walk has a step every 5 h)
    assert st.by_status == {"closed": 1, "cancelled": 1, "dispatched": 1, "new": 1}
    assert st.by_channel == {"patrol": 3, "hotline": 1}


def test_kpis_late(history: sessionmaker[Session]) -> None:
    with history() as s:
        st = compute_stats(s, NOW + 30 * H)
    assert st.tickets_total == 5
    assert (st.open, st.closed) == (2, 2)
    assert st.overdue == 1  # c: past 24 h and still open; e (opened at 10 h) is not yet due
    assert (st.on_time_closed, st.closed_with_deadline) == (1, 2)
    assert st.on_time_rate == pytest.approx(0.5)
    assert st.by_status["new"] == 2 and st.by_status["closed"] == 2
    assert st.by_colour["red"] == 1 and st.by_colour["orange"] == 0
    assert st.open_by_colour["yellow"] == 1
    assert list(st.by_colour)[:5] == ["red", "orange", "yellow", "blue", "green"]
