"""The demo simulator (``gridtui simulate``): the city brought to life in simulated time.

- :mod:`gridtui.sim.behaviour` — how the city behaves (pure, seeded);
- :mod:`gridtui.sim.city` — what the simulator knows of the city;
- :mod:`gridtui.sim.target` — the data source it drives (a database or the API);
- :mod:`gridtui.sim.engine` — the event queue (:class:`Simulator`);
- :mod:`gridtui.sim.clock` — the published clock and a manual one for stepping;
- :mod:`gridtui.sim.runner` — live runs: real time, progress, outages, signals.

Never imports the UI (an import-linter contract in ``pyproject.toml``).
"""

from gridtui.sim.clock import ManualClock, SpecClock
from gridtui.sim.engine import Simulator, Tally
from gridtui.sim.runner import Run, SimOptions
from gridtui.sim.target import ApiTarget, CityTarget, LocalTarget

__all__ = [
    "ApiTarget",
    "CityTarget",
    "LocalTarget",
    "ManualClock",
    "Run",
    "SimOptions",
    "Simulator",
    "SpecClock",
    "Tally",
]
