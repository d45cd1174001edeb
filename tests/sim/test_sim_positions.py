"""The simulator reports where things happen (issue 17): each ticket it opens lies at a
random place inside its grid's outline, from a random stream of its own."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from gridtui.data.sources.local import LocalSource
from gridtui.data.storage.boundaries import read_boundaries
from gridtui.data.storage.models import Boundary, Ticket
from gridtui.sim import LocalTarget, ManualClock, Simulator
from tests.conftest import FIXTURES, NOW

Opened = list[tuple[int | None, float | None, float | None]]


def _opened(path: Path, seed: int = 7) -> tuple[Opened, dict[int, BaseGeometry]]:
    """The tickets a six-hour run opens (grid, lon, lat), and the grids' outlines."""
    clock = ManualClock(NOW)
    source = LocalSource(f"sqlite:///{path}", clock=clock.now)
    try:
        sim = Simulator(LocalTarget(source), clock, seed=seed, fixtures=FIXTURES)
        sim.start()
        sim.run_until(NOW + timedelta(hours=6))
        with source.factory() as s:
            rows = s.execute(
                select(Ticket.grid_id, Ticket.lon, Ticket.lat)
                .where(Ticket.source == "simulator")
                .order_by(Ticket.id)
            ).all()
            grids = {o.node_id: o.geometry for o in read_boundaries(s, level="grid")}
    finally:
        source.close()
    return [(g, x, y) for g, x, y in rows], grids


def test_simulated_tickets_lie_inside_their_grids(sim_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "city.sqlite"
    shutil.copyfile(sim_template, path)
    rows, grids = _opened(path)
    assert len(rows) > 10
    geoms = np.asarray([grids[g or 0] for g, _, _ in rows], dtype=object)
    xs = np.array([x for _, x, _ in rows], dtype=float)
    ys = np.array([y for _, _, y in rows], dtype=float)
    assert shapely.contains_xy(geoms, xs, ys).all()


@pytest.mark.slow
def test_without_outlines_the_simulator_opens_tickets_as_before(
    sim_template: Path, tmp_path: Path
) -> None:
    with_map, without = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    shutil.copyfile(sim_template, with_map)
    shutil.copyfile(sim_template, without)
    source = LocalSource(f"sqlite:///{without}")
    with source.factory.begin() as s:
        s.query(Boundary).delete()
    source.close()
    placed, _ = _opened(with_map)
    bare, _ = _opened(without)
    assert all(x is None and y is None for _, x, y in bare)
    assert [g for g, _, _ in placed] == [g for g, _, _ in bare]  # the same run otherwise
