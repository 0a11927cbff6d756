"""The sample city's merchants: every district × category, sizes, channels, tags, and history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cockpit import reference
from cockpit.sample.model import CityModel
from cockpit.sample.params import CATEGORY_TRAITS, JIEFANGBEI, JIEFANGBEI_SHARE_OF_YUZHONG

CHANNELS = ("offline", "online", "instant_retail", "livestream")
YUZHONG = "500103"

# Shop-name words by category (names are invented; any likeness to a real shop is chance).
NAME_WORDS = {
    "RS01": ("生鲜超市", "粮油店", "食品商行", "特产店"),
    "RS02": ("饮品店", "茶饮", "酒水饮料"),
    "RS03": ("烟酒行", "名酒坊", "烟酒超市"),
    "RS04": ("服饰", "鞋城", "针织坊", "女装店"),
    "RS05": ("美妆", "化妆品店", "香氛馆"),
    "RS06": ("珠宝", "金店", "银楼"),
    "RS07": ("日用百货", "便利店", "生活馆"),
    "RS08": ("体育用品", "运动城", "玩具店"),
    "RS09": ("电器", "家电城", "数码影音"),
    "RS10": ("大药房", "药店", "医药超市"),
    "RS11": ("文具", "办公用品", "电脑城"),
    "RS12": ("家具城", "家居馆", "木业"),
    "RS13": ("手机城", "通讯", "数码店"),
    "RS14": ("加油站", "能源站", "油品站"),
    "RS15": ("汽车销售服务", "新能源汽车", "4S店"),
    "RS16": ("建材", "装饰材料", "五金建材"),
    "RS17": ("书店", "书城", "报刊亭"),
    "RS18": ("杂货铺", "综合商店", "精品店"),
    "CT01": ("火锅", "小面", "串串香", "江湖菜", "烧烤", "茶餐厅"),
}
# Digital tags a merchant of a category may carry, with the chance of each.
TAG_CHANCES = {
    "RS13": (("smart_device", 0.9),),
    "RS09": (("smart_device", 0.5),),
    "RS15": (("new_energy_vehicle", 0.45),),
    "RS10": (("online_health", 0.2),),
    "RS11": (("online_education", 0.15), ("smart_device", 0.3)),
    "RS08": (("game", 0.2), ("vr_ar", 0.08)),
    "RS17": (("streaming", 0.15),),
    "RS18": (("metaverse", 0.06), ("game", 0.1)),
    "RS07": (("smart_housekeeping", 0.05),),
}


@dataclass
class Merchants:
    """Merchants as arrays (index = position); history changes are listed separately."""

    ids: list[str]
    names: list[str]
    district: NDArray[np.int64]  # index into model.districts (first version)
    category: NDArray[np.int64]  # index into model.categories (first version)
    business_district: list[str]
    channel: NDArray[np.int64]  # index into CHANNELS
    tags: list[str]
    opened: list[dt.date]
    closed: list[dt.date | None]
    above_size: NDArray[np.bool_]
    weight: NDArray[np.float64]  # share of its district × category cell's trade

    def __len__(self) -> int:
        return len(self.ids)


def _cells(model: CityModel, n: int, rng: np.random.Generator) -> tuple[NDArray[np.int64], ...]:
    """District and category of each merchant: one per cell, the rest where trade is."""
    n_d, n_c = len(model.districts), len(model.categories)
    if n < n_d * n_c:
        raise ValueError(f"need at least {n_d * n_c} merchants to cover every cell")
    trade = model.yuan.sum(axis=0).ravel() ** 0.7
    extra = rng.choice(n_d * n_c, size=n - n_d * n_c, p=trade / trade.sum())
    cell = np.sort(np.concatenate([np.arange(n_d * n_c), extra]))
    return cell // n_c, cell % n_c


def _business_districts(
    district: NDArray[np.int64], model: CityModel, rng: np.random.Generator
) -> list[str]:
    by_district: dict[str, list[str]] = {}
    for bd in reference.business_districts():
        by_district.setdefault(bd.district_code, []).append(bd.code)
    u, pick = rng.random(len(district)), rng.random(len(district))
    out = []
    for d, ui, pi in zip(district, u, pick, strict=True):
        codes = by_district.get(model.districts[d], [])
        if not codes or ui < 0.35:
            out.append("")
        elif JIEFANGBEI in codes and pi < 0.7:
            out.append(JIEFANGBEI)
        else:
            out.append(codes[int(pi * len(codes))])
    return out


def _weights(
    district: NDArray[np.int64],
    category: NDArray[np.int64],
    bds: list[str],
    model: CityModel,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Each merchant's share of its cell; 解放碑 holds its share of each Yuzhong cell."""
    w = rng.lognormal(0.0, 1.0, size=len(district))
    cell = district * len(model.categories) + category
    yuzhong = model.districts.index(YUZHONG)
    in_jfb = np.array([b == JIEFANGBEI for b in bds])
    for c in np.unique(cell):
        members = cell == c
        if (
            c // len(model.categories) == yuzhong
            and in_jfb[members].any()
            and (~in_jfb[members]).any()
        ):
            inside, outside = members & in_jfb, members & ~in_jfb
            w[inside] *= JIEFANGBEI_SHARE_OF_YUZHONG / w[inside].sum()
            w[outside] *= (1 - JIEFANGBEI_SHARE_OF_YUZHONG) / w[outside].sum()
        else:
            w[members] /= w[members].sum()
    return w


