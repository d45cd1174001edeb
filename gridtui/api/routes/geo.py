"""The map (民情地图, issue 17): ``GET /geo``, a window of the city as GeoJSON, so that a
remote app draws the map the command centre draws. Any token may read it.

The answer is :mod:`gridtui.api.geojson`'s ``FeatureCollection`` of
:meth:`DataSource.geo <gridtui.data.sources.source.DataSource.geo>`'s view. A bad
parameter is a 422 that names it, as every validation error of the API.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.exceptions import RequestValidationError

from gridtui.api.deps import At, Caller, Clock, NodeId, Source
from gridtui.api.geojson import GEOJSON, encode
from gridtui.api.routes import API
from gridtui.data.sources.records import GEO_LAYERS, Bounds
from gridtui.domain.geo.cluster import MIN_CELL
from gridtui.domain.geo.window import (
    MAX_CELL,
    MAX_TOLERANCE,
    GeoParamError,
    check_layers,
    check_level,
    parse_bbox,
)

router = APIRouter(prefix=API)

Level = Literal["street", "community", "grid"]


def _invalid(exc: GeoParamError, value: Any) -> RequestValidationError:
    """The API's validation error (422, the parameter named) for ``exc``."""
    error = {"type": "value_error", "loc": ("query", exc.param), "msg": exc.reason}
    return RequestValidationError([{**error, "input": value}])


@router.get("/geo", response_class=Response, responses={200: {"content": {GEOJSON: {}}}})
def geo(
    who: Caller,
    source: Source,
    clock: Clock,
    at: At = None,
    node: NodeId = None,
    bbox: Annotated[
        str | None, Query(max_length=200, description="west,south,east,north in degrees")
    ] = None,
    level: Level = "grid",
    cell: Annotated[
        float | None,
        Query(ge=MIN_CELL, le=MAX_CELL, allow_inf_nan=False, description="cluster cell, degrees"),
    ] = None,
    tolerance: Annotated[
        float,
        Query(ge=0, le=MAX_TOLERANCE, allow_inf_nan=False, description="simplify, degrees"),
    ] = 0.0,
    layers: Annotated[
        str | None, Query(max_length=200, description="some of " + ",".join(GEO_LAYERS))
    ] = None,
) -> Response:
    """The map of ``node`` (default: the city) in the window ``bbox`` (default: its
    extent) as of ``at``: the outlines of ``level`` with their open tickets, entities,
    overdue count, colour and heat, the open tickets as points or clusters of ``cell``
    degrees, the red and orange entities, only the ``layers`` asked for (default: all);
    outlines simplified by ``tolerance`` degrees."""
    window: Bounds | None = None
    names: frozenset[str] = frozenset(GEO_LAYERS)
    try:
        if bbox is not None:
            window = Bounds(*parse_bbox(bbox))
        if layers is not None:
            names = check_layers(filter(None, (p.strip() for p in layers.split(","))), GEO_LAYERS)
    except GeoParamError as exc:
        raise _invalid(exc, bbox if exc.param == "bbox" else layers) from None
    ref = source.reference()
    found = ref.nodes.get(node if node is not None else ref.root_id or 0)
    if found is None:
        raise _invalid(GeoParamError("node", f"no hierarchy node {node}"), node)
    try:
        check_level(level, found.level)
    except GeoParamError as exc:
        raise _invalid(exc, level) from None
    view = source.geo(
        clock.at(at), node_id=node, bbox=window, level=level, cell=cell,
        tolerance=tolerance, layers=names,
    )  # fmt: skip
    body = json.dumps(encode(view), ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode("utf-8"), media_type=GEOJSON)
