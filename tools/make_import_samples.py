# ruff: noqa: E501  (the sample rows read best one to a line)
"""Writes the import samples of other formats in fixtures/samples/ (the output is
committed; run again to rebuild them: ``.venv/bin/python tools/make_import_samples.py``).

- ``city12345-workbook.xlsx``: the 龙城市 12345 hotline platform's work-order export,
  as its "导出Excel" button makes it: a notes sheet first, then sheet ``工单`` with a
  title row, an export-time row and the header on row 3; real Excel dates (来电时间,
  办理时限, 办结时间), and work-order and phone numbers stored as numbers the way
  Java's Apache POI (behind many such platforms) writes them: ``1.3800138E10``.
  Read through ``fixtures/maps/city12345.toml``.
- ``city12345-workbook.xls``: the same workbook saved as Excel 97-2003 by LibreOffice
  (made only where ``soffice`` is installed; the committed file stays otherwise).
- ``city12345-mixed.xlsx``: the same layout with good and bad rows mixed: times as
  dates, as text and as bare serial numbers, a blank work-order number, a time in
  words, an unknown status, a closing before the call, a blank row, a number stored as
  text, and an order repeated further down.
- ``street-office-gb18030.csv``: 湖滨街道's own ledger saved by Excel on a Chinese
  Windows ("CSV (逗号分隔)": GB18030, CRLF), with characters GBK lacks (𠮷, 䶮).
  Read through ``fixtures/maps/street-office.toml``.
- ``portal311-sample.tsv``: a public 311 portal's tab-separated export (columns as in
  San Francisco's "311 Cases"; the rows are made up). ``fixtures/maps/portal311.toml``.
"""

from __future__ import annotations

import csv
import random
import re
import shutil
import subprocess
import tempfile
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.datetime import to_excel

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
rng = random.Random(16)
STAMP = datetime(2026, 11, 24, 9, 0)  # the export's time, in the document properties too
HEADER = [
    "序号", "工单编号", "来电时间", "来电号码", "诉求类型", "问题分类", "诉求内容",
    "事发地址", "所属街道", "所属社区", "承办单位", "办理状态", "办理时限", "办结时间",
]  # fmt: skip
DATE = "yyyy-mm-dd hh:mm:ss"
#: category, what the caller said, address, street, community, department
CASES = [
    ("城市管理/占道经营", "湖光路102号路口早晚有商贩占道卖水果，行人只能走机动车道。",
     "湖光路102号", "湖滨街道", "望湖社区", "区城市管理综合执法局"),
    ("环境保护/噪音扰民", "楼下烧烤店营业到凌晨两点，排风扇噪音很大，老人睡不着。",
     "钟楼街18号", "柳巷街道", "钟楼社区", "区生态环境分局"),
    ("市政设施/路灯不亮", "滨河路东段三盏路灯一周没亮，夜里骑车看不清路面。",
     "滨河路东段", "新城街道", "滨河社区", "区城市管理综合执法局"),
    ("供水/停水漏水", "文庙前街15号昨晚起停水，没有看到停水通知，家里有老人。",
     "文庙前街15号", "柳巷街道", "文庙社区", "区供水公司"),
    ("安全隐患/电动车违规充电", "锦绣花园6号楼楼道里有人拉线给电动车充电，担心起火。",
     "锦绣花园6号楼", "新城街道", "锦绣社区", "区应急管理局"),
    ("矛盾纠纷/物业纠纷", "小区物业擅自提高停车费，业主多次沟通无果，请协调。",
     "南关小区", "晋阳街道", "南关社区", "区住房和城乡建设局"),
    ("供暖/供暖不热", "古城路9号3单元暖气不热，室温只有14度。",
     "古城路9号", "晋阳街道", "古城社区", "区热力公司"),
    ("市容环境/环境卫生", "渔港码头边垃圾桶满了两天没人清运，味道很大。",
     "渔港码头", "湖滨街道", "渔港社区", "区城市管理综合执法局"),
    ("劳动保障/拖欠工资", "桥头街9号装修公司拖欠三名工人两个月工资。",
     "桥头街9号", "柳巷街道", "桥头社区", "区司法局（司法所）"),
    ("安全隐患/燃气安全", "杏花村12号院子里闻到明显燃气味，请尽快来人查看。",
     "杏花村12号", "东山镇", "杏花村", "区燃气公司"),
    ("市场监管/食品安全", "南关农贸市场一摊位卖的熟食没有防蝇措施。",
     "南关农贸市场", "晋阳街道", "南关社区", "区市场监督管理局"),
    ("民政服务/独居老人探访", "柳岸小区独居老人王大爷几天没出门，邻居担心，请社区看看。",
     "柳岸小区2号楼", "湖滨街道", "柳岸社区", "区民政局"),
]  # fmt: skip
#: status in the platform, and whether the order has a closing time
STATUSES = [("待派单", False), ("已派单", False), ("办理中", False), ("办理中", False),
            ("已办结", True), ("已回访", True), ("已归档", True), ("已撤销", True)]  # fmt: skip
