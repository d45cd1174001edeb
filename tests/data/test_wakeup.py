"""Readers wake on database changes instead of polling (gridtui.data.storage.wakeup): a write by
another process wakes a waiting LocalSource (SQLite: the file watched; PostgreSQL:
LISTEN/NOTIFY), reads wake nobody, and an idle app makes no change-feed queries
until someone writes."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from gridtui.app import build_app
from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import NewTicket
from gridtui.data.storage.changesignal import ChangeSignal
from tests.conftest import FIXTURES, NOW, ROOT
from tests.waiting import pilot_until

#: another process appends one change to the feed (argv[1]: the database URL)
WRITE_CHANGE = """
import sys
from datetime import UTC, datetime
from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.db import make_engine, session_factory
engine = make_engine(sys.argv[1])
with session_factory(engine).begin() as s:
    record_change(s, at=datetime.now(UTC), kind="report", op="test")
engine.dispose()
"""

#: another process notes on a ticket through the data source (argv[2]: the ticket)
NOTE_TICKET = """
import sys
from gridtui.data.sources.local import LocalSource
src = LocalSource(sys.argv[1])
src.act(int(sys.argv[2]), "note", role="officer", actor="duty:隔壁进程", note="另一进程写入")
src.close()
"""

#: another process only reads
READ_ONLY = """
import sys
from datetime import UTC, datetime
from gridtui.data.sources.local import LocalSource
src = LocalSource(sys.argv[1])
src.last_seq(); src.changes(0); src.overview(datetime.now(UTC)); src.config_problems()
src.close()
"""


def run_python(code: str, *args: str) -> None:
    """``code`` in a separate Python process (as another gridtui command would be)."""
    subprocess.run([sys.executable, "-c", code, *args], check=True, timeout=120, cwd=ROOT)


@pytest.fixture
def source(db_url: str, factory: sessionmaker[Session]) -> Iterator[LocalSource]:
    load_fixtures(factory, FIXTURES, now=NOW)
    src = LocalSource(db_url, clock=lambda: NOW)
    yield src
    src.close()


def test_a_write_by_another_process_wakes_a_waiting_source(source: LocalSource) -> None:
    called: list[int] = []
    assert source.on_change(lambda: called.append(1)), "this database can be watched"
    waiter = source.change_waiter()
    seq = source.last_seq()
    woke: list[bool] = []
    thread = threading.Thread(target=lambda: woke.append(waiter.wait(60)))
    thread.start()
    run_python(WRITE_CHANGE, source.url)
    thread.join(60)
    assert woke == [True], "the waiter slept through another process's write"
    assert called, "the change callback (a server's stream kick) was not called"
    batch = source.changes(seq)
    assert (batch.count, batch.kinds) == (1, frozenset({"report"}))


def test_reads_wake_nobody_and_writes_in_this_process_wake_at_once(source: LocalSource) -> None:
    waiter = source.change_waiter()
    source.last_seq()
    # another process and another engine of this one read: no wake-up
    run_python(READ_ONLY, source.url)
    other = LocalSource(source.url, clock=lambda: NOW)
    try:
        other.overview(NOW)
        other.changes(0)
    finally:
        other.close()
    assert [waiter.wait(1.0) for _ in range(3)] == [False, False, False]
    assert (waiter.wakeups, waiter.timeouts) == (0, 3)
    # a write through this source wakes it without waiting for the watcher
    grid = next(n.code for n in source.reference().nodes.values() if n.level == "grid")
    new = NewTicket("楼道堆物", "order.sanitation", "patrol", grid, "duty:测试")
    source.open_ticket(new, role="officer")
    assert waiter.wait(0)


def test_a_change_between_two_waits_is_not_missed() -> None:
    signal = ChangeSignal()
    waiter = signal.waiter()
    signal.bump()  # lands while the reader is busy reading, not waiting
    assert waiter.wait(0) is True
    assert waiter.wait(0) is False  # seen: the next wait sleeps again


def test_closing_a_waiter_releases_a_reader_at_once(source: LocalSource) -> None:
    waiter = source.change_waiter()
    got: list[bool] = []
    thread = threading.Thread(target=lambda: got.append(waiter.wait(600)))
    thread.start()
    waiter.close()
    thread.join(10)
    assert not thread.is_alive() and got == [False]
    # closing the source releases every waiter for good
    other = source.change_waiter()
    source.close()
    assert other.wait(600) is False and other.closed


async def test_an_idle_app_sleeps_until_another_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/city.sqlite"
    from gridtui.data.storage.db import make_engine, session_factory, upgrade

    upgrade(url)
    engine = make_engine(url)
    load_fixtures(session_factory(engine), FIXTURES, now=NOW)
    engine.dispose()
    source = LocalSource(url, clock=lambda: NOW)
    grid = next(n.code for n in source.reference().nodes.values() if n.level == "grid")
    opened = source.open_ticket(
        NewTicket("噪音扰民", "env.noise", "hotline", grid, "duty:测试"), role="officer"
    )
    feed_reads: list[str] = []

    @event.listens_for(source.engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_args) -> None:
        if "FROM changes" in statement:
            feed_reads.append(statement)

    app = build_app(source, clock=lambda: NOW, poll_seconds=0.05, prebuild=False, lang="en")
    ticks: list[int] = []
    timer_tick = app._tick

    def counted_tick() -> None:
        ticks.append(1)
        timer_tick()

    monkeypatch.setattr(app, "_tick", counted_tick)  # the timer is set at mount
    try:
        async with app.run_test() as pilot:
            await pilot_until(pilot, lambda: app.seq is not None and app._waking, "the wake thread")
            assert app.seq == source.last_seq()
            # the wake thread's first read (what came meanwhile) has no signal of its
            # own: let it pass in ten ticks of the timer ...
            await pilot_until(pilot, lambda: len(ticks) >= 10, "ten ticks of the timer")
            before, seen = len(feed_reads), len(ticks)
            # ... then twenty more (a second at 50 ms), in which nobody reads the feed
            await pilot_until(pilot, lambda: len(ticks) >= seen + 20, "twenty idle ticks")
            assert len(feed_reads) - before <= 1, feed_reads[before:]
            # another process writes: the app reads it without being asked
            run_python(NOTE_TICKET, url, str(opened.ticket_id))
            target = source.last_seq()
            await pilot_until(pilot, lambda: app.seq == target, "the other process's write")
        # the wake thread ended with the app
        assert app._waiter is not None and app._waiter.closed
    finally:
        source.close()


@pytest.mark.slow
async def test_an_idle_app_on_the_real_clock_never_calls_its_data_stale(tmp_path: Path) -> None:
    from gridtui.app import STALE_AFTER
    from gridtui.data.storage.db import make_engine, session_factory, upgrade

    url = f"sqlite:///{tmp_path}/city.sqlite"
    upgrade(url)
    engine = make_engine(url)
    load_fixtures(session_factory(engine), FIXTURES, now=NOW)
    engine.dispose()
    source = LocalSource(url)
    app = build_app(source, prebuild=False, lang="en")  # real time, default poll
    try:
        async with app.run_test() as pilot:
            await pilot_until(pilot, lambda: app.last_ok is not None, "the first read")
            seen = []
            # the time is what is under test: idle for longer than STALE_AFTER
            for _ in range(int((STALE_AFTER + 1.5) / 0.25)):
                await pilot.pause(0.25)
                seen.append(app.is_stale())
            assert not any(seen)
    finally:
        source.close()
