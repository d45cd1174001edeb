"""How the simulated city behaves: when reports arrive, who acts next, how long it takes.

Pure decisions drawn from a seeded :class:`random.Random` (no I/O, no clock reads),
shaped like :mod:`gridtui.data.seeding.seedgen` (whose channel mix, daily rhythm and delays it
reuses) but played forward live:

- arrivals follow the daily rhythm (quiet at night, morning and afternoon peaks),
  a little quieter at weekends, at about one event per grid per day (Liyang);
- the centre dispatches within minutes (red tickets within the 5-minute promise,
  mostly); workers accept, and most reach the scene within 10 minutes;
- some matters go to a department (吹哨), which takes them within its promise, mostly;
- blue disputes may fail mediation, up to three times (then the service turns them
  yellow and the worker escalates them);
- a few acceptances are rejected and the ticket goes round again;
- resolution times are long-tailed, so some tickets breach their SLA clocks.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridtui.data.seeding.seedgen import HOURLY, CategoryInfo
from gridtui.data.seeding.seedwalk import CALLBACK_WEIGHTS, CALLBACKS
from gridtui.domain.lifecycle import Action, Status

#: Liyang (2020): 368,267 grid events over 952 grids in a year, about 1.06 per grid per day
EVENTS_PER_GRID_DAY = 368_267 / 952 / 365
#: weekends are a little quieter (as in the seeded history)
WEEKEND = 0.8
#: actors in the audit trail (a worker acts under their code, a department as dept:CODE,
#: which is what credits them points; the centre's people earn nothing)
CENTRE = "sim:centre"
SUPERVISOR = "sim:supervisor"
#: who reports a ticket of each channel (a patrol report is the grid worker's own)
REPORTERS = {
    "hotline": "12345",
    "citizen_app": "citizen",
    "department": "sim:department",
    "leader": "sim:leader",
}
#: share of closed loops whose acceptance is rejected once (验收不通过)
P_REJECT = 0.05
#: failed mediations of a blue dispute before it is settled or escalated (weights)
MEDIATION_FAILURES = ((0, 0.55), (1, 0.20), (2, 0.10), (3, 0.15))
URGENT = ("red", "orange", "yellow")
#: spot checks a supervisor makes per day (抽查、专项督查) and what they find
SPOT_CHECKS_PER_DAY = (2, 4)
SPOT_FINDINGS = (
    (2.0, "抽查：现场处置规范、照片清晰 / spot check: handled well, clear photos"),
    (1.0, "回访：群众满意 / follow-up call: the resident is satisfied"),
    (-2.0, "抽查：未按时到场 / spot check: late on the scene"),
    (-3.0, "专项督查：台账不全 / inspection: records incomplete"),
)
#: share of workers who miss a day's report (a missing report is itself an alert)
P_MISSING_REPORT = 0.03
#: daily reports are filed between these local times: mostly before the 20:00 due
#: time of sla.toml's [daily_report], a few (about one in sixteen) just after it
REPORT_HOURS = (time(16, 30), time(20, 15))


def lognormal(rng: random.Random, median: timedelta, sigma: float) -> timedelta:
    """A long-tailed delay around ``median`` (at least 30 seconds)."""
    seconds = median.total_seconds() * math.exp(rng.gauss(0.0, sigma))
    return timedelta(seconds=max(30, int(seconds)))


def uniform(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    """A delay between ``low`` and ``high`` (whole seconds)."""
    return timedelta(seconds=rng.randint(int(low.total_seconds()), int(high.total_seconds())))


MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


# -- arrivals ----------------------------------------------------------------------------


def arrival_rate(local: datetime, per_day: float) -> float:
    """Expected reports per second at local time ``local`` for ``per_day`` a day."""
    share = HOURLY[local.hour] / sum(HOURLY)
    weekend = WEEKEND if local.weekday() >= 5 else 1.0
    return per_day * weekend * share / 3600


def next_arrival(rng: random.Random, after: datetime, tz: ZoneInfo, per_day: float) -> datetime:
    """The next report after ``after`` (aware UTC): a Poisson process whose rate follows
    the daily rhythm (drawn by thinning, so the same seed gives the same times)."""
    peak = per_day * max(HOURLY) / sum(HOURLY) / 3600
    at = after
    for _ in range(100_000):
        at += timedelta(seconds=rng.expovariate(peak))
        if rng.random() * peak <= arrival_rate(at.astimezone(tz), per_day):
            return at
    return at


# -- the life of a ticket ---------------------------------------------------------------------


@dataclass(slots=True)
class SimTicket:
    """What the simulator knows of a ticket it drives, and its plan for it."""

    id: int
    version: int
    status: str
    colour: str
    channel: str
    category: CategoryInfo | None
    #: the grid worker who works it (their code), once known
    worker: str | None = None
    #: the department (code) it went to (吹哨), if any
    department: str | None = None
    #: its category's department (code), the one a whistle goes to
    category_department: str | None = None
    escalate: bool = False
    mediations_to_fail: int = 0
    mediations_failed: int = 0
    reject: bool = False
    rounds: int = 0
    #: times it was read again after a refusal (a person at a screen acted first)
    rereads: int = 0

    @property
    def is_dispute(self) -> bool:
        """A dispute (矛盾纠纷): mediation may fail."""
        return bool(self.category and self.category.is_dispute)


def plan(rng: random.Random, t: SimTicket) -> None:
    """Draw the ticket's fate when it opens: escalation, failed mediations, rejection."""
    has_dept = t.category_department is not None
    p_escalate = 0.35 if t.colour in URGENT else 0.08
    t.escalate = has_dept and rng.random() < p_escalate
    if t.is_dispute and t.colour == "blue":
        t.mediations_to_fail = rng.choices(
            [n for n, _ in MEDIATION_FAILURES], [w for _, w in MEDIATION_FAILURES]
        )[0]
    t.reject = rng.random() < P_REJECT


