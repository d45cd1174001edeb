"""Supervisors' spot-check point adjustments: ``POST /adjustments``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gridtui.api.answers import created
from gridtui.api.deps import MAX_ID, Caller, IdemKey, Source
from gridtui.api.limits import Reason
from gridtui.api.routes import API

router = APIRouter(prefix=API)


class AdjustmentIn(BaseModel):
    """A supervisor's spot-check adjustment of a worker's or department's points."""

    subject_kind: Literal["worker", "department"]
    subject_id: int = Field(ge=1, le=MAX_ID)
    points: float = Field(ge=-1000, le=1000)
    reason: Reason
    ticket_id: int | None = Field(default=None, ge=1, le=MAX_ID)


@router.post("/adjustments", status_code=201)
def adjust(body: AdjustmentIn, who: Caller, source: Source, key: IdemKey = None) -> Any:
    """A spot-check point adjustment (supervisors; audited with the token's name;
    retry-safe with a key). A ``ticket_id`` must name a ticket (422 otherwise)."""
    replayed = source.adjust(
        body.subject_kind, body.subject_id, body.points, body.reason,
        role=who.role, actor=f"token:{who.name}", ticket_id=body.ticket_id,
        idempotency_key=key,
    )  # fmt: skip
    return created({"ok": True, "replayed": replayed}, replayed)
