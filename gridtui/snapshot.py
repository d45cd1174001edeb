"""Render any screen headless to SVG (``gridtui snapshot``), for reports and checks."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import DataTable

from gridtui.app import build_app
from gridtui.data.sources.source import DataSource
from gridtui.registry import SCREEN_NAMES
from gridtui.screens.base import DataScreen
from gridtui.textual_private import dimensions_pending, frame


class SnapshotError(ValueError):
    """The snapshot cannot be made (unknown screen, bad size, no ticket)."""


def parse_size(value: str) -> tuple[int, int]:
    """``120x40`` → (120, 40).

    Raises:
        SnapshotError: not WIDTHxHEIGHT with sensible numbers.
    """
    try:
        w, h = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise SnapshotError(f"size {value!r} is not WIDTHxHEIGHT, e.g. 120x40") from None
    if not (20 <= w <= 1000 and 5 <= h <= 500):
        raise SnapshotError(f"size {value!r} is out of range (20x5 to 1000x500)")
    return w, h


async def settle(app: Any, pilot: Any, *, rounds: int = 50) -> None:
    """Wait until the current screen has loaded and every worker is done."""
    for _ in range(rounds):
        # Not WorkerManager.wait_for_complete: it raises when an exclusive load
        # replaced an older one, which is normal here.
        for _ in range(500):
            if all(w.is_finished for w in app.workers):
                break
            await pilot.pause(0.01)
        await pilot.pause()
        screen = app.screen
        ready = not isinstance(screen, DataScreen) or (screen.loaded and not screen._dirty)
        if ready and all(w.is_finished for w in app.workers):
            break
    # DataTables size their columns when the app is next idle (and that can wait on
    # a busy machine): wait for them, then until two frames in a row are the same.
    # A screen may load again once laid out (the overview asks for as many at-risk rows
    # as its table's height shows): a frame counts only with no load running.
    previous = None
    for _ in range(100):
        await pilot.pause(0.02)
        tables = app.screen.query(DataTable)
        if any(dimensions_pending(t) for t in tables) or not _quiet(app):
            previous = None
            continue
        shown = frame(app)
        if shown == previous:
            break
        previous = shown


def _quiet(app: Any) -> bool:
    """No worker running and the screen's data loaded and clean."""
    screen = app.screen
    loaded = not isinstance(screen, DataScreen) or bool(screen.loaded and not screen._dirty)
    return loaded and all(w.is_finished for w in app.workers)


async def render_svg(source: DataSource, screen: str, size: tuple[int, int], **options: Any) -> str:
    """The SVG of ``screen`` at ``size`` with the app options (lang, role, theme …)."""
    if screen not in SCREEN_NAMES:
        raise SnapshotError(f"unknown screen {screen!r}; one of {', '.join(SCREEN_NAMES)}")
    if screen == "ticket" and options.get("ticket_id") is None:
        options["ticket_id"] = await asyncio.to_thread(source.most_urgent)
    app = build_app(source, screen=screen, poll_seconds=0, **options)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        return str(app.export_screenshot(title=f"gridtui {screen}"))


def snapshot(source: DataSource, screen: str, size: str, **options: Any) -> str:
    """Synchronous wrapper of :func:`render_svg` for the CLI."""
    return asyncio.run(render_svg(source, screen, parse_size(size), **options))
