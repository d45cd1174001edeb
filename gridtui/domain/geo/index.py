"""Which grid a point is in: :class:`GridIndex`, the placement rule of issue 17.

A grid's outline is a closed set: its interior and its boundary, holes excluded (a
point strictly inside a hole is not in the grid; a point on the hole's ring is). A
point is *in* a grid when the outline covers it, which for a point is shapely's
``intersects``.

**Tie-break.** Neighbouring grids share edges and vertices, so a point on a shared
boundary (or, in a file with a sliver of overlap, inside two outlines) is covered by
more than one grid. It goes to exactly one: the covering grid with the lowest code (by
plain string order, then the lowest id), whatever order the outlines were loaded in.
This is the only rule; :meth:`GridIndex.locate` and :meth:`GridIndex.locate_many`
apply it alike.

The index is built once over a ``shapely.STRtree`` (the caller keeps it while the
outlines do not change); :meth:`GridIndex.locate_many` queries every point at once
(one vectorised tree query, no Python loop per point), so a million points take about
a second. Coordinates are WGS84 degrees, longitude first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

#: what :meth:`GridIndex.locate_many` gives a point in no grid
NO_GRID = -1

#: the predicate a point and a grid's outline meet: the outline covers the point
#: (for a point and a polygon, ``intersects`` is ``covered_by``, and faster)
_PREDICATE: Final = "intersects"


class GridIndex:
    """The grids' outlines in an STRtree, and which grid holds a point.

    Built from ``(grid id, code, geometry)`` triples, each geometry a non-empty
    Polygon or MultiPolygon (validated before: :mod:`gridtui.domain.geo.validate`).

    Raises:
        ValueError: a geometry that is empty or not polygonal, or a grid id or code
            given twice.
    """

    def __init__(self, outlines: Iterable[tuple[int, str, BaseGeometry]]) -> None:
        # sorted by (code, id): a tree position is the tie-break's rank, so the lowest
        # position among the grids covering a point is the grid the point goes to
        ranked = sorted(outlines, key=lambda o: (o[1], o[0]))
        ids = [int(o[0]) for o in ranked]
        codes = [o[1] for o in ranked]
        for name, values in (("grid id", [str(i) for i in ids]), ("code", codes)):
            twice = sorted(v for v, n in Counter(values).items() if n > 1)
            if twice:
                raise ValueError(f"{name} given twice: {', '.join(twice[:5])}")
        geoms = np.array([o[2] for o in ranked], dtype=object)
        kinds = shapely.get_type_id(geoms) if len(geoms) else np.array([], dtype=int)
        bad = [codes[i] for i in range(len(ranked)) if kinds[i] not in (3, 6) or geoms[i].is_empty]
        if bad:
            raise ValueError(f"outline not a non-empty (Multi)Polygon: {', '.join(bad[:5])}")
        self._ids: npt.NDArray[np.int64] = np.array(ids, dtype=np.int64)
        self._codes: tuple[str, ...] = tuple(codes)
        self._geoms = geoms
        self._tree = shapely.STRtree(geoms)

    def __len__(self) -> int:
        return len(self._codes)

    @property
    def codes(self) -> tuple[str, ...]:
        """The grids' codes, in tie-break order (lowest first)."""
        return self._codes

    @property
    def grid_ids(self) -> tuple[int, ...]:
        """The grids' ids, in tie-break order."""
        return tuple(int(i) for i in self._ids)

    def code_of(self, grid_id: int) -> str | None:
        """The code of the grid ``grid_id`` (None: not in this index)."""
        hits = np.flatnonzero(self._ids == grid_id)
        return self._codes[int(hits[0])] if len(hits) else None

    def locate(self, lon: float, lat: float) -> int | None:
        """The id of the grid holding the point (``lon``, ``lat``) by the tie-break;
        None when no grid covers it or a coordinate is not a finite number."""
        found = self.locate_many(np.array([lon], dtype=float), np.array([lat], dtype=float))
        return None if found[0] == NO_GRID else int(found[0])

    def locate_many(
        self,
        lons: Sequence[float | None] | npt.ArrayLike,
        lats: Sequence[float | None] | npt.ArrayLike,
    ) -> npt.NDArray[np.int64]:
        """The grid id of each point (``lons[i]``, ``lats[i]``), :data:`NO_GRID` (-1)
        for a point no grid covers or with a coordinate that is missing (None) or not
        finite; one tree query for all of them.

        Raises:
            ValueError: ``lons`` and ``lats`` differ in length.
        """
        x = np.asarray(lons, dtype=float).ravel()
        y = np.asarray(lats, dtype=float).ravel()
        if x.shape != y.shape:
            raise ValueError(f"{len(x)} longitudes but {len(y)} latitudes")
        out = np.full(len(x), NO_GRID, dtype=np.int64)
        if not len(x) or not len(self._codes):
            return out
        finite = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        points = shapely.points(x[finite], y[finite])
        which, rank = self._tree.query(points, predicate=_PREDICATE)
        best = np.full(len(finite), len(self._codes), dtype=np.int64)
        np.minimum.at(best, which, rank)  # the lowest rank (code) among the covering grids
        held = best < len(self._codes)
        out[finite[held]] = self._ids[best[held]]
        return out

    def covering(self, lon: float, lat: float) -> list[int]:
        """Every grid covering the point, in tie-break order (the first is the one
        :meth:`locate` gives): to explain a placement on a shared boundary."""
        if not (np.isfinite(lon) and np.isfinite(lat)):
            return []
        ranks = self._tree.query(shapely.Point(lon, lat), predicate=_PREDICATE)
        return [int(self._ids[r]) for r in sorted(int(r) for r in ranks)]
