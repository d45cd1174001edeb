"""Scheduled bulletins (``gridtui serve --bulletins DIR``): after each week and each
month closes, its bulletin is written into DIR once, at the time ``[schedule]`` of
``assessment.toml`` names, in its formats, levels and language.

- **Once.** A bulletin's file is the record that it was written: a period whose
  files all exist is done, across restarts. Each file is claimed with an ``O_EXCL``
  lock file first (:func:`~gridtui.bulletin.files.claim`), so of several ``serve``
  processes over one DIR only one writes it, and it appears whole, never over
  another (:func:`~gridtui.bulletin.files.write_atomically`).
- **Catching up.** Each round writes the most recent due week and month when they
  are missing: on start, a server that was down when one fell due writes it then
  (not every period it missed).
- **On the source's clock.** "Now" is the source's: real time, or the simulated
  clock a simulator publishes; the thread sleeps until the next bulletin is due by
  that clock (turned into real seconds by the published speed), at most
  :data:`RECHECK_SECONDS` at a time so that a clock published again, or rules
  edited, are noticed. Closing the scheduler wakes it at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import cast

from gridtui.bulletin import write_content
from gridtui.bulletin.build import build_bulletin
from gridtui.bulletin.files import claim
from gridtui.data.sources.records import Period
from gridtui.data.sources.source import DataSource
from gridtui.domain.assessment.config import AssessmentConfig
from gridtui.domain.assessment.schedule import (
    SCHEDULED,
    DuePeriod,
    PeriodWindows,
    bulletin_name,
    last_due,
    next_due,
)
from gridtui.domain.text import log_text

log = logging.getLogger("gridtui.bulletins")

#: real seconds the scheduler sleeps at most before it looks at the clock again
RECHECK_SECONDS = 30.0
#: real seconds before a round that failed (the database away …) is tried again
RETRY_SECONDS = 60.0
#: the shortest sleep (a due time a fraction of a second away by a rounded clock)
MIN_WAIT_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class ScheduleRules:
    """What the scheduler goes by, read afresh each round: the period windows (the
    scoring engine's), the centre's time zone and the assessment rules."""

    windows: PeriodWindows
    tz: tzinfo
    config: AssessmentConfig


def source_now(source: DataSource) -> datetime:
    """The source's "now": its published simulated clock, else real time."""
    spec = source.clock_spec()
    real = datetime.now(UTC)
    return spec.now(real) if spec is not None else real


def real_seconds_until(source: DataSource, moment: datetime) -> float:
    """Real seconds until the source's clock shows ``moment``."""
    spec = source.clock_spec()
    target = spec.real_at(moment) if spec is not None else moment
    return (target - datetime.now(UTC)).total_seconds()


class BulletinScheduler:
    """The thread that writes the scheduled bulletins into ``folder`` (see the module).

    ``rules`` gives what applies now; ``now`` and ``seconds_until`` are the source's
    clock (default: :func:`source_now`, :func:`real_seconds_until`).
    """

    def __init__(
        self,
        source: DataSource,
        folder: Path,
        rules: Callable[[], ScheduleRules],
        *,
        now: Callable[[], datetime] | None = None,
        seconds_until: Callable[[datetime], float] | None = None,
    ) -> None:
        self.source, self.folder, self.rules = source, folder, rules
        self.now = now or (lambda: source_now(source))
        self.seconds_until = seconds_until or (lambda m: real_seconds_until(source, m))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next: DuePeriod | None = None

    def start(self) -> BulletinScheduler:
        """Start writing in a background thread."""
        self._thread = threading.Thread(target=self._run, name="bulletins", daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Stop: at once when waiting, after the bulletin being written otherwise (at
        most ``timeout`` seconds; an unfinished one leaves no file)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def write_due(self, rules: ScheduleRules, now: datetime) -> list[Path]:
        """One round: the most recent due week's and month's bulletins that are
        missing, written; the paths written."""
        written: list[Path] = []
        for period in SCHEDULED:
            due = last_due(rules.config.schedule, rules.windows, rules.tz, period, now)
            written += self._write_period(due, rules)
        return written

    def _write_period(self, due: DuePeriod, rules: ScheduleRules) -> list[Path]:
        schedule = rules.config.schedule
        paths = [
            self.folder / bulletin_name(due.period, due.key, schedule.lang, fmt)
            for fmt in schedule.formats
        ]
        if all(p.exists() for p in paths):
            return []
        with contextlib.ExitStack() as held:
            mine = [p for p in paths if not p.exists() and held.enter_context(claim(p))]
            mine = [p for p in mine if not p.exists()]  # another finished meanwhile
            if not mine:
                return []
            content = build_bulletin(
                self.source, period=cast(Period, due.period), at=due.inside,
                levels=schedule.levels, lang=schedule.lang, config=rules.config, issued=due.due,
            )  # fmt: skip
            written = []
            for path in mine:
                with contextlib.suppress(FileExistsError):
                    written.append(write_content(content, path, replace=False))
                    log.info("bulletin written: %s", path.name)
            return written

    def _wait(self, rules: ScheduleRules, now: datetime) -> float:
        """Real seconds to sleep until the first bulletin due after ``now`` (the
        round's start: one that fell due while the round wrote is written at once),
        capped; says which is next each time that changes."""
        schedule = rules.config.schedule
        nearest = min(
            (next_due(schedule, rules.windows, rules.tz, p, now) for p in SCHEDULED),
            key=lambda d: d.due,
        )
        if nearest != self._next:
            self._next = nearest
            log.info("next bulletin: %s %s, due %s", nearest.period, nearest.key,
                     nearest.due.astimezone(rules.tz).strftime("%Y-%m-%d %H:%M"))  # fmt: skip
        return min(max(self.seconds_until(nearest.due), MIN_WAIT_SECONDS), RECHECK_SECONDS)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rules, now = self.rules(), self.now()
                self.write_due(rules, now)
                wait = self._wait(rules, now)
            except Exception as exc:  # the database away, a rules problem: later
                log.warning("bulletins not written, trying again in %.0f s: %s",
                            RETRY_SECONDS, log_text(" ".join(str(exc).split()))[:300])  # fmt: skip
                wait = RETRY_SECONDS
            self._stop.wait(wait)