WORKBOOK_ORDERS = 24


def _phone(i: int) -> float | None:
    if i % 6 == 5:
        return None  # the caller withheld the number
    return float(
        int(rng.choice(["138", "139", "158", "177", "186"]) + f"{rng.randrange(10**8):08d}")
    )


def _order(i: int, day: int, seq: int, start: datetime) -> list[Any]:
    category, said, address, street, community, department = CASES[i % len(CASES)]
    status, closed = STATUSES[i % len(STATUSES)]
    called = start + timedelta(minutes=rng.randrange(20, 140))
    closing = called + timedelta(hours=rng.randrange(2, 20)) if closed else None
    kind = rng.choice(["投诉", "求助", "咨询", "建议"])
    number = int(f"202611{day:02d}{seq:05d}")
    due = called + timedelta(days=3 if kind != "咨询" else 1)
    return [i + 1, number, called, _phone(i), kind, category, said, address, street,
            community, department, status, due, closing]  # fmt: skip


def workbook_orders() -> list[list[Any]]:
    orders, at = [], datetime(2026, 11, 22, 7, 30)
    for i in range(WORKBOOK_ORDERS):
        order = _order(i, 22 + i // 10, 101 + i, at)
        at = order[2]
        orders.append(order)
    return orders


def _sheet(book: Workbook, rows: list[list[Any]], title: str) -> None:
    """The ``工单`` sheet: title, export time, header on row 3, then ``rows``."""
    notes = book.active
    assert notes is not None
    notes.title = "导出说明"
    notes.append(["本表由12345政务服务便民热线平台导出，工单明细见“工单”工作表。"])
    notes.append(["来电号码为来电人预留号码，仅供回访使用，请妥善保管。"])
    ws = book.create_sheet("工单")
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=14), Alignment(horizontal="center")
    ws.append([f"导出时间：{STAMP:%Y-%m-%d %H:%M}　共 {len(rows)} 条"])
    ws.append(HEADER)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = DATE
            elif cell.column == 2 and isinstance(cell.value, int):
                cell.number_format = "0"  # shown whole, stored as a number
    for col, width in zip("ABCDEFGHIJKLMN", (6, 16, 20, 14, 8, 22, 48, 18, 10, 10, 22, 10, 20, 20),
                          strict=True):  # fmt: skip
        ws.column_dimensions[col].width = width


def java_double(digits: str) -> str:
    """A whole number as Java's ``Double.toString`` writes it: ``1.3800138E10``."""
    if len(digits) < 8:
        return f"{digits}.0"
    return f"{digits[0]}.{digits[1:].rstrip('0') or '0'}E{len(digits) - 1}"


