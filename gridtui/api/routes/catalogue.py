"""Who the caller is and what the centre is made of: ``/me``, ``/reference``,
``/hierarchy``, and the rules files whose edit was refused (``/config/problems``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from gridtui.api.deps import Caller, Source
from gridtui.api.routes import API

router = APIRouter(prefix=API)


@router.get("/config/problems")
def config_problems(who: Caller, source: Source) -> dict[str, Any]:
    """Rules files (``sla.toml``, ``scoring.toml``) whose edit was refused: file,
    line, message and when; empty while the rules in force are the files' text. A
    change of kind ``config`` on the stream says this may have changed."""
    return {"problems": [asdict(p) for p in source.config_problems()]}


@router.get("/me")
def me(who: Caller) -> dict[str, Any]:
    """The token's name and role (what this caller may do)."""
    return {"name": who.name, "role": who.role}


@router.get("/reference")
def reference(who: Caller, source: Source) -> dict[str, Any]:
    """The catalogue screens resolve ids against: hierarchy nodes, departments,
    categories, workers; and the centre's time zone."""
    ref = source.reference()
    return {"timezone": source.timezone, **asdict(ref)}


@router.get("/hierarchy")
def hierarchy(who: Caller, source: Source) -> dict[str, Any]:
    """Every node of the hierarchy (id, parent, level, code, names)."""
    ref = source.reference()
    return {"root": ref.root_id, "nodes": [asdict(n) for n in ref.nodes.values()]}
