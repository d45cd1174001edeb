"""The app ``gridtui demo`` opens follows the simulated clock the simulator beside it
publishes, exactly as a second ``gridtui tui`` on the same database does: the header
shows the simulator's time, and the screens count on it (issue 13, point 1)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gridtui.app import GridApp, build_app
from gridtui.cli.simulate import start_simulator, stop_child
from gridtui.cli.tui import app_options
from gridtui.data.sources.local import LocalSource
from gridtui.widgets.status_bar import StatusBar
from tests.conftest import NOW
from tests.waiting import pilot_until

#: seconds to wait for the simulator (a child process) on a busy machine
PATIENCE = 60.0

#: how far (simulated) the app's clock may be from the simulator's
SLACK = timedelta(minutes=2)


def _args(url: str) -> argparse.Namespace:
    return argparse.Namespace(
        db_url=url, speed=600.0, lang="zh", role="officer", theme="dark", actor="duty:test",
        ticket=None, api=None,
    )  # fmt: skip


def _header(app: GridApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


async def test_the_app_follows_a_clock_published_as_it_starts(city_url: str) -> None:
    """The race of ``gridtui demo``: the app read "no simulated clock" as it started,
    and the simulator publishes before the app first asks the feed where it stands."""
    source = LocalSource(city_url)
    options = app_options(_args(city_url), source)
    assert options["clock_spec"] is None
    publisher = LocalSource(city_url)  # the simulator's first act, on its own connection
    spec = publisher.clock_spec() or publisher.publish_clock(600.0, start=NOW + timedelta(days=3))
    app = build_app(source, screen="overview", poll_seconds=0.2, **options)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot_until(
                pilot, lambda: app.clock_spec == spec, "the app to take the clock", PATIENCE
            )
            assert abs(app.now() - spec.now(datetime.now(UTC))) < SLACK
            sim = spec.now(datetime.now(UTC)).astimezone(app.tz)
            await pilot_until(
                pilot, lambda: f"{sim:%Y-%m-%d}" in _header(app), "the simulated date", PATIENCE
            )
    finally:
        source.close()
        publisher.close()


async def test_the_demo_app_follows_the_real_simulator(
    city_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulator started as ``gridtui demo`` starts it (a child process): the app's
    clock is the simulator's, at its speed, and a ticket it opens has running clocks."""
    monkeypatch.chdir(tmp_path)  # its log goes to var/ of the working folder
    args = _args(city_url)
    child = start_simulator(args)
    source, other = LocalSource(city_url), LocalSource(city_url)
    try:
        app = build_app(source, screen="overview", poll_seconds=0.2, **app_options(args, source))
        async with app.run_test(size=(120, 40)) as pilot:

            def published() -> bool:
                spec = other.clock_spec()
                return spec is not None and spec.speed == 600.0

            await pilot_until(pilot, published, "the simulator's clock", PATIENCE)
            await pilot_until(
                pilot, lambda: app.clock_spec == other.clock_spec(), "the app to follow", PATIENCE
            )
            # the header's time is the simulator's, moving ×600
            first = app.now()
            spec = other.clock_spec()
            assert spec is not None
            assert abs(first - spec.now(datetime.now(UTC))) < SLACK
            await pilot_until(
                pilot, lambda: app.now() - first > timedelta(minutes=5), "×600", PATIENCE
            )
            sim = app.now().astimezone(app.tz)
            await pilot_until(
                pilot, lambda: f"{sim:%Y-%m-%d}" in _header(app), "the header", PATIENCE
            )
    finally:
        stop_child(child)
        source.close()
        other.close()
