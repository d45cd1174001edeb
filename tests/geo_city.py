"""A small hand-made city for the map's read (issue 17): square outlines in whole
degrees, a handful of tickets and entities whose areas, points, clusters, colours and
overdue figures a test can work out by hand.

::

    lat 32 ┌───────────────────────┐
           │          G3           │  C2 = S2 (orange t5, overdue)
    lat 31 ├───────────┬───────────┤
           │    G1     │    G2     │  C1 = S1
    lat 30 └───────────┴───────────┘
        lon 100       101         102

- t1 G1 red, overdue, at (100.2, 30.2)   - t2 G1 blue, due later, at (100.8, 30.8)
- t3 G2 yellow, no deadline, (101.5, 30.5) - t4 G3 green, closed (not on the map)
- t5 G3 orange, overdue, at (101.0, 31.5) - t6 open, in no grid, at (105, 35)
- t7 G2 blue, open, no position
- entities: e1 G1 red at (100.5, 30.5), e2 G3 orange at (101.5, 31.5), e3 G2 green and
  e4 G2 yellow (positions: e4 only; neither is drawn)

:func:`crowd` adds 400 green tickets at (100.3, 30.3): above the clustering threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry import box, mapping
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.storage.boundaries import store_boundaries
from gridtui.data.storage.models import Entity, Node, Ticket
from tests.conftest import NOW

DAY = timedelta(days=1)


@dataclass(frozen=True)
class HandCity:
    """The node ids (by code) and ticket ids (t1 … t7) of the hand-made city."""

    nodes: dict[str, int]
    tickets: dict[str, int]


def _node(s: Session, code: str, level: str, parent: Node | None, **up: int | None) -> Node:
    node = Node(code=code, level=level, name=f"{code}名", name_en=code,
                parent_id=parent.id if parent else None, **up)  # fmt: skip
    s.add(node)
    s.flush()
    return node


def outline(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A box as a GeoJSON geometry."""
    geometry: dict[str, Any] = mapping(box(west, south, east, north))
    return geometry


def build_hand_city(factory: sessionmaker[Session]) -> HandCity:
    """Write the city of the module docstring into an empty database."""
    with factory.begin() as s:
        city = _node(s, "C", "city", None)
        d = _node(s, "D", "district", city)
        s1 = _node(s, "S1", "street", d, district_id=d.id)
        s2 = _node(s, "S2", "street", d, district_id=d.id)
        c1 = _node(s, "C1", "community", s1, district_id=d.id, street_id=s1.id)
        c2 = _node(s, "C2", "community", s2, district_id=d.id, street_id=s2.id)
        up1 = {"district_id": d.id, "street_id": s1.id, "community_id": c1.id}
        up2 = {"district_id": d.id, "street_id": s2.id, "community_id": c2.id}
        g1 = _node(s, "G1", "grid", c1, **up1)
        g2 = _node(s, "G2", "grid", c1, **up1)
        g3 = _node(s, "G3", "grid", c2, **up2)
        nodes = {n.code: n.id for n in (city, d, s1, s2, c1, c2, g1, g2, g3)}
        shapes = [
            (d, outline(100, 30, 102, 32)), (s1, outline(100, 30, 102, 31)),
            (s2, outline(100, 31, 102, 32)), (c1, outline(100, 30, 102, 31)),
            (c2, outline(100, 31, 102, 32)), (g1, outline(100, 30, 101, 31)),
            (g2, outline(101, 30, 102, 31)), (g3, outline(100, 31, 102, 32)),
        ]  # fmt: skip
        store_boundaries(s, [(n.id, n.level, g) for n, g in shapes], source="test", at=NOW)
        spots = {
            "t1": (g1, "red", NOW - DAY, None, (100.2, 30.2)),
            "t2": (g1, "blue", NOW + DAY, None, (100.8, 30.8)),
            "t3": (g2, "yellow", None, None, (101.5, 30.5)),
            "t4": (g3, "green", NOW - DAY, NOW - DAY / 2, (101.2, 31.2)),
            "t5": (g3, "orange", NOW - DAY, None, (101.0, 31.5)),
            "t6": (None, "blue", NOW + DAY, None, (105.0, 35.0)),
            "t7": (g2, "blue", NOW + DAY, None, None),
        }
        tickets = {}
        for name, (grid, colour, due, closed, at) in spots.items():
            t = _ticket(grid, colour, due, closed, at, title=f"{name} 标题")
            s.add(t)
            s.flush()
            tickets[name] = t.id
        for code, grid, colour, at in (
            ("e1", g1, "red", (100.5, 30.5)), ("e2", g3, "orange", (101.5, 31.5)),
            ("e3", g2, "green", None), ("e4", g2, "yellow", (101.2, 30.2)),
        ):  # fmt: skip
            lon, lat = at if at else (None, None)
            up = {"district_id": grid.district_id, "street_id": grid.street_id,
                  "community_id": grid.community_id}  # fmt: skip
            s.add(Entity(code=code, kind="place", name=f"{code} 名称", grid_id=grid.id,
                         colour=colour, lon=lon, lat=lat, **up))  # fmt: skip
    return HandCity(nodes, tickets)


def _ticket(
    grid: Node | None,
    colour: str,
    due: datetime | None,
    closed: datetime | None,
    at: tuple[float, float] | None,
    title: str,
) -> Ticket:
    return Ticket(
        title=title, channel="patrol", category="env.litter", colour=colour,
        status="closed" if closed else "dispatched",
        district_id=grid.district_id if grid else None,
        street_id=grid.street_id if grid else None,
        community_id=grid.community_id if grid else None,
        grid_id=grid.id if grid else None,
        opened_at=NOW - 2 * DAY, updated_at=NOW - DAY, due_at=due, closed_at=closed,
        lon=at[0] if at else None, lat=at[1] if at else None,
    )  # fmt: skip


def crowd(factory: sessionmaker[Session], city: HandCity, n: int = 400) -> None:
    """``n`` open green tickets of G1 at (100.3, 30.3), due tomorrow."""
    g1 = city.nodes["G1"]
    with factory.begin() as s:
        up = s.get(Node, g1)
        assert up is not None
        row = {
            "title": "人群", "channel": "patrol", "category": "env.litter", "colour": "green",
            "status": "dispatched", "district_id": up.district_id, "street_id": up.street_id,
            "community_id": up.community_id, "grid_id": g1, "opened_at": NOW - DAY,
            "updated_at": NOW - DAY, "due_at": NOW + DAY, "lon": 100.3, "lat": 30.3,
        }  # fmt: skip
        s.execute(insert(Ticket), [row] * n)
