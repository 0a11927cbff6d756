"""Key foreign-trade enterprises and their monthly order reports (the "Order + List"), as the
Excel workbooks a commerce bureau collects; one exporter's orders collapse.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

ENTERPRISES_FILE = "外贸重点企业名录.xlsx"
ORDERS_FILE = "外贸订单月报.xlsx"
N_ENTERPRISES = 40
COLLAPSING = "E0007"
COLLAPSE_FROM = "2026-05"
COLLAPSE_SIZE = -0.75  # new orders fall by three quarters
FIXED_TIME = (2026, 11, 1, 0, 0, 0)  # zip entry times, so the same seed gives the same bytes
DISTRICTS = (
    "500112",
    "500106",
    "500107",
    "500113",
    "500116",
    "500120",
    "500151",
    "500118",
    "500117",
    "500110",
    "500101",
    "500102",
    "500105",
    "500108",
    "500109",
)
PRODUCTS = (
    "笔记本电脑;显示器",
    "汽车零部件",
    "摩托车;通用机械",
    "智能手机;可穿戴设备",
    "化工原料",
    "火锅底料;调味品",
    "中药材",
    "铝材;铝加工品",
    "纺织服装",
    "玻璃纤维",
    "新能源汽车",
    "医疗器械",
)
MARKETS = ("欧盟;美国", "东盟;中东", "俄罗斯;中亚", "非洲;拉美", "日本;韩国", "欧盟;东盟;中东")
NAME_WORDS = ("渝新", "嘉陵", "两江", "巴渝", "长江", "山城", "西部", "西永", "缙云", "朝天")


def _months(first: dt.date, last: dt.date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _enterprises(rng: np.random.Generator) -> list[list[Any]]:
    rows = []
    for i in range(N_ENTERPRISES):
        products = PRODUCTS[i % len(PRODUCTS)]
        word = NAME_WORDS[i % len(NAME_WORDS)]
        rows.append(
            [
                f"E{i + 1:04d}",
                f"重庆{word}{products.split(';')[0]}进出口有限公司",
                DISTRICTS[int(rng.integers(len(DISTRICTS)))],
                products,
                MARKETS[int(rng.integers(len(MARKETS)))],
            ]
        )
    return rows


def _orders(months: list[str], rng: np.random.Generator) -> list[list[Any]]:
    """Monthly reports: new orders, exports shipped from the book, and the book in hand (万元)."""
    rows = []
    season = np.array([1.0, 0.7, 1.05, 1.0, 1.0, 1.05, 1.0, 1.1, 1.15, 1.15, 1.05, 0.95])
    for i in range(N_ENTERPRISES):
        eid = f"E{i + 1:04d}"
        base = float(rng.lognormal(np.log(3000), 1.0))
        in_hand = base * 3
        for k, month in enumerate(months):
            new = base * season[int(month[5:]) - 1] * (1.05 ** (k / 12)) * rng.lognormal(0, 0.1)
            if eid == COLLAPSING and month >= COLLAPSE_FROM:
                new *= 1 + COLLAPSE_SIZE
            shipped = in_hand * 0.33 * rng.lognormal(0, 0.05)
            in_hand = in_hand + new - shipped
            rows.append([eid, month, round(in_hand, 1), round(new, 1), round(shipped, 1)])
    return rows


def _as_delivered(rows: list[list[Any]], rng: np.random.Generator) -> list[list[Any]]:
    """Clerks write some months as 2025年3月 and some amounts as text, 12.5万元."""
    for row in rows:
        if rng.random() < 0.2:
            y, m = row[1].split("-")
            row[1] = f"{y}年{int(m)}月"
        for j in (2, 3, 4):
            if rng.random() < 0.03:
                row[j] = f"{row[j]}万元"
    return rows


def _save(path: Path, header: list[str], rows: list[list[Any]], title: str) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    stamp = dt.datetime(*FIXED_TIME)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.save(path)
    _freeze_zip(path)


def _freeze_zip(path: Path) -> None:
    """Rewrite an .xlsx with fixed entry times and document dates (byte-for-byte reproducible)."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    stamp = dt.datetime(*FIXED_TIME).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, data
                )
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)


def write_trade(
    out_dir: Path, *, first: dt.date, last: dt.date, rng: np.random.Generator
) -> tuple[dict[str, int], dict[str, Any]]:
    """Write both workbooks; return their data-row counts and the collapse event."""
    enterprises = _enterprises(rng)
    orders = _as_delivered(_orders(_months(first, last), rng), rng)
    _save(
        out_dir / ENTERPRISES_FILE,
        ["企业编号", "企业名称", "行政区划代码", "主要产品", "主要市场"],
        enterprises,
        "名录",
    )
    _save(
        out_dir / ORDERS_FILE,
        ["企业编号", "月份", "在手订单(万元)", "新增订单(万元)", "出口额(万元)"],
        orders,
        "订单月报",
    )
    event = {
        "kind": "exporter_collapse",
        "place": COLLAPSING,
        "start": f"{COLLAPSE_FROM}-01",
        "end": last.isoformat(),
        "size": COLLAPSE_SIZE,
        "note": "This exporter's new orders fall by three quarters; its book and exports follow.",
    }
    return {ENTERPRISES_FILE: len(enterprises), ORDERS_FILE: len(orders)}, event
