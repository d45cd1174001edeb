"""``gridtui simulate`` end to end in real processes, and the simulator ``gridtui demo``
starts beside the app (and stops with it)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gridtui.cli.simulate import start_simulator, stop_child
from gridtui.data.sources.local import LocalSource
from gridtui.data.storage.models import Ticket
from tests.conftest import FIXTURES, NOW, ROOT
from tests.waiting import until

SHANGHAI = ZoneInfo("Asia/Shanghai")
GRIDTUI = str(Path(sys.executable).with_name("gridtui"))


def _simulate(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRIDTUI, "--db", url, "simulate", "--fixtures", str(FIXTURES), *args],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip


def _simulated(url: str) -> list[Ticket]:
    source = LocalSource(url)
    with source.factory() as s:
        rows = list(s.scalars(select(Ticket).where(Ticket.source == "simulator")))
    source.close()
    return rows


def _stamp(out: str, words: str) -> datetime:
    """The Shanghai time printed after ``words`` in ``out``."""
    found = re.search(re.escape(words) + r" (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", out)
    assert found, out
    return datetime.fromisoformat(found[1]).replace(tzinfo=SHANGHAI)


def test_simulate_runs_for_its_duration_and_a_restart_continues_the_clock(city_url: str) -> None:
    began = time.monotonic()
    done = _simulate(city_url, "--speed", "7200", "--duration", "3h", "--start", NOW.isoformat(),
                     "--seed", "3", "--progress", "0.2")  # fmt: skip
    # the clock cannot have run past what ×7200 makes of the process's whole life: at
    # ×7200 a real second is two simulated hours, and a busy machine notices the end late
    latest = NOW + timedelta(seconds=7200 * (time.monotonic() - began))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "simulating sqlite" in out and "from 2026-11-24 10:00:00 at ×7200" in out
    assert "until 2026-11-24 13:00:00" in out
    assert "opened" in out and "overdue now" in out  # progress lines
    # it stops at the end of its duration (or as soon after as it notices)
    assert NOW + timedelta(hours=3) <= _stamp(out, "done at") <= latest, out
    first = _simulated(city_url)
    assert first and all(NOW <= t.opened_at <= NOW + timedelta(hours=3) for t in first)
    source = LocalSource(city_url)
    spec = source.clock_spec()
    source.close()
    assert spec is not None and spec.speed == 1.0  # handed back at real speed
    stood = spec.origin_sim
    assert NOW + timedelta(hours=3) <= stood <= latest

    # a restart asking for the old start goes on from where the city's time stands
    again = _simulate(city_url, "--speed", "7200", "--duration", "2h", "--start", NOW.isoformat(),
                      "--seed", "4", "--progress", "0")  # fmt: skip
    assert again.returncode == 0, again.stderr
    # (at real speed since the hand-back: a few seconds on; printed to the whole second)
    stands = _stamp(again.stdout, "already stands at")
    assert stood.replace(microsecond=0) <= stands <= stood + timedelta(minutes=5)
    later = [t for t in _simulated(city_url) if t.id not in {f.id for f in first}]
    assert later and all(t.opened_at >= stood for t in later)


def test_simulate_refuses_a_database_without_a_city(tmp_path: Path) -> None:
    empty = f"sqlite:///{tmp_path}/empty.sqlite"
    done = _simulate(empty, "--duration", "1h")
    assert done.returncode == 1
    assert "no gridtui schema" in done.stderr


def test_demo_starts_the_simulator_and_stops_it(
    city_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the log goes to var/ of the working folder
    child = start_simulator(argparse.Namespace(db_url=city_url, speed=600.0))
    try:
        source = LocalSource(city_url)
        until(lambda: (spec := source.clock_spec()) is not None and spec.speed == 600.0,
              "the simulator's clock ×600", 60)  # fmt: skip
        assert child.poll() is None
    finally:
        stop_child(child)
    assert child.returncode == 0
    # once the source's cached read of the clock expires
    until(lambda: (spec := source.clock_spec()) is not None and spec.speed == 1.0,
          "the clock back at real speed")  # fmt: skip
    log = (tmp_path / "var" / "simulate.log").read_text(encoding="utf-8")
    assert "×600" in log and "clock back at real speed" in log
    source.close()


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().split(") ")[1].startswith("Z")  # a zombie nobody reaped
    except (FileNotFoundError, ProcessLookupError):
        return True


def test_the_demo_simulator_ends_when_the_app_is_gone(city_url: str) -> None:
    """A simulator started by an app that died (no chance to stop it) stops by itself."""
    launcher = (
        "import os, subprocess, sys;"
        f"p = subprocess.Popen([{GRIDTUI!r}, '--db', {city_url!r}, 'simulate', "
        "'--speed', '60', '--parent', str(os.getpid()), '--progress', '0'],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True);"
        "print(p.pid, flush=True)"
    )
    done = subprocess.run([sys.executable, "-c", launcher], capture_output=True, text=True,
                          timeout=30, check=True)  # fmt: skip
    pid = int(done.stdout.strip())
    try:
        until(lambda: _gone(pid), "the simulator to end", 60)
    finally:
        if not _gone(pid):
            os.kill(pid, 9)
    # it stopped cleanly: no clock left racing (it may have stopped before publishing one)
    source = LocalSource(city_url)
    spec = source.clock_spec()
    source.close()
    assert spec is None or spec.speed == 1.0
