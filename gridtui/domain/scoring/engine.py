"""The scoring engine: applies a :class:`~gridtui.domain.scoring.rules.ScoringConfig`
to recorded events (awards, capped by :func:`~gridtui.domain.scoring.caps.capped_award`),
manual adjustments (抽查、督查), periods, totals and rankings.

Periods (day, week, month, year) are computed in the config's time zone. Nothing here
reads a clock or does I/O: time is always passed in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from gridtui.domain.channels import Channel
from gridtui.domain.scoring.caps import LedgerEntry, UsedPoints, capped_award
from gridtui.domain.scoring.rules import (
    ADJUSTMENT,
    EVENTS,
    SYSTEM,
    WEEKDAYS,
    AlertPolicy,
    Event,
    Period,
    Rule,
    ScoringConfig,
    ScoringError,
    SubjectKind,
    as_period,
    as_subject_kind,
    is_hundredths,
    require_aware,
    to_cents,
)


@dataclass(frozen=True, slots=True)
class RankRow:
    """One row of a ranking: competition rank ("1224"), ties share a rank."""

    subject_id: int
    points: float
    rank: int
    entries: int


class ScoringEngine:
    """Applies a :class:`ScoringConfig`: awards, adjustments, periods, totals, rankings."""

    def __init__(self, config: ScoringConfig) -> None:
        self.config = config
        self._tz = config.tz
        self._week_start = WEEKDAYS.index(config.week_starts)

    # -- periods ---------------------------------------------------------------

    def period_of(self, at: datetime, period: Period | str) -> tuple[datetime, datetime]:
        """The period containing ``at``: (start inclusive, end exclusive), local midnights."""
        start, end = self._dates(self._local_date(at), as_period(period))
        return self._midnight(start), self._midnight(end)

    def period_key(self, at: datetime, period: Period | str) -> str:
        """A label for the period: ``2026-11-24``, ``2026-W48``, ``2026-11``, ``2026``.

        Weeks are ISO weeks when they start on Monday; otherwise the week is named
        after the ISO week its days fall in once shifted to start on Monday.
        """
        p = as_period(period)
        day = self._local_date(at)
        if p is Period.DAY:
            return day.isoformat()
        if p is Period.MONTH:
            return f"{day.year:04d}-{day.month:02d}"
        if p is Period.YEAR:
            return f"{day.year:04d}"
        start, _ = self._dates(day, p)
        iso = (start + timedelta(days=(7 - self._week_start) % 7)).isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"

    # -- awards ----------------------------------------------------------------

    def award(
        self,
        history: Sequence[LedgerEntry],
        subject_kind: SubjectKind | str,
        subject_id: int,
        action_or_trigger: str,
        at: datetime,
        ticket_id: int | None = None,
        channel: Channel | str | None = None,
        *,
        on_time: bool | None = None,
    ) -> list[LedgerEntry]:
        """The entries to append for one recorded event (zero or more rules match).

        ``history`` holds the subject's existing entries, at least those of the cap
        periods containing ``at``; see :meth:`award_with` for the rest.

        Raises:
            ScoringError: unknown event, subject or channel, or a naive ``at``.
        """
        kind = as_subject_kind(subject_kind)

        def used(rule: Rule, start: datetime, end: datetime) -> int:
            return sum(
                abs(to_cents(e.points))
                for e in history
                if e.code == rule.code
                and e.subject_kind is kind
                and e.subject_id == subject_id
                and _within(e.at, (start, end))
            )

        return self.award_with(
            used, kind, subject_id, action_or_trigger, at, ticket_id, channel, on_time=on_time
        )

    def award_with(
        self,
        used: UsedPoints,
        subject_kind: SubjectKind | str,
        subject_id: int,
        action_or_trigger: str,
        at: datetime,
        ticket_id: int | None = None,
        channel: Channel | str | None = None,
        *,
        on_time: bool | None = None,
    ) -> list[LedgerEntry]:
        """The entries to append for one recorded event, asking ``used`` for the caps.

        For each matching capped rule, ``used(rule, start, end)`` says what the rule
        already credited this subject in the cap period ``[start, end)`` (UTC) that
        contains ``at``; :func:`capped_award` does the rest. A capped award is still
        returned (``points`` 0, ``raw_points`` intact).

        Raises:
            ScoringError: unknown event, subject or channel, or a naive ``at``.
        """
        kind = as_subject_kind(subject_kind)
        entries: list[LedgerEntry] = []
        for rule in self.matching(kind, action_or_trigger, at, channel, on_time=on_time):
            spent, key = 0, ""
            if rule.cap_period is not None:
                start, end = self._window(at, rule.cap_period)
                spent, key = used(rule, start, end), self.period_key(at, rule.cap_period)
            award = capped_award(rule, spent, key)
            raw, points = award.raw / 100, award.points / 100
            entries.append(
                LedgerEntry(
                    kind, subject_id, at, rule.code, raw, points, award.reason, SYSTEM, ticket_id
                )
            )
        return entries

    def matching(
        self,
        subject_kind: SubjectKind | str,
        action_or_trigger: str,
        at: datetime,
        channel: Channel | str | None = None,
        *,
        on_time: bool | None = None,
    ) -> list[Rule]:
        """The rules and penalties one recorded event earns, in file order.

        Raises:
            ScoringError: unknown event, subject or channel, or a naive ``at``.
        """
        kind = as_subject_kind(subject_kind)
        event = str(action_or_trigger)
        if event not in EVENTS:
            raise ScoringError(
                f"unknown event {event!r}; expected a ticket action or one of "
                + ", ".join(e.value for e in Event)
            )
        try:
            chan = None if channel is None else Channel(channel)
        except ValueError:
            raise ScoringError(f"unknown channel {channel!r}") from None
        require_aware(at)
        return [rule for rule in self.config.all_rules if rule.matches(kind, event, chan, on_time)]

    def adjust(
        self,
        subject_kind: SubjectKind | str,
        subject_id: int,
        points: float,
        reason: str,
        author: str,
        at: datetime,
        ticket_id: int | None = None,
    ) -> LedgerEntry:
        """A manual addition or deduction after a spot check (抽查、专项督查).

        Raises:
            ScoringError: empty reason or author, author "system", points zero, not in
                hundredths, or outside the config's ``[adjustment]`` bounds.
        """
        kind = as_subject_kind(subject_kind)
        why, who = reason.strip(), author.strip()
        if not why:
            raise ScoringError("an adjustment needs a reason (the spot-check finding)")
        if not who:
            raise ScoringError("an adjustment needs an author (who made the spot check)")
        if who == SYSTEM:
            raise ScoringError(f"author {SYSTEM!r} is reserved for automatic entries")
        policy = self.config.adjustment
        if isinstance(points, bool) or not math.isfinite(points) or points == 0:
            raise ScoringError(f"adjustment points must be a non-zero number, got {points!r}")
        if not policy.min <= points <= policy.max:
            raise ScoringError(f"adjustment {points:g} is outside [{policy.min:g}, {policy.max:g}]")
        if not is_hundredths(points):
            raise ScoringError(f"adjustment {points!r} has more than two decimals")
        require_aware(at)
        value = to_cents(points) / 100
        return LedgerEntry(kind, subject_id, at, ADJUSTMENT, value, value, why, who, ticket_id)

    # -- totals and rankings -----------------------------------------------------

    def totals(
        self, entries: Iterable[LedgerEntry], period: Period | str, at: datetime
    ) -> dict[tuple[SubjectKind, int], float]:
        """Credited points per (kind, id) over the period containing ``at``."""
        window = self._window(at, as_period(period))
        sums: dict[tuple[SubjectKind, int], int] = {}
        for e in entries:
            if _within(e.at, window):
                key = (e.subject_kind, e.subject_id)
                sums[key] = sums.get(key, 0) + to_cents(e.points)
        return {key: value / 100 for key, value in sums.items()}

    def rank(
        self,
        entries: Iterable[LedgerEntry],
        period: Period | str,
        at: datetime,
        subject_kind: SubjectKind | str,
        subjects: Iterable[int] = (),
    ) -> list[RankRow]:
        """Subjects of one kind by points in the period: desc, then subject_id asc.

        ``subjects`` adds subjects without entries (ranked with 0 points).
        """
        kind = as_subject_kind(subject_kind)
        window = self._window(at, as_period(period))
        sums = dict.fromkeys(subjects, 0)
        counts = dict.fromkeys(sums, 0)
        for e in entries:
            if e.subject_kind is kind and _within(e.at, window):
                sums[e.subject_id] = sums.get(e.subject_id, 0) + to_cents(e.points)
                counts[e.subject_id] = counts.get(e.subject_id, 0) + 1
        rows: list[RankRow] = []
        for position, sid in enumerate(sorted(sums, key=lambda s: (-sums[s], s)), start=1):
            tied = bool(rows) and to_cents(rows[-1].points) == sums[sid]
            rank = rows[-1].rank if tied else position
            rows.append(RankRow(sid, sums[sid] / 100, rank, counts[sid]))
        return rows

    # -- helpers -----------------------------------------------------------------

    def _local_date(self, at: datetime) -> date:
        require_aware(at)
        return at.astimezone(self._tz).date()

    def _midnight(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=self._tz)

    def _dates(self, day: date, period: Period) -> tuple[date, date]:
        if period is Period.DAY:
            return day, day + timedelta(days=1)
        if period is Period.WEEK:
            start = day - timedelta(days=(day.weekday() - self._week_start) % 7)
            return start, start + timedelta(days=7)
        if period is Period.MONTH:
            start = day.replace(day=1)
            return start, (start + timedelta(days=32)).replace(day=1)
        return date(day.year, 1, 1), date(day.year + 1, 1, 1)

    def _window(self, at: datetime, period: Period) -> tuple[datetime, datetime]:
        start, end = self.period_of(at, period)
        return start.astimezone(UTC), end.astimezone(UTC)


def alert_policy(engine: ScoringEngine | None) -> AlertPolicy:
    """The alert targets of ``engine``'s config; the defaults when no rules are loaded."""
    return engine.config.alerts if engine is not None else AlertPolicy()


def _within(at: datetime, window: tuple[datetime, datetime]) -> bool:
    # Compare in UTC: aware datetimes sharing a tzinfo compare by wall clock.
    return window[0] <= at.astimezone(UTC) < window[1]
