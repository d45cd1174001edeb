"""The figures of the wall and the boards: ``/stats`` (overview), ``/trend``,
``/board``, ``/sla`` and ``/scorecards``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from gridtui.api.answers import ApiError
from gridtui.api.deps import At, Caller, Clock, NodeId, Source
from gridtui.api.routes import API
from gridtui.data.sources.source import AT_RISK, AT_RISK_MAX

router = APIRouter(prefix=API)


@router.get("/stats")
def stats(
    who: Caller,
    source: Source,
    clock: Clock,
    at: At = None,
    at_risk: Annotated[int, Query(ge=0, le=AT_RISK_MAX)] = AT_RISK,
) -> dict[str, Any]:
    """The overview figures as of now (or ``at``), with the ``at_risk`` tickets nearest
    their deadlines."""
    return asdict(source.overview(clock.at(at), at_risk))


@router.get("/trend")
def trend(
    who: Caller,
    source: Source,
    clock: Clock,
    span: Literal["24h", "7d", "30d"] = "24h",
    at: At = None,
) -> dict[str, Any]:
    """Intake and closures per hour or day."""
    return {"span": span, "points": [asdict(p) for p in source.trend(span, clock.at(at))]}


@router.get("/board")
def board(who: Caller, source: Source, node: NodeId = None) -> dict[str, Any]:
    """The five-colour board of a hierarchy node (default: the city) and its children."""
    try:
        return asdict(source.board(node))
    except KeyError:
        raise ApiError(404, "not_found", f"no hierarchy node {node}") from None


@router.get("/sla")
def sla(
    who: Caller,
    source: Source,
    clock: Clock,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    at: At = None,
) -> dict[str, Any]:
    """Running SLA clocks of the most urgent open tickets, breached first."""
    return {"clocks": [asdict(r) for r in source.sla_board(clock.at(at), limit)]}


@router.get("/scorecards")
def scorecards(
    who: Caller,
    source: Source,
    clock: Clock,
    period: Literal["week", "month", "year"] = "week",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    at: At = None,
) -> dict[str, Any]:
    """Worker and department leaderboards of the current period."""
    return asdict(source.scorecards(period, clock.at(at), limit))
