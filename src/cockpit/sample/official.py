"""The official monthly retail-sales figures (社会消费品零售总额), as the statistics bureau
publishes them, January and February combined.

The bureau counts the whole city, not a sample: its figures are the city's true trade (which the
feeds, expanded with ground_truth.json ``expansion``, reproduce exactly for the city by category
and up to sampling noise for districts) with a little noise of their own.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from cockpit.sample.params import STATS_END_MONTH

OFFICIAL_FILE = "社会消费品零售总额_月度.csv"
HEADER = ("统计期", "地区代码", "类别代码", "指标", "数值(亿元)", "同比增长(%)")
FEN_PER_YI = 1e10  # 1 亿元 = 10^8 yuan = 10^10 fen
NOISE = 0.003  # published figures differ slightly from any feed-based estimate


def _periods(first_year: int, last_month: str) -> list[tuple[str, list[int]]]:
    """(period label, month numbers) of each release: ``YYYY-01-02`` then ``YYYY-03``…"""
    last_year, last = (int(x) for x in last_month.split("-"))
    out = []
    for year in range(first_year, last_year + 1):
        out.append((f"{year}-01-02", [1, 2]))
        top = last if year == last_year else 12
        out.extend((f"{year}-{m:02d}", [m]) for m in range(3, top + 1))
    return out


def write_official(
    out_dir: Path,
    *,
    months: list[str],
    by_district: NDArray[np.float64],
    by_category: NDArray[np.float64],
    districts: tuple[str, ...],
    categories: tuple[str, ...],
    rng: np.random.Generator,
) -> int:
    """Write the figures; ``by_*`` are fen per month (``months``, one year before the data
    first, for growth rates) × district or category. Returns the number of data rows."""
    series: dict[tuple[str, str], NDArray[np.float64]] = {}
    city = by_category.sum(axis=1)

    def noisy(v: NDArray[np.float64]) -> NDArray[np.float64]:
        return v * (1 + NOISE * rng.standard_normal(v.shape))

    series[("500000", "")] = noisy(city)
    for j, code in enumerate(districts):
        series[(code, "")] = noisy(by_district[:, j])
    for j, code in enumerate(categories):
        series[("500000", code)] = noisy(by_category[:, j])
    index = {m: i for i, m in enumerate(months)}
    first_year = int(months[12][:4])
    rows = []
    for period, nums in _periods(first_year, STATS_END_MONTH):
        year = int(period[:4])
        for (region, cat), values in series.items():

            def total(y: int, ms: list[int], v: NDArray[np.float64] = values) -> float:
                return float(sum(v[index[f"{y}-{m:02d}"]] for m in ms))

            ytd = list(range(1, nums[-1] + 1))
            for measure, ms in (("零售额", nums), ("累计零售额", ytd)):
                now, before = total(year, ms), total(year - 1, ms)
                rows.append(
                    [
                        period,
                        region,
                        cat,
                        measure,
                        f"{now / FEN_PER_YI:.2f}",
                        f"{(now / before - 1) * 100:.1f}",
                    ]
                )
    with (out_dir / OFFICIAL_FILE).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return len(rows)
