"""The SLA sweeper of a live server: a backlog cleared in small steps.

After a night's outage (or a restart on a database whose clocks are a week behind)
thousands of clocks are breached at once. Handling them in one go would hold the
database's write lock (and on SQLite this process's write queue) for many seconds
while intake waits. Here each step is one transaction of at most
:data:`~gridtui.data.writes.breaches.SWEEP_BATCH` tickets or
:data:`~gridtui.data.writes.breaches.SWEEP_BUDGET` seconds of work, passed through the
source's write path (``write``: its queue of writers, its wake-ups), and the sweeper
rests between steps (:func:`~gridtui.data.writes.pacing.rest_after`; at least :data:`PAUSE`)
so that the writes waiting behind it (an intake, an officer's action) go first and
its thread leaves the GIL to the requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy import select

from gridtui.data.storage.models import Ticket
from gridtui.data.writes.breaches import SWEEP_BATCH
from gridtui.data.writes.pacing import rest_after
from gridtui.data.writes.results import SweepResult
from gridtui.domain.lifecycle import Status

if TYPE_CHECKING:
    from gridtui.data.writes.service import TicketService  # it drives this module

T = TypeVar("T")


class Write(Protocol):
    """A source's write path: runs ``fn`` (one transaction) in its turn."""

    def __call__(self, fn: Callable[[], T], /) -> T: ...


#: seconds the sweeper rests between two transactions at least (other writers go first)
PAUSE = 0.01


def sweep_in_steps(
    service: TicketService,
    write: Write,
    at: datetime,
    *,
    limit: int = 5000,
    batch: int = SWEEP_BATCH,
    pause: float = PAUSE,
) -> SweepResult:
    """One round of the SLA sweeper as of ``at`` (the ``limit`` earliest deadlines),
    one small transaction at a time, each run through ``write``."""
    ids = write(partial(due_for_sweep, service, at, limit))  # errors mapped alike
    checked, breaches, escalated = len(ids), 0, 0
    while ids:
        started = time.monotonic()
        done, b, e = write(partial(service.sweep_batch, ids[:batch], at))
        ids = ids[done:]
        breaches, escalated = breaches + b, escalated + e
        if ids:
            took = time.monotonic() - started
            time.sleep(rest_after(took, pause))
    return SweepResult(checked, breaches, escalated)


def due_for_sweep(service: TicketService, at: datetime, limit: int = 5000) -> list[int]:
    """The open tickets with a deadline passed by ``at`` that may have something to
    handle (the ``limit`` earliest), in id order: the order sweepers lock them in.

    An overdue ticket whose breaches are all handled keeps its passed deadline (the
    queue sorts it first); the service remembers it as quiet
    (:meth:`TicketService.is_quiet`) and it is skipped until it or the rules change or
    its next deadline passes, so a round reads only what may have changed.
    """
    with service.factory() as session:
        sla, _ = service.rules(session)
        due = session.execute(
            select(Ticket.id, Ticket.version)
            .where(Ticket.status.in_([s.value for s in Status if s.is_open]))
            .where(Ticket.next_deadline <= at)
            .order_by(Ticket.next_deadline, Ticket.id)
        ).all()
    # what the service remembers is kept for the tickets still due, the rest forgotten
    service.quiet = {i: service.quiet[i] for i, _ in due if i in service.quiet}
    wanted = [i for i, version in due if not service.is_quiet(i, version, sla, at)]
    return sorted(wanted[:limit])
