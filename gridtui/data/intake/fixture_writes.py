"""The steps of :func:`~gridtui.data.intake.fixtures.write_fixtures`: the column values
of each validated fixtures row, an upsert by code, and the rules files.

Nothing here validates: the rows come from
:func:`~gridtui.data.intake.fixtures.read_fixtures`, their references already checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gridtui.data.storage.models import Category, ConfigDoc, Department, Entity, Node, Worker

if TYPE_CHECKING:
    from gridtui.data.intake.fixtures import CategoryRow, EntityRow, NodeRow, WorkerRow


def upsert(
    session: Session,
    model: type[Node] | type[Department] | type[Category] | type[Worker] | type[Entity],
    key: str,
    rows: Iterator[dict[str, object]],
) -> tuple[int, int]:
    """Insert or update ``rows`` of ``model`` matched by ``key``: (inserted, updated)."""
    existing = {getattr(o, key): o for o in session.scalars(select(model))}
    if not existing:  # an empty table: one bulk INSERT, no ORM objects
        batch = list(rows)
        if batch:
            session.execute(insert(model), batch)
        return len(batch), 0
    inserted = updated = 0
    for values in rows:
        obj = existing.get(values[key])
        if obj is None:
            session.add(model(**values))
            inserted += 1
            continue
        changed = False
        for k, v in values.items():
            if getattr(obj, k) != v:
                setattr(obj, k, v)
                changed = True
        updated += changed
    session.flush()
    return inserted, updated


def node_values(row: NodeRow, ids: dict[str, Node]) -> dict[str, object]:
    """A node's columns; its parent and the parent's ancestors from ``ids`` (by code)."""
    parent = ids.get(row.parent)
    anc: dict[str, int | None] = {
        "district_id": None,
        "street_id": None,
        "community_id": None,
    }
    if parent is not None:
        anc = {
            "district_id": parent.district_id,
            "street_id": parent.street_id,
            "community_id": parent.community_id,
        }
        if parent.level in ("district", "street", "community"):
            anc[f"{parent.level}_id"] = parent.id
    return {
        "code": row.code,
        "parent_id": parent.id if parent else None,
        "level": row.level,
        "name": row.name,
        "name_en": row.name_en,
        "kind": row.kind or None,
        "households": row.households,
        **anc,
    }


def category_values(row: CategoryRow) -> dict[str, object]:
    """A catalogue item's columns."""
    return {
        "code": row.code,
        "name": row.name,
        "name_en": row.name_en,
        "function": row.function,
        "default_colour": row.default_colour.value,
        "is_dispute": row.is_dispute,
        "department_code": row.department or None,
        "personal": row.personal,
        "inspection": row.inspection,
    }


def worker_values(row: WorkerRow, nodes: dict[str, Node]) -> dict[str, object]:
    """A worker's columns; their grid from ``nodes`` (by code)."""
    return {
        "code": row.code,
        "name": row.name,
        "role": row.role,
        "grid_id": nodes[row.grid].id,
        "phone": row.phone,
    }


def entity_values(row: EntityRow, nodes: dict[str, Node]) -> dict[str, object]:
    """An entity's columns; its grid and the grid's ancestors from ``nodes`` (by code)."""
    return {
        "code": row.code,
        "kind": row.kind,
        "name": row.name,
        "grid_id": nodes[row.grid].id,
        "district_id": nodes[row.grid].district_id,
        "street_id": nodes[row.grid].street_id,
        "community_id": nodes[row.grid].community_id,
        "colour": row.colour.value,
        "patrol_point": row.patrol_point,
        "reason": row.reason,
        "lat": row.lat,
        "lon": row.lon,
    }


def write_rules(
    session: Session, rules: dict[str, str], *, now: datetime
) -> dict[str, tuple[int, int]]:
    """Store each rules file's text (loaded at ``now`` when new or changed): (inserted,
    updated) by file name."""
    counts: dict[str, tuple[int, int]] = {}
    for name, text in rules.items():
        doc = session.get(ConfigDoc, name)
        if doc is None:
            session.add(ConfigDoc(name=name, text=text, loaded_at=now))
            counts[name] = (1, 0)
        elif doc.text != text:
            doc.text, doc.loaded_at = text, now
            counts[name] = (0, 1)
        else:
            counts[name] = (0, 0)
    return counts
