"""The plans' figures, recounted from the sample's Excel files with no code of the room.

Reads the workbooks with openpyxl and applies the definitions of docs/industry.md by hand:
a designation is in force when granted on or before the day and not expired; a firm is on
a chain when a confirmed link puts it on one of the chain's nodes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from cockpit.industry import measure

DAY = dt.date(2026, 11, 30)


def _rows(path: Path) -> list[dict[str, Any]]:
    book = load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def _valid(code: str) -> bool:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    if len(code) != 18 or any(c not in chars for c in code):
        return False
    # GB 32100-2015: Σ value·3^(i-1) mod 31 over the first 17, plus the check value, is 0 mod 31.
    total = sum(chars.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return (total + chars.index(code[17])) % 31 == 0


def recount(folder: Path) -> dict[str, int]:
    firms: dict[str, dict[str, Any]] = {}
    for name in ("企业库.xlsx", "企业库_2026年变更.xlsx"):
        for r in _rows(folder / name):
            code = str(r["统一社会信用代码"])
            if not _valid(code) or not str(r["所在区县代码"]).startswith("500"):
                continue
            if name == "企业库.xlsx" and code in firms:
                continue  # a repeated row is refused; the first one stands
            firms[code] = r
    held: dict[str, set[str]] = defaultdict(set)
    for r in _rows(folder / "企业资质认定名单.xlsx"):
        granted = dt.date.fromisoformat(r["认定日期"])
        expires = dt.date.fromisoformat(r["有效期至"]) if r["有效期至"] else None
        if granted <= DAY and (expires is None or expires >= DAY):
            held[r["认定类型"]].add(r["统一社会信用代码"])
    on: dict[str, set[str]] = defaultdict(set)
    for r in _rows(folder / "产业链关联企业.xlsx"):
        if r["关联状态"] == "已确认" and r["环节代码"] != "holograms":
            on[r["产业链"]].add(r["统一社会信用代码"])
    carriers = _rows(folder / "产业载体名单.xlsx")
    ai = held["人工智能企业"] & set(firms)
    worth = {c for c, r in firms.items() if (r["市值(亿元)"] or 0) >= 10}
    revenue = sum(round(firms[c]["营业收入(万元)"] * 1_000_000) for c in on["metaverse"])
    return {
        "head_firms": len((held["链主企业"] | held["行业头部企业"]) & on["metaverse"]),
        "specialised_firms": len(
            (held["专精特新小巨人"] | held["专精特新中小企业"] | held["专精特新"]) & on["metaverse"]
        ),
        "ai_firms": len(ai),
        "leading_ai_firms": len(ai & worth),
        "ai_related_firms": len((ai | held["人工智能相关企业"] | on["ai"]) & set(firms)),
        "platforms": sum(
            1 for r in carriers if r["载体类型"] == "创新平台" and r["级别"] in ("市级", "国家级")
        ),
        "parks": sum(
            1 for r in carriers if r["载体类型"] == "产业园区" and r["所属产业链"] == "元宇宙产业链"
        ),
        "clusters": sum(1 for r in carriers if r["载体类型"] == "产业集聚区"),
        "industry_scale_fen": revenue,
    }


CHAIN = {
    "head_firms": "metaverse",
    "specialised_firms": "metaverse",
    "platforms": "metaverse",
    "parks": "metaverse",
    "clusters": "ai",
    "industry_scale": "metaverse",
}


@pytest.mark.parametrize(
    "name",
    [
        "head_firms",
        "specialised_firms",
        "ai_firms",
        "leading_ai_firms",
        "ai_related_firms",
        "platforms",
        "parks",
        "clusters",
        "industry_scale",
    ],
)
def test_each_measure_equals_the_recount_and_the_ground_truth(
    name: str, loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    out, truth = city
    key = "industry_scale_fen" if name == "industry_scale" else name
    expected = recount(out / "industry")[key]
    figure = measure(name, chain=CHAIN.get(name), on=DAY, engine=loaded)
    assert figure.value == expected == truth["expected"][key]


def test_the_sample_meets_some_targets_and_falls_short_of_others(
    city: tuple[Path, dict[str, Any]],
) -> None:
    _, truth = city
    got = truth["expected"]
    targets = {  # seeds 001 and 004
        "head_firms": 10,
        "specialised_firms": 20,
        "platforms": 3,
        "parks": 2,
        "ai_firms": 100,
        "leading_ai_firms": 10,
        "ai_related_firms": 1000,
        "clusters": 3,
        "industry_scale_fen": 100e9 * 100,
    }
    met = {k for k, v in targets.items() if got[k] >= v}
    assert met == {"head_firms", "platforms", "parks", "ai_firms", "clusters"}


def test_a_designation_counts_only_while_in_force(loaded: Engine) -> None:
    before = measure("head_firms", chain="metaverse", on=dt.date(2025, 6, 1), engine=loaded)
    after = measure("head_firms", chain="metaverse", on=DAY, engine=loaded)
    assert before.value == after.value + 1  # one head firm's designation ran out in 2025
    assert (
        measure("head_firms", chain="metaverse", on=dt.date(2024, 1, 1), engine=loaded).value == 0
    )


def test_industry_scale_is_the_revenue_year_of_the_firms(loaded: Engine) -> None:
    assert measure("industry_scale", chain="metaverse", on=DAY, engine=loaded).year == 2025
