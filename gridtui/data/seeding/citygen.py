"""A Taiyuan-scale city, generated: 10 districts, ~100 streets, ~1,900 communities,
9,375 grids (5,282 urban, 1,660 rural, 2,433 dedicated), 9,788 workers and
105,000 registered entities — the published 2021 figures (DOMAIN.md) — with outlines
for every district, street, community and grid and a position for every entity
(:mod:`gridtui.data.seeding.seedgeo`).

Departments and the category catalogue come from the fixtures folder, so a city
database carries the same catalogue as the demo one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from gridtui.data.intake.fixtures import (
    CityFixtures,
    EntityRow,
    NodeRow,
    WorkerRow,
)
from gridtui.data.seeding.seedgeo import city_outlines, positions
from gridtui.domain.geo.tiling import geojson_geometry

URBAN, RURAL, DEDICATED = 5_282, 1_660, 2_433
GRIDS = URBAN + RURAL + DEDICATED  # 9,375
WORKERS = 9_788
ENTITIES = 105_000

DISTRICTS = [
    ("XD", "小店区", "Xiaodian"),
    ("YZ", "迎泽区", "Yingze"),
    ("XHL", "杏花岭区", "Xinghualing"),
    ("JCP", "尖草坪区", "Jiancaoping"),
    ("WBL", "万柏林区", "Wanbailin"),
    ("JY", "晋源区", "Jinyuan"),
    ("QX", "清徐县", "Qingxu"),
    ("YQ", "阳曲县", "Yangqu"),
    ("LF", "娄烦县", "Loufan"),
    ("GJ", "古交市", "Gujiao"),
]
_STREET_WORDS = "府东府西桥东桥西柳巷迎泽文庙老军营坞城营盘黄陵龙城北营平阳双塔郝庄杨家峪庙前"
_COMMUNITY_WORDS = "和平建设长风学府南内环新村东岗西岗朝阳胜利永安兴华春晖翠园锦绣"


@dataclass(frozen=True, slots=True)
class CityShape:
    """How many of each node the generated city has."""

    districts: int
    streets: int
    communities: int
    grids: int
    workers: int
    entities: int


def _word(rng: random.Random, pool: str, n: int = 2) -> str:
    return "".join(pool[rng.randrange(len(pool))] for _ in range(n))


def generate_city(base: CityFixtures, seed: int) -> tuple[CityFixtures, CityShape]:
    """A city-scale fixtures set (rows in the same shape as a fixtures folder)."""
    rng = random.Random(seed)
    hierarchy = _Hierarchy(rng, _grid_kinds(rng))
    hierarchy.add_districts()
    grid_codes = hierarchy.grid_codes
    workers = _workers(rng, grid_codes)
    shapes = city_outlines([(r.code, r.parent) for _, r in hierarchy.nodes], "TY", seed)
    entities = _entities(rng, grid_codes, shapes, seed)
    del shapes["TY"]  # the city's own outline is its districts'
    shape = CityShape(
        len(DISTRICTS),
        hierarchy.streets,
        hierarchy.communities,
        len(grid_codes),
        WORKERS,
        ENTITIES,
    )
    city = CityFixtures(
        nodes=hierarchy.nodes,
        departments=base.departments,
        categories=base.categories,
        workers=workers,
        entities=entities,
        rules=base.rules,
        outlines={code: geojson_geometry(geom) for code, geom in shapes.items()},
        outline_source="seed:city",
    )
    return city, shape


def _grid_kinds(rng: random.Random) -> list[str]:
    """Each grid's kind in the order the grids are laid out: rural grids cluster in the
    counties, so they come last (the last districts get them)."""
    kinds = ["urban"] * URBAN + ["rural"] * RURAL + ["dedicated"] * DEDICATED
    rng.shuffle(kinds)
    kinds.sort(key=lambda k: {"urban": 0, "dedicated": 1, "rural": 2}[k])
    return kinds


class _Hierarchy:
    """The city's nodes as they are laid out, district by district: ten streets each,
    communities of three to seven grids, the grids of kind ``kinds`` in turn."""

    def __init__(self, rng: random.Random, kinds: list[str]) -> None:
        self.rng = rng
        self.kinds = kinds
        self.nodes: list[tuple[int, NodeRow]] = [
            (0, NodeRow(code="TY", level="city", name="太原市", name_en="Taiyuan"))
        ]
        self.grid_codes: list[str] = []
        self.streets = 0
        self.communities = 0

    def add_districts(self) -> None:
        """Every district, its grids shared out evenly (the last takes the rest)."""
        per_district = GRIDS // len(DISTRICTS)
        for d_index, (dcode, dname, den) in enumerate(DISTRICTS):
            d = f"TY-{dcode}"
            self.nodes.append(
                (0, NodeRow(code=d, parent="TY", level="district", name=dname, name_en=den))
            )
            last = d_index == len(DISTRICTS) - 1
            n_grids = per_district if not last else GRIDS - len(self.grid_codes)
            n_streets = 10
            for s in range(n_streets):
                s_grids = n_grids // n_streets + (1 if s < n_grids % n_streets else 0)
                self.add_street(d, s, s_grids)

    def add_street(self, district: str, s: int, s_grids: int) -> None:
        """The ``s``-th street of ``district`` (a town when its first grid is rural),
        with communities until it has ``s_grids`` grids."""
        self.streets += 1
        sc = f"{district}-{s + 1:02d}"
        town = self.kinds[min(len(self.grid_codes), GRIDS - 1)] == "rural"
        sname = _word(self.rng, _STREET_WORDS) + ("镇" if town else "街道")
        self.nodes.append((0, NodeRow(code=sc, parent=district, level="street", name=sname)))
        c = 0
        while s_grids > 0:
            c += 1
            s_grids -= self.add_community(sc, c, town, s_grids)

    def add_community(self, street: str, c: int, town: bool, left: int) -> int:
        """The ``c``-th community (a village in a town) of ``street`` with three to seven
        of the ``left`` grids; returns how many it took."""
        self.communities += 1
        cc = f"{street}-{c:03d}"
        cname = _word(self.rng, _COMMUNITY_WORDS) + ("村" if town else "社区")
        self.nodes.append((0, NodeRow(code=cc, parent=street, level="community", name=cname)))
        take = min(left, self.rng.randint(3, 7))
        for g in range(take):
            kind = self.kinds[len(self.grid_codes)]
            gc = f"{cc}-{g + 1:02d}"
            grid = NodeRow(
                code=gc,
                parent=cc,
                level="grid",
                name=f"{cname}第{g + 1}网格",
                kind=kind,
                households=self.rng.randint(280, 520) if kind != "dedicated" else 0,
            )
            self.nodes.append((0, grid))
            self.grid_codes.append(gc)
        return take


def _workers(rng: random.Random, grid_codes: list[str]) -> list[tuple[int, WorkerRow]]:
    """The city's workers, one grid after another; every 25th a leader, most of the rest
    full-time."""
    return [
        (
            0,
            WorkerRow(
                code=f"TW{i:05d}",
                name=_word(rng, "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", 1)
                + _word(rng, "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"),
                role="leader"
                if i % 25 == 0
                else ("full_time" if rng.random() < 0.8 else "part_time"),
                grid=grid_codes[i % GRIDS],
            ),
        )
        for i in range(WORKERS)
    ]


def _entities(
    rng: random.Random, grid_codes: list[str], outlines: dict[str, BaseGeometry], seed: int
) -> list[tuple[int, EntityRow]]:
    """The registered entities, on random grids, mostly green and blue (the red and
    orange ones are patrol points), each at a random place inside its grid's outline
    (from the positions' own random stream: the rest is as it was without them)."""
    colours = ["red"] * 1 + ["orange"] * 4 + ["yellow"] * 12 + ["blue"] * 33 + ["green"] * 50
    ekinds = ["person", "event", "place", "thing", "org"]
    drawn = []
    for _ in range(ENTITIES):
        colour = colours[rng.randrange(100)]
        drawn.append((colour, ekinds[rng.randrange(5)], rng.randrange(GRIDS)))
    grids = [outlines[code] for code in grid_codes]
    xy = positions(grids, [g for _, _, g in drawn], seed, salt=1).tolist()
    return [
        (
            0,
            EntityRow(
                code=f"TE{i:06d}",
                kind=kind,  # type: ignore[arg-type]
                name=f"登记对象{i}",
                grid=grid_codes[g],
                colour=colour,  # type: ignore[arg-type]
                patrol_point=colour in ("red", "orange"),
                lon=lon,
                lat=lat,
            ),
        )
        for i, ((colour, kind, g), (lon, lat)) in enumerate(zip(drawn, xy, strict=True))
    ]
