"""Writes the demo city's CSV files in fixtures/ (run once; the output is committed).

望湖区 of the fictional 龙城市: 5 streets/towns, 15 communities/villages, 60 grids of
every kind, one worker per grid plus community grid leaders, 14 departments, a service
catalogue and registered entities with risk colours.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures"
rng = random.Random(20261124)

STREETS = [
    ("HB", "湖滨街道", "Hubin Subdistrict", "urban", ["柳岸社区", "望湖社区", "渔港社区"]),
    ("LX", "柳巷街道", "Liuxiang Subdistrict", "urban", ["钟楼社区", "桥头社区", "文庙社区"]),
    ("XC", "新城街道", "Xincheng Subdistrict", "urban", ["科创社区", "滨河社区", "锦绣社区"]),
    ("JY", "晋阳街道", "Jinyang Subdistrict", "urban", ["古城社区", "南关社区", "北营社区"]),
    ("DS", "东山镇", "Dongshan Town", "rural", ["东山村", "杏花村", "石桥村"]),
]
COMMUNITY_EN = {
    "柳岸社区": "Liu'an", "望湖社区": "Wanghu", "渔港社区": "Yugang", "钟楼社区": "Zhonglou",
    "桥头社区": "Qiaotou", "文庙社区": "Wenmiao", "科创社区": "Kechuang", "滨河社区": "Binhe",
    "锦绣社区": "Jinxiu", "古城社区": "Gucheng", "南关社区": "Nanguan", "北营社区": "Beiying",
    "东山村": "Dongshan Village", "杏花村": "Xinghua Village", "石桥村": "Shiqiao Village",
}
DEDICATED = [
    ("望湖实验小学", "Wanghu Experimental School"),
    ("龙城第二人民医院", "Longcheng No.2 Hospital"),
    ("新城科技产业园", "Xincheng Tech Park"),
    ("滨河花园二期工地", "Binhe Garden Ph.2 Site"),
    ("南关农贸市场", "Nanguan Farmers' Market"),
    ("古城文旅街区", "Old Town Heritage Quarter"),
    ("东山物流园", "Dongshan Logistics Park"),
    ("湖滨中学", "Hubin Middle School"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文华玉兰红梅志强海燕晓东春梅国庆丽娟卫东小红建国淑珍振华雪梅"


def name() -> str:
    g = GIVEN[rng.randrange(len(GIVEN))]
    if rng.random() < 0.6:
        g += GIVEN[rng.randrange(len(GIVEN))]
    return SURNAMES[rng.randrange(len(SURNAMES))] + g


def main() -> None:
    nodes = [("LC", "", "city", "龙城市", "Longcheng City", "", ""),
             ("LC-WH", "LC", "district", "望湖区", "Wanghu District", "", "")]
    grids: list[str] = []
    communities: list[str] = []
    dedicated = iter(DEDICATED)
    for s_code, s_name, s_en, kind, comms in STREETS:
        sc = f"WH-{s_code}"
        nodes.append((sc, "LC-WH", "street", s_name, s_en, "", ""))
        for ci, c_name in enumerate(comms, 1):
            cc = f"{sc}-{ci:02d}"
            communities.append(cc)
            nodes.append((cc, sc, "community", c_name, COMMUNITY_EN[c_name], "", ""))
            for gi in range(1, 5):
                gc = f"{cc}-{gi:02d}"
                gkind = kind
                gname = f"{c_name}第{gi}网格"
                gen = f"{COMMUNITY_EN[c_name]} Grid {gi}"
                if gi == 4 and ci != 2:
                    d = next(dedicated, None)
                    if d is not None:
                        gkind, gname, gen = "dedicated", f"{d[0]}专属网格", f"{d[1]} (dedicated)"
                if gi == 3 and kind == "urban" and ci == 3:
                    gkind, gname = "comprehensive", f"{c_name}综合网格"
                    gen = f"{COMMUNITY_EN[c_name]} Comprehensive Grid"
                hh = rng.randint(280, 520) if gkind != "dedicated" else rng.randint(0, 40)
                nodes.append((gc, cc, "grid", gname, gen, gkind, str(hh)))
                grids.append(gc)
    with open(OUT / "nodes.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "parent", "level", "name", "name_en", "kind", "households"])
        w.writerows(nodes)

    roles = []
    for i, g in enumerate(grids, 1):
        roles.append((f"W{i:04d}", name(), "full_time" if rng.random() < 0.8 else "part_time", g))
    for j, c in enumerate(communities, 1):
        roles.append((f"L{j:04d}", name(), "leader", f"{c}-01"))
    with open(OUT / "workers.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "role", "grid", "phone"])
        for code, nm, role, g in roles:
            w.writerow([code, nm, role, g, f"139{rng.randrange(10**8):08d}"])

    ents = []
    kinds = [
        ("person", ["独居老人{n}", "社区矫正对象{n}", "重点信访人{n}", "精神障碍患者{n}", "留守儿童{n}"]),
        ("event", ["邻里噪音纠纷{n}", "物业费纠纷{n}", "拖欠农民工工资{n}", "土地承包纠纷{n}"]),
        ("place", ["{g}老旧小区{n}号楼", "电动车集中充电点{n}", "沿街商铺{n}", "地下车库{n}"]),
        ("thing", ["燃气调压箱{n}", "老旧电梯{n}", "危险化学品仓库{n}", "临街广告牌{n}"]),
        ("org", ["出租屋{n}", "小餐饮店{n}", "民办幼儿园{n}", "物业公司{n}"]),
    ]
    colours = ["red"] * 3 + ["orange"] * 7 + ["yellow"] * 15 + ["blue"] * 30 + ["green"] * 45
    n = 0
    for g in grids:
        for _ in range(rng.randint(2, 5)):
            n += 1
            kind, names = kinds[rng.randrange(len(kinds))]
            nm = names[rng.randrange(len(names))].format(n=n, g="")
            colour = colours[rng.randrange(len(colours))]
            patrol = colour in ("red", "orange") or (colour == "yellow" and rng.random() < 0.3)
            reason = {"red": "近期发生信访/事故", "orange": "存在较大隐患", "yellow": "需持续关注"}.get(colour, "")
            ents.append((f"E{n:05d}", kind, nm, g, colour, "1" if patrol else "0", reason))
    with open(OUT / "entities.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "kind", "name", "grid", "colour", "patrol_point", "reason"])
        w.writerows(ents)


if __name__ == "__main__":
    main()
