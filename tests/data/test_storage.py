"""Storage: migrations, the change feed and one-transaction writes, on each backend."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.changefeed import changes_since, last_seq, record_change
from gridtui.data.storage.db import is_current, make_engine, unit_of_work
from gridtui.data.storage.models import Change, Department

AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def test_migration_creates_queue_and_board_indexes(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert is_current(engine)
        names = {ix["name"] for ix in inspect(engine).get_indexes("tickets")}
        # the queue (status, deadline) and board (hierarchy, colour) need their indexes
        assert any("deadline" in (n or "") for n in names), names
        assert any("grid" in (n or "") for n in names), names
    finally:
        engine.dispose()


def test_change_feed_is_monotonic_and_resumable(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        assert last_seq(s) == 0
    for i in range(5):
        with unit_of_work(factory) as s:
            record_change(s, at=AT, kind="ticket", op="update", entity_id=i, data={"i": i})
    with factory() as s:
        all_changes = changes_since(s, 0)
        assert [c.entity_id for c in all_changes] == [0, 1, 2, 3, 4]
        seqs = [c.seq for c in all_changes]
        assert seqs == sorted(seqs) and len(set(seqs)) == 5
        assert last_seq(s) == seqs[-1]
        later = changes_since(s, seqs[2])
        assert [c.data["i"] for c in later] == [3, 4]
        assert changes_since(s, seqs[-1]) == []


def test_failed_write_leaves_no_trace(factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), unit_of_work(factory) as s:
        s.add(Department(code="X", name="某部门", name_en="Some dept"))
        record_change(s, at=AT, kind="config", op="insert")
        s.flush()
        raise RuntimeError("boom")
    with factory() as s:
        assert s.scalars(select(Department)).all() == []
        assert s.scalars(select(Change)).all() == []


def test_concurrent_writers_get_distinct_increasing_seqs(
    factory: sessionmaker[Session],
) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                with unit_of_work(factory) as s:
                    record_change(s, at=AT, kind="ticket", op="update", entity_id=n * 100 + i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as s:
        seqs = [c.seq for c in changes_since(s, 0)]
    assert len(seqs) == 30 and len(set(seqs)) == 30 and seqs == sorted(seqs)
