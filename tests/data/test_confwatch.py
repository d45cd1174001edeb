"""Rules hot reload (gridtui.data.intake.confwatch): an edited sla.toml applies while running
(a ticket's clocks and its stored deadline follow it, in every process), a broken
edit keeps the last good rules and names the file and the line (in the log, in the
app, through a server), and fixing the file clears the error."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.api.client import ApiSource
from gridtui.app import build_app
from gridtui.data.intake.confwatch import ConfigWatcher, apply_rules
from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import NewTicket
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.models import Change, Ticket
from gridtui.i18n import tr
from gridtui.widgets.status_bar import StatusBar
from tests.api.conftest import serve  # noqa: F401 (the fixture: real uvicorn servers)
from tests.conftest import FIXTURES, NOW
from tests.waiting import pilot_until, until

TEN = NOW + timedelta(minutes=10)  # the worker policy's on-scene limit: 10 minutes
FIVE = NOW + timedelta(minutes=5)


def on_scene_limit(text: str, duration: str) -> str:
    """``text`` with the worker policy's on-scene limit set to ``duration``."""
    start = text.index('name = "worker"')
    clock = text.index('name = "on_scene"', start)
    line = re.compile(r'duration = "[^"\n]*"').search(text, clock)
    assert line is not None
    return text[: line.start()] + f'duration = "{duration}"' + text[line.end() :]


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first ``needle`` in ``text``."""
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A private copy of the fixtures folder (the one being edited)."""
    return Path(shutil.copytree(FIXTURES, tmp_path / "fixtures"))


@pytest.fixture
def source(db_url: str, factory: sessionmaker[Session], folder: Path) -> Iterator[LocalSource]:
    load_fixtures(factory, folder, now=NOW)
    src = LocalSource(db_url, clock=lambda: NOW)
    yield src
    src.close()


@pytest.fixture
def ticket(source: LocalSource) -> int:
    """A ticket dispatched to a worker at NOW: its on-scene clock runs (10 minutes)."""
    ref = source.reference()
    grid = next(n.code for n in ref.nodes.values() if n.level == "grid")
    worker = next(iter(ref.workers.values())).code
    new = NewTicket("楼道堆物 [red]x[/red]", "order.sanitation", "patrol", grid, "duty:测试")
    tid = source.open_ticket(new, role="officer").ticket_id
    source.act(tid, "dispatch", role="officer", actor="duty:测试", target=worker)
    return tid


@pytest.fixture
def watcher(source: LocalSource, folder: Path) -> Iterator[ConfigWatcher]:
    w = ConfigWatcher(folder, source.factory, sla_clock=lambda: NOW, on_change=source.changed.bump)
    w.start()
    assert w.ready.wait(30)
    yield w
    w.close()


def on_scene(source: LocalSource, tid: int) -> datetime | None:
    return next(c.deadline for c in source.ticket(tid, NOW).clocks if c.name == "on_scene")


def stored_deadline(source: LocalSource, tid: int) -> datetime | None:
    with source.factory() as s:
        return s.scalar(select(Ticket.next_deadline).where(Ticket.id == tid))


def config_changes(source: LocalSource) -> list[tuple[str, dict[str, Any]]]:
    with source.factory() as s:
        rows = s.scalars(select(Change).where(Change.kind == "config").order_by(Change.seq))
        return [(c.op, dict(c.data)) for c in rows]


def test_an_edit_applies_in_every_process_and_retimes_open_tickets(
    source: LocalSource, ticket: int, folder: Path, watcher: ConfigWatcher, db_url: str
) -> None:
    assert on_scene(source, ticket) == TEN
    assert stored_deadline(source, ticket) == TEN
    sla = folder / "sla.toml"
    sla.write_text(on_scene_limit(sla.read_text(encoding="utf-8"), "5m"), encoding="utf-8")

    assert until(lambda: on_scene(source, ticket) == FIVE), on_scene(source, ticket)
    assert until(lambda: stored_deadline(source, ticket) == FIVE)
    other = LocalSource(db_url, clock=lambda: NOW)  # another process's view: same rules
    try:
        assert on_scene(other, ticket) == FIVE
    finally:
        other.close()
    assert until(lambda: [op for op, _ in config_changes(source)] == ["reload", "recomputed"])
    applied = [o for o in watcher.outcomes if o.state == "applied"]
    assert [(o.name, o.recomputed) for o in applied] == [("sla.toml", 1)]

    # the same text written again (an editor's save without changes) changes nothing
    seen = len(watcher.outcomes)
    sla.write_text(sla.read_text(encoding="utf-8"), encoding="utf-8")
    assert until(lambda: len(watcher.outcomes) > seen)
    assert watcher.outcomes[-1].state == "unchanged"
    assert [op for op, _ in config_changes(source)] == ["reload", "recomputed"]


