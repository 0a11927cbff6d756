"""The official monthly figures, as the statistics bureau publishes them, January and February
combined: retail sales (社会消费品零售总额) of the city, its districts and its categories;
wholesale sales (批发业销售额) of the city and its districts; and, each quarter, the year-to-date
value added of commerce (批发和零售业、住宿和餐饮业增加值) and GDP.

The bureau counts the whole city, not a sample, and its scope is not the feeds': its retail
figures are the city's true trade times a *scope factor* that wanders slowly (new units enter
the above-size register, others leave), plus a little noise of their own. The scope factor is a
log-level AR(1) with monthly persistence ``PHI`` shared by the whole city, plus a smaller,
less persistent AR(1) of each series, so the published year-on-year growth rates move slowly
around the true trade's growth (which itself steps from year to year) as Chongqing's do, and the
feeds' coverage of the official figure drifts the same way.
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
NOISE = 0.002  # month-to-month noise of a published figure, relative
#: The city-wide scope factor: monthly persistence and stationary sd of its log.
PHI, SCOPE_SD = 0.95, 0.005
#: Each series' own scope factor on top of the city's.
SERIES_PHI, SERIES_SD = 0.85, 0.003
CITY = "500000"
#: Wholesale sales relative to retail sales, by district (the rest: drawn around 1.1).
WHOLESALE_RATIO = {"500103": 1.44}
WHOLESALE_GROWTH = 0.06  # log growth per year of wholesale relative to retail
#: Value added of commerce per yuan of wholesale + retail sales, and GDP per yuan of retail.
COMMERCE_MARGIN, GDP_PER_RETAIL = 0.08, 1.0
GDP_GROWTH = 0.02  # log growth per year of GDP relative to retail sales
MEASURES = {
    "retail_sales": ("零售额", "累计零售额"),
    "wholesale_sales": ("批发额", "累计批发额"),
}
QUARTERLY = {"commerce_value_added_ytd": "商贸业增加值累计", "gdp_ytd": "地区生产总值累计"}


def _periods(first_year: int, last_month: str) -> list[tuple[str, list[int]]]:
    """(period label, month numbers) of each release: ``YYYY-01-02`` then ``YYYY-03``…"""
    last_year, last = (int(x) for x in last_month.split("-"))
    out = []
    for year in range(first_year, last_year + 1):
        out.append((f"{year}-01-02", [1, 2]))
        top = last if year == last_year else 12
        out.extend((f"{year}-{m:02d}", [m]) for m in range(3, top + 1))
    return out


def ar1_log_factor(n: int, phi: float, sd: float, rng: np.random.Generator) -> NDArray[np.float64]:
    """A stationary AR(1) of length ``n`` (sd ``sd``), exponentiated: a multiplicative factor."""
    shocks = rng.standard_normal(n) * sd * np.sqrt(1 - phi**2)
    z = np.empty(n)
    z[0] = rng.standard_normal() * sd
    for t in range(1, n):
        z[t] = phi * z[t - 1] + shocks[t]
    factor: NDArray[np.float64] = np.exp(z)
    return factor


def _years(months: list[str]) -> NDArray[np.float64]:
    return np.array([(int(m[:4]) - int(months[0][:4])) + (int(m[5:7]) - 1) / 12 for m in months])


def official_series(
    *,
    months: list[str],
    by_district: NDArray[np.float64],
    by_category: NDArray[np.float64],
    districts: tuple[str, ...],
    categories: tuple[str, ...],
    rng: np.random.Generator,
) -> dict[tuple[str, str, str], NDArray[np.float64]]:
    """(measure, region, category) → published fen per month of ``months``."""
    n = len(months)
    city_scope = ar1_log_factor(n, PHI, SCOPE_SD, rng)

    def published(v: NDArray[np.float64]) -> NDArray[np.float64]:
        own = ar1_log_factor(n, SERIES_PHI, SERIES_SD, rng)
        noise = 1 + NOISE * rng.standard_normal(n)
        out: NDArray[np.float64] = v * city_scope * own * noise
        return out

    series: dict[tuple[str, str, str], NDArray[np.float64]] = {
        ("retail_sales", CITY, ""): published(by_category.sum(axis=1))
    }
    for j, code in enumerate(districts):
        series[("retail_sales", code, "")] = published(by_district[:, j])
    for j, code in enumerate(categories):
        series[("retail_sales", CITY, code)] = published(by_category[:, j])
    trend = np.exp(WHOLESALE_GROWTH * _years(months))
    ratios = rng.lognormal(np.log(1.1), 0.3, len(districts))
    wholesale = np.zeros(n)
    for j, code in enumerate(districts):
        ratio = WHOLESALE_RATIO.get(code, float(ratios[j]))
        w = published(by_district[:, j] * ratio * trend)
        series[("wholesale_sales", code, "")] = w
        wholesale += w
    series[("wholesale_sales", CITY, "")] = wholesale
    gdp_trend = np.exp(GDP_GROWTH * _years(months))
    for code, retail in [
        (CITY, by_category.sum(axis=1)),
        *zip(districts, by_district.T, strict=True),
    ]:
        trade = series[("wholesale_sales", code, "")] + series[("retail_sales", code, "")]
        margin = COMMERCE_MARGIN * ar1_log_factor(n, PHI, 2 * SCOPE_SD, rng)
        series[("commerce_value_added", code, "")] = trade * margin
        # GDP moves with the year's trade, not its seasons: a smooth share of the year's retail.
        yearly = np.array([retail[[k[:4] == m[:4] for k in months]].mean() for m in months])
        series[("gdp", code, "")] = yearly * GDP_PER_RETAIL * gdp_trend
    return series


def _row(period: str, region: str, cat: str, measure: str, now: float, before: float) -> list[str]:
    growth = f"{(now / before - 1) * 100:.1f}" if before else ""
    return [period, region, cat, measure, f"{now / FEN_PER_YI:.2f}", growth]


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
    """Write the figures; ``by_*`` are the true fen per month (``months``, one year before the
    data first, for growth rates) × district or category. Returns the number of data rows."""
    series = official_series(
        months=months,
        by_district=by_district,
        by_category=by_category,
        districts=districts,
        categories=categories,
        rng=rng,
    )
    index = {m: i for i, m in enumerate(months)}
    first_year = int(months[12][:4])
    rows = []

    def total(v: NDArray[np.float64], y: int, ms: list[int]) -> float:
        return float(sum(v[index[f"{y}-{m:02d}"]] for m in ms))

    for period, nums in _periods(first_year, STATS_END_MONTH):
        year = int(period[:4])
        ytd = list(range(1, nums[-1] + 1))
        for (measure, region, cat), values in series.items():
            if measure in MEASURES:
                for label, ms in zip(MEASURES[measure], (nums, ytd), strict=True):
                    now, before = total(values, year, ms), total(values, year - 1, ms)
                    rows.append(_row(period, region, cat, label, now, before))
            elif nums[-1] % 3 == 0:  # quarterly, year to date
                label = QUARTERLY[f"{measure}_ytd"]
                now, before = total(values, year, ytd), total(values, year - 1, ytd)
                rows.append(_row(period, region, cat, label, now, before))
    with (out_dir / OFFICIAL_FILE).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return len(rows)
