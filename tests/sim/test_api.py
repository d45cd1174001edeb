"""The simulator over the API against a real server on 127.0.0.1: it publishes the
clock there, writes as its token, and rides out the server going away and coming back
(the events wait, in order; nothing is lost and nothing crashes)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from gridtui.api.client import ApiSource
from gridtui.cli.main import main
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.models import TicketEvent
from gridtui.sim import ApiTarget, Run, SimOptions, SpecClock
from tests.api.conftest import free_port
from tests.conftest import FIXTURES, NOW
from tests.waiting import until


def _events_by(source: LocalSource, actor: str) -> int:
    with source.factory() as s:
        return int(s.scalar(select(func.count()).where(TicketEvent.actor == actor)) or 0)


def test_the_simulator_over_the_api_survives_a_server_outage(
    city_url: str, live_serve: Any
) -> None:
    served = LocalSource(city_url)
    port = free_port()
    url = live_serve(served, port=port)
    token = create_token(served.factory, "sim", "admin", at=NOW)
    lines: list[str] = []
    options = SimOptions(speed=1800.0, start=NOW, seed=3, adopt=30, progress=0.0,
                         fixtures=FIXTURES)  # fmt: skip
    run = Run(ApiTarget(ApiSource(url, token, timeout=2)), SpecClock(), options, lines.append)
    thread = threading.Thread(target=run.run, daemon=True)
    thread.start()
    try:
        # it publishes its clock on the server and drives the city as its token
        assert until(lambda: _events_by(served, "token:sim") >= 10), lines
        spec = served.clock_spec()
        assert spec is not None and spec.speed == 1800.0
        assert spec.origin_sim >= NOW

        # the server goes away: the simulator waits and retries, it does not crash
        live_serve.stop()
        assert until(lambda: run.tally.outages >= 1), lines
        assert any(line.startswith("source unavailable") for line in lines)
        assert thread.is_alive()
        during = _events_by(served, "token:sim")
        queued = len(run.sim)
        assert queued > 0  # the schedule is kept

        # it comes back on the same port: the simulator carries on by itself
        live_serve(served, port=port)
        assert until(lambda: _events_by(served, "token:sim") > during + 10), lines
        assert "source back: carrying on" in lines
        assert thread.is_alive()
    finally:
        run.stop()
        thread.join(30)
    assert not thread.is_alive()
    # stopped: the clock runs on at real speed from where the city's time stood
    handed = served.clock_spec()
    assert handed is not None and handed.speed == 1.0 and handed.origin_sim > NOW
    assert any(line.startswith("done at") for line in lines)
    assert run.tally.opened > 0 and run.tally.adopted > 0
    run.target.close()
    served.close()


def test_the_simulator_needs_an_admin_token(
    city_url: str, live_serve: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    served = LocalSource(city_url)
    url = live_serve(served)
    token = create_token(served.factory, "督办", "supervisor", at=NOW)
    try:
        code = main(["simulate", "--api", url, "--token", token, "--duration", "1h"])
        assert code == 1
        err = capsys.readouterr().err
        assert "needs an admin token (this one is supervisor)" in err
        assert served.clock_spec() is None
    finally:
        live_serve.stop()
        served.close()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--speed", "0"], "speed must be above 0"),
        (["--speed", "fast"], "'fast' is not a number"),
        (["--duration", "5x"], "not a duration like"),
        (["--start", "tuesday"], "not an ISO 8601 time"),
    ],
)
def test_bad_options_are_usage_errors(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", *argv])
    assert exit_.value.code == 2
    assert expected in capsys.readouterr().err