def test_a_broken_edit_keeps_the_last_good_rules_and_names_the_line(
    source: LocalSource,
    ticket: int,
    folder: Path,
    watcher: ConfigWatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="gridtui.watch")
    sla = folder / "sla.toml"
    good = sla.read_text(encoding="utf-8")

    # 1. not TOML at all: an unclosed string
    broken = on_scene_limit(good, "5m").replace('duration = "5m"', 'duration = "5m', 1)
    sla.write_text(broken, encoding="utf-8")
    problems = until(source.config_problems)
    line = line_of(broken, 'duration = "5m\n')
    assert [(p.name, p.line) for p in problems] == [("sla.toml", line)]
    assert f"sla.toml:{line}" in problems[0].message
    # the watching process's log says it too (its thread may log after storing it)
    until(lambda: f"sla.toml:{line}" in caplog.text, "the watcher's log line")
    assert on_scene(source, ticket) == TEN  # the last good rules stay in force
    assert stored_deadline(source, ticket) == TEN

    # 2. valid TOML, but a rule the parser refuses: the line of that key
    invalid = on_scene_limit(good, "five minutes")
    sla.write_text(invalid, encoding="utf-8")
    line = line_of(invalid, 'duration = "five minutes"')
    problems = until(lambda: [p for p in source.config_problems() if p.line == line])
    assert problems, source.config_problems()
    assert "duration" in problems[0].message and f"sla.toml:{line}" in problems[0].message
    assert on_scene(source, ticket) == TEN

    # 3. fixed: the new rules apply and the error is gone
    sla.write_text(on_scene_limit(good, "5m"), encoding="utf-8")
    assert until(lambda: not source.config_problems())
    assert until(lambda: on_scene(source, ticket) == FIVE)
    expected = ["problem", "problem", "reload", "recomputed"]  # re-timing comes last
    ops = until(lambda: (o := [op for op, _ in config_changes(source)]) == expected and o)
    assert ops == expected, [op for op, _ in config_changes(source)]

    # 4. broken again, then put back as it is stored: the error clears, nothing reloads
    sla.write_text("[[policy]\n", encoding="utf-8")
    assert until(source.config_problems)
    sla.write_text(on_scene_limit(good, "5m"), encoding="utf-8")
    assert until(lambda: not source.config_problems())
    assert [op for op, _ in config_changes(source)][-2:] == ["problem", "fixed"]


def test_scoring_rules_and_several_watchers(source: LocalSource, folder: Path) -> None:
    good = (folder / "scoring.toml").read_text(encoding="utf-8")
    bad = re.sub(r"(?m)^min = .*$", "min = 5", good, count=1)
    assert bad != good
    line = line_of(bad, "min = 5")
    # two processes watching one folder see the same edit: one problem, one change
    first = apply_rules(source.factory, "scoring.toml", bad)
    second = apply_rules(source.factory, "scoring.toml", bad)
    assert (first.state, first.recorded, second.recorded) == ("refused", True, False)
    problems = source.config_problems()
    assert [(p.name, p.line) for p in problems] == [("scoring.toml", line)]
    assert "adjustment.min" in problems[0].message
    better = good.replace("[adjustment]", "[adjustment]\n# checked by the duty officer", 1)
    assert apply_rules(source.factory, "scoring.toml", better).state == "applied"
    assert apply_rules(source.factory, "scoring.toml", better).state == "unchanged"
    assert source.config_problems() == []
    assert [op for op, _ in config_changes(source)] == ["problem", "reload"]


def _marker(app: Any) -> str:
    return str(app.screen.query_one(StatusBar).render())


