"""The map of one window of the city drawn into cells, once per load: outlines as
braille dots, each cell's area (its risk colour and heat), and the marks (tickets,
clusters, entities, area names) with what a person can select.

Drawn for a window larger than the view (:meth:`Viewport.grown
<gridtui.widgets.map.viewport.Viewport.grown>`) in the window's cells: a pan inside
the window is a cut of these arrays (:mod:`gridtui.widgets.map.canvas`), no drawing
and no query. Pure numpy and shapely; no widgets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely
from rich.cells import cell_len
from shapely.geometry import Polygon

from gridtui.data.sources.records import GeoArea, GeoCluster, GeoEntity, GeoPoint, GeoView
from gridtui.domain.text import shown_text
from gridtui.widgets.map.viewport import DOTS_X, DOTS_Y, Viewport

#: the bit of each dot of a braille cell, by [row][column] of the 2×4 dots
BRAILLE = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint8)
#: a risk colour's rank (0: none); higher is more urgent
RANK = {"green": 1, "blue": 2, "yellow": 3, "orange": 4, "red": 5}
COLOUR_OF = {rank: colour for colour, rank in RANK.items()}
#: each risk colour's own glyph, so that a point says its colour without colour
GLYPH = {"red": "◆", "orange": "▲", "yellow": "●", "blue": "■", "green": "○"}
#: a registered red or orange entity (人、事、地、物、组织)
ENTITY_GLYPH = "⌂"
#: the most samples one outline segment is drawn with (a very long edge, close up)
MOST_SAMPLES = 20_000

Kind = Literal["ticket", "cluster", "entity"]
#: what a selection is: ("ticket", id), ("entity", id) or ("cluster", index)
Key = tuple[str, int]
IntArray = npt.NDArray[np.int16]


@dataclass(frozen=True, slots=True)
class Mark:
    """Something drawn over the outlines at one cell (and the cells after it)."""

    text: str
    #: the risk colour it is drawn in (None: an area's name)
    colour: str | None
    overdue: bool = False
    key: Key | None = None


@dataclass(frozen=True, slots=True)
class Spot:
    """Something a person can select: a ticket, a cluster or an entity."""

    key: Key
    kind: Kind
    lon: float
    lat: float
    #: its cell in the window
    col: int
    row: int
    record: GeoPoint | GeoCluster | GeoEntity


@dataclass(slots=True)
class Raster:
    """One window of the city, drawn (see the module docstring)."""

    window: Viewport
    view: GeoView
    #: braille bits of the outlines, per cell
    codes: npt.NDArray[np.uint8]
    #: the index in ``view.areas`` of the area whose inside holds the cell's middle
    #: (-1: none)
    area: IntArray
    #: the index of the area whose outline passes through the cell (the most urgent
    #: colour drawn last, so it wins; -1: none)
    edge_area: IntArray
    #: the rank of the colour of ``area`` (0: none)
    fill: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    #: the rank of the colour of ``edge_area``
    edge: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    #: the heat of ``area`` (0 … 4)
    heat: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    #: row → [(column, mark)], left to right, none overlapping
    marks: dict[int, list[tuple[int, Mark]]] = field(default_factory=dict)
    spots: list[Spot] = field(default_factory=list)

    def area_at(self, col: int, row: int) -> GeoArea | None:
        """The area at a window cell, if any."""
        if 0 <= row < self.area.shape[0] and 0 <= col < self.area.shape[1]:
            index = int(self.area[row, col])
            return self.view.areas[index] if index >= 0 else None
        return None


def build_raster(view: GeoView, window: Viewport, lang: str, reuse: Raster | None = None) -> Raster:
    """Draw ``view`` (a load for ``window``) into ``window``'s cells, area names in
    ``lang``. The outlines and the cells' areas of ``reuse`` are taken as they are
    when it drew the same outlines (boundary version, level, areas) in the same
    window: a reload for new tickets only places the marks again."""
    ids = [a.node.id for a in view.areas]
    if reuse is not None and _same_outlines(reuse, view, window, ids):
        raster = Raster(window, view, reuse.codes, reuse.area, reuse.edge_area)
    else:
        raster = _draw(view, window)
    ranks = np.array([*(RANK.get(a.colour or "", 0) for a in view.areas), 0], np.int8)
    heats = np.array([*(a.heat for a in view.areas), 0], np.int8)
    raster.fill, raster.heat = ranks[raster.area], heats[raster.area]  # -1 → the last: 0
    raster.edge = ranks[raster.edge_area]
    taken: set[int] = set()  # row * cols + col of every cell a mark took
    cols, rows = window.cols, window.rows
    for row, col, width, mark in _marks(raster, lang):
        if not (0 <= row < rows and col >= 0 and col + width <= cols):
            continue
        cells = range(row * cols + col, row * cols + col + width)
        if width == 1:
            if cells[0] in taken:
                continue
        elif any(c in taken for c in cells):
            continue
        taken.update(cells)
        raster.marks.setdefault(row, []).append((col, mark))
    for line in raster.marks.values():
        line.sort(key=lambda item: item[0])
    return raster


def _same_outlines(old: Raster, view: GeoView, window: Viewport, ids: list[int]) -> bool:
    before = old.view
    return (
        old.window == window
        and before.boundary_version == view.boundary_version
        and before.level == view.level
        and [a.node.id for a in before.areas] == ids
    )


def _draw(view: GeoView, window: Viewport) -> Raster:
    """The outlines and the areas' cells (the least urgent outlines first)."""
    shape = (window.rows, window.cols)
    raster = Raster(
        window, view, np.zeros(shape, np.uint8), np.full(shape, -1, np.int16),
        np.full(shape, -1, np.int16),
    )  # fmt: skip
    order = sorted(range(len(view.areas)), key=lambda i: RANK.get(view.areas[i].colour or "", 0))
    for index in order:
        for polygon in view.areas[index].polygons:
            rings = [_ring_dots(window, ring) for ring in polygon]
            for xs, ys in rings:
                _outline(raster, xs, ys, index)
            _fill(raster, rings, index)
    return raster


