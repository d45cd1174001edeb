"""Live runs (``gridtui simulate``): real time, the published clock, progress, outages.

A run publishes its clock (``--speed``) where every process showing the city reads
it, plays the :class:`~gridtui.sim.engine.Simulator`'s events as their simulated
time comes, prints a progress line now and then, and stops at the end of
``--duration`` (simulated), on Ctrl-C / SIGTERM, or when the process that started
it is gone (``gridtui demo``). When the database or the server goes away it waits
and retries, with the events kept in order; when it stops it hands the clock back
at real speed from where the city's time stands (time never goes backwards).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TypeVar
from zoneinfo import ZoneInfo

from gridtui.data.sources.source import SourceError, SourceUnavailable
from gridtui.sim.behaviour import EVENTS_PER_GRID_DAY
from gridtui.sim.clock import SpecClock
from gridtui.sim.engine import ADOPT, Simulator, Tally
from gridtui.sim.target import CityTarget

T = TypeVar("T")
#: longest wait between retries while the source is away, real seconds
RETRY_MAX = 10.0
#: longest sleep of the loop (how soon it notices a stop), real seconds
TICK = 0.5


@dataclass(frozen=True, slots=True)
class SimOptions:
    """How a live run goes (the ``gridtui simulate`` options)."""

    speed: float = 1.0
    #: simulated time to run (None: until stopped)
    duration: timedelta | None = None
    #: where to start when no clock is published yet (or when later than it)
    start: datetime | None = None
    seed: int = 1
    #: events per grid per day
    rate: float = EVENTS_PER_GRID_DAY
    fixtures: Path | None = Path("fixtures")
    adopt: int = ADOPT
    #: real seconds between progress lines (0: none)
    progress: float = 10.0
    #: stop when this process (``gridtui demo``'s app) is no longer the parent
    parent: int | None = None


class Run:
    """One live run over ``target``; :meth:`stop` ends it from any thread."""

    def __init__(
        self,
        target: CityTarget,
        clock: SpecClock,
        options: SimOptions,
        say: Callable[[str], None] = print,
    ) -> None:
        self.target = target
        self.clock = clock
        self.options = options
        self.say = say
        self.stopping = threading.Event()
        self.sim = Simulator(
            target, clock, seed=options.seed, rate=options.rate, fixtures=options.fixtures,
            adopt=options.adopt, log=say,
        )  # fmt: skip
        self.tz = ZoneInfo(target.timezone)
        self.until: datetime | None = None
        self._down: str | None = None

    @property
    def tally(self) -> Tally:
        """What the run did so far."""
        return self.sim.tally

    def stop(self) -> None:
        """End the run (the event in progress finishes first)."""
        self.stopping.set()

    def _stopped(self) -> bool:
        if self.options.parent is not None and os.getppid() != self.options.parent:
            self.stopping.set()  # the demo app that started us is gone
        return self.stopping.is_set()

    # -- the run -------------------------------------------------------------------------

    def run(self) -> Tally:
        """Publish the clock, start, play until the end; hand the clock back."""
        o = self.options
        spec = self._retry(lambda: self.target.publish_clock(o.speed, start=o.start))
        if spec is None:
            return self.tally
        self.clock.spec = spec
        if o.start is not None and spec.origin_sim - o.start > timedelta(seconds=1):
            self.say(
                f"the city's clock already stands at {self._local(spec.origin_sim)}: "
                "continuing from there (time never goes backwards)"
            )
        self.until = spec.origin_sim + o.duration if o.duration else None
        try:
            if self._retry(self.sim.start) is None:
                return self.tally
            self.say(
                f"simulating {self.target.description} from {self._local(spec.origin_sim)} "
                f"at ×{o.speed:g}" + (f" until {self._local(self.until)}" if self.until else "")
            )
            self._loop()
        finally:
            self._hand_back()
        self.say(
            f"done at {self._local(self.clock.now())}: {self.tally.line()}, "
            f"outages {self.tally.outages}"
        )
        return self.tally

    def _loop(self) -> None:
        last_progress = time.monotonic()
        backoff = 1.0
        while not self._stopped():
            now = self.clock.now()
            if self.until is not None and now >= self.until:
                break
            if self.options.progress and time.monotonic() - last_progress >= self.options.progress:
                last_progress = time.monotonic()
                self.say(self.progress_line())
            due = self.sim.next_due()
            if due is not None and due <= now:
                try:
                    self.sim.run_next()
                except SourceUnavailable as exc:
                    self._outage(str(exc))
                    self.stopping.wait(backoff)
                    backoff = min(backoff * 2, RETRY_MAX)
                    continue
                backoff = 1.0
                self._back()
                continue
            horizon = min((t for t in (due, self.until) if t is not None), default=None)
            wait = TICK if horizon is None else self.clock.real_seconds(horizon - now)
            self.stopping.wait(min(max(wait, 0.0), TICK))

    def progress_line(self) -> str:
        """Simulated time and what happened so far (and the overdue count, when readable)."""
        now = self.clock.now()
        try:
            overdue = f", overdue now {self.target.overview(now).overdue}"
        except SourceError:
            overdue = ""
        return f"{self._local(now)} ×{self.clock.speed:g}: {self.tally.line()}{overdue}"

    def _retry(self, fn: Callable[[], T]) -> T | None:
        """``fn()``, again and again while the source is away; None if stopped first."""
        backoff = 1.0
        while not self._stopped():
            try:
                result = fn()
            except SourceUnavailable as exc:
                self._outage(str(exc))
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, RETRY_MAX)
                continue
            self._back()
            return result
        return None

    def _outage(self, why: str) -> None:
        if self._down is None:
            self.tally.outages += 1
            self.say(f"source unavailable, retrying (events kept in order): {why}")
        self._down = why

    def _back(self) -> None:
        if self._down is not None:
            self.say("source back: carrying on")
            self._down = None

    def _hand_back(self) -> None:
        """Leave the city's clock running at real speed from where it stands."""
        for attempt in range(3):
            try:
                spec = self.target.publish_clock(1.0)
            except SourceError as exc:
                if attempt == 2 or not isinstance(exc, SourceUnavailable):
                    self.say(f"could not set the clock back to real speed: {exc}")
                    return
                time.sleep(1.0)
                continue
            self.clock.spec = spec
            self.say(f"clock back at real speed from {self._local(spec.origin_sim)}")
            return

    def _local(self, at: datetime) -> str:
        return f"{at.astimezone(self.tz):%Y-%m-%d %H:%M:%S}"


@contextmanager
def stop_on_signals(run: Run) -> Iterator[None]:
    """Ctrl-C and SIGTERM end ``run`` cleanly (the event in progress finishes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        run.stop()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


__all__ = ["Run", "SimOptions", "stop_on_signals"]