async def test_the_app_shows_a_refused_edit_until_it_is_fixed(
    source: LocalSource, ticket: int, folder: Path, watcher: ConfigWatcher
) -> None:
    sla = folder / "sla.toml"
    good = sla.read_text(encoding="utf-8")
    app = build_app(source, clock=lambda: NOW, poll_seconds=0.1, prebuild=False, lang="zh")
    async with app.run_test(size=(160, 40)) as pilot:
        assert await pilot_until(pilot, lambda: app.seq is not None)
        broken = on_scene_limit(good, "[bold]5m[/bold]x")
        await asyncio.to_thread(sla.write_text, broken, encoding="utf-8")
        line = line_of(broken, "[bold]5m")
        assert await pilot_until(pilot, lambda: app.config_problems)
        assert [(p.name, p.line) for p in app.config_problems] == [("sla.toml", line)]
        toasts = [n for n in app._notifications if n.severity == "error"]
        assert len(toasts) == 1 and f"sla.toml:{line}" in toasts[0].message
        assert toasts[0].title == tr("config.refused", "zh")
        assert "[bold]5m[/bold]x" in toasts[0].message and not toasts[0].markup
        assert await pilot_until(pilot, lambda: f"sla.toml:{line}" in _marker(app))
        assert tr("config.marker", "zh") in _marker(app)
        await pilot.press("l")  # English too
        await pilot.pause()
        app.update_status()
        assert tr("config.marker", "en") in _marker(app)

        await asyncio.to_thread(sla.write_text, good, encoding="utf-8")
        assert await pilot_until(pilot, lambda: not app.config_problems)
        assert not [n for n in app._notifications if n.severity == "error"]
        fixed = tr("config.fixed", "en", name="sla.toml")
        assert any(n.message == fixed for n in app._notifications)
        assert "sla.toml:" not in _marker(app)


async def test_a_remote_app_sees_the_refused_edit_through_the_server(
    source: LocalSource,
    folder: Path,
    watcher: ConfigWatcher,
    serve: Callable[..., str],  # noqa: F811 (the fixture imported above)
) -> None:
    url = serve(source)
    remote = ApiSource(url, create_token(source.factory, "远程督办", "viewer", at=NOW))
    sla = folder / "sla.toml"
    good = sla.read_text(encoding="utf-8")
    app = build_app(remote, clock=lambda: NOW, poll_seconds=0.1, prebuild=False, lang="en")
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            assert await pilot_until(pilot, lambda: app.seq is not None)
            await asyncio.to_thread(sla.write_text, "[thresholds]\nwarning = 2\n", encoding="utf-8")
            assert await pilot_until(pilot, lambda: app.config_problems)
            assert app.config_problems == source.config_problems() == remote.config_problems()
            assert [(p.name, p.line) for p in app.config_problems] == [("sla.toml", 2)]
            assert await pilot_until(pilot, lambda: "sla.toml:2" in _marker(app))
            await asyncio.to_thread(sla.write_text, good, encoding="utf-8")
            assert await pilot_until(pilot, lambda: not app.config_problems)
            assert remote.config_problems() == []
    finally:
        remote.close()


def test_a_starting_watcher_applies_nothing_but_clears_a_problem_fixed_meanwhile(
    source: LocalSource, ticket: int, folder: Path
) -> None:
    sla = folder / "sla.toml"
    good = sla.read_text(encoding="utf-8")
    # a folder whose rules differ from the database's: opening a viewer loads nothing
    sla.write_text(on_scene_limit(good, "5m"), encoding="utf-8")
    w = ConfigWatcher(folder, source.factory, sla_clock=lambda: NOW).start()
    try:
        assert w.ready.wait(30)
        assert w.outcomes == [] and on_scene(source, ticket) == TEN
    finally:
        w.close()
    # a refused edit on record, fixed while nobody watched: the next watcher clears it
    assert apply_rules(source.factory, "sla.toml", "[[policy]\n").state == "refused"
    assert source.config_problems()
    w = ConfigWatcher(folder, source.factory, sla_clock=lambda: NOW).start()
    try:
        assert w.ready.wait(30)
        assert [(o.name, o.state) for o in w.outcomes] == [("sla.toml", "applied")]
        assert source.config_problems() == [] and on_scene(source, ticket) == FIVE
    finally:
        w.close()