# -- outlines and fills -----------------------------------------------------------------


def _ring_dots(
    window: Viewport, ring: tuple[tuple[float, float], ...]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    coords = np.asarray(ring, dtype=np.float64).reshape(-1, 2)
    return window.dots(coords[:, 0], coords[:, 1])


def _outline(
    raster: Raster, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], index: int
) -> None:
    """Set the dots along the ring's edges (sampled a dot apart)."""
    if len(xs) < 2:
        return
    width, height = raster.window.cols * DOTS_X, raster.window.rows * DOTS_Y
    x0, y0, x1, y1 = xs[:-1], ys[:-1], xs[1:], ys[1:]
    # edges wholly off one side of the window draw nothing
    keep = ~(
        ((x0 < 0) & (x1 < 0)) | ((x0 >= width) & (x1 >= width))
        | ((y0 < 0) & (y1 < 0)) | ((y0 >= height) & (y1 >= height))
    )  # fmt: skip
    x0, y0, x1, y1 = x0[keep], y0[keep], x1[keep], y1[keep]
    if not len(x0):
        return
    steps = np.ceil(np.maximum(np.abs(x1 - x0), np.abs(y1 - y0))).astype(np.int64)
    steps = np.clip(steps, 1, MOST_SAMPLES)
    counts = steps + 1
    edge = np.repeat(np.arange(len(x0)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    t = (np.arange(int(counts.sum())) - first) / np.repeat(steps, counts)
    x = np.floor(x0[edge] + t * (x1 - x0)[edge]).astype(np.int64)
    y = np.floor(y0[edge] + t * (y1 - y0)[edge]).astype(np.int64)
    inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
    x, y = x[inside], y[inside]
    row, col = y // DOTS_Y, x // DOTS_X
    np.bitwise_or.at(raster.codes, (row, col), BRAILLE[y % DOTS_Y, x % DOTS_X])
    raster.edge_area[row, col] = index


def _fill(
    raster: Raster,
    rings: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]],
    index: int,
) -> None:
    """Mark the cells whose middle is inside the polygon (its holes left out)."""
    parts = [np.column_stack(r) for r in rings if len(r[0]) >= 4]
    if not parts:
        return
    shell, holes = parts[0], parts[1:]
    xs, ys = shell[:, 0] / DOTS_X, shell[:, 1] / DOTS_Y
    c0, c1 = max(0, math.floor(xs.min())), min(raster.window.cols, math.ceil(xs.max()) + 1)
    r0, r1 = max(0, math.floor(ys.min())), min(raster.window.rows, math.ceil(ys.max()) + 1)
    if c0 >= c1 or r0 >= r1:
        return
    polygon = Polygon(shell, holes)
    cols, rows = np.meshgrid(np.arange(c0, c1), np.arange(r0, r1))
    inside = shapely.contains_xy(polygon, (cols + 0.5) * DOTS_X, (rows + 0.5) * DOTS_Y)
    raster.area[rows[inside], cols[inside]] = index


# -- marks and spots --------------------------------------------------------------------


