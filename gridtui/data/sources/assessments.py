"""The assessment (周督查、月通报、年总评) and the bulletin's facts over a database, for
:class:`~gridtui.data.sources.local.LocalSource`, with the cache that makes a period
switch cheap.

The period asked for is the one containing ``at``: once it has ended by the source's
clock it is counted whole (``closed``), whichever of its instants ``at`` names (the
screen's ``[`` and the bulletins name any); while it runs, up to ``at`` ("so far").
A period's figures are read for all five levels at once
(:func:`~gridtui.data.reads.assessment_figures.period_figures`: a handful of grouped
queries, seconds at a million tickets) and scored per level on first use
(:class:`~gridtui.data.reads.assessment.ScoredPeriod`). The windows are the loaded
``scoring.toml``'s (:meth:`~gridtui.domain.scoring.engine.ScoringEngine.period_of`),
the previous period is the one containing ``start − 1 µs``, the weights are the loaded
``assessment.toml``'s (:meth:`~gridtui.data.writes.service.TicketService.assessment_rules`).

**The cache** (:class:`AssessmentCache`) keeps the scored periods, least recently used
first out beyond :data:`CACHE_SIZE`, keyed by (period kind, period key, the digest of
the rules' texts, the bound counted to):

* a period that has ended (or one read "as of" a past ``at``) is counted to a bound
  in the past and depends only on what happened before it: its entry stays until a
  write dated before that bound arrives. Each answer first checks what was written
  since the last check (nothing, when ``last_seq()`` has not moved): a ``bulk`` change
  (seed, import, fixtures load) or a ``config`` change (a rules edit, which can re-time
  deadlines) drops every entry and the cached catalogue; otherwise the earliest
  instant of the new timeline steps, ledger lines (a breach penalty is dated at its
  deadline, a missing report at its due time) and daily reports (a report filed late
  for a past day) drops the entries whose bound lies after it. Ordinary work (steps
  taken now) leaves past periods alone. The figures of a ticket are read from its
  current assignee, lead department, deadline and closing time: a later re-dispatch or
  reopening of an old ticket moves a past period's fresh reading, not its cached one
  (the published reading stays until the next bulk change);
* the running period read at the source's clock (``at`` within :data:`LIVE_SLACK` of
  it) is valid while ``last_seq()`` has not moved and the duty days it counts are the
  same; its ``overdue_at_end`` (open tickets past their deadline at ``at``) is re-read
  on every answer, as is
* ``overdue_now``, live in every period: one read of the open tickets (partial
  indexes), milliseconds.

An answer (a level's rows) is kept too, :data:`ANSWERS` at most, and rebuilt only
when one of its periods was read again or the live counts moved. What was written is
found by id above the last look's highest: on PostgreSQL, where ids are handed out
before commit, a write dated in the past that commits after a later one can escape
it, and a past period then keeps its reading until the next bulk change (the running
period still follows it: ``last_seq()`` moved).

A changed rules text changes the digest (and its ``config`` change empties the cache).
Answers are computed one at a time per source (a lock), so two screens asking for the
same cold month read it once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridtui.data.reads.assessment import (
    Context,
    PeriodWindow,
    ScoredPeriod,
    assemble,
)
from gridtui.data.reads.assessment_figures import (
    Subjects,
    Window,
    counted_days,
    live_overdue,
    period_figures,
    read_subjects,
)
from gridtui.data.reads.bulletin_facts import bulletin_facts
from gridtui.data.reads.scorecards import period_window
from gridtui.data.sources.records import (
    ASSESSMENT_LEVELS,
    Assessment,
    AssessmentLevel,
    BulletinFacts,
    Period,
)
from gridtui.data.storage.changefeed import last_seq
from gridtui.data.storage.models import (
    Change,
    ConfigDoc,
    DailyReportRow,
    ScoreEntry,
    Ticket,
    TicketEvent,
)
from gridtui.data.writes.errors import ServiceError
from gridtui.data.writes.service import TicketService
from gridtui.domain.calendars import RealTimeCalendar
from gridtui.domain.reports import ReportRules, ReportSchedule
from gridtui.domain.scoring.engine import ScoringEngine

#: scored periods kept (a period holds every level's figures, scores and ranks: about
#: 10 MB at city scale): the three kinds of period, their previous ones and a history
CACHE_SIZE = 24
#: answers kept (a level of ten thousand workers is about 10 MB of rows): every level
#: of the week, the month and the year, and one more
ANSWERS = 16
#: an ``at`` this close to the source's clock reads the running period "now"
LIVE_SLACK = timedelta(seconds=60)
#: periods before the one asked for that ``history`` may reach back
MAX_HISTORY = 24
PERIODS: tuple[Period, ...] = ("week", "month", "year")
#: the rules files whose texts key the cache
RULE_NAMES = ("sla.toml", "scoring.toml", "assessment.toml")
#: change kinds that may rewrite the past wholesale
REWRITES = ("bulk", "config")

CacheKey = tuple[str, str, str, str]


@dataclass
class _Entry:
    scored: ScoredPeriod
    #: the instant counted to (past entries), None for the running period
    bound: datetime | None
    #: the running period's change number and counted duty days when read
    seq: int = 0
    counted: tuple[object, ...] = ()


@dataclass
class _Marks:
    """How far the cache has looked at what was written."""

    seq: int = -1
    event_id: int = 0
    score_id: int = 0
    report_id: int = 0


@dataclass
class AssessmentCache:
    """The scored periods of one database (see the module)."""

    size: int = CACHE_SIZE
    entries: OrderedDict[CacheKey, _Entry] = field(default_factory=OrderedDict)
    #: the answers last built (their rows), by what they were built from
    answers: OrderedDict[tuple[object, ...], Assessment] = field(default_factory=OrderedDict)
    marks: _Marks = field(default_factory=_Marks)
    digest: str = ""
    subjects: Subjects | None = None
    #: the earliest ticket or ledger line: periods ending before it are not assessed
    first: datetime | None = None
    #: cache misses (scored periods read from the database), for tests and benches
    misses: int = 0

    def clear(self) -> None:
        """Forget everything (a rewrite of the past, or new rules)."""
        self.entries.clear()
        self.answers.clear()
        self.subjects, self.first = None, None

    def answer(self, key: tuple[object, ...]) -> Assessment | None:
        """An answer built before on the same readings and live counts."""
        found = self.answers.get(key)
        if found is not None:
            self.answers.move_to_end(key)
        return found

    def keep_answer(self, key: tuple[object, ...], answer: Assessment) -> None:
        self.answers[key] = answer
        while len(self.answers) > ANSWERS:
            self.answers.popitem(last=False)

    def get(self, key: CacheKey) -> _Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: CacheKey, entry: _Entry) -> None:
        self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)

    def drop_after(self, instant: datetime) -> None:
        """Drop the entries a write dated ``instant`` may change: the running periods'
        and those counted to a bound after it."""
        for key in [k for k, e in self.entries.items() if e.bound is None or e.bound > instant]:
            del self.entries[key]


class Assessments:
    """The assessment reads of one :class:`LocalSource` and their cache."""

    def __init__(
        self,
        session: Callable[[], AbstractContextManager[Session]],
        service: TicketService,
        tz: ZoneInfo,
        now: Callable[[], datetime],
    ) -> None:
        self._session = session
        self._service = service
        self._tz = tz
        self._now = now
        self.cache = AssessmentCache()
        self._lock = threading.Lock()

    # -- the two reads -------------------------------------------------------------------

    def assessment(
        self, level: AssessmentLevel, period: Period, at: datetime, *, history: int = 0
    ) -> Assessment:
        """See :meth:`DataSource.assessment <gridtui.data.sources.source.DataSource.assessment>`.

        Raises:
            ValueError: an unknown level or period, or ``history`` outside
                0..:data:`MAX_HISTORY`.
        """
        _check(level, period)
        if not 0 <= history <= MAX_HISTORY:
            raise ValueError(f"history must be 0..{MAX_HISTORY}, got {history}")
        at = _aware(at)
        now = self._now()  # before the session: never a second connection inside one
        with self._lock, self._session() as s:
            reads = self._reads(s)
            engine = reads.engine
            current_window = self._window(engine, period, at)
            current, live_at = self._current(reads, current_window, at, now)
            # the previous period, then ``history`` periods back (the previous one first)
            chain = self._earlier(reads, current_window, max(1, history))
            live_now, at_end, live = live_overdue(s, now, live_at)
            earlier = [p for _, p in chain]
            closed = current_window.end <= now
            # the answer is the same while its periods' readings and the live counts are
            key = (level, history, current.serial, tuple(p.serial if p else 0 for p in earlier),
                   live, live_at is not None, closed)  # fmt: skip
            answer = self.cache.answer(key)
            if answer is None:
                ctx = Context(
                    reads.subjects, self._service.assessment_rules(s), live_now,
                    at_end if live_at is not None else None, at,
                    previous_key=chain[0][0].key, closed=closed,
                )  # fmt: skip
                past = list(reversed(earlier[:history]))  # oldest first
                answer = assemble(level, current, earlier[0], past, ctx)
                self.cache.keep_answer(key, answer)
            return replace(answer, at=at, rows=list(answer.rows))

    def bulletin_facts(self, period: Period, at: datetime, limit: int) -> BulletinFacts:
        """See :meth:`DataSource.bulletin_facts
        <gridtui.data.sources.source.DataSource.bulletin_facts>` (not cached: one
        answer per bulletin).

        Raises:
            ValueError: an unknown period or a ``limit`` below 1.
        """
        _check("street", period)
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        at = _aware(at)
        now = self._now()  # before the session: never a second connection inside one
        with self._lock, self._session() as s:
            reads = self._reads(s)
            w = self._window(reads.engine, period, at)
            window = Window(w.start, w.end, None if w.end <= now else at)
            return bulletin_facts(s, w, window, at, limit, reads.subjects, reads.schedule)

    # -- what one answer reads -----------------------------------------------------------

    def _reads(self, s: Session) -> _Reads:
        """The rules, the catalogue and a checked cache for one answer."""
        try:
            sla, engine = self._service.rules(s)
            schedule = ReportSchedule.of(sla.config, self._tz)
        except ServiceError:  # no rules loaded yet: the defaults
            engine = None
            schedule = ReportSchedule(ReportRules(), RealTimeCalendar(), self._tz)
        self._check_cache(s)
        cache = self.cache
        if cache.subjects is None:
            cache.subjects = read_subjects(s)
            cache.first = _first_data(s)
        return _Reads(s, engine, schedule, cache.subjects, cache.first)

    def _check_cache(self, s: Session) -> None:
        """Drop what the writes since the last check may have changed (see the module)."""
        cache = self.cache
        digest = _rules_digest(s)
        if digest != cache.digest:
            cache.clear()
            cache.digest = digest
        seq = last_seq(s)
        marks = cache.marks
        if seq == marks.seq:
            return
        first_look = marks.seq < 0
        kinds = set() if first_look else set(
            s.scalars(select(Change.kind).where(Change.seq > marks.seq).distinct())
        )  # fmt: skip
        if first_look or kinds & set(REWRITES):
            cache.clear()
            cache.marks = _Marks(seq, *(_newest(s, col) for col in _IDS))
            return
        events = _since(s, TicketEvent.id, TicketEvent.at, marks.event_id)
        scores = _since(s, ScoreEntry.id, ScoreEntry.at, marks.score_id)
        reports = _since(s, DailyReportRow.id, DailyReportRow.day, marks.report_id)
        earliest = [t for t in (events[1], scores[1]) if t is not None]
        if reports[1] is not None:
            earliest.append(datetime.combine(reports[1], time(), self._tz).astimezone(UTC))
        # the running periods follow the change feed, past ones what was written
        cache.drop_after(min(earliest, default=datetime.max.replace(tzinfo=UTC)))
        cache.marks = _Marks(seq, events[0] or marks.event_id, scores[0] or marks.score_id,
                             reports[0] or marks.report_id)  # fmt: skip

    def _window(self, engine: ScoringEngine | None, period: Period, at: datetime) -> PeriodWindow:
        start, end, key = period_window(engine, self._tz, period, at)
        return PeriodWindow(period, key, start, end)

    def _current(
        self, reads: _Reads, w: PeriodWindow, at: datetime, now: datetime
    ) -> tuple[ScoredPeriod, datetime | None]:
        """The asked period's scored figures, and the ``at`` its ``overdue_at_end`` is
        read live at when it runs at the source's clock (None: counted with it)."""
        if w.end <= now:  # ended by the source's clock: counted whole
            return self._past(reads, w, w.end), None
        if at < now - LIVE_SLACK:  # as of a past instant: nothing after it counts
            return self._past(reads, w, at), None
        window = Window(w.start, w.end, at)
        counted = tuple(counted_days(window, reads.schedule))
        key = (w.period, w.key, self.cache.digest, "live")
        seq = self.cache.marks.seq
        entry = self.cache.get(key)
        if entry is None or entry.seq != seq or entry.counted != counted:
            self.cache.misses += 1
            pf = period_figures(reads.session, window, reads.subjects, reads.schedule, live=True)
            entry = _Entry(ScoredPeriod(w, pf), None, seq, counted)
            self.cache.put(key, entry)
        return entry.scored, at

    def _past(self, reads: _Reads, w: PeriodWindow, bound: datetime) -> ScoredPeriod:
        """A period counted to ``bound`` (its end, or a past ``at`` inside it)."""
        key = (w.period, w.key, self.cache.digest, bound.isoformat())
        entry = self.cache.get(key)
        if entry is None:
            self.cache.misses += 1
            window = Window(w.start, w.end, bound if bound < w.end else None)
            pf = period_figures(reads.session, window, reads.subjects, reads.schedule)
            entry = _Entry(ScoredPeriod(w, pf), bound)
            self.cache.put(key, entry)
        return entry.scored

    def _earlier(
        self, reads: _Reads, w: PeriodWindow, count: int
    ) -> list[tuple[PeriodWindow, ScoredPeriod | None]]:
        """The ``count`` periods before ``w``, nearest first (None: it ended before the
        first ticket or ledger line, not assessed)."""
        out: list[tuple[PeriodWindow, ScoredPeriod | None]] = []
        for _ in range(count):
            w = self._window(reads.engine, w.period, w.start - timedelta(microseconds=1))
            assessed = reads.first is not None and w.end > reads.first
            out.append((w, self._past(reads, w, w.end) if assessed else None))
        return out


