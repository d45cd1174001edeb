"""Loading a boundary file (``gridtui geo load FILE --level L --key PROP``): all or
nothing, in one transaction.

The file is checked against the nodes and the stored outlines of its level
(:func:`gridtui.domain.geo.validate.read_boundary_file`): any problem and nothing is
written. A good file's outlines replace those of the nodes it names through
:func:`gridtui.data.storage.boundaries.store_boundaries` (the one writer of the table,
which records the ``geo`` change that tells the grid index and the map to rebuild).
Open tickets stay where they are: :mod:`gridtui.data.writes.geo_place` re-places them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.boundaries import read_boundaries, store_boundaries
from gridtui.data.storage.models import Boundary, Node
from gridtui.domain.geo.validate import read_boundary_file
from gridtui.domain.text import clean_text


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What a boundary file loaded."""

    level: str
    #: outlines stored
    loaded: int
    #: of them, nodes that had an outline before (replaced)
    replaced: int
    #: nodes of the level with an outline now, and all of them
    outlined: int
    nodes: int


def load_boundary_file(
    factory: sessionmaker[Session],
    data: bytes | str,
    *,
    level: str,
    key: str,
    source: str,
    at: datetime,
) -> LoadSummary:
    """Check the boundary file ``data`` and store its outlines for nodes of ``level``
    (keyed by the property ``key``) in one transaction; ``source`` names it in the
    table and on the change feed.

    Raises:
        BoundaryFileError: every problem of the file (nothing was written).
        ValueError: ``level`` cannot carry an outline.
    """
    source = clean_text(source, one_line=True)
    with factory.begin() as session:
        nodes = {
            code: (node_id, node_level)
            for node_id, code, node_level in session.execute(select(Node.id, Node.code, Node.level))
        }
        codes = {node_id: code for code, (node_id, _) in nodes.items()}
        stored = read_boundaries(session, level)
        outlines = read_boundary_file(
            data,
            level=level,
            key=key,
            nodes=nodes,
            stored=[(codes[o.node_id], o.geometry) for o in stored if o.node_id in codes],
        )
        before = {o.node_id for o in stored}
        loaded = store_boundaries(
            session, [(o.node_id, level, o.geometry) for o in outlines], source=source, at=at
        )
        return LoadSummary(
            level=level,
            loaded=loaded,
            replaced=sum(1 for o in outlines if o.node_id in before),
            outlined=session.scalar(select(func.count()).where(Boundary.level == level)) or 0,
            nodes=session.scalar(select(func.count()).where(Node.level == level)) or 0,
        )
