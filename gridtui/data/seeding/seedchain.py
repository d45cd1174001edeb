"""The SLA chain over generated tickets, and their bulk writes in order.

:func:`~gridtui.data.seeding.seed.seed` hands each batch of generated tickets to a
:class:`Pipeline`: the domain's chain (:mod:`gridtui.domain.chain`) gives each its
stored SLA columns, credits and breach marks (in a second process for a city-scale
seed, while the next batch is generated), and the batches are written in order, the
credits through the accumulator (caps).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from gridtui.data.seeding.seedgen import GenTicket
from gridtui.data.seeding.seedwrite import BulkWriter
from gridtui.data.writes.scoring_runtime import ScoreAccumulator
from gridtui.data.writes.sla_runtime import SlaRuntime, Step
from gridtui.domain.chain import breached_by, mark, ticket_credits
from gridtui.domain.credits import Credit, actor_subject

#: what the chain makes of one generated ticket: (due, next deadline, policy, level,
#: its credits, the breach-mark steps to append to its timeline)
Evaluated = tuple[
    int | None, int | None, str, str, list[Credit], list[tuple[str, int, str, str, str, str, str]]
]


@dataclass(frozen=True)
class Chain:
    """What evaluating a batch needs: the rules, who scores, as of when."""

    sla_text: str
    workers: dict[str, int]
    departments: dict[str, int]
    now: datetime
    ledger_from: int

    def evaluate(self, batch: list[GenTicket]) -> list[Evaluated]:
        """Each ticket's stored SLA columns, credits and breach marks (pure: no I/O), by
        the domain's chain (:mod:`gridtui.domain.chain`)."""
        sla = runtime(self.sla_text)
        subject_of = actor_subject(self.workers, self.departments)
        now = self.now
        out: list[Evaluated] = []
        for t in batch:
            steps = [Step(a, _dt(at), actor, target) for a, at, actor, _, _, _, target in t.events]
            scored = t.opened >= self.ledger_from
            # a settled ticket beyond the ledger: only its due date is stored or read
            history = not scored and t.closed is not None
            tc = sla.ticket(t.colour, t.category.code, t.channel, steps, now, due_only=history)
            policy = tc.policy
            credits = ticket_credits(steps, tc, subject_of, now) if scored else []
            marks = []
            if not history:
                # each breach is marked on the timeline as the live sweeper marks it, so
                # that a later action or sweep never handles it a second time
                last = t.events[-1][1]
                for clock in breached_by(tc, now):
                    at = max(last, _epoch(clock.deadline) or last)
                    note = f"超时: {clock.label_zh} / breached: {clock.label_en}"
                    marks.append(("note", at, "system", t.status, t.status, note, mark(clock)))
            out.append(
                (
                    _epoch(tc.due_at), _epoch(tc.next_deadline), policy.name if policy else "",
                    tc.handling.level.value, credits, marks,
                )
            )  # fmt: skip
        return out


@lru_cache(maxsize=2)
def runtime(sla_text: str) -> SlaRuntime:
    return SlaRuntime.from_text(sla_text)


def _evaluate_in_worker(chain: Chain, batch: list[GenTicket]) -> list[Evaluated]:
    """:meth:`Chain.evaluate` in the helper process (a module-level function: pickled)."""
    return chain.evaluate(batch)


def _store(
    writer: BulkWriter,
    batch: list[GenTicket],
    results: list[Evaluated],
    scores: ScoreAccumulator,
    now: datetime,
) -> None:
    """Write one evaluated batch; credits go through the accumulator in order (caps)."""
    rows = []
    for t, (due, next_deadline, policy, level, credits, marks) in zip(batch, results, strict=True):
        t.level = level
        t.events.extend(marks)
        rows.append((t, due, next_deadline, policy))
        if credits:
            scores.add_all(credits, t.id, t.channel)
    writer.write_tickets(rows, now)
    writer.write_scores(scores.drain())


class Pipeline:
    """Evaluates batches in a second process while this one generates the next (a
    city-scale seed uses both cores), and writes them in order; small seeds evaluate
    in place."""

    def __init__(
        self, chain: Chain, writer: BulkWriter, scores: ScoreAccumulator, *, parallel: bool
    ) -> None:
        self.chain, self.writer, self.scores = chain, writer, scores
        # spawn, not fork: the caller may run threads (a server, a test's loop)
        self.pool = (
            ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            if parallel
            else None
        )
        self.pending: tuple[list[GenTicket], Future[list[Evaluated]]] | None = None

    def add(self, batch: list[GenTicket]) -> None:
        """Evaluate ``batch`` (in the helper process when there is one) and write the
        batch before it."""
        if not batch:
            return
        if self.pool is None:
            _store(self.writer, batch, self.chain.evaluate(batch), self.scores, self.chain.now)
            return
        future = self.pool.submit(_evaluate_in_worker, self.chain, batch)
        self._drain()
        self.pending = (batch, future)

    def finish(self) -> None:
        """Write what is still being evaluated and stop the helper process."""
        try:
            self._drain()
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)

    def _drain(self) -> None:
        if self.pending is not None:
            batch, future = self.pending
            self.pending = None
            _store(self.writer, batch, future.result(), self.scores, self.chain.now)


def _dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _epoch(at: datetime | None) -> int | None:
    return None if at is None else int(at.timestamp())
