"""Workers' daily reports (日报告): ``GET``/``POST /reports`` and who is missing
(``/reports/missing``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gridtui.api.answers import created
from gridtui.api.deps import At, Caller, Clock, IdemKey, Source
from gridtui.api.limits import Code, Note
from gridtui.api.routes import API

router = APIRouter(prefix=API)


class ReportIn(BaseModel):
    """A worker's daily report (日报告); ``events`` 0 is the zero report (零报告)."""

    worker: Code = Field(description="the worker's code", min_length=1)
    events: int = Field(default=0, ge=0, le=10_000)
    note: Note = ""


@router.get("/reports")
def reports(
    who: Caller, source: Source, clock: Clock, day: date | None = None, at: At = None
) -> dict[str, Any]:
    """The daily reports of ``day`` (default: today's report day) and who is missing."""
    return asdict(source.daily_reports(clock.at(at), day))


@router.post("/reports", status_code=201)
def file_report(
    body: ReportIn, who: Caller, source: Source, clock: Clock, key: IdemKey = None
) -> Any:
    """File a worker's daily report for today (零报告 with ``events`` 0; retry-safe
    with a key: a retry gets the filed report back, not "already reported")."""
    row = source.file_report(
        body.worker, body.events, body.note, role=who.role, at=clock.at(),
        actor=f"token:{who.name}", idempotency_key=key,
    )  # fmt: skip
    return created(asdict(row), row.replayed)


@router.get("/reports/missing")
def missing_reports(who: Caller, source: Source, clock: Clock, at: At = None) -> dict[str, Any]:
    """Active workers without today's daily report once it is due (``due_at``);
    before then, and on a day that owes none (``due_at`` null), nobody."""
    r = source.daily_reports(clock.at(at))
    return {
        "day": r.day.isoformat(),
        "due_at": r.due_at.isoformat() if r.due_at else None,
        "past_due": r.past_due,
        "filed": len(r.filed),
        "missing": len(r.missing),
        "workers": [asdict(w) for w in r.missing],
    }
