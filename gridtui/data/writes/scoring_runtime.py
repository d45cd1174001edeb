"""Scoring in bulk: the ledger lines of a whole generated history, caps included.

The live service asks the database what a rule already credited in its cap period,
one query per capped award: right for one live event, far too slow for a million
tickets. :class:`ScoreAccumulator` keeps that figure in running per-period counters
instead and leaves the rule itself to the domain (:func:`capped_award`, the period
keys of :meth:`ScoringEngine.period_key`), so the same credits in the same order give
the same ledger (``tests/data/test_score_caps.py`` holds it to that).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from gridtui.data.seeding.seedwrite import ScoreRow
from gridtui.domain.channels import Channel
from gridtui.domain.credits import Credit
from gridtui.domain.scoring.caps import capped_award
from gridtui.domain.scoring.config import parse_scoring_config
from gridtui.domain.scoring.engine import ScoringEngine
from gridtui.domain.scoring.rules import SYSTEM, Event, Period, Rule, ScoringConfig, SubjectKind

_QUARTER = 900  # every zone offset is a multiple of 15 minutes


class ScoreAccumulator:
    """Turns credits into capped ledger rows, fed in time order per subject."""

    def __init__(self, config: ScoringConfig | None) -> None:
        self.engine = ScoringEngine(config) if config is not None else None
        self._by_event: dict[str, list[Rule]] = {}
        if config is not None:
            for rule in config.all_rules:
                for event in rule.on:
                    self._by_event.setdefault(str(event), []).append(rule)
        self._matching: dict[
            tuple[str, SubjectKind, str | None, bool | None], tuple[Rule, ...]
        ] = {}
        self._used: dict[tuple[str, str, int, str], int] = {}
        self._keys: dict[tuple[int, Period], str] = {}
        self._rows: list[ScoreRow] = []

    @classmethod
    def from_text(cls, text: str | None, source: str = "scoring.toml") -> ScoreAccumulator:
        """An accumulator for the rules in ``text``; ``None`` scores nothing."""
        return cls(parse_scoring_config(text, source) if text is not None else None)

    def add(self, credit: Credit, ticket_id: int | None = None, channel: str | None = None) -> None:
        """Apply every rule that ``credit`` earns."""
        if self.engine is None:
            return
        # which rules an event earns depends on four small values: decided once each
        key = (credit.event, credit.subject_kind, channel, credit.on_time)
        rules = self._matching.get(key)
        if rules is None:
            chan = Channel(channel) if channel is not None else None
            rules = self._matching[key] = tuple(
                rule
                for rule in self._by_event.get(credit.event, ())
                if rule.matches(credit.subject_kind, credit.event, chan, credit.on_time)
            )
        for rule in rules:
            self._credit(rule, credit, ticket_id)

    def add_all(
        self, credits: Iterable[Credit], ticket_id: int | None = None, channel: str | None = None
    ) -> None:
        """:meth:`add` each credit."""
        for credit in credits:
            self.add(credit, ticket_id, channel)

    def daily_report(self, worker_id: int, at: int) -> None:
        """A filed daily report (epoch seconds)."""
        self.add(Credit(SubjectKind.WORKER, worker_id, Event.DAILY_REPORT, _dt(at)))

    def missing_report(self, worker_id: int, at: int) -> None:
        """A day without a daily report, noticed at ``at`` (epoch seconds)."""
        self.add(Credit(SubjectKind.WORKER, worker_id, Event.MISSING_DAILY_REPORT, _dt(at)))

    def drain(self) -> list[ScoreRow]:
        """The rows produced since the last drain."""
        rows, self._rows = self._rows, []
        return rows

    def _credit(self, rule: Rule, credit: Credit, ticket_id: int | None) -> None:
        kind, epoch = credit.subject_kind.value, int(credit.at.timestamp())
        if rule.cap_period is None:
            raw, credited, reason = capped_award(rule, 0, "")
        else:
            key = self._period_key(credit.at, epoch, rule.cap_period)
            slot = (rule.code, kind, credit.subject_id, key)
            used = self._used.get(slot, 0)
            raw, credited, reason = capped_award(rule, used, key)
            self._used[slot] = used + abs(credited)
        self._rows.append(
            (kind, credit.subject_id, epoch, rule.code, raw / 100, credited / 100, reason,
             SYSTEM, ticket_id)
        )  # fmt: skip

    def _period_key(self, at: datetime, epoch: int, period: Period) -> str:
        assert self.engine is not None
        quarter = epoch // _QUARTER
        cached = self._keys.get((quarter, period))
        if cached is None:
            cached = self.engine.period_key(at, period)
            self._keys[(quarter, period)] = cached
        return cached


def _dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
