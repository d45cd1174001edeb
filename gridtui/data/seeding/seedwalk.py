"""One generated ticket's walk through the lifecycle, cut off at ``now``.

:class:`~gridtui.data.seeding.seedgen.HistoryGenerator` opens a ticket and hands it to
a :class:`TicketWalk`, which plays it forward on the generator's seeded
:class:`random.Random` (times as integer UTC seconds): dispatched, taken, on site,
maybe mediated, escalated (吹哨) or co-handled, resolved and called back (回访), maybe
reworked, verified; or cancelled, merged, or left stuck. Every walk is a legal path of
the lifecycle state machine, and the same draws give the same walk.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from gridtui.domain.lifecycle import Action, Status, transition

if TYPE_CHECKING:
    from gridtui.data.seeding.seedgen import GenTicket

DAY = 86_400
HOUR = 3_600
MINUTE = 60

COLOURS = ("red", "orange", "yellow", "blue", "green")
#: the resident's callback (回访): mostly content, a few not reached, a few not satisfied
CALLBACKS = ("satisfied", "basic", "unsatisfied", "unreached")
CALLBACK_WEIGHTS = (0.86, 0.08, 0.02, 0.04)
#: who opens a ticket of each channel but patrol (the grid worker reports their own)
_REPORTERS = {
    "hotline": "12345",
    "citizen_app": "citizen",
    "department": "dept",
    "leader": "leader",
}

_MOVED: dict[tuple[str, str], str] = {}


def _moved(status: str, action: str) -> str:
    """The lifecycle's :func:`transition` on plain values, remembered: a city-scale
    seed takes millions of steps through a few dozen (status, action) pairs."""
    key = (status, action)
    after = _MOVED.get(key)
    if after is None:
        after = _MOVED[key] = transition(Status(status), Action(action)).value
    return after


def _lognormal_seconds(rng: random.Random, median: float, sigma: float) -> int:
    return max(30, int(median * math.exp(rng.gauss(0.0, sigma))))


class TicketWalk:
    """Plays ticket ``t`` forward from its opening on ``rng``, stopping at ``now``.

    Each phase returns False when the walk stops there (cut off at ``now``, or stuck);
    ``clock`` is the time of the last step, ``stuck_at`` the stage on the main path at
    which a stuck ticket stops.
    """

    __slots__ = ("clock", "helpers", "now", "rng", "stage", "stuck_at", "t", "worker")

    def __init__(self, rng: random.Random, t: GenTicket, now: int) -> None:
        self.rng = rng
        self.t = t
        self.now = now
        self.worker = t.grid.worker_code
        self.clock = t.opened
        #: co-handling departments, whose own part leaves the status where it is
        self.helpers: set[str] = set()
        self.stuck_at: int | None = None
        self.stage = 0

    def run(self) -> None:
        """The whole walk; ``t.closed`` set when it ends in a terminal status."""
        rng = self.rng
        t = self.t
        # the grid worker holds the ticket from its opening (the open step names them)
        reporter = self.worker if t.channel == "patrol" else _REPORTERS[t.channel]
        t.events.append(("open", t.opened, reporter, None, "new", "", self.worker))
        if self._cancel_or_merge():
            self._finish()
            return
        self.stuck_at = rng.randrange(1, 7) if rng.random() < 0.0015 else None
        if not self._first_response() or not self._mediate():
            return
        handler = self._hand_over()
        if handler is None or not self._resolve_until_accepted(*handler):
            return
        self.go(Action.VERIFY, _lognormal_seconds(rng, 3 * HOUR, 0.8), "centre")
        self._finish()

    def step(
        self, action: Action, delay: int, actor: str, note: str = "", target: str | None = None
    ) -> bool:
        """``action`` by ``actor`` ``delay`` seconds after the last step; False (and
        nothing done) when that is past ``now``."""
        at = self.clock + delay
        if at > self.now:
            return False
        t = self.t
        before = t.status
        # a co-handling department's own part leaves the status where it is
        name = action.value
        after = before if actor in self.helpers else _moved(before, name)
        t.events.append((name, at, actor, before, after, note, target))
        t.status = after
        self.clock = at
        return True

    def go(
        self, action: Action, delay: int, actor: str, note: str = "", target: str | None = None
    ) -> bool:
        """:meth:`step` on the main path, which a stuck ticket leaves at ``stuck_at``."""
        self.stage += 1
        if self.stuck_at is not None and self.stage >= self.stuck_at:
            return False
        return self.step(action, delay, actor, note, target)

    def _finish(self) -> None:
        t = self.t
        if Status(t.status).is_terminal:
            t.closed = t.events[-1][1]

    def _cancel_or_merge(self) -> bool:
        """Whether the centre drops the ticket at once: cancels it (a duplicate or invalid
        report) or merges it into an earlier one (cut off at ``now`` or not)."""
        rng = self.rng
        t = self.t
        r = rng.random()
        if r < 0.001:
            self.step(Action.CANCEL, rng.randint(5 * MINUTE, 2 * HOUR), "centre", "重复或无效上报")
            return True
        if r < 0.0035 and t.id > 1:
            target = rng.randint(max(1, t.id - 500), t.id - 1)
            if self.step(Action.MERGE, rng.randint(5 * MINUTE, HOUR), "centre", "", str(target)):
                t.merged_into = target
            return True
        return False

    def _first_response(self) -> bool:
        """Dispatched to the grid worker, taken and on site; False when the walk stops."""
        rng = self.rng
        return (
            self.go(Action.DISPATCH, rng.randint(MINUTE, 12 * MINUTE), "centre", "", self.worker)
            and self.go(Action.ACCEPT, rng.randint(30, 6 * MINUTE), self.worker)
            # Arrival: median ~5.5 min, about one in ten later than the 10-minute promise.
            and self.go(Action.ARRIVE, _lognormal_seconds(rng, 330, 0.45), self.worker)
        )

    def _mediate(self) -> bool:
        """A blue dispute's failed mediations (three make it yellow); False when the walk
        stops."""
        rng = self.rng
        t = self.t
        if not (t.category.is_dispute and t.colour == "blue"):
            return True
        failures = rng.choices((0, 1, 2, 3), (0.6, 0.2, 0.1, 0.1))[0]
        for _ in range(failures):
            if not self.step(
                Action.MEDIATION_FAILED, rng.randint(2 * HOUR, 20 * HOUR), self.worker
            ):
                return False
            t.mediation_failures += 1
        if t.mediation_failures >= 3:
            note = f"蓝色纠纷调解失败{t.mediation_failures}次，自动升为黄色"
            self.step(Action.RECOLOUR, 0, "system", note, "yellow")
            t.colour = "yellow"
        return True

    def _hand_over(self) -> tuple[str, int] | None:
        """Who solves the ticket and the median time they take: the grid worker, or after
        an escalation the community or a department; None when the walk stops."""
        rng = self.rng
        t = self.t
        escalate_p = 0.35 if t.category.department_id and t.colour in COLOURS[:3] else 0.08
        if t.category.is_dispute and t.mediation_failures >= 2 and rng.random() < 0.5:
            return ("centre", 20 * HOUR) if self._up_to_community() else None
        if t.category.department_id and t.category.department_code and rng.random() < escalate_p:
            dept = f"dept:{t.category.department_code}"
            return (dept, 10 * HOUR) if self._whistle(dept) else None
        return self.worker, 3 * HOUR

    def _up_to_community(self) -> bool:
        """大事不出社区: a dispute the grid could not settle goes up to the community,
        which takes it and comes; False when the walk stops."""
        rng = self.rng
        t = self.t
        if not self.go(
            Action.ESCALATE, rng.randint(HOUR, 6 * HOUR), self.worker, "上报社区", "up:community"
        ):
            return False
        t.escalated = True
        t.level = "community"
        return self.go(Action.ACCEPT, rng.randint(10 * MINUTE, 3 * HOUR), "centre") and self.go(
            Action.ARRIVE, rng.randint(30 * MINUTE, 4 * HOUR), "centre"
        )

    def _whistle(self, dept: str) -> bool:
        """网格吹哨: the grid worker calls in the category's department ``dept``, which
        takes it and comes (with a co-handler for a yellow dispute, half the time);
        False when the walk stops."""
        rng = self.rng
        t = self.t
        if not self.go(
            Action.ESCALATE, rng.randint(10 * MINUTE, 2 * HOUR), self.worker, "网格吹哨", dept
        ):
            return False
        t.escalated = True
        t.department_id = t.category.department_id
        # departments take their whistles within their 3 h promise, mostly
        if not (
            self.go(Action.ACCEPT, _lognormal_seconds(rng, 40 * MINUTE, 0.9), dept)
            and self.go(Action.ARRIVE, _lognormal_seconds(rng, 80 * MINUTE, 0.7), dept)
        ):
            return False
        if t.colour == "yellow" and t.category.is_dispute and rng.random() < 0.5:
            return self._co_handle(dept)
        return True

    def _co_handle(self, dept: str) -> bool:
        """黄色纠纷：多部门联合处置 / a yellow dispute: the centre adds a co-handler, who
        comes and does their part; False when the walk stops."""
        rng = self.rng
        helper = "dept:CIVIL" if dept != "dept:CIVIL" else "dept:JUSTICE"
        self.helpers.add(helper)
        return (
            self.go(Action.ASSIST, rng.randint(5 * MINUTE, HOUR), "centre", "", helper)
            and self.go(Action.ARRIVE, _lognormal_seconds(rng, 90 * MINUTE, 0.7), helper)
            and self.go(Action.RESOLVE, _lognormal_seconds(rng, 6 * HOUR, 0.8), helper)
        )

    def _resolve_until_accepted(self, solver: str, solve_median: int) -> bool:
        """Resolved and called back, again after a dissatisfied resident or a rejected
        acceptance; False when the walk stops before the ticket can be verified."""
        rng = self.rng
        t = self.t
        rounds = 0
        while True:
            rounds += 1
            if not self.go(Action.RESOLVE, _lognormal_seconds(rng, solve_median, 1.0), solver):
                return False
            result = rng.choices(CALLBACKS, CALLBACK_WEIGHTS)[0]
            if not self.go(
                Action.FEEDBACK, _lognormal_seconds(rng, 2 * HOUR, 0.8), "centre", "", result
            ):
                return False
            t.satisfaction = result
            if result == "unsatisfied":
                # 不满意：重新办理 (sla.toml [loop] unsatisfied_reopens)
                self.step(Action.REJECT, 0, "system", "群众不满意，重新办理", None)
                if not self._rework():
                    return False
                solver, solve_median = self.worker, 3 * HOUR
                continue
            if rounds == 1 and rng.random() < 0.012:
                if not self.go(Action.REJECT, rng.randint(HOUR, 12 * HOUR), "centre", "验收不通过"):
                    return False
                if not self._rework():
                    return False
                continue
            return True

    def _rework(self) -> bool:
        """Back to the grid worker after a rejection: dispatched, taken, on site."""
        rng = self.rng
        self.t.reopen_count += 1
        return (
            self.go(Action.DISPATCH, rng.randint(5 * MINUTE, HOUR), "centre", "", self.worker)
            and self.go(Action.ACCEPT, rng.randint(60, 10 * MINUTE), self.worker)
            and self.go(Action.ARRIVE, _lognormal_seconds(rng, 400, 0.5), self.worker)
        )