def _channels(
    category: NDArray[np.int64], model: CityModel, rng: np.random.Generator
) -> NDArray[np.int64]:
    online = np.array([CATEGORY_TRAITS[c].online for c in model.categories])[category]
    u = rng.random(len(category))
    ch = np.zeros(len(category), dtype=np.int64)
    main_online = u < online * 0.5
    kind = rng.random(len(category))
    ch[main_online] = np.where(kind[main_online] < 0.6, 1, np.where(kind[main_online] < 0.85, 2, 3))
    return ch


def _tags(
    category: NDArray[np.int64],
    channel: NDArray[np.int64],
    model: CityModel,
    rng: np.random.Generator,
) -> list[str]:
    out = []
    draws = rng.random((len(category), 2))
    for c, ch, u in zip(category, channel, draws, strict=True):
        code = model.categories[c]
        tags = [tag for (tag, p), ui in zip(TAG_CHANCES.get(code, ()), u, strict=False) if ui < p]
        if CHANNELS[ch] == "instant_retail":
            tags.append("instant_delivery")
        out.append(";".join(tags))
    return out


def _names(
    district: NDArray[np.int64],
    category: NDArray[np.int64],
    bds: list[str],
    model: CityModel,
    rng: np.random.Generator,
) -> list[str]:
    bd_names = {b.code: b.name_zh.split("-")[0] for b in reference.business_districts()}
    places = [reference.district(code).name_zh[:2] for code in model.districts]
    pick = rng.random(len(district))
    out = []
    for i, (d, c, bd, p) in enumerate(zip(district, category, bds, pick, strict=True)):
        words = NAME_WORDS[model.categories[c]]
        out.append(f"{bd_names.get(bd) or places[d]}{words[int(p * len(words))]}{i % 97 + 1}号店")
    return out


def _dates(n: int, rng: np.random.Generator) -> tuple[list[dt.date], list[dt.date | None]]:
    """Most merchants opened before the data starts; a few open or close during it."""
    base = dt.date(2005, 1, 1)
    opened_days = rng.integers(0, (dt.date(2022, 12, 31) - base).days, size=n)
    late = rng.random(n) < 0.08
    opened_days[late] = rng.integers(
        (dt.date(2023, 2, 1) - base).days, (dt.date(2026, 6, 1) - base).days, size=int(late.sum())
    )
    opened = [base + dt.timedelta(int(x)) for x in opened_days]
    closes = (rng.random(n) < 0.05) & ~late
    close_days = rng.integers(
        (dt.date(2023, 3, 1) - base).days, (dt.date(2026, 9, 1) - base).days, size=n
    )
    closed = [
        base + dt.timedelta(int(x)) if c else None for x, c in zip(close_days, closes, strict=True)
    ]
    return opened, closed


def make_merchants(model: CityModel, n: int, rng: np.random.Generator) -> Merchants:
    """``n`` merchants covering every district and category, sized by where trade is."""
    district, category = _cells(model, n, rng)
    ids = [f"M{i + 1:06d}" for i in range(n)]
    bds = _business_districts(district, model, rng)
    weight = _weights(district, category, bds, model, rng)
    channel = _channels(category, model, rng)
    opened, closed = _dates(n, rng)
    cell_trade = model.yuan.mean(axis=0)[district, category]
    rank = np.argsort(np.argsort(-weight * cell_trade))
    return Merchants(
        ids=ids,
        names=_names(district, category, bds, model, rng),
        district=district,
        category=category,
        business_district=bds,
        channel=channel,
        tags=_tags(category, channel, model, rng),
        opened=opened,
        closed=closed,
        above_size=rank < max(1, n // 5),
        weight=weight,
    )
