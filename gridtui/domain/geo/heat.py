"""How hot an area is on the map (issue 17): a heat level from 0 (nothing open) to 4.

The rule: an area's open tickets per square kilometre, against the density of all the
areas it is compared with (the areas of one level under the node the map shows, the
whole of them, not only those in the window: a pan never changes a level):

======  ==========================================
level   open tickets per km², × the areas' density
======  ==========================================
0       no open ticket
1       under :data:`RATIOS`\\ [0] (0.5): quieter than usual
2       under :data:`RATIOS`\\ [1] (1.5): about usual
3       under :data:`RATIOS`\\ [2] (3): busy
4       3 × or more: a hot spot
======  ==========================================

Relative, not fixed counts: a rural town and a dense urban grid differ by orders of
magnitude in tickets per km², and so do a district's streets and its grids; what the
duty officer looks for is where it is hotter than elsewhere. Areas in km² on the
ground (degrees of longitude shrink with the cosine of the latitude).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridtui.domain.geo.tiling import KM_PER_DEGREE

#: the ratios to the areas' density at which the level goes up (levels 1 | 2 | 3 | 4)
RATIOS = (0.5, 1.5, 3.0)
#: the hottest level
MAX_HEAT = 4
#: the smallest area counted, in km² (a degenerate outline is not infinitely hot)
MIN_KM2 = 1e-6


def area_km2(geoms: Sequence[BaseGeometry] | np.ndarray) -> np.ndarray:
    """The ground area of each outline, in km² (the equirectangular approximation at
    each outline's own latitude: well under 1 % off at a city's size)."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return np.zeros(0)
    degrees = shapely.area(geoms)
    lat = shapely.get_y(shapely.centroid(geoms))
    return np.asarray(degrees * KM_PER_DEGREE**2 * np.cos(np.radians(lat)), dtype=np.float64)


def heat_levels(
    counts: Sequence[int] | np.ndarray, km2: Sequence[float] | np.ndarray
) -> np.ndarray:
    """The heat level of each area from its open tickets ``counts`` and its area
    ``km2``, compared with all of them together (the module docstring's rule)."""
    n = np.asarray(counts, dtype=np.float64)
    a = np.maximum(np.asarray(km2, dtype=np.float64), MIN_KM2)
    if not len(n) or n.sum() <= 0:
        return np.zeros(len(n), dtype=np.int64)
    usual = n.sum() / a.sum()
    ratio = (n / a) / usual
    levels = 1 + np.searchsorted(np.asarray(RATIOS), ratio, side="right")
    return np.where(n > 0, np.minimum(levels, MAX_HEAT), 0).astype(np.int64)
