"""Deterministic ticket histories: who reported what, when, and how it went.

Pure generation (a seeded :class:`random.Random`, times as integer UTC seconds);
:mod:`gridtui.data.seeding.seed` writes the result. Each ticket opened here is played
forward by :mod:`gridtui.data.seeding.seedwalk`: a legal walk of the lifecycle state
machine, cut off at ``now``, with delays shaped like a real centre:
most workers arrive within the 10-minute promise, most tickets close within a day,
a few are escalated (吹哨) to a department, reopened after a rejected acceptance,
merged, cancelled, or left stuck and overdue.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from gridtui.data.seeding.seedwalk import COLOURS, HOUR, TicketWalk

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
    #: where it was reported (WGS84 degrees), when its grid has an outline
    lat: float | None = None
    lon: float | None = None
    #: (action, at, actor, from_status, to_status, note, target)
    events: list[tuple[str, int, str, str | None, str, str, str | None]] = field(
        default_factory=list
    )


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
        """Play the ticket's lifecycle forward from its opening, stopping at ``now``
        (:class:`~gridtui.data.seeding.seedwalk.TicketWalk`)."""
        TicketWalk(self.rng, t, now).run()
