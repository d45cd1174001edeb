"""The catalogue the screens resolve ids and codes against: places, departments,
categories and workers (:class:`~gridtui.data.sources.records.Reference`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridtui.data.sources.records import Named, NodeRef, Reference
from gridtui.data.storage.models import Category, Department, Node, Worker


def load_reference(s: Session) -> Reference:
    """The whole catalogue, read in one session; the root is the node without a parent."""
    nodes = {
        r.id: NodeRef(r.id, r.parent_id, r.level, r.code, r.name, r.name_en)
        for r in s.execute(
            select(Node.id, Node.parent_id, Node.level, Node.code, Node.name, Node.name_en)
        )
    }
    departments = {
        r.id: Named(r.code, r.name, r.name_en)
        for r in s.execute(
            select(Department.id, Department.code, Department.name, Department.name_en)
        )
    }
    categories = {
        r.code: Named(r.code, r.name, r.name_en, department=r.department_code)
        for r in s.execute(
            select(Category.code, Category.name, Category.name_en, Category.department_code)
        )
    }
    workers = {
        r.id: Named(r.code, r.name, grid_id=r.grid_id)
        for r in s.execute(select(Worker.id, Worker.code, Worker.name, Worker.grid_id))
    }
    root = next((n.id for n in nodes.values() if n.parent_id is None), None)
    return Reference(nodes, departments, categories, workers, root)
