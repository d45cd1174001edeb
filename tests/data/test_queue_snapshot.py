"""The queue's page and its count are one snapshot; a descending queue pages by key
both ways (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, update

from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import Anchor, QueueQuery
from gridtui.data.storage.db import make_engine, session_factory
from gridtui.data.storage.models import Ticket
from tests.conftest import NOW, fill_demo_city
from tests.data.test_local_source import expected, walk


@pytest.fixture
def source(db_url: str, factory, demo_city: Callable[[int], Path]) -> Iterator[LocalSource]:
    fill_demo_city(db_url, factory, demo_city, 2)
    src = LocalSource(db_url, clock=lambda: NOW)
    yield src
    src.close()


def test_a_write_between_rows_and_count_does_not_split_them(source, db_url):
    red = QueueQuery(colours=frozenset({"red", "orange", "yellow"}))
    before = source.queue(red, Anchor.FIRST, None, 500, 10**6)
    assert len(before.rows) > 3 and not before.has_after and before.count == len(before.rows)
    victims = [r.id for r in before.rows[:3]]
    writer = make_engine(db_url)
    fired: list[str] = []

    def meanwhile(_conn, _cursor, statement, *_args) -> None:
        # another officer recolours three red tickets while the page is being read
        if "count(" in statement.lower() and not fired:
            fired.append(statement)
            with session_factory(writer).begin() as s:
                s.execute(update(Ticket).where(Ticket.id.in_(victims)).values(colour="green"))

    event.listen(source.engine, "before_cursor_execute", meanwhile)
    try:
        page = source.queue(red, Anchor.FIRST, None, 500, 10**6)
    finally:
        event.remove(source.engine, "before_cursor_execute", meanwhile)
        writer.dispose()
    assert fired, "the write happened between the rows and the count"
    assert page.count == len(page.rows) == len(before.rows)
    after = source.queue(red, Anchor.FIRST, None, 500, 10**6)
    assert after.count == len(after.rows) == len(before.rows) - 3


def test_count_only_when_asked(source):
    assert source.queue(QueueQuery(), Anchor.FIRST, None, 5).count is None
    assert source.queue(QueueQuery(), Anchor.FIRST, None, 5, 3).count == 3


@pytest.mark.parametrize("sort", ["deadline", "colour", "age"])
def test_descending_pages_are_the_ascending_queue_reversed(source, sort):
    up = QueueQuery(sort=sort, colours=frozenset({"red", "orange", "yellow", "blue"}))
    down = QueueQuery(sort=sort, colours=up.colours, descending=True)
    want = list(reversed(expected(source, up)))
    assert len(want) > 13
    forward, backward = walk(source, down, size=4)
    assert forward == want
    assert backward == want
    first = source.queue(down, Anchor.FIRST, None, 4)
    assert not first.has_before and first.has_after
    second = source.queue(down, Anchor.AFTER, first.last, 4)
    assert source.queue(down, Anchor.BEFORE, second.first, 4).rows == first.rows
