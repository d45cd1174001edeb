"""The simulated clock: its arithmetic, its publication in the database, and everyone
following it — the data source's writes, the server, the API client and the app."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gridtui.api.client import ApiSource
from gridtui.app import STALE_AFTER, build_app
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import ClockSpec, NewTicket
from gridtui.data.sources.source import ActionRefused, NotPermitted, SourceError
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.models import ConfigDoc, TicketEvent
from gridtui.data.storage.sidereads import CLOCK_DOC
from gridtui.snapshot import settle
from gridtui.widgets.status_bar import StatusBar
from tests.conftest import NOW
from tests.waiting import pilot_until, until

REAL = datetime(2030, 1, 1, tzinfo=UTC)


def _real() -> datetime:
    return datetime.now(UTC)


# -- the arithmetic -----------------------------------------------------------------------


def test_a_spec_runs_speed_times_real_time_from_its_origin() -> None:
    spec = ClockSpec(REAL, NOW, 60.0)
    assert spec.now(REAL) == NOW
    assert spec.now(REAL + timedelta(seconds=10)) == NOW + timedelta(minutes=10)
    assert spec.now(REAL - timedelta(seconds=1)) == NOW - timedelta(minutes=1)
    assert spec.real_at(NOW + timedelta(hours=1)) == REAL + timedelta(minutes=1)
    assert spec.real_at(spec.now(REAL + timedelta(seconds=7))) == REAL + timedelta(seconds=7)
    again = ClockSpec.from_json(json.loads(json.dumps(spec.to_json())))
    assert again == spec
    assert ClockSpec.from_json({**spec.to_json(), "speed": 3}).speed == 3.0


@pytest.mark.parametrize(
    ("origin_real", "origin_sim", "speed", "expected"),
    [
        (REAL, NOW, 0.0, "speed must be in"),
        (REAL, NOW, -2.0, "speed must be in"),
        (REAL, NOW, math.nan, "speed must be in"),
        (REAL, NOW, math.inf, "speed must be in"),
        (REAL, NOW, 2e6, "speed must be in"),
        (REAL, NOW, True, "speed must be a number"),
        (REAL, NOW, "10", "speed must be a number"),
        (REAL.replace(tzinfo=None), NOW, 1.0, "origin_real must be an aware datetime"),
        (REAL, NOW.replace(tzinfo=None), 1.0, "origin_sim must be an aware datetime"),
    ],
)
def test_a_spec_refuses_what_is_not_a_clock(
    origin_real: Any, origin_sim: Any, speed: Any, expected: str
) -> None:
    with pytest.raises(ValueError, match=expected):
        ClockSpec(origin_real, origin_sim, speed)


def test_reading_a_spec_names_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="needs 'speed'"):
        ClockSpec.from_json({"origin_real": REAL.isoformat(), "origin_sim": NOW.isoformat()})
    with pytest.raises(ValueError, match="JSON object"):
        ClockSpec.from_json([1, 2])
    with pytest.raises(ValueError):
        ClockSpec.from_json({"origin_real": "yesterday", "origin_sim": "x", "speed": 1})


# -- the database -----------------------------------------------------------------------------


def test_a_published_clock_is_read_by_every_source_and_stamps_their_writes(city_url: str) -> None:
    writer, reader = LocalSource(city_url), LocalSource(city_url)
    try:
        assert writer.clock_spec() is None and reader.clock_spec() is None
        assert abs(reader.now() - _real()) < timedelta(seconds=5)  # real time, none published
        seq = reader.last_seq()

        before = _real()
        spec = writer.publish_clock(60.0, start=NOW)
        assert (spec.origin_sim, spec.speed) == (NOW, 60.0)
        assert before <= spec.origin_real <= _real()
        batch = reader.changes(seq)
        assert batch.kinds == {"clock"}  # live clients are told

        # another process (a source without an injected clock) follows it at once
        assert reader.clock_spec() == spec
        start = time.monotonic()
        now = reader.now()
        elapsed = time.monotonic() - start + 1
        assert NOW <= now <= NOW + timedelta(seconds=60 * (elapsed + 10))

        # and its writes are stamped with the simulated time, not the real one
        out = reader.open_ticket(
            NewTicket("模拟时钟", "order.parking", "patrol", "WH-HB-01-01", "W0001"),
            role="officer",
        )
        with reader.factory() as s:
            at = s.scalar(select(TicketEvent.at).where(TicketEvent.ticket_id == out.ticket_id))
        assert at is not None and NOW <= at < NOW + timedelta(hours=1)
    finally:
        writer.close()
        reader.close()


def test_time_never_goes_backwards(db_url: str) -> None:
    src = LocalSource(db_url)
    try:
        first = src.publish_clock(3600.0, start=NOW)
        until(  # the clock runs on (at 3600×, a simulated minute is 17 ms)
            lambda: first.now(datetime.now(UTC)) >= first.origin_sim + timedelta(minutes=1),
            "the published clock to run on",
        )
        # a restart asking for an earlier start continues from the published time
        second = src.publish_clock(10.0, start=NOW - timedelta(days=1))
        assert second.origin_sim >= first.now(second.origin_real) - timedelta(seconds=1)
        assert second.origin_sim > NOW and second.speed == 10.0
        # a later start is taken as asked
        third = src.publish_clock(1.0, start=NOW + timedelta(days=5))
        assert third.origin_sim == NOW + timedelta(days=5)
        # and without a start, it goes on from where it stands
        fourth = src.publish_clock(2.0)
        assert NOW + timedelta(days=5) <= fourth.origin_sim < NOW + timedelta(days=5, minutes=1)
    finally:
        src.close()


def test_bad_publications_are_refused_and_a_broken_row_is_named(db_url: str) -> None:
    src = LocalSource(db_url)
    try:
        with pytest.raises(ActionRefused, match="speed"):
            src.publish_clock(0.0)
        with pytest.raises(ActionRefused, match="no time zone"):
            src.publish_clock(2.0, start=NOW.replace(tzinfo=None))
        assert src.clock_spec() is None  # nothing was written

        with src.factory.begin() as s:
            s.add(ConfigDoc(name=CLOCK_DOC, text='{"speed": "fast"}', loaded_at=NOW))
        fresh = LocalSource(db_url)
        with pytest.raises(SourceError, match=r"clock\.json in the database is not a clock"):
            fresh.clock_spec()
        # the writes' clock never fails: it keeps real time meanwhile
        assert abs(fresh.now() - _real()) < timedelta(seconds=5)
        spec = fresh.publish_clock(5.0, start=NOW)  # a publication replaces the broken row
        other = LocalSource(db_url)
        assert (spec.origin_sim, other.clock_spec()) == (NOW, spec)
        other.close()
        fresh.close()
    finally:
        src.close()


# -- the server and the API client -------------------------------------------------------------


def test_the_server_follows_the_published_clock(city_url: str, live_serve: Any) -> None:
    served = LocalSource(city_url)
    url = live_serve(served)
    admin = create_token(served.factory, "模拟器", "admin", at=NOW)
    officer = create_token(served.factory, "值班", "supervisor", at=NOW)
    api = ApiSource(url, admin, timeout=5)
    other = ApiSource(url, officer, timeout=5)
    try:
        assert other.clock_spec() is None  # real time until a simulator publishes
        seq = other.last_seq()  # follows the change stream from here

        with pytest.raises(NotPermitted, match="needs admin"):
            other.publish_clock(100.0, start=NOW)
        published = api.publish_clock(100.0, start=NOW)
        assert published.speed == 100.0
        assert NOW <= published.origin_sim < NOW + timedelta(minutes=10)
        assert served.clock_spec() is not None

        # every client reads it, re-based on its own clock: the server's now, not the real one
        spec = other.clock_spec()
        assert spec is not None and spec.speed == 100.0
        assert NOW <= spec.now(_real()) < NOW + timedelta(hours=1)
        assert abs(spec.origin_real - _real()) < timedelta(seconds=5)

        # the server stamps writes and answers "now" on the simulated clock
        new = NewTicket("远程模拟", "order.parking", "hotline", "WH-HB-01-01", "remote")
        out = other.open_ticket(new, role="officer")
        opened = served.ticket(out.ticket_id, NOW).timeline[0].at
        assert NOW <= opened < NOW + timedelta(hours=1)
        assert NOW <= other.overview(spec.now(_real())).at < NOW + timedelta(hours=1)

        # the change stream tells live clients
        until(lambda: "clock" in other.changes(seq).kinds, "the clock on the change stream")

        # a start far from the server's clock is refused with a reason
        with pytest.raises(SourceError, match="within 400 days"):
            api.publish_clock(2.0, start=NOW + timedelta(days=900))
    finally:
        api.close()
        other.close()
        live_serve.stop()
        served.close()


# -- the app ---------------------------------------------------------------------------------------


async def test_the_app_follows_the_published_clock(city_url: str) -> None:
    source = LocalSource(city_url)
    publisher = LocalSource(city_url)
    publisher.publish_clock(1000.0, start=NOW)
    app = build_app(source, lang="en", poll_seconds=0.1, prebuild=False)  # no injected clock
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            assert await pilot_until(pilot, lambda: app.clock_spec is not None)
            # two days behind real time: it is the simulated clock
            assert NOW <= app.now() < NOW + timedelta(hours=6)

            # at 1000× a tenth of a real second is 100 simulated ones: still fresh
            started = app.now()  # a real second of the simulated clock passes
            await pilot_until(
                pilot, lambda: app.now() - started >= timedelta(seconds=1000), "a real second"
            )
            assert app.last_ok is not None
            assert not app.is_stale(), app.freshness()
            assert STALE_AFTER < 100

            # a simulator restarts later in time: the app follows the new clock
            publisher.publish_clock(1.0, start=NOW + timedelta(days=3))
            assert await pilot_until(pilot, lambda: app.now() >= NOW + timedelta(days=3))
            assert app.clock_spec is not None and app.clock_spec.speed == 1.0
            bar = app.screen.query_one(StatusBar)
            local = (NOW + timedelta(days=3)).astimezone(app.tz)

            def dated() -> bool:  # once the app read the data on the new clock (not stale)
                app.update_status()
                return f"{local:%Y-%m-%d}" in str(bar.render())

            await pilot_until(pilot, dated, "the new date in the header")
    finally:
        source.close()
        publisher.close()


async def test_an_injected_clock_wins_over_the_published_one(city_url: str) -> None:
    source = LocalSource(city_url)
    source.publish_clock(1000.0, start=NOW + timedelta(days=1))
    fixed = NOW - timedelta(days=1)
    app = build_app(source, lang="en", poll_seconds=0.1, prebuild=False, clock=lambda: fixed)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot_until(pilot, lambda: app.seq is not None, "the first read of the feed")
            assert app.now() == fixed
            assert app.clock_spec is None
    finally:
        source.close()
