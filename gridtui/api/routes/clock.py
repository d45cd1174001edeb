"""The server's clock: ``GET /clock`` (its now and the simulated clock it follows)
and ``POST /clock`` (publish a simulated clock; admin tokens)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gridtui.api.answers import ApiError
from gridtui.api.deps import MAX_SHIFT, Caller, Clock, ServerClock, Source
from gridtui.api.routes import API
from gridtui.data.sources.records import MAX_SPEED, ClockSpec

router = APIRouter(prefix=API)


class ClockIn(BaseModel):
    """A simulated clock to publish (``gridtui simulate --api``; admin tokens)."""

    speed: float = Field(gt=0, le=MAX_SPEED, description="simulated seconds per real second")
    start: datetime | None = Field(
        default=None,
        description="simulated time to start from, when later than the current one "
        "(time never goes backwards)",
    )


class ClockOut(BaseModel):
    """The server's clock: its "now" and the simulated clock it follows (null: real time)."""

    now: datetime
    spec: dict[str, Any] | None = Field(
        description="origin_real, origin_sim (ISO 8601) and speed: "
        "now = origin_sim + (real − origin_real) × speed"
    )


def clock_out(clock: ServerClock, spec: ClockSpec | None) -> ClockOut:
    """The answer: the server's now and ``spec``."""
    return ClockOut(now=clock.now(), spec=spec.to_json() if spec else None)


@router.get("/clock")
def get_clock(who: Caller, source: Source, clock: Clock) -> ClockOut:
    """The server's now and the simulated clock it follows (``spec`` null: real time).
    A change of kind ``clock`` on the stream says a new one was published."""
    return clock_out(clock, source.clock_spec())


@router.post("/clock", status_code=201)
def publish_clock(body: ClockIn, who: Caller, source: Source, clock: Clock) -> ClockOut:
    """Publish a simulated clock (admin tokens: it moves every SLA clock)."""
    if who.role != "admin":
        raise ApiError(403, "forbidden", f"role {who.role} may not set the clock; "
                       "it needs admin")  # fmt: skip
    start, server_now = body.start, clock.now()
    if start is not None and start.utcoffset() is None:
        raise ApiError(400, "bad_request", "start needs a time zone (e.g. 2026-11-24T10:00Z)")
    if start is not None and abs(start - server_now) > MAX_SHIFT:
        raise ApiError(
            400, "bad_request",
            f"start must be within {MAX_SHIFT.days} days of the server's clock "
            f"({server_now:%Y-%m-%dT%H:%MZ})",
        )  # fmt: skip
    return clock_out(clock, source.publish_clock(body.speed, start=start))
