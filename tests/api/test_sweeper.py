"""The SLA sweeper runs where the city is written: inside `gridtui serve`, and as
`gridtui sweep` (once or in a loop) for a centre without a server."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gridtui.data.storage.db import make_engine, session_factory
from gridtui.data.storage.models import Change, ScoreEntry, TicketEvent
from tests.api.conftest import free_port
from tests.waiting import until, wait_until_up

GRIDTUI = [sys.executable, "-m", "gridtui.cli"]


@pytest.fixture(scope="module")
def template(demo_city: Callable[[int], Path]) -> Path:
    """The demo city seeded up to 2026-11-24: by the real clock its open tickets have
    long breached."""
    return demo_city(1)


def _copy(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "city.sqlite"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def _handled(url: str) -> tuple[int, int, int]:
    """(breach notes, breach penalties, breach changes) in the database."""
    engine = make_engine(url)
    with session_factory(engine)() as s:
        notes = s.scalar(
            select(func.count()).where(
                TicketEvent.actor == "system", TicketEvent.target.like("breach:%")
            )
        )
        penalties = s.scalar(
            select(func.count()).where(
                ScoreEntry.author == "system", ScoreEntry.reason.like("%breach%")
            )
        )
        changes = s.scalar(select(func.count()).where(Change.op == "breach"))
    engine.dispose()
    return int(notes or 0), int(penalties or 0), int(changes or 0)


def test_serve_sweeps_breached_clocks_by_itself(template: Path, tmp_path: Path) -> None:
    url = _copy(template, tmp_path)
    before = _handled(url)
    # the seeded history was swept up to its end: its breaches carry their marks, no changes
    assert before[0] > 0 and before[2] == 0
    port = free_port()
    proc = subprocess.Popen(
        [*GRIDTUI, "--db", url, "serve", "--port", str(port), "--sweep", "0.5", "--no-watch"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        wait_until_up(f"http://127.0.0.1:{port}")
        until(lambda: _handled(url)[2] > 0, "the sweeper's changes", 60)
        notes, penalties, changes = _handled(url)
        # the round that committed them logs its line
        until(lambda: any("breached clocks handled" in line for line in lines), "its log line")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        reader.join(10)
        proc.stdout.close()
    log = "".join(lines)
    assert notes > 0 and changes > 0, log
    assert penalties > before[1]
    assert "SLA sweep:" in log and "breached clocks handled" in log


@pytest.mark.slow
def test_sweep_once_then_nothing_is_left(template: Path, tmp_path: Path) -> None:
    url = _copy(template, tmp_path)
    before = _handled(url)
    first = subprocess.run(
        [*GRIDTUI, "--db", url, "sweep"], capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    handled = _handled(url)
    # the seed marked the breaches up to its end: the sweep handles the rest, once
    assert f"breaches {handled[0] - before[0]}" in first.stdout and handled[0] > before[0]
    assert handled[1] > before[1]
    # every breached clock is handled once. (An escalation on breach hands the ticket
    # one level up, whose clocks may run out later: then nothing is left.)
    rounds = []
    for _ in range(3):
        r = subprocess.run(
            [*GRIDTUI, "--db", url, "sweep"], capture_output=True, text=True, timeout=300
        )
        assert r.returncode == 0, r.stderr
        rounds.append(r.stdout)
        if "breaches 0" in r.stdout:
            break
    assert "breaches 0" in rounds[-1], rounds
    engine = make_engine(url)
    with session_factory(engine)() as s:
        marks = s.execute(
            select(TicketEvent.ticket_id, TicketEvent.target).where(
                TicketEvent.actor == "system", TicketEvent.target.like("breach:%")
            )
        ).all()
    engine.dispose()
    assert len(marks) == len(set(marks))


def test_sweep_names_a_missing_database(tmp_path: Path) -> None:
    r = subprocess.run(
        [*GRIDTUI, "--db", f"sqlite:///{tmp_path}/none.sqlite", "sweep"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 1 and "no gridtui schema" in r.stderr