@dataclass(frozen=True)
class _Reads:
    session: Session
    engine: ScoringEngine | None
    schedule: ReportSchedule
    subjects: Subjects
    first: datetime | None


def _check(level: str, period: str) -> None:
    if level not in ASSESSMENT_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(ASSESSMENT_LEVELS)}")
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at needs a time zone, got {at.isoformat()}")
    return at.astimezone(UTC)


def _rules_digest(s: Session) -> str:
    """The SHA-256 of the loaded rules' texts (name and text, by name)."""
    h = hashlib.sha256()
    for name, text in s.execute(
        select(ConfigDoc.name, ConfigDoc.text)
        .where(ConfigDoc.name.in_(RULE_NAMES))
        .order_by(ConfigDoc.name)
    ):
        h.update(f"{name}\0{len(text)}\0{text}".encode())
    return h.hexdigest()


def _since(s: Session, id_col: Any, at_col: Any, after: int) -> tuple[int | None, Any]:
    """(the newest id, the earliest ``at_col``) of the rows with an id above ``after``
    (a range of the primary key: the rows written since the last look)."""
    row = s.execute(select(func.max(id_col), func.min(at_col)).where(id_col > after)).one()
    return (int(row[0]) if row[0] is not None else None), row[1]


#: the id columns the cache follows what was written by
_IDS = (TicketEvent.id, ScoreEntry.id, DailyReportRow.id)


def _newest(s: Session, id_col: Any) -> int:
    """The highest id of a table (its primary key's last entry)."""
    return int(s.scalar(select(func.max(id_col))) or 0)


def _first_data(s: Session) -> datetime | None:
    """The earliest ticket or ledger line (indexed minimums)."""
    firsts = [
        s.scalar(select(func.min(Ticket.opened_at))),
        s.scalar(select(func.min(ScoreEntry.at))),
    ]
    return min((f for f in firsts if f is not None), default=None)
