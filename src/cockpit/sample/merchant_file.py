"""Write merchants.csv as a registry office would: Chinese headers, mixed date styles, history."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from cockpit.reference import district_renames
from cockpit.sample.events import MOVE_DAY, RECATEGORISE_DAY, MerchantEvents
from cockpit.sample.merchants import CHANNELS, Merchants
from cockpit.sample.model import CityModel

MERCHANTS_FILE = "merchants.csv"
HEADER = (
    "商户编号",
    "商户名称",
    "行政区划代码",
    "商圈",
    "行业类别",
    "主要渠道",
    "数字标签",
    "开业日期",
    "停业日期",
    "是否限上",
    "生效日期",
)
CHANNEL_ZH = {
    "offline": "线下",
    "online": "网络零售",
    "instant_retail": "即时零售",
    "livestream": "直播电商",
}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
OLD_CODES = {new: old for old, new in district_renames().items() if new in ("500155", "500156")}
BAD_DISTRICT = "510104"  # 成都市锦江区: not in Chongqing


def _date_text(day: dt.date, style: float) -> str:
    """Dates as registries type them: mostly ISO, some 2019年3月1日, some 20190301."""
    if style < 0.7:
        return day.isoformat()
    if style < 0.85:
        return f"{day.year}年{day.month}月{day.day}日"
    return day.strftime("%Y%m%d")


def _row(
    m: Merchants,
    i: int,
    model: CityModel,
    *,
    district: int,
    category: int,
    bd: str,
    valid_from: dt.date,
    style: float,
    old_code: bool,
) -> list[str]:
    code = model.districts[district]
    if old_code and code in OLD_CODES:
        code = OLD_CODES[code]  # old data still carries 梁平县 500228 / 武隆县 500232
    closed = m.closed[i]
    return [
        m.ids[i],
        m.names[i],
        code,
        bd,
        model.categories[category],
        CHANNEL_ZH[CHANNELS[m.channel[i]]],
        m.tags[i],
        _date_text(m.opened[i], style),
        _date_text(closed, style) if closed else "",
        "是" if m.above_size[i] else "否",
        _date_text(valid_from, style),
    ]


def _history_rows(m: Merchants, ev: MerchantEvents, model: CityModel) -> dict[int, list[str]]:
    moved = _row(
        m,
        ev.mover,
        model,
        district=ev.mover_to,
        category=int(m.category[ev.mover]),
        bd="",
        valid_from=MOVE_DAY,
        style=0.0,
        old_code=False,
    )
    recat = _row(
        m,
        ev.recategorised,
        model,
        district=int(m.district[ev.recategorised]),
        category=ev.recategorised_to,
        bd=m.business_district[ev.recategorised],
        valid_from=RECATEGORISE_DAY,
        style=0.0,
        old_code=False,
    )
    return {ev.mover: moved, ev.recategorised: recat}


def write_merchants(
    out_dir: Path, m: Merchants, ev: MerchantEvents, model: CityModel, rng: np.random.Generator
) -> tuple[int, list[dict[str, Any]]]:
    """Write merchants.csv; return its data-row count and its deliberately bad rows."""
    style = rng.random(len(m))
    old_code = rng.random(len(m)) < 0.4
    full_width = set(rng.choice(len(m), size=3, replace=False).tolist())
    bad_at = set(rng.choice(np.arange(10, len(m)), size=2, replace=False).tolist())
    history = _history_rows(m, ev, model)
    rows: list[list[str]] = []
    bad: list[dict[str, Any]] = []
    for i in range(len(m)):
        row = _row(
            m,
            i,
            model,
            district=int(m.district[i]),
            category=int(m.category[i]),
            bd=m.business_district[i],
            valid_from=m.opened[i],
            style=style[i],
            old_code=bool(old_code[i]),
        )
        if i in full_width:
            row[7] = row[7].translate(FULL_WIDTH)  # a clerk typed the date in full-width digits
        rows.append(row)
        if i in history:
            rows.append(history[i])
        if i in bad_at:
            key = f"M9{len(bad) + 1:05d}"
            rows.append(
                [
                    key,
                    f"锦江测试商户{len(bad) + 1}号店",
                    BAD_DISTRICT,
                    "",
                    "RS07",
                    "线下",
                    "",
                    "2020-05-01",
                    "",
                    "否",
                    "2020-05-01",
                ]
            )
            bad.append(
                {
                    "file": MERCHANTS_FILE,
                    "line": len(rows) + 1,
                    "reason": "unknown_district",
                    "key": key,
                    "note": f"district code {BAD_DISTRICT} is in Sichuan, not Chongqing",
                }
            )
    with (out_dir / MERCHANTS_FILE).open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
        f.write("\n\n")  # exports often end with blank lines
    return len(rows), bad
