"""Handling levels and residents' satisfaction as every reader sees them: the queue's
level filter, the overview's and the risk board's counts by level, the satisfaction
rates of workers, departments and areas; locally and over HTTP alike."""

from __future__ import annotations

from datetime import timedelta

import httpx

from gridtui.api.client import ApiSource
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import Anchor, NewTicket, QueueQuery
from gridtui.data.sources.tokens import create_token
from gridtui.domain.callback import satisfaction_rate
from gridtui.domain.scoring.rules import Period
from tests.conftest import NOW

H = timedelta(hours=1)


def _walk(city: LocalSource, category: str, callback: str | None, *, up: bool = False) -> int:
    svc = city.service
    new = NewTicket("测试回访", category, "patrol", "WH-HB-01-01", "W0001")
    t = svc.open(new, at=NOW - 3 * H).ticket_id
    if up:
        svc.act(t, "escalate", "duty:王敏", target="up", at=NOW - 2 * H)
        return t
    for action in ("dispatch", "accept", "arrive", "resolve"):
        svc.act(t, action, "W0001", at=NOW - 2 * H)
    if callback:
        svc.act(t, "feedback", "duty:王敏", target=callback, at=NOW - H)
    return t


def test_levels_and_satisfaction_reach_every_reader(server, city):
    up = [_walk(city, "order.parking", None, up=True) for _ in range(2)]
    results = ["satisfied", "basic", "unreached", "satisfied"]
    for r in results:
        _walk(city, "order.parking", r)
    expected_rate = satisfaction_rate(results)
    assert expected_rate == 1.0  # the unreached resident is not in the rate
    _walk(city, "order.parking", "unsatisfied")  # reopened: in the rate, not content

    only_up = QueueQuery(levels=frozenset({"community"}))
    rows = city.queue(only_up, Anchor.FIRST, None, 100).rows
    assert {r.id for r in rows} >= set(up) and {r.level for r in rows} == {"community"}

    overview = city.overview(NOW)
    assert overview.open_by_level["community"] >= 2
    assert sum(overview.open_by_level.values()) == overview.open

    board = city.board(None)
    assert board.node.tickets_by_level == overview.open_by_level
    grid_street = [c for c in board.cells if c.tickets_by_level.get("community")]
    assert grid_street, "the district's children count the escalated tickets"
    assert board.node.satisfaction_rate is not None and board.node.satisfaction_rate < 1.0

    cards = city.scorecards(Period.WEEK, NOW, 200)
    w0001 = next(r for r in cards.workers if r.code == "W0001")
    assert w0001.satisfaction_rate is not None and w0001.satisfaction_rate < 1.0

    # over HTTP, the same figures
    secret = create_token(city.factory, "sup", "supervisor", at=NOW)
    remote = ApiSource(server, token=secret)
    try:
        assert [r.id for r in remote.queue(only_up, Anchor.FIRST, None, 100).rows] == [
            r.id for r in rows
        ]
        assert remote.overview(NOW).open_by_level == overview.open_by_level
        assert remote.board(None).node.tickets_by_level == board.node.tickets_by_level
        remote_card = next(r for r in remote.scorecards("week", NOW, 200).workers
                           if r.code == "W0001")  # fmt: skip
        assert remote_card.satisfaction_rate == w0001.satisfaction_rate
    finally:
        remote.close()
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {secret}"}) as c:
        answer = c.get("/api/v1/tickets?level=nowhere")
        assert answer.status_code == 422
