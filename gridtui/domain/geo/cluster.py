"""Points or clusters: how the map draws the open tickets of a window (issue 17).

One rule. At or below :data:`THRESHOLD` tickets in the window every ticket is drawn
on its own. Above it, the tickets are binned on a square grid of ``cell`` degrees
anchored at longitude 0, latitude 0 (so a pan keeps the bins where they were); every
bin holding two or more tickets becomes a cluster, drawn at its members' mean position
with their count, their counts by colour, how many are overdue, their extent (zooming
to it splits the cluster) and the most urgent colour among them; a ticket alone in its
bin stays a point.

Without a ``cell`` from the caller, :func:`default_cell` cuts the window's longer side
into :data:`CELLS_ACROSS` cells. Numpy does the binning: a million tickets in well
under a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gridtui.domain.colours import RiskColour

#: open tickets in a window up to which every one is drawn as a point
THRESHOLD = 400
#: the smallest cell size, in degrees (about 0.1 m)
MIN_CELL = 1e-6
#: cells across the window's longer side when the caller names no cell size
CELLS_ACROSS = 64
#: the colours, most urgent first: a ticket's colour is given as its index here
COLOURS: tuple[str, ...] = tuple(c.value for c in RiskColour.by_severity())


@dataclass(frozen=True, slots=True)
class Bin:
    """One cluster: two or more tickets in one cell."""

    lon: float
    lat: float
    count: int
    by_colour: dict[str, int]
    overdue: int
    west: float
    south: float
    east: float
    north: float
    colour: str


@dataclass(frozen=True, slots=True)
class Clustering:
    """The tickets of a window, drawn: ``singles`` (indices into the input, in input
    order) one by one, ``bins`` as clusters (west to east, then south to north)."""

    singles: np.ndarray
    bins: list[Bin]


def default_cell(west: float, south: float, east: float, north: float) -> float:
    """The cell size for a window of these bounds (degrees): its longer side cut into
    :data:`CELLS_ACROSS` cells; a window with no extent gets a 1e-4° cell (about 10 m), and none is
    smaller than :data:`MIN_CELL`."""
    span = max(east - west, north - south)
    return max(span / CELLS_ACROSS, MIN_CELL) if span > 0 else 1e-4


def colour_index(colours: list[str] | tuple[str, ...]) -> np.ndarray:
    """Each colour's index in :data:`COLOURS` (an unknown one counts as the last)."""
    index = {c: i for i, c in enumerate(COLOURS)}
    last = len(COLOURS) - 1
    return np.fromiter((index.get(c, last) for c in colours), dtype=np.int64, count=len(colours))


def cluster(
    lon: np.ndarray, lat: np.ndarray, colour: np.ndarray, overdue: np.ndarray, cell: float
) -> Clustering:
    """The rule of the module docstring for tickets at (``lon``, ``lat``) with colour
    indices ``colour`` (:func:`colour_index`) and ``overdue`` flags.

    Raises:
        ValueError: ``cell`` is not a positive, finite number of degrees.
    """
    n = len(lon)
    if n <= THRESHOLD:
        return Clustering(np.arange(n), [])
    if not (math.isfinite(cell) and cell >= MIN_CELL):
        raise ValueError(f"cell must be at least {MIN_CELL} degrees, not {cell!r}")
    ix = np.floor(lon / cell).astype(np.int64)
    iy = np.floor(lat / cell).astype(np.int64)
    # one integer per cell (|index| < 2**31 for any cell of MIN_CELL degrees or more)
    keys, inverse, counts = np.unique(ix * 2**32 + iy, return_inverse=True, return_counts=True)
    grouped = counts[inverse] >= 2
    singles = np.flatnonzero(~grouped)
    return Clustering(singles, _bins(lon, lat, colour, overdue, inverse, counts, len(keys)))


def _bins(
    lon: np.ndarray,
    lat: np.ndarray,
    colour: np.ndarray,
    overdue: np.ndarray,
    inverse: np.ndarray,
    counts: np.ndarray,
    n_bins: int,
) -> list[Bin]:
    """The clusters: the bins (``inverse``: each ticket's bin) of two or more tickets."""
    mean_lon = np.bincount(inverse, weights=lon, minlength=n_bins) / counts
    mean_lat = np.bincount(inverse, weights=lat, minlength=n_bins) / counts
    late = np.bincount(inverse, weights=overdue.astype(np.float64), minlength=n_bins)
    k = len(COLOURS)
    by_colour = np.bincount(inverse * k + colour, minlength=n_bins * k).reshape(n_bins, k)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    extent = [
        fn.reduceat(values[order], starts)
        for fn, values in (
            (np.minimum, lon), (np.minimum, lat), (np.maximum, lon), (np.maximum, lat),
        )
    ]  # fmt: skip
    worst = np.argmax(by_colour > 0, axis=1)
    return [
        Bin(
            lon=float(mean_lon[b]),
            lat=float(mean_lat[b]),
            count=int(counts[b]),
            by_colour={c: int(by_colour[b, i]) for i, c in enumerate(COLOURS)},
            overdue=int(late[b]),
            west=float(extent[0][b]),
            south=float(extent[1][b]),
            east=float(extent[2][b]),
            north=float(extent[3][b]),
            colour=COLOURS[int(worst[b])],
        )
        for b in np.flatnonzero(counts >= 2)
    ]
