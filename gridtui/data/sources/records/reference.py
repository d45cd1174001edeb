"""The catalogue records: places in the hierarchy, departments, categories and workers."""

from __future__ import annotations

from dataclasses import dataclass

from gridtui.domain.handling import Holder, HolderKind, Level


def bilingual(name: str, name_en: str, lang: str) -> str:
    """``name`` (Chinese) for zh, ``name_en`` for en when there is one."""
    return name if lang.startswith("zh") or not name_en else name_en


@dataclass(frozen=True, slots=True)
class NodeRef:
    """One place in the hierarchy: city, district, street, community or grid."""

    id: int
    parent_id: int | None
    level: str
    code: str
    name: str
    name_en: str

    def label(self, lang: str) -> str:
        """The name in ``lang`` (the Chinese name when no English one exists)."""
        return bilingual(self.name, self.name_en, lang)


@dataclass(frozen=True, slots=True)
class Named:
    """A department, category or worker: code and names."""

    code: str
    name: str
    name_en: str = ""
    #: a worker's grid (node id), for the pickers of the action forms
    grid_id: int | None = None
    #: a category's department (code), for the pickers of the action forms
    department: str | None = None

    def label(self, lang: str) -> str:
        """The name in ``lang``."""
        return bilingual(self.name, self.name_en, lang)


@dataclass(frozen=True, slots=True)
class Reference:
    """The slowly changing catalogue screens resolve ids and codes against."""

    nodes: dict[int, NodeRef]
    departments: dict[int, Named]
    categories: dict[str, Named]
    workers: dict[int, Named]
    root_id: int | None

    def holder_label(self, key: str, lang: str) -> str:
        """A holder's name (:attr:`gridtui.domain.handling.Holder.key`): the worker's name
        and code, the department's name, or the centre of a level."""
        holder = Holder.from_key(key)
        if holder.kind is HolderKind.WORKER:
            found = next((w for w in self.workers.values() if w.code == holder.ref), None)
            return f"{found.name}({found.code})" if found else holder.ref
        if holder.kind is HolderKind.DEPARTMENT:
            dept = next((d for d in self.departments.values() if d.code == holder.ref), None)
            return dept.label(lang) if dept else holder.ref
        if holder.kind is HolderKind.CENTRE:
            return "指挥中心" if lang == "zh" else "command centre"
        level = Level(holder.ref).label(lang)
        return f"{level}中心" if lang == "zh" else f"{level} centre"

    def node_label(self, node_id: int | None, lang: str) -> str:
        """A node's name, or ``—``."""
        node = self.nodes.get(node_id) if node_id is not None else None
        return node.label(lang) if node else "—"

    def path(self, node_id: int | None) -> list[NodeRef]:
        """The chain from the root down to ``node_id`` (inclusive)."""
        out: list[NodeRef] = []
        node = self.nodes.get(node_id) if node_id is not None else None
        while node is not None:
            out.append(node)
            node = self.nodes.get(node.parent_id) if node.parent_id is not None else None
        return out[::-1]
