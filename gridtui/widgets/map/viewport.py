"""What part of the city the map shows, and at what scale: pure arithmetic, no widgets.

The projection is equirectangular with longitude scaled by the cosine of a fixed
reference latitude (the middle of the city), so shapes are not squashed at 31°N. A
terminal cell is about twice as tall as wide and holds 2×4 braille dots, so a dot is
square: ``zoom`` is a whole number and a dot is ``2**zoom`` metres on a side (zooming
halves or doubles it). The view is a rectangle of whole cells in a "world" grid of
cells at that zoom (``left``, ``top``): panning moves it by whole cells, so what was
drawn for a window of the city can be cut to any view inside it without drawing
again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from gridtui.data.sources.records import Bounds
from gridtui.i18n import tr

#: metres in one degree of latitude (and of longitude at the equator)
M_PER_DEG = 111_320.0
#: braille dots in one terminal cell, across and down
DOTS_X, DOTS_Y = 2, 4
#: the closest zoom (half a metre a dot) and the farthest (8 km a dot)
ZOOM_MIN, ZOOM_MAX = -1, 13
#: outlines drawn at each scale: streets from this zoom up (32 m a dot: a 160-column
#: view is about 10 km across), communities from :data:`COMMUNITY_ZOOM`, grids closer
STREET_ZOOM = 5
COMMUNITY_ZOOM = 4
#: tickets closer than this many cells apart may be counted together (the source's
#: clustering ``cell``)
CLUSTER_CELLS = 4
#: scale bar lengths: 1, 2 and 5 times a power of ten metres
NICE = (1, 2, 5)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Viewport:
    """A rectangle of ``cols`` × ``rows`` cells at ``zoom``, its top-left cell at world
    cell (``left``, ``top``); longitude scaled by cos(``ref_lat``)."""

    zoom: int
    left: int
    top: int
    cols: int
    rows: int
    ref_lat: float

    # -- scale ------------------------------------------------------------------------

    @property
    def mpd(self) -> float:
        """Metres a dot (on a side)."""
        return float(2.0**self.zoom)

    @property
    def _kx(self) -> float:
        """World dots per degree of longitude."""
        return M_PER_DEG * math.cos(math.radians(self.ref_lat)) / self.mpd

    @property
    def _ky(self) -> float:
        """World dots per degree of latitude."""
        return M_PER_DEG / self.mpd

    @property
    def level(self) -> str:
        """Whose outlines show at this scale: street, community or grid."""
        if self.zoom >= STREET_ZOOM:
            return "street"
        return "community" if self.zoom >= COMMUNITY_ZOOM else "grid"

    @property
    def tolerance(self) -> float:
        """About one dot in degrees: outlines simplified by this much look the same."""
        return self.mpd / M_PER_DEG

    @property
    def cell(self) -> float:
        """The clustering cell in degrees: :data:`CLUSTER_CELLS` cells across."""
        return CLUSTER_CELLS * DOTS_X * self.mpd / M_PER_DEG

    # -- projection ---------------------------------------------------------------------

    def dots(self, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Longitudes and latitudes → dot coordinates from the view's top-left corner."""
        return lon * self._kx - self.left * DOTS_X, -lat * self._ky - self.top * DOTS_Y

    def cell_of(self, lon: float, lat: float) -> tuple[int, int]:
        """The view cell (column, row) a point falls in (may be outside the view)."""
        x = lon * self._kx - self.left * DOTS_X
        y = -lat * self._ky - self.top * DOTS_Y
        return math.floor(x / DOTS_X), math.floor(y / DOTS_Y)

    def lonlat(self, col: float, row: float) -> tuple[float, float]:
        """The longitude and latitude at view cell coordinates (fractions allowed)."""
        lon = (self.left + col) * DOTS_X / self._kx
        lat = -(self.top + row) * DOTS_Y / self._ky
        return lon, lat

    @property
    def centre(self) -> tuple[float, float]:
        """The longitude and latitude at the middle of the view."""
        return self.lonlat(self.cols / 2, self.rows / 2)

    @property
    def bounds(self) -> Bounds:
        """The view as a longitude/latitude box."""
        west, north = self.lonlat(0, 0)
        east, south = self.lonlat(self.cols, self.rows)
        return Bounds(west, south, east, north)

    # -- moving -------------------------------------------------------------------------

    def panned(self, cols: int, rows: int) -> Viewport:
        """Moved by whole cells (right and down are positive)."""
        return replace(self, left=self.left + cols, top=self.top + rows)

    def centred_on(self, lon: float, lat: float) -> Viewport:
        """The same scale with (``lon``, ``lat``) in the middle cell."""
        x, y = lon * self._kx / DOTS_X, -lat * self._ky / DOTS_Y
        return replace(
            self, left=math.floor(x) - self.cols // 2, top=math.floor(y) - self.rows // 2
        )

    def zoomed(self, steps: int, at: tuple[int, int] | None = None) -> Viewport:
        """``steps`` closer (positive) or farther (negative), the point under view cell
        ``at`` (default: the middle) staying where it is."""
        zoom = max(ZOOM_MIN, min(ZOOM_MAX, self.zoom - steps))
        if zoom == self.zoom:
            return self
        col, row = at if at is not None else (self.cols // 2, self.rows // 2)
        factor = 2.0 ** (self.zoom - zoom)
        left = math.floor((self.left + col + 0.5) * factor - col - 0.5 + 0.5)
        top = math.floor((self.top + row + 0.5) * factor - row - 0.5 + 0.5)
        return replace(self, zoom=zoom, left=left, top=top)

    def resized(self, cols: int, rows: int) -> Viewport:
        """Another size around the same middle."""
        return replace(
            self,
            left=self.left + (self.cols - cols) // 2,
            top=self.top + (self.rows - rows) // 2,
            cols=cols,
            rows=rows,
        )

    def grown(self, cols: int, rows: int) -> Viewport:
        """``cols`` more cells on the left and on the right, ``rows`` above and below."""
        return replace(
            self,
            left=self.left - cols,
            top=self.top - rows,
            cols=self.cols + 2 * cols,
            rows=self.rows + 2 * rows,
        )

    def holds(self, other: Viewport) -> bool:
        """Whether ``other`` (at the same zoom and reference) lies wholly inside this."""
        return (
            other.zoom == self.zoom
            and other.ref_lat == self.ref_lat
            and self.left <= other.left
            and self.top <= other.top
            and other.left + other.cols <= self.left + self.cols
            and other.top + other.rows <= self.top + self.rows
        )

    @classmethod
    def fit(
        cls,
        bounds: Bounds,
        cols: int,
        rows: int,
        *,
        closest: int = ZOOM_MIN,
        ref_lat: float | None = None,
    ) -> Viewport:
        """The closest zoom (no closer than ``closest``) at which ``bounds`` fits in
        ``cols`` × ``rows`` cells, centred on it; longitude scaled at ``ref_lat``
        (default: the middle of ``bounds``)."""
        ref = (bounds.south + bounds.north) / 2 if ref_lat is None else ref_lat
        width = (bounds.east - bounds.west) * M_PER_DEG * math.cos(math.radians(ref))
        height = (bounds.north - bounds.south) * M_PER_DEG
        room_x, room_y = max(1, cols - 2) * DOTS_X, max(1, rows - 2) * DOTS_Y
        need = max(width / room_x, height / room_y, 1e-9)
        zoom = max(closest, ZOOM_MIN, min(ZOOM_MAX, math.ceil(math.log2(need))))
        view = cls(zoom, 0, 0, cols, rows, ref)
        return view.centred_on((bounds.west + bounds.east) / 2, (bounds.south + bounds.north) / 2)


def scale_bar(view: Viewport, most_cells: int) -> tuple[int, int]:
    """The scale bar: (cells long, metres it stands for), the longest 1/2/5 × 10ⁿ m
    that fits in ``most_cells`` cells (at least one cell)."""
    metres_per_cell = DOTS_X * view.mpd
    room = max(1, most_cells) * metres_per_cell
    power = 10 ** math.floor(math.log10(room))
    metres = max((n * power for n in NICE if n * power <= room), default=power)
    return max(1, round(metres / metres_per_cell)), int(metres)


def distance_label(metres: int, lang: str) -> str:
    """``500 m``, ``2 km``, ``1.5 km`` (``500 米``, ``2 公里`` in Chinese)."""
    if metres < 1000:
        return tr("map.metres", lang, n=metres)
    return tr("map.km", lang, n=f"{metres / 1000:g}")