@dataclass(frozen=True, slots=True)
class Step:
    """The next thing that happens to a ticket: who does what, after how long."""

    action: str
    delay: timedelta
    actor: str
    note: str = ""
    target: str | None = None


def next_step(rng: random.Random, t: SimTicket) -> Step | None:
    """What happens next to ``t`` from its status (None: nothing, it is settled)."""
    status = Status(t.status)
    worker = t.worker or CENTRE
    dept = f"dept:{t.department}" if t.department else None
    if status in (Status.NEW, Status.REOPENED):
        high = 6 * MIN if t.colour == "red" else 25 * MIN
        return Step(Action.DISPATCH.value, uniform(rng, MIN, high), CENTRE)
    if status in (Status.DISPATCHED, Status.ESCALATED):
        if dept:  # departments take their whistles within their 3 h promise, mostly
            return Step(Action.ACCEPT.value, lognormal(rng, 40 * MIN, 0.9), dept)
        return Step(Action.ACCEPT.value, uniform(rng, MIN / 2, 6 * MIN), worker)
    if status is Status.ACCEPTED:
        if dept:
            return Step(Action.ARRIVE.value, lognormal(rng, 80 * MIN, 0.7), dept)
        # median about 5.5 minutes: about one in ten later than the 10-minute promise
        return Step(Action.ARRIVE.value, lognormal(rng, timedelta(seconds=330), 0.45), worker)
    if status is Status.ON_SCENE:
        if t.is_dispute and t.mediations_failed < t.mediations_to_fail and not dept:
            return Step(
                Action.MEDIATION_FAILED.value, uniform(rng, 30 * MIN, 4 * HOUR), worker,
                "调解未成功 / mediation failed",
            )  # fmt: skip
        if t.escalate and not dept and t.category_department:
            return Step(
                Action.ESCALATE.value, uniform(rng, 10 * MIN, 2 * HOUR), worker,
                "网格吹哨 / whistle to the department",
            )  # fmt: skip
        if dept:
            median = 6 * HOUR if t.colour in ("red", "orange") else 10 * HOUR
            return Step(Action.RESOLVE.value, lognormal(rng, median, 0.8), dept)
        median = 90 * MIN if t.colour == "red" else 3 * HOUR
        return Step(Action.RESOLVE.value, lognormal(rng, median, 1.0), worker)
    if status is Status.RESOLVED:
        result = rng.choices(CALLBACKS, CALLBACK_WEIGHTS)[0]  # the resident's callback
        return Step(Action.FEEDBACK.value, lognormal(rng, 40 * MIN, 0.8), CENTRE, "", result)
    if status is Status.FEEDBACK:
        if t.reject and t.rounds == 1:
            return Step(
                Action.REJECT.value, uniform(rng, HOUR, 6 * HOUR), SUPERVISOR,
                "验收不通过：整改不到位 / acceptance rejected: not fixed",
            )  # fmt: skip
        return Step(Action.VERIFY.value, lognormal(rng, 2 * HOUR, 0.8), SUPERVISOR)
    return None


def after(t: SimTicket, step: Step, colour: str) -> None:
    """Book-keeping once ``step`` was applied and the ticket is ``colour``."""
    t.colour = colour
    if step.action == Action.MEDIATION_FAILED.value:
        t.mediations_failed += 1
        if colour != "blue" and t.category_department:
            t.escalate = True  # yellow: complex, needs the departments
    elif step.action == Action.ESCALATE.value:
        t.department = t.category_department
    elif step.action == Action.RESOLVE.value:
        t.rounds += 1


__all__ = [
    "CENTRE",
    "EVENTS_PER_GRID_DAY",
    "REPORTERS",
    "SUPERVISOR",
    "SimTicket",
    "Step",
    "after",
    "arrival_rate",
    "lognormal",
    "next_arrival",
    "next_step",
    "plan",
]
