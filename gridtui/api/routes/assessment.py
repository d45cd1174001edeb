"""The assessment (周督查、月通报、年总评): ``GET /assessment`` (one level of one period,
ranked, with the previous period and, on request, the scores of earlier ones) and
``GET /assessment/facts`` (the bulletin's lists) and ``GET /assessment/rules`` (the rules
in force). Any token may read them.

The answers are the records themselves as JSON (rates included), written by pydantic
in one pass: a level of ten thousand workers is a few megabytes, encoded in
milliseconds, and :class:`~gridtui.api.client.ApiSource` reads them back into equal
records.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import TypeAdapter

from gridtui.api.deps import At, Caller, Clock, Source
from gridtui.api.routes import API
from gridtui.data.sources.records import Assessment, BulletinFacts
from gridtui.domain.assessment.config import AssessmentConfig

router = APIRouter(prefix=API)

#: earlier periods an answer may carry the scores of
MAX_HISTORY = 12
#: rows per list of the bulletin's facts
MAX_FACTS = 500

_ASSESSMENT = TypeAdapter(Assessment)
_FACTS = TypeAdapter(BulletinFacts)
_RULES = TypeAdapter(AssessmentConfig)
_JSON = "application/json"

PeriodName = Literal["week", "month", "year"]
LevelName = Literal["street", "community", "grid", "worker", "department"]


@router.get("/assessment", response_class=Response, responses={200: {"content": {_JSON: {}}}})
def assessment(
    who: Caller,
    source: Source,
    clock: Clock,
    period: PeriodName = "week",
    level: LevelName = "street",
    at: At = None,
    history: Annotated[int, Query(ge=0, le=MAX_HISTORY)] = 0,
) -> Response:
    """Every street, community, grid, worker or department of ``level`` for the
    ``period`` containing ``at`` (default: now): figures, rates, weighted score and its
    parts, rank, the previous period's score and rank, and with ``history`` the scores
    of that many earlier periods (oldest first); the city's totals now and before."""
    record = source.assessment(level, period, clock.at(at), history=history)
    return Response(_ASSESSMENT.dump_json(record), media_type=_JSON)


@router.get("/assessment/rules", response_class=Response, responses={200: {"content": {_JSON: {}}}})
def rules(who: Caller, source: Source) -> Response:
    """The assessment rules in force (the loaded ``assessment.toml``, else the
    defaults): weights per level, the spot-check factor, the bulletins' schedule and
    layout, so that a bulletin written from the API is laid out like the server's."""
    return Response(_RULES.dump_json(source.assessment_rules()), media_type=_JSON)


@router.get("/assessment/facts", response_class=Response, responses={200: {"content": {_JSON: {}}}})
def facts(
    who: Caller,
    source: Source,
    clock: Clock,
    period: PeriodName = "week",
    at: At = None,
    limit: Annotated[int, Query(ge=1, le=MAX_FACTS)] = 50,
) -> Response:
    """The bulletin's lists for the ``period`` containing ``at``: overdue and breached,
    reopened and unsatisfied tickets, spot checks, missing daily reports and the red
    list, at most ``limit`` rows each (``*_total``: how many in all)."""
    record = source.bulletin_facts(period, clock.at(at), limit)
    return Response(_FACTS.dump_json(record), media_type=_JSON)
