"""LocalSource, the data side of the screens, on SQLite and PostgreSQL: keyset pages
equal the fully sorted queue in every order and direction; roles are enforced; a
database that goes away and comes back is used again."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import Anchor, QueueQuery
from gridtui.data.sources.source import ActionRefused, NotPermitted, SourceUnavailable
from gridtui.data.storage.models import Ticket
from tests.conftest import FIXTURES, NOW, fill_demo_city

RANK = {"red": 0, "orange": 1, "yellow": 2, "blue": 3, "green": 4}


@pytest.fixture
def source(db_url: str, factory, demo_city: Callable[[int], Path]) -> Iterator[LocalSource]:
    fill_demo_city(db_url, factory, demo_city, 2)
    src = LocalSource(db_url, clock=lambda: NOW)
    yield src
    src.close()


def expected(source: LocalSource, query: QueueQuery) -> list[int]:
    """The queue sorted in Python from every matching row."""
    far = datetime.max.replace(tzinfo=NOW.tzinfo)
    with source.factory() as s:
        rows = s.execute(
            select(
                Ticket.id,
                Ticket.colour,
                Ticket.next_deadline,
                Ticket.opened_at,
                Ticket.status,
                Ticket.title,
                Ticket.closed_at,
            )
        ).all()
    rows = [r for r in rows if (r.closed_at is None) == (not query.statuses & {"closed"})]
    if query.statuses:
        rows = [r for r in rows if r.status in query.statuses]
    if query.colours:
        rows = [r for r in rows if r.colour in query.colours]
    if query.text:
        rows = [r for r in rows if query.text in r.title]

    def by_deadline(r: Any) -> tuple[bool, datetime, int]:  # a row of the query above
        return (r.next_deadline is None, r.next_deadline or far, r.id)

    if query.sort == "age":
        rows.sort(key=lambda r: (r.opened_at, r.id))
    elif query.sort == "colour":
        rows.sort(key=lambda r: (RANK[r.colour], *by_deadline(r)))
    else:
        rows.sort(key=by_deadline)
    return [r.id for r in rows]


def walk(source: LocalSource, query: QueueQuery, size: int) -> tuple[list[int], list[int]]:
    forward: list[int] = []
    page = source.queue(query, Anchor.FIRST, None, size)
    while True:
        forward += [r.id for r in page.rows]
        if not page.has_after:
            break
        page = source.queue(query, Anchor.AFTER, page.last, size)
    backward: list[int] = []
    page = source.queue(query, Anchor.LAST, None, size)
    while True:
        backward = [r.id for r in page.rows] + backward
        if not page.has_before:
            break
        page = source.queue(query, Anchor.BEFORE, page.first, size)
    return forward, backward


@pytest.mark.parametrize("sort", ["deadline", "colour", "age"])
@pytest.mark.parametrize(
    "filters",
    [{}, {"colours": frozenset({"red", "orange"})}, {"statuses": frozenset({"closed"})},
     {"text": "纠纷"}],
    ids=["open", "red+orange", "closed", "search"],
)  # fmt: skip
def test_keyset_pages_equal_the_sorted_queue(source, sort, filters):
    query = QueueQuery(sort=sort, **filters)
    want = expected(source, query)
    assert want, "the demo city has tickets for every filter"
    forward, backward = walk(source, query, size=17)
    assert forward == want
    assert backward == want
    assert source.queue_count(query, 10**6) == len(want)
    assert source.queue_count(query, 5) == min(5, len(want))


def test_roles_are_enforced_by_the_source(source):
    ticket = source.queue(QueueQuery(statuses=frozenset({"new"})), Anchor.FIRST, None, 1).rows[0]
    with pytest.raises(NotPermitted, match="viewer may not dispatch"):
        source.act(ticket.id, "dispatch", role="viewer", actor="duty:x")
    with pytest.raises(NotPermitted, match="supervisor"):
        source.act(ticket.id, "cancel", role="officer", actor="duty:x", note="dup")
    with pytest.raises(NotPermitted):
        source.adjust("worker", 1, 2.0, "spot check", role="officer", actor="duty:x")
    with pytest.raises(ActionRefused, match="cannot verify"):
        source.act(ticket.id, "verify", role="supervisor", actor="duty:x")
    out = source.act(ticket.id, "dispatch", role="officer", actor="duty:x")
    assert out.status == "dispatched" and out.version == ticket.version + 1
    detail = source.ticket(ticket.id, NOW)
    assert detail.timeline[-1].actor == "duty:x"
    assert source.changes(0).seq == source.last_seq()


def test_a_database_that_comes_back_is_used_again(tmp_path):
    from gridtui.data.storage.db import make_engine, session_factory, upgrade

    path = tmp_path / "city.sqlite"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    load_fixtures(session_factory(engine), FIXTURES, now=NOW)
    engine.dispose()  # the last connection checkpoints the WAL into the file we move
    src = LocalSource(url, clock=lambda: NOW)
    seq = src.last_seq()
    src.engine.dispose()
    os.rename(path, tmp_path / "away.sqlite")
    os.makedirs(path)
    with pytest.raises(SourceUnavailable, match="database unavailable"):
        src.last_seq()
    os.rmdir(path)
    # Asked in the moment the file is missing, SQLite creates an empty one and the
    # query fails; that connection must not be kept once the real file is back.
    with pytest.raises(SourceUnavailable, match="no such table"):
        src.last_seq()
    os.replace(tmp_path / "away.sqlite", path)
    assert src.last_seq() == seq
    src.close()
