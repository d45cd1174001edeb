"""Deterministic ticket histories: who reported what, when, and how it went.

Pure generation (a seeded :class:`random.Random`, times as integer UTC seconds);
:mod:`gridtui.data.seeding.seed` writes the result. Every history is a legal walk of the
lifecycle state machine, cut off at ``now``, with delays shaped like a real centre:
most workers arrive within the 10-minute promise, most tickets close within a day,
a few are escalated (吹哨) to a department, reopened after a rejected acceptance,
merged, cancelled, or left stuck and overdue.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from gridtui.domain.lifecycle import Action, Status, transition

DAY = 86_400
HOUR = 3_600
MINUTE = 60

#: Channel mix (Liyang / Taiyuan: patrol reports dominate, then the 12345 hotline).
CHANNELS = (
    ("patrol", 0.55),
    ("hotline", 0.20),
    ("citizen_app", 0.15),
    ("department", 0.07),
    ("leader", 0.03),
)
#: Which catalogue functions each channel brings, weighted.
CHANNEL_FUNCTIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "patrol": (
        ("information", 0.22),
        ("population", 0.10),
        ("service", 0.15),
        ("dispute", 0.12),
        ("safety", 0.16),
        ("order", 0.20),
        ("legal", 0.03),
        ("psychology", 0.02),
    ),
    "hotline": (
        ("utility", 0.40),
        ("environment", 0.18),
        ("order", 0.17),
        ("dispute", 0.12),
        ("market", 0.08),
        ("security", 0.05),
    ),
    "citizen_app": (("order", 0.40), ("environment", 0.25), ("utility", 0.25), ("safety", 0.10)),
    "department": (("safety", 0.45), ("market", 0.25), ("epidemic", 0.15), ("security", 0.15)),
    "leader": (("petition", 0.45), ("safety", 0.30), ("dispute", 0.25)),
}
#: Hour-of-day intake rhythm in the centre's local time (patrols by day, calls till late).
HOURLY = (
    0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.6, 2.6, 3.0, 3.0, 2.6,
    1.8, 2.0, 2.6, 2.8, 2.7, 2.3, 1.7, 1.4, 1.2, 0.9, 0.6, 0.4,
)  # fmt: skip
COLOURS = ("red", "orange", "yellow", "blue", "green")
#: the resident's callback (回访): mostly content, a few not reached, a few not satisfied
CALLBACKS = ("satisfied", "basic", "unsatisfied", "unreached")
CALLBACK_WEIGHTS = (0.86, 0.08, 0.02, 0.04)


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    """What generation needs of a catalogue item."""

    code: str
    name: str
    function: str
    colour: str
    is_dispute: bool
    department_id: int | None
    department_code: str | None = None


@dataclass(frozen=True, slots=True)
class GridInfo:
    """What generation needs of a grid."""

    id: int
    name: str
    district_id: int | None
    street_id: int | None
    community_id: int | None
    worker_id: int
    worker_code: str


@dataclass(slots=True)
class GenTicket:
    """One generated ticket with its timeline (times in UTC epoch seconds)."""

    id: int
    title: str
    address: str
    channel: str
    category: CategoryInfo
    colour: str
    grid: GridInfo
    opened: int
    status: str = "new"
    department_id: int | None = None
    closed: int | None = None
    mediation_failures: int = 0
    reopen_count: int = 0
    merged_into: int | None = None
    escalated: bool = False
    level: str = "grid"
    satisfaction: str | None = None
    #: (action, at, actor, from_status, to_status, note, target)
    events: list[tuple[str, int, str, str | None, str, str, str | None]] = field(
        default_factory=list
    )


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


class HistoryGenerator:
    """Generates tickets for a city; the same seed gives the same history."""

    def __init__(
        self,
        rng: random.Random,
        grids: Sequence[GridInfo],
        categories: Sequence[CategoryInfo],
        *,
        utc_offset_hours: int = 8,
    ) -> None:
        self.rng = rng
        self.grids = grids
        self.offset = utc_offset_hours * HOUR
        by_function: dict[str, list[CategoryInfo]] = {}
        for cat in categories:
            by_function.setdefault(cat.function, []).append(cat)
        self.by_function = by_function
        self.channel_names = [c for c, _ in CHANNELS]
        self.channel_weights = [w for _, w in CHANNELS]
        self.hour_weights = list(HOURLY)
        self.fallback = list(categories)

    # -- opening -------------------------------------------------------------

    def opening_time(self, day_start_utc: int) -> int:
        """A moment on the local day starting at ``day_start_utc``, by the daily rhythm."""
        hour = self.rng.choices(range(24), self.hour_weights)[0]
        return day_start_utc + hour * HOUR + self.rng.randrange(HOUR)

    def pick_category(self, channel: str) -> CategoryInfo:
        """A catalogue item typical of ``channel``."""
        funcs = CHANNEL_FUNCTIONS[channel]
        for _ in range(4):
            name = self.rng.choices([f for f, _ in funcs], [w for _, w in funcs])[0]
            options = self.by_function.get(name)
            if options:
                return options[self.rng.randrange(len(options))]
        return self.fallback[self.rng.randrange(len(self.fallback))]

    def pick_colour(self, category: CategoryInfo) -> str:
        """The category's colour, sometimes one level more urgent (or less)."""
        idx = COLOURS.index(category.colour)
        r = self.rng.random()
        if r < 0.05 and idx > 0:
            idx -= 1
        elif r < 0.10 and idx < len(COLOURS) - 1:
            idx += 1
        return COLOURS[idx]

    def new_ticket(self, ticket_id: int, opened: int) -> GenTicket:
        """A freshly reported ticket (no timeline yet)."""
        rng = self.rng
        channel = rng.choices(self.channel_names, self.channel_weights)[0]
        category = self.pick_category(channel)
        grid = self.grids[rng.randrange(len(self.grids))]
        building = rng.randint(1, 36)
        title = f"{category.name}：{grid.name}{building}号楼附近"
        address = f"{grid.name}{building}号楼{rng.randint(1, 6)}单元"
        return GenTicket(
            id=ticket_id,
            title=title,
            address=address,
            channel=channel,
            category=category,
            colour=self.pick_colour(category),
            grid=grid,
            opened=opened,
        )

    # -- lifecycle ---------------------------------------------------------------

    def live(self, t: GenTicket, now: int) -> None:
        """Play the ticket's lifecycle forward from its opening, stopping at ``now``."""
        rng = self.rng
        worker = t.grid.worker_code
        helpers: set[str] = set()
        reporter = {
            "patrol": worker,
            "hotline": "12345",
            "citizen_app": "citizen",
            "department": "dept",
            "leader": "leader",
        }[t.channel]
        clock = t.opened

        def step(
            action: Action, delay: int, actor: str, note: str = "", target: str | None = None
        ) -> bool:
            nonlocal clock
            at = clock + delay
            if at > now:
                return False
            before = t.status
            # a co-handling department's own part leaves the status where it is
            name = action.value
            after = before if actor in helpers else _moved(before, name)
            t.events.append((name, at, actor, before, after, note, target))
            t.status = after
            clock = at
            return True

        # the grid worker holds the ticket from its opening (the open step names them)
        t.events.append(("open", t.opened, reporter, None, "new", "", worker))
        r = rng.random()
        if r < 0.001:
            step(Action.CANCEL, rng.randint(5 * MINUTE, 2 * HOUR), "centre", "重复或无效上报")
            self._finish(t)
            return
        if r < 0.0035 and t.id > 1:
            target = rng.randint(max(1, t.id - 500), t.id - 1)
            if step(Action.MERGE, rng.randint(5 * MINUTE, HOUR), "centre", "", str(target)):
                t.merged_into = target
            self._finish(t)
            return
        stuck_at = rng.randrange(1, 7) if rng.random() < 0.0015 else None
        stage = 0

        def go(
            action: Action, delay: int, actor: str, note: str = "", target: str | None = None
        ) -> bool:
            nonlocal stage
            stage += 1
            if stuck_at is not None and stage >= stuck_at:
                return False
            return step(action, delay, actor, note, target)

        if not go(Action.DISPATCH, rng.randint(MINUTE, 12 * MINUTE), "centre", "", worker):
            return
        if not go(Action.ACCEPT, rng.randint(30, 6 * MINUTE), worker):
            return
        # Arrival: median ~5.5 min, about one in ten later than the 10-minute promise.
        if not go(Action.ARRIVE, _lognormal_seconds(rng, 330, 0.45), worker):
            return
        if t.category.is_dispute and t.colour == "blue":
            failures = rng.choices((0, 1, 2, 3), (0.6, 0.2, 0.1, 0.1))[0]
            for _ in range(failures):
                if not step(Action.MEDIATION_FAILED, rng.randint(2 * HOUR, 20 * HOUR), worker):
                    return
                t.mediation_failures += 1
            if t.mediation_failures >= 3:
                note = f"蓝色纠纷调解失败{t.mediation_failures}次，自动升为黄色"
                step(Action.RECOLOUR, 0, "system", note, "yellow")
                t.colour = "yellow"
        escalate_p = 0.35 if t.category.department_id and t.colour in COLOURS[:3] else 0.08
        if t.category.is_dispute and t.mediation_failures >= 2 and rng.random() < 0.5:
            # 大事不出社区: a dispute the grid could not settle goes up to the community
            if not go(
                Action.ESCALATE, rng.randint(HOUR, 6 * HOUR), worker, "上报社区", "up:community"
            ):
                return
            t.escalated = True
            t.level = "community"
            if not go(Action.ACCEPT, rng.randint(10 * MINUTE, 3 * HOUR), "centre"):
                return
            if not go(Action.ARRIVE, rng.randint(30 * MINUTE, 4 * HOUR), "centre"):
                return
            solver = "centre"
            solve_median = 20 * HOUR
        elif t.category.department_id and t.category.department_code and rng.random() < escalate_p:
            dept = f"dept:{t.category.department_code}"
            if not go(
                Action.ESCALATE, rng.randint(10 * MINUTE, 2 * HOUR), worker, "网格吹哨", dept
            ):
                return
            t.escalated = True
            t.department_id = t.category.department_id
            # departments take their whistles within their 3 h promise, mostly
            if not go(Action.ACCEPT, _lognormal_seconds(rng, 40 * MINUTE, 0.9), dept):
                return
            if not go(Action.ARRIVE, _lognormal_seconds(rng, 80 * MINUTE, 0.7), dept):
                return
            if t.colour == "yellow" and t.category.is_dispute and rng.random() < 0.5:
                # 黄色纠纷：多部门联合处置 / a yellow dispute: the centre adds a co-handler
                helper = "dept:CIVIL" if dept != "dept:CIVIL" else "dept:JUSTICE"
                helpers.add(helper)
                if not go(Action.ASSIST, rng.randint(5 * MINUTE, HOUR), "centre", "", helper):
                    return
                if not go(Action.ARRIVE, _lognormal_seconds(rng, 90 * MINUTE, 0.7), helper):
                    return
                if not go(Action.RESOLVE, _lognormal_seconds(rng, 6 * HOUR, 0.8), helper):
                    return
            solver = dept
            solve_median = 10 * HOUR
        else:
            solver = worker
            solve_median = 3 * HOUR

        def rework() -> bool:
            """Back to the grid worker after a rejection: dispatched, taken, on site."""
            t.reopen_count += 1
            return (
                go(Action.DISPATCH, rng.randint(5 * MINUTE, HOUR), "centre", "", worker)
                and go(Action.ACCEPT, rng.randint(60, 10 * MINUTE), worker)
                and go(Action.ARRIVE, _lognormal_seconds(rng, 400, 0.5), worker)
            )

        rounds = 0
        while True:
            rounds += 1
            if not go(Action.RESOLVE, _lognormal_seconds(rng, solve_median, 1.0), solver):
                return
            result = rng.choices(CALLBACKS, CALLBACK_WEIGHTS)[0]
            if not go(
                Action.FEEDBACK, _lognormal_seconds(rng, 2 * HOUR, 0.8), "centre", "", result
            ):
                return
            t.satisfaction = result
            if result == "unsatisfied":
                # 不满意：重新办理 (sla.toml [loop] unsatisfied_reopens)
                step(Action.REJECT, 0, "system", "群众不满意，重新办理", None)
                if not rework():
                    return
                solver, solve_median = worker, 3 * HOUR
                continue
            if rounds == 1 and rng.random() < 0.012:
                if not go(Action.REJECT, rng.randint(HOUR, 12 * HOUR), "centre", "验收不通过"):
                    return
                if not rework():
                    return
                continue
            break
        go(Action.VERIFY, _lognormal_seconds(rng, 3 * HOUR, 0.8), "centre")
        self._finish(t)

    @staticmethod
    def _finish(t: GenTicket) -> None:
        if Status(t.status).is_terminal:
            t.closed = t.events[-1][1]