def cluster_text(cluster: GeoCluster) -> str:
    """``◆12``: the glyph of its most urgent colour and how many (``◆999+`` at most)."""
    count = f"{cluster.count}" if cluster.count < 1000 else "999+"
    return f"{GLYPH.get(cluster.colour, '●')}{count}"


def _cells(window: Viewport, records: list[Any]) -> tuple[list[int], list[int]]:
    """The window cells (columns, rows) of records with ``lon`` and ``lat``, at once."""
    lon = np.fromiter((r.lon for r in records), np.float64, len(records))
    lat = np.fromiter((r.lat for r in records), np.float64, len(records))
    x, y = window.dots(lon, lat)
    cols = np.floor(x / DOTS_X).astype(np.int64).tolist()
    rows = np.floor(y / DOTS_Y).astype(np.int64).tolist()
    return cols, rows


def _one_entity_a_cell(
    window: Viewport, entities: list[GeoEntity]
) -> list[tuple[GeoEntity, int, int]]:
    """The most urgent entity of each cell with its cell (only one mark fits a cell; a
    city of 100,000 entities has thousands of red and orange ones in a far view)."""
    if not entities:
        return []
    cols, rows = _cells(window, entities)
    col, row = np.asarray(cols), np.asarray(rows)
    rank = np.fromiter((RANK.get(e.colour, 0) for e in entities), np.int64, len(entities))
    order = np.lexsort((-rank, col, row))  # by cell, the most urgent first
    cell = row[order] * (window.cols + 1) + col[order]
    first = order[np.r_[True, cell[1:] != cell[:-1]]]
    return [(entities[i], cols[i], rows[i]) for i in sorted(first.tolist())]


def _marks(raster: Raster, lang: str) -> list[tuple[int, int, int, Mark]]:
    """Every mark as (row, column, width, mark), most important first (tickets, the
    most urgent and the overdue first; then clusters, entities and the areas' names);
    every ticket, cluster and entity is a spot too."""
    window, view = raster.window, raster.view
    found: list[tuple[int, int, int, int, Mark]] = []
    spots = raster.spots
    cols, rows = _cells(window, view.points)
    for p, col, row in zip(view.points, cols, rows, strict=True):
        key = ("ticket", p.ticket_id)
        spots.append(Spot(key, "ticket", p.lon, p.lat, col, row, p))
        mark = Mark(GLYPH.get(p.colour, "●"), p.colour, p.overdue, key)
        found.append((300 + 2 * RANK.get(p.colour, 0) + p.overdue, row, col, 1, mark))
    cols, rows = _cells(window, view.clusters)
    for i, (c, col, row) in enumerate(zip(view.clusters, cols, rows, strict=True)):
        key = ("cluster", i)
        spots.append(Spot(key, "cluster", c.lon, c.lat, col, row, c))
        text = cluster_text(c)
        found.append((200 + RANK.get(c.colour, 0), row, col, len(text),
                      Mark(text, c.colour, c.overdue > 0, key)))  # fmt: skip
    for e, col, row in _one_entity_a_cell(window, view.entities):
        key = ("entity", e.entity_id)
        spots.append(Spot(key, "entity", e.lon, e.lat, col, row, e))
        found.append((100 + RANK.get(e.colour, 0), row, col, 1,
                      Mark(ENTITY_GLYPH, e.colour, key=key)))  # fmt: skip
    for index, area in enumerate(view.areas):
        label = _label(raster, index, area, lang)
        if label is not None:
            row, col, mark = label
            found.append((0, row, col, cell_len(mark.text), mark))
    found.sort(key=lambda item: -item[0])
    return [(row, col, width, mark) for _p, row, col, width, mark in found]


def _label(raster: Raster, index: int, area: GeoArea, lang: str) -> tuple[int, int, Mark] | None:
    """The area's name at a point inside it, when the cells there are all its own."""
    name = shown_text(area.node.label(lang), one_line=True)
    width = cell_len(name)
    biggest = max(area.polygons, key=lambda p: len(p[0]), default=None)
    if biggest is None or len(biggest[0]) < 4 or width > 24:
        return None
    try:
        inner = Polygon(biggest[0], biggest[1:]).point_on_surface()
    except (ValueError, shapely.errors.GEOSException):
        return None
    col, row = raster.window.cell_of(inner.x, inner.y)
    start = col - width // 2
    if not (0 <= row < raster.window.rows and start >= 0 and start + width < raster.window.cols):
        return None
    if not (raster.area[row, start - 1 if start else 0 : start + width + 1] == index).all():
        return None
    return row, start, Mark(name, None)
