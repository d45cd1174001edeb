"""The map's read of a database source (issue 17): :class:`GeoSource`, which
:class:`~gridtui.data.sources.local.LocalSource` extends.

The read itself is :func:`gridtui.data.reads.geo.geo_view`; this keeps its outline
cache (one per source, rebuilt when the boundaries change) and turns a bad parameter
into the source's refusal naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from gridtui.data.reads.geo import GeoRequest, geo_view
from gridtui.data.reads.geo_outlines import OutlineCache
from gridtui.data.sources.database import SourceDatabase
from gridtui.data.sources.records import GEO_LAYERS, Bounds, GeoView, Reference
from gridtui.data.sources.source import ActionRefused
from gridtui.data.storage.db import PoolSettings
from gridtui.domain.geo.window import GeoParamError


class GeoSource(SourceDatabase):
    """A database source with the map's read (:meth:`geo`)."""

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], datetime] | None = None,
        pool: PoolSettings | None = None,
    ) -> None:
        super().__init__(url, clock=clock, pool=pool)
        self._outlines = OutlineCache()

    def reference(self) -> Reference:
        """The catalogue (the subclass reads and caches it)."""
        raise NotImplementedError

    def geo(
        self,
        at: datetime,
        *,
        node_id: int | None = None,
        bbox: Bounds | None = None,
        level: str = "grid",
        cell: float | None = None,
        tolerance: float = 0.0,
        layers: frozenset[str] = frozenset(GEO_LAYERS),
    ) -> GeoView:
        """See :meth:`DataSource.geo <gridtui.data.sources.source.DataSource.geo>`.

        Raises:
            ActionRefused: a bad parameter; the message starts with its name.
        """
        req = GeoRequest(at, node_id, bbox, level, cell, tolerance, frozenset(layers))
        ref = self.reference()
        try:
            with self._session() as s:
                return geo_view(s, self._outlines, ref, req)
        except GeoParamError as exc:
            raise ActionRefused(str(exc)) from exc
