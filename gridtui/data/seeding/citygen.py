"""A Taiyuan-scale city, generated: 10 districts, ~100 streets, ~1,900 communities,
9,375 grids (5,282 urban, 1,660 rural, 2,433 dedicated), 9,788 workers and
105,000 registered entities — the published 2021 figures (DOMAIN.md).

Departments and the category catalogue come from the fixtures folder, so a city
database carries the same catalogue as the demo one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from gridtui.data.intake.fixtures import (
    CityFixtures,
    EntityRow,
    NodeRow,
    WorkerRow,
)

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
    nodes: list[tuple[int, NodeRow]] = [
        (0, NodeRow(code="TY", level="city", name="太原市", name_en="Taiyuan"))
    ]
    kinds = ["urban"] * URBAN + ["rural"] * RURAL + ["dedicated"] * DEDICATED
    rng.shuffle(kinds)
    # Rural grids cluster in the counties: sort so the last districts get them.
    kinds.sort(key=lambda k: {"urban": 0, "dedicated": 1, "rural": 2}[k])
    grid_codes: list[str] = []
    streets = communities = 0
    per_district = GRIDS // len(DISTRICTS)
    gi = 0
    for d_index, (dcode, dname, den) in enumerate(DISTRICTS):
        d = f"TY-{dcode}"
        nodes.append((0, NodeRow(code=d, parent="TY", level="district", name=dname, name_en=den)))
        n_grids = per_district if d_index < len(DISTRICTS) - 1 else GRIDS - gi
        n_streets = 10
        for s in range(n_streets):
            streets += 1
            sc = f"{d}-{s + 1:02d}"
            town = kinds[min(gi, GRIDS - 1)] == "rural"
            sname = _word(rng, _STREET_WORDS) + ("镇" if town else "街道")
            nodes.append((0, NodeRow(code=sc, parent=d, level="street", name=sname)))
            s_grids = n_grids // n_streets + (1 if s < n_grids % n_streets else 0)
            c = 0
            while s_grids > 0:
                c += 1
                communities += 1
                cc = f"{sc}-{c:03d}"
                cname = _word(rng, _COMMUNITY_WORDS) + ("村" if town else "社区")
                nodes.append((0, NodeRow(code=cc, parent=sc, level="community", name=cname)))
                take = min(s_grids, rng.randint(3, 7))
                for g in range(take):
                    kind = kinds[gi]
                    gc = f"{cc}-{g + 1:02d}"
                    nodes.append(
                        (
                            0,
                            NodeRow(
                                code=gc,
                                parent=cc,
                                level="grid",
                                name=f"{cname}第{g + 1}网格",
                                kind=kind,
                                households=rng.randint(280, 520) if kind != "dedicated" else 0,
                            ),
                        )
                    )
                    grid_codes.append(gc)
                    gi += 1
                s_grids -= take
    workers = [
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
    colours = ["red"] * 1 + ["orange"] * 4 + ["yellow"] * 12 + ["blue"] * 33 + ["green"] * 50
    ekinds = ["person", "event", "place", "thing", "org"]
    entities = []
    for i in range(ENTITIES):
        colour = colours[rng.randrange(100)]
        entities.append(
            (
                0,
                EntityRow(
                    code=f"TE{i:06d}",
                    kind=ekinds[rng.randrange(5)],  # type: ignore[arg-type]
                    name=f"登记对象{i}",
                    grid=grid_codes[rng.randrange(GRIDS)],
                    colour=colour,  # type: ignore[arg-type]
                    patrol_point=colour in ("red", "orange"),
                ),
            )
        )
    shape = CityShape(len(DISTRICTS), streets, communities, len(grid_codes), WORKERS, ENTITIES)
    city = CityFixtures(
        nodes=nodes,
        departments=base.departments,
        categories=base.categories,
        workers=workers,
        entities=entities,
        rules=base.rules,
    )
    return city, shape
