"""How background writers (the SLA sweeper, the missing-report penalties, the rules'
re-timing) share a server with the requests: they work in small steps and rest
between them, so that intake and officers' actions go first and keep their times.
"""

from __future__ import annotations

#: the share of the time a background writer works while it clears a backlog: after
#: each step it rests three times as long as the step took, so that the requests of
#: its process (one GIL, one SQLite writer) get at least three quarters
DUTY = 0.25


def rest_after(took: float, pause: float) -> float:
    """Seconds to rest after a step that took ``took`` seconds (at least ``pause``)."""
    return max(pause, took * (1 - DUTY) / DUTY)
