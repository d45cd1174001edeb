"""What the simulator knows of the city: grids and their workers, the catalogue.

The hierarchy, departments, categories and workers come from the data source's
catalogue (:meth:`~gridtui.data.sources.source.DataSource.reference`), so the simulator works
the same on a database and over the API. What the catalogue does not carry — each
category's function, colour, dispute flag and department, and which worker a grid
has — is read from the city folder it was loaded from (``fixtures/``:
``categories.csv``, ``workers.csv``), and only for the names the catalogue has.
Without that folder every category is an ordinary, blue, department-less matter and
patrol reports carry no worker's name. Where the centre has the grids' outlines (the
map's read, :meth:`~gridtui.data.sources.source.DataSource.geo`), each report is made
at a random place inside its grid (:func:`with_outlines`, :meth:`SimCity.spot`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import shapely
from pydantic import ValidationError
from shapely.geometry.base import BaseGeometry

from gridtui.data.intake.fixtures import CategoryRow, WorkerRow
from gridtui.data.seeding.seedgen import CategoryInfo, GridInfo
from gridtui.data.sources.records import GeoView, Reference
from gridtui.data.sources.source import SourceError, SourceUnavailable
from gridtui.domain.geo.tiling import points_in

R = TypeVar("R", CategoryRow, WorkerRow)


@dataclass(frozen=True, slots=True)
class SimCity:
    """The city as the simulator drives it."""

    grids: list[GridInfo]
    #: grid node id → its code (what a new ticket names)
    grid_codes: dict[int, str]
    categories: list[CategoryInfo]
    #: category code → its department's code (where a whistle goes)
    category_departments: dict[str, str]
    #: worker id → code, and the workers in code order (for daily reports, spot checks)
    worker_codes: dict[int, str]
    workers: list[tuple[int, str]]
    #: department id → code
    department_codes: dict[int, str]
    #: each grid's outline, by node id (none: reports carry no position)
    outlines: dict[int, BaseGeometry] = field(default_factory=dict)

    def category(self, code: str) -> CategoryInfo | None:
        """The category ``code``, if the simulator knows it."""
        return next((c for c in self.categories if c.code == code), None)

    def spot(self, grid_id: int, rng: np.random.Generator) -> tuple[float | None, float | None]:
        """(latitude, longitude) of a random place inside grid ``grid_id``, or (None,
        None) when it has no outline."""
        outline = self.outlines.get(grid_id)
        if outline is None:
            return None, None
        lon, lat = points_in(outline, 1, rng)[0].tolist()
        return lat, lon


def with_outlines(city: SimCity, read_map: Callable[[], GeoView]) -> SimCity:
    """``city`` with the grids' outlines of the map ``read_map`` reads (at grid level);
    as it is when the source has no map (a server from before it).

    Raises:
        SourceUnavailable: the source is away.
    """
    try:
        view = read_map()
    except SourceUnavailable:
        raise
    except SourceError:
        return city
    outlines: dict[int, BaseGeometry] = {}
    for area in view.areas:
        parts = [shapely.Polygon(rings[0], rings[1:]) for rings in area.polygons]
        outlines[area.node.id] = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
    return replace(city, outlines=outlines)


def _rows(folder: Path | None, name: str, model: type[R]) -> list[R]:
    """The valid rows of a city CSV file (the file was checked when it was loaded)."""
    path = folder / name if folder is not None else None
    if path is None or not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        try:
            # an empty cell is an absent value, as the fixture loader reads it
            out.append(model.model_validate({k: v for k, v in row.items() if v != ""}))
        except ValidationError:
            continue
    return out


def load_city(ref: Reference, fixtures: Path | None) -> SimCity:
    """The city of the catalogue ``ref``, completed from the folder ``fixtures``.

    Raises:
        ValueError: the catalogue has no grids or no categories.
    """
    dept_ids = {d.code: i for i, d in ref.departments.items()}
    worker_ids = {w.code: i for i, w in ref.workers.items()}

    # the grid's worker is the one the service assigns: its first non-leader, by load order
    by_grid: dict[str, str] = {}
    workers = _rows(fixtures, "workers.csv", WorkerRow)
    for w in sorted(workers, key=lambda w: w.role == "leader"):
        if w.code in worker_ids:
            by_grid.setdefault(w.grid, w.code)

    grids: list[GridInfo] = []
    grid_codes: dict[int, str] = {}
    for node in sorted(ref.nodes.values(), key=lambda n: n.id):
        if node.level != "grid":
            continue
        grid_codes[node.id] = node.code
        code = by_grid.get(node.code, "")
        grids.append(GridInfo(node.id, node.name, None, None, None, worker_ids.get(code, 0), code))

    known = {r.code: r for r in _rows(fixtures, "categories.csv", CategoryRow)}
    categories: list[CategoryInfo] = []
    category_departments: dict[str, str] = {}
    for code, named in sorted(ref.categories.items()):
        row = known.get(code)
        if row is None:
            if known:
                continue  # e.g. imported categories: not something the city reports
            categories.append(CategoryInfo(code, named.name, "information", "blue", False, None))
            continue
        dept = row.department if row.department in dept_ids else None
        categories.append(
            CategoryInfo(
                code, named.name, row.function, row.default_colour.value, row.is_dispute,
                dept_ids[dept] if dept else None,
            )
        )  # fmt: skip
        if dept:
            category_departments[code] = dept
    if not grids or not categories:
        raise ValueError("the city has no grids or no categories: load a city first")
    return SimCity(
        grids=grids,
        grid_codes=grid_codes,
        categories=categories,
        category_departments=category_departments,
        worker_codes={i: w.code for i, w in ref.workers.items()},
        workers=sorted(((i, w.code) for i, w in ref.workers.items()), key=lambda p: p[1]),
        department_codes={i: d.code for i, d in ref.departments.items()},
    )


__all__ = ["SimCity", "load_city", "with_outlines"]
