"""The map's read over HTTP (issue 17): :class:`ApiGeo`, which
:class:`~gridtui.api.client.ApiSource` extends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from gridtui.api.geojson import decode
from gridtui.api.transport import API
from gridtui.data.sources.records import GEO_LAYERS, Bounds, GeoView


class ApiGeo:
    """``GET /api/v1/geo`` read back into the record :class:`LocalSource
    <gridtui.data.sources.local.LocalSource>` returns (:mod:`gridtui.api.geojson`)."""

    #: the JSON of a ``GET`` (the source's transport sets it)
    _get: Callable[..., Any]

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
        """See :meth:`DataSource.geo <gridtui.data.sources.source.DataSource.geo>`; a bad
        parameter is the server's 422, raised as
        :class:`~gridtui.data.sources.source.ActionRefused` naming it."""
        params: dict[str, Any] = {
            "at": at.isoformat(),
            "level": level,
            "tolerance": repr(float(tolerance)),
            "layers": ",".join(sorted(layers)),
        }
        if node_id is not None:
            params["node"] = node_id
        if bbox is not None:
            params["bbox"] = ",".join(
                repr(float(v)) for v in (bbox.west, bbox.south, bbox.east, bbox.north)
            )
        if cell is not None:
            params["cell"] = repr(float(cell))
        return decode(self._get(f"{API}/geo", params))
