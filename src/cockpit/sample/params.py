"""The sample city's fixed design: scales, calibration targets, category and district traits.

These numbers are the *structure* of the generated city and do not depend on the seed;
the seed only drives sampling (merchants, payers, transactions, noise). Orders of magnitude
follow published Chongqing figures (seeds 000–002); the city itself is invented.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PERIOD_START = dt.date(2023, 1, 1)
PERIOD_END = dt.date(2026, 10, 31)  # inclusive: the last day of transactions
STATS_END_MONTH = "2026-09"  # official figures are out to September; October is to be nowcast


@dataclass(frozen=True)
class Scale:
    """How big a city to make: transactions, merchants, payers, and which feed carries what."""

    name: str
    rows: int
    merchants: int
    payers: int
    unionpay_share: float  # share of offline payments in the GB18030 UnionPay CSV
    wallet_share: float  # share of offline payments in the wallet CSV (the rest: platform Parquet)
    chunk_rows: int = 400_000  # at most this many rows are formatted and written at once


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 100_000, 2_000, 20_000, 0.40, 0.20),
    "small": Scale("small", 1_000_000, 10_000, 150_000, 0.30, 0.15),
    "medium": Scale("medium", 10_000_000, 50_000, 1_000_000, 0.12, 0.08),
    "large": Scale("large", 100_000_000, 200_000, 3_000_000, 0.04, 0.03),
}

# City retail sales (社会消费品零售总额), yuan per year. 2023: 1.513 trillion at +8.6 %;
# 2024 at about +4.8 %; 2025: 1.669 trillion (H1 above 830 billion at +4.5 %); 2026 at +4.5 %.
ANNUAL_TARGET_YUAN: dict[int, float] = {
    2022: 1.513e12 / 1.086,
    2023: 1.513e12,
    2024: 1.585e12,
    2025: 1.671e12,  # before the injected events, which take about 0.1 % off: 1.669 after
    2026: 1.669e12 * 1.045,
}

# Month-of-year level before festivals (which add on top): December strongest, spring weakest.
MONTH_LEVEL = (1.075, 0.965, 1.005, 0.975, 1.015, 0.985, 0.93, 0.95, 0.99, 0.96, 0.98, 1.12)


@dataclass(frozen=True)
class CategoryTrait:
    """What kind of trade a category is: its size, growth, tickets, hours and festivals."""

    value_share: float  # share of retail sales in 2023
    growth: float  # log growth per year relative to the city
    row_share: float  # share of feed rows (feeds cover small tickets better than cars)
    ticket_yuan: float  # median ticket
    ticket_sigma: float
    online: float  # share of payments through online channels in 2023
    night: float  # weight of the 18–24 and 0–2 hours
    spring: float  # pre-Spring-Festival boost (shopping for the new year)
    golden: float  # Golden Week boost
    festival: float  # 618 / Double 11 boost
    weekend: float  # weekend amplitude


# fmt: off
CATEGORY_TRAITS: dict[str, CategoryTrait] = {
    "RS01": CategoryTrait(0.120, 0.00, 0.17, 55, 0.8, 0.20, 0.8, 0.9, 0.2, 0.3, 1.0),
    "RS02": CategoryTrait(0.025, 0.01, 0.06, 25, 0.7, 0.18, 1.2, 0.6, 0.3, 0.3, 1.0),
    "RS03": CategoryTrait(0.040, -0.01, 0.04, 180, 0.9, 0.12, 1.3, 1.4, 0.4, 0.3, 0.8),
    "RS04": CategoryTrait(0.090, -0.01, 0.08, 260, 0.8, 0.35, 1.0, 0.6, 0.5, 1.2, 1.3),
    "RS05": CategoryTrait(0.025, 0.01, 0.04, 220, 0.8, 0.45, 0.9, 0.3, 0.3, 1.5, 1.1),
    "RS06": CategoryTrait(0.020, 0.03, 0.015, 2800, 0.9, 0.10, 0.7, 1.0, 0.6, 0.5, 1.3),
    "RS07": CategoryTrait(0.070, 0.00, 0.10, 70, 0.8, 0.30, 0.8, 0.3, 0.1, 0.8, 1.0),
    "RS08": CategoryTrait(0.012, 0.04, 0.02, 280, 0.8, 0.35, 0.9, 0.2, 0.3, 0.9, 1.2),
    "RS09": CategoryTrait(0.050, 0.04, 0.025, 2400, 0.8, 0.40, 0.6, 0.4, 0.4, 1.6, 1.2),
    "RS10": CategoryTrait(0.045, 0.01, 0.05, 110, 0.8, 0.20, 0.7, 0.1, 0.0, 0.3, 0.3),
    "RS11": CategoryTrait(0.025, 0.02, 0.03, 380, 0.9, 0.40, 0.6, 0.1, 0.1, 1.1, 0.9),
    "RS12": CategoryTrait(0.012, -0.02, 0.01, 2800, 0.9, 0.30, 0.5, 0.2, 0.3, 0.8, 1.4),
    "RS13": CategoryTrait(0.030, 0.06, 0.025, 3200, 0.6, 0.45, 0.8, 0.3, 0.4, 1.6, 1.2),
    "RS14": CategoryTrait(0.080, -0.03, 0.05, 320, 0.5, 0.02, 0.7, 0.2, 0.5, 0.0, 0.3),
    "RS15": CategoryTrait(0.110, 0.00, 0.008, 150000, 0.4, 0.03, 0.3, 0.3, 0.6, 0.3, 2.0),
    "RS16": CategoryTrait(0.013, -0.05, 0.01, 1900, 0.9, 0.15, 0.4, 0.0, 0.2, 0.4, 1.2),
    "RS17": CategoryTrait(0.006, -0.04, 0.012, 55, 0.7, 0.40, 0.8, 0.2, 0.2, 0.6, 1.1),
    "RS18": CategoryTrait(0.077, 0.00, 0.045, 140, 0.9, 0.30, 0.9, 0.3, 0.3, 0.6, 1.0),
    "CT01": CategoryTrait(0.150, 0.015, 0.22, 110, 0.8, 0.18, 1.5, 0.7, 0.8, 0.1, 1.4),
}
# fmt: on

# Relative size of each district's retail trade (2024), and its growth relative to the city.
# Yuzhong about 10.8 % of the city: ~170 billion yuan in 2024, so its 2025–2027 plan
# (above 200 billion by 2027 at 5 % a year) starts from a plausible base.
# fmt: off
DISTRICT_TRAITS: dict[str, tuple[float, float, float]] = {
    # code: (size, growth, visitor share)
    "500101": (4.4, 0.005, 0.08), "500102": (3.4, 0.000, 0.05), "500103": (10.8, 0.000, 0.30),
    "500104": (1.5, 0.010, 0.05), "500105": (9.0, 0.010, 0.18), "500106": (6.6, 0.005, 0.10),
    "500107": (7.4, 0.000, 0.10), "500108": (6.0, 0.005, 0.12), "500109": (3.0, 0.010, 0.08),
    "500110": (1.9, -0.010, 0.04), "500111": (1.6, 0.000, 0.10), "500112": (9.4, 0.025, 0.12),
    "500113": (4.0, 0.015, 0.06), "500114": (1.0, 0.000, 0.08), "500115": (1.4, -0.005, 0.04),
    "500116": (3.2, 0.010, 0.05), "500117": (3.0, 0.000, 0.05), "500118": (3.0, 0.010, 0.05),
    "500119": (1.1, 0.005, 0.10), "500120": (1.8, 0.020, 0.04), "500151": (1.3, 0.010, 0.04),
    "500152": (1.1, 0.000, 0.04), "500153": (1.3, 0.010, 0.04), "500154": (1.6, -0.005, 0.05),
    "500155": (1.1, 0.000, 0.04), "500156": (0.7, 0.020, 0.30), "500229": (0.25, -0.010, 0.06),
    "500230": (0.8, 0.000, 0.15), "500231": (1.0, 0.000, 0.04), "500233": (0.9, 0.000, 0.04),
    "500235": (1.0, -0.005, 0.04), "500236": (0.9, 0.010, 0.15), "500237": (0.5, 0.010, 0.20),
    "500238": (0.35, 0.000, 0.08), "500240": (0.55, 0.010, 0.15), "500241": (0.6, 0.000, 0.05),
    "500242": (0.6, 0.000, 0.08), "500243": (0.5, 0.000, 0.06),
}
# fmt: on

# Share of Yuzhong's trade in the 解放碑-朝天门 business district (above 100 billion in 2025).
JIEFANGBEI_SHARE_OF_YUZHONG = 0.60
JIEFANGBEI = "BD01"

# Structural randomness (district × category affinity) uses this fixed seed, not the user's,
# so that calibration holds for every seed.
STRUCTURE_SEED = 20230101

# Feeds: names of the sources as they appear in the files.
SOURCES = ("unionpay", "platform_a", "wallet_b")
