"""The records of what changes under a screen: the change feed's batches, the
simulated clock a simulator publishes, and rules files whose edit was refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# -- rules files -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """A rules file (``sla.toml``, ``scoring.toml``) whose edit was refused: the last
    good rules stay in force until the file is fixed.

    ``message`` names the file, the line when known, the key and what was expected,
    e.g. ``sla.toml:42: policy[2].clocks[0].duration: expected …``.
    """

    name: str
    line: int | None
    message: str
    at: datetime


# -- the change feed ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """Changes since a sequence number: the newest number and the tickets touched."""

    seq: int
    ticket_ids: frozenset[int]
    kinds: frozenset[str]
    count: int


# -- the simulated clock -----------------------------------------------------------------

#: the fastest a simulated clock may run (a simulated week in about a second)
MAX_SPEED = 1_000_000.0


@dataclass(frozen=True, slots=True)
class ClockSpec:
    """The simulated clock a simulator publishes (``gridtui simulate --speed N``).

    ``simulated now = origin_sim + (real now − origin_real) × speed``: every process
    that shows the city (the simulator's writes, the app's countdowns, the server)
    computes "now" from the same spec, so SLA clocks agree everywhere. Times are
    aware UTC.

    Raises:
        ValueError: a naive time, or a speed that is not a number in (0, MAX_SPEED].
    """

    origin_real: datetime
    origin_sim: datetime
    speed: float

    def __post_init__(self) -> None:
        for name in ("origin_real", "origin_sim"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ValueError(f"clock {name} must be an aware datetime, got {value!r}")
        speed = self.speed
        if isinstance(speed, bool) or not isinstance(speed, int | float):
            raise ValueError(f"clock speed must be a number, got {speed!r}")
        if not 0 < speed <= MAX_SPEED:  # also refuses NaN
            raise ValueError(f"clock speed must be in (0, {MAX_SPEED:g}], got {speed!r}")

    def now(self, real: datetime) -> datetime:
        """The simulated time at the real instant ``real``."""
        return self.origin_sim + (real - self.origin_real) * self.speed

    def real_at(self, sim: datetime) -> datetime:
        """The real instant at which the simulated clock shows ``sim``."""
        return self.origin_real + (sim - self.origin_sim) / self.speed

    def to_json(self) -> dict[str, object]:
        """JSON values (what the database row and the API carry)."""
        return {
            "origin_real": self.origin_real.isoformat(),
            "origin_sim": self.origin_sim.isoformat(),
            "speed": self.speed,
        }

    @classmethod
    def from_json(cls, data: object) -> ClockSpec:
        """The spec :meth:`to_json` wrote.

        Raises:
            ValueError: not such a spec (the message says what is wrong).
        """
        if not isinstance(data, dict):
            raise ValueError(f"a clock spec is a JSON object, got {type(data).__name__}")
        try:
            origin_real = datetime.fromisoformat(str(data["origin_real"]))
            origin_sim = datetime.fromisoformat(str(data["origin_sim"]))
            speed = data["speed"]
        except KeyError as exc:
            raise ValueError(f"a clock spec needs {exc.args[0]!r}") from None
        if isinstance(speed, int) and not isinstance(speed, bool):
            speed = float(speed)
        return cls(origin_real, origin_sim, speed)