def _save(book: Workbook, path: Path) -> None:
    """Save, then write the numbers of columns B and D (work order, phone) as POI
    does; the zip's entries are stamped with :data:`STAMP` (a rebuild is the same)."""
    book.properties.creator = "12345热线平台"
    book.properties.created = book.properties.modified = STAMP
    book.save(path)
    number = re.compile(r'(<c r="[BD]\d+"[^>]*t="n"[^>]*><v>)(\d+)(</v>)')
    with zipfile.ZipFile(path) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    core, stamp = "docProps/core.xml", f"{STAMP:%Y-%m-%dT%H:%M:%SZ}"
    parts[core] = re.sub(
        r"(<dcterms:modified[^>]*>)[^<]*", rf"\g<1>{stamp}", parts[core].decode()
    ).encode()
    sheet = "xl/worksheets/sheet2.xml"
    parts[sheet] = number.sub(
        lambda m: m[1] + java_double(m[2]) + m[3], parts[sheet].decode()
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(zipfile.ZipInfo(name, STAMP.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)
    print(f"wrote {path.relative_to(OUT.parent.parent)}")


def write_workbook() -> Path:
    book = Workbook()
    _sheet(book, workbook_orders(), "龙城市12345政务服务便民热线工单明细")
    path = OUT / "city12345-workbook.xlsx"
    _save(book, path)
    return path


def mixed_rows() -> list[list[Any]]:
    """Good and bad rows (see the module docstring); their sheet rows start at 4."""
    base = datetime(2026, 11, 23, 8, 0)
    rows = [_order(i, 23, 201 + i, base + timedelta(hours=i)) for i in range(11)]
    rows[1][2] = f"{rows[1][2]:%Y-%m-%d %H:%M:%S}"  # row 5: a time typed as text: kept
    rows[2][2] = to_excel(rows[2][2])  # row 6: a date cell that lost its format: kept
    rows[3][1] = None  # row 7: no work-order number
    rows[4] = [None] * len(HEADER)  # row 8: blank, skipped
    rows[5][2] = "昨天下午三点"  # row 9: a time in words
    rows[6][11] = "挂起"  # row 10: a status the map does not know
    rows[7][11], rows[7][13] = "已办结", rows[7][2] - timedelta(hours=3)  # row 11: closed before
    rows[8][1] = str(rows[8][1])  # row 12: the number stored as text: kept
    rows[9][1], rows[9][11] = rows[0][1], "已办结"  # row 13: row 4's order again, now done
    rows[9][13] = rows[9][2] + timedelta(hours=1)
    rows[10][12] = "三个工作日"  # row 14: a deadline in words
    for i, row in enumerate(rows):
        if row[0] is not None:
            row[0] = i + 1
    return rows


def write_mixed() -> Path:
    book = Workbook()
    _sheet(book, mixed_rows(), "龙城市12345政务服务便民热线工单明细（补录）")
    path = OUT / "city12345-mixed.xlsx"
    _save(book, path)
    return path


def write_xls(xlsx: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("no soffice: city12345-workbook.xls left as it is")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
             "--convert-to", "xls", "--outdir", tmp, str(xlsx)],
            check=True, capture_output=True,
        )  # fmt: skip
        shutil.copyfile(Path(tmp) / f"{xlsx.stem}.xls", OUT / f"{xlsx.stem}.xls")
    print(f"wrote fixtures/samples/{xlsx.stem}.xls")


#: the street office's ledger: number, day and time, channel, kind, what, where, grid,
#: state, closed (hours after)
LEDGER = [
    ("来电", "噪音扰民", "𠮷祥里3号楼装修周末早上七点就开始电钻。", "𠮷祥里3号", "WH-HB-01-02", "已办结", 6),
    ("网格员上报", "占道经营", "湖光路与柳岸路口流动摊贩四处，已劝离两次。", "湖光路与柳岸路口", "WH-HB-02-03", "处理中", None),
    ("来访", "邻里纠纷", "䶮女士反映楼上漏水到自家卫生间，协商不成。", "柳岸小区5号楼", "WH-HB-01-01", "已回访", 30),
    ("微信群", "环境卫生", "渔港码头公厕无人打扫，居民在群里反映。", "渔港码头公厕", "WH-HB-03-01", "已办结", 4),
    ("网格员上报", "电动车违规充电", "望湖小区地下室有电动车飞线充电。", "望湖小区地下室", "WH-HB-02-01", "已登记", None),
    ("来电", "路灯不亮", "湖滨路西段路灯闪烁，夜间影响通行。", "湖滨路西段", "WH-HB-02-02", "处理中", None),
    ("上级交办", "消防安全", "渔港社区老旧楼消防通道被杂物堵塞。", "渔港新村", "WH-HB-03-02", "处理中", None),
    ("部门转来", "独居老人探访", "民政局转来：柳岸小区独居老人需定期探访。", "柳岸小区2号楼", "WH-HB-01-03", "已回访", 48),
    ("来访", "物业纠纷", "望湖花园业主反映电梯维修基金使用不公开。", "望湖花园", "WH-HB-02-04", "已登记", None),
    ("网格员上报", "环境卫生", "柳岸路绿化带内建筑垃圾乱堆。", "柳岸路绿化带", "WH-HB-01-02", "已办结", 20),
    ("来电", "噪音扰民", "渔港夜市音响声音过大，影响周边居民休息。", "渔港夜市", "WH-HB-03-03", "处理中", None),
    ("微信群", "占道经营", "望湖实验小学门口放学时段摊贩聚集。", "望湖实验小学门口", "WH-HB-01-04", "已办结", 3),
    ("来电", "路灯不亮", "渔港路与湖光路交叉口信号灯旁路灯不亮。", "渔港路与湖光路口", "WH-HB-03-01", "已登记", None),
    ("网格员上报", "消防安全", "湖滨商业街一餐馆液化气罐存放在后门通道。", "湖滨商业街", "WH-HB-02-02", "已回访", 26),
    ("来访", "邻里纠纷", "两户居民因公共楼道堆放物品发生争执。", "望湖小区7号楼", "WH-HB-02-01", "处理中", None),
    ("来电", "环境卫生", "柳岸社区垃圾分类投放点周边有散落垃圾。", "柳岸社区投放点", "WH-HB-01-01", "已办结", 5),
]  # fmt: skip


def write_ledger() -> None:
    path = OUT / "street-office-gb18030.csv"
    at = datetime(2026, 11, 22, 8, 5)
    with path.open("w", encoding="gb18030", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow(["登记编号", "登记时间", "反映渠道", "问题类别", "问题描述", "发生地点",
                      "所属网格", "处理状态", "办结时间"])  # fmt: skip
        for n, (channel, kind, what, where, grid, state, hours) in enumerate(LEDGER, 1):
            at += timedelta(minutes=rng.randrange(40, 200))
            closed = f"{at + timedelta(hours=hours):%Y/%m/%d %-H:%M}" if hours else ""
            out.writerow([f"HB-{at:%Y%m%d}-{n:03d}", f"{at:%Y/%m/%d %-H:%M}", channel, kind,
                          what, where, grid, state, closed])  # fmt: skip
    print(f"wrote {path.relative_to(OUT.parent.parent)}")


PORTAL_HEADER = [
    "service_request_id", "requested_datetime", "closed_date", "updated_datetime",
    "status_description", "status_notes", "agency_responsible", "service_name",
    "service_subtype", "service_details", "address", "lat", "long", "source",
]  # fmt: skip
#: service, subtype, details, agency, source, street, lat, long
PORTAL = [
    ("Street and Sidewalk Cleaning", "Bulky Items", "Mattress, two chairs", "Recology", "Mobile/Open311", "MISSION ST", 37.7599, -122.4148),
    ("Graffiti", "Graffiti on Building", 'Tag on wall, 2nd floor "KRS"', "DPW BSM Queue", "Web", "VALENCIA ST", 37.7621, -122.4215),
    ("Encampments", "Encampment Reports", "Tents on sidewalk", "HSOC Queue", "Phone", "OFARRELL ST", 37.7853, -122.4137),
    ("Streetlights", "Streetlight - Light_Out", "Light out, pole #1234", "PUC Streetlights", "Phone", "GEARY BLVD", 37.7808, -122.4640),
    ("Parking Enforcement", "Blocked Driveway", "Car blocking driveway", "Parking Enforcement Dispatch", "Mobile/Open311", "24TH ST", 37.7522, -122.4187),
    ("Noise Report", "Noise - Other", "Construction after hours", "DBI Queue", "Web", "FOLSOM ST", 37.7727, -122.4106),
    ("Sewer Issues", "Sewage back up", "Manhole overflowing", "PUC Sewer Ops", "Phone", "IRVING ST", 37.7640, -122.4670),
    ("Tree Maintenance", "Limb down", "Branch blocking sidewalk", "DPW Urban Forestry", "Integrated Agency", "DOLORES ST", 37.7586, -122.4260),
]  # fmt: skip


def write_portal() -> None:
    path = OUT / "portal311-sample.tsv"
    at = datetime(2026, 11, 20, 7, 12)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE,
                         escapechar=None, quotechar=None)  # fmt: skip
        out.writerow(PORTAL_HEADER)
        for n in range(20):
            service, sub, details, agency, source, street, lat, lon = PORTAL[n % len(PORTAL)]
            at += timedelta(minutes=rng.randrange(15, 240))
            closed = at + timedelta(hours=rng.randrange(1, 60)) if n % 3 != 2 else None
            out.writerow([
                str(17_650_101 + n), f"{at:%Y-%m-%dT%H:%M:%S}.000",
                f"{closed:%Y-%m-%dT%H:%M:%S}.000" if closed else "",
                f"{(closed or at):%Y-%m-%dT%H:%M:%S}.000", "Closed" if closed else "Open",
                "Case Resolved" if closed else "", agency, service, sub, details,
                f"{100 + 7 * n} {street}, SAN FRANCISCO, CA", f"{lat + n / 10000:.6f}",
                f"{lon - n / 10000:.6f}", source,
            ])  # fmt: skip
    print(f"wrote {path.relative_to(OUT.parent.parent)}")


def main() -> None:
    write_xls(write_workbook())
    write_mixed()
    write_ledger()
    write_portal()


if __name__ == "__main__":
    main()
