"""Waiting for what happens in its own time: the one place tests wait.

:func:`until` for what other threads and processes do (servers, watchers, a child
process), :func:`pilot_until` for what a Textual app under a Pilot does (the app runs
between looks). Both look at a condition every :data:`POLL` seconds and fail naming
what they waited for once ``seconds`` pass; neither ever sleeps a fixed time instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: how often the waits look again (seconds)
POLL = 0.05


def until(
    check: Callable[[], T], what: str = "the condition", seconds: float = 30.0, every: float = POLL
) -> T:
    """``check()`` once it is truthy (looking every ``every`` seconds: a costly check,
    e.g. a subprocess, may look less often); fails naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)
    return value


async def pilot_until(
    pilot: Any, check: Callable[[], T], what: str = "the condition", seconds: float = 30.0
) -> T:
    """``check()`` once it is truthy, letting the app run between looks; fails naming
    ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(POLL)
    return value


async def until_async(
    check: Callable[[], T], what: str = "the condition", seconds: float = 30.0
) -> T:
    """``check()`` once it is truthy, letting other tasks of the event loop run between
    looks; fails naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(POLL)
    return value


def wait_until_up(base: str, seconds: float = 60.0) -> None:
    """Until a server (thread or process) answers ``/healthz`` at ``base``."""
    import httpx

    # one client for all the looks: each new one loads the certificate store (~17 ms of
    # CPU), which looking every POLL seconds would spend over and over
    with httpx.Client(base_url=base) as client:

        def up() -> bool:
            try:
                return client.get("/healthz").status_code == 200
            except httpx.TransportError:
                return False

        until(up, f"a server answering at {base}", seconds)
