"""Actuals and projections of indicator targets, read from the lake.

The actual of a money target is the official figure as published (lake table
``official_stats``): the year's December 1–N月累计 where published, else the sum of the
published months; an unfinished year does not count. Projections come from
the forecast tables (see ``cockpit.forecast``) when they exist.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from cockpit.lake import has, scan
from cockpit.plans.model import Target
from cockpit.plans.progress import Actual, Projection

CITY = "500000"
INDICATOR_TO_MEASURE = {
    "retail_sales": ("retail_sales", "retail_sales_ytd"),
    "wholesale_sales": ("wholesale_sales", "wholesale_sales_ytd"),
}
#: The official monthly series whose sum an indicator target is (the forecast room models each).
INDICATOR_SERIES = {
    "retail_sales": ("retail_sales",),
    "wholesale_sales": ("wholesale_sales",),
    "wholesale_retail_sales": ("wholesale_sales", "retail_sales"),
}


def _query(sql: str, params: list[object]) -> list[tuple[Any, ...]]:
    with duckdb.connect() as con:
        return con.execute(sql, params).fetchall()


def official_annual(lake: Path, region: str, measure: str, ytd_measure: str) -> Actual | None:
    """The latest complete year's published total for ``region``.

    An unfinished year is not an actual: its 1–N月累计 would read as a shortfall.
    """
    if not has(lake, "official_stats"):
        return None
    rows = _query(
        f"""
        SELECT period, measure, value_fen
        FROM {scan(lake, "official_stats")}
        WHERE region_code = ? AND coalesce(category_code, '') = ''
          AND measure IN (?, ?) AND value_fen IS NOT NULL
        ORDER BY period
        """,
        [region, measure, ytd_measure],
    )
    if not rows:
        return None
    ytd = {period[:7]: value for period, m, value in rows if m == ytd_measure}
    monthly: dict[int, dict[str, int]] = {}
    for period, m, value in rows:
        if m == measure:
            monthly.setdefault(int(period[:4]), {})[period] = int(value)
    years = sorted({int(p[:4]) for p, _, _ in rows})
    for year in reversed(years):
        december = ytd.get(f"{year}-12")
        if december is not None:
            return _actual(year, 12, december, "official 1–12月累计")
        months = monthly.get(year, {})
        if _covers_year(months):
            return _actual(year, 12, sum(months.values()), "official, sum of months")
    return None


def _covers_year(months: dict[str, int]) -> bool:
    # NBS's combined 1–2月 release stands for January and February together.
    named = {p[5:] for p in months}
    return {"12", "03"} <= named and ("01-02" in named or {"01", "02"} <= named)


def _actual(year: int, month: int, value: int, source: str) -> Actual:
    return Actual(value=float(value), year=year, as_of=date(year, month, 1), source=source)


def projection_at_deadline(
    lake: Path, indicator: str, region: str, target_year: int, actual: Actual
) -> Projection | None:
    """The target year's total from the forecast room's model of the official series.

    The same simulated paths as the stored official estimates (``cockpit forecast
    official``): the projection's mean and sd are theirs, and the probability of reaching a
    level is the share of paths at or above it. A sum of series (wholesale + retail) adds
    their paths as drawn (independently: the cautious reading would be correlated errors).
    """
    from cockpit.forecast import year_distribution

    del actual
    parts = []
    for measure in INDICATOR_SERIES.get(indicator, ()):
        dist = year_distribution(lake, (measure, region, ""), target_year)
        if dist is None:
            return None
        parts.append(dist)
    if not parts:
        return None
    totals = np.sum([p.totals for p in parts], axis=0)
    methods = " + ".join(
        f"{m}: {p.method} ({p.note})"
        for m, p in zip(INDICATOR_SERIES[indicator], parts, strict=True)
    )
    return Projection(
        mean=float(totals.mean()),
        sd=float(totals.std()),
        method=f"official-series model, {len(totals)} simulated paths; {methods}",
        draws=tuple(float(v) for v in totals),
    )


def read_indicator_target(target: Target, lake: Path) -> tuple[Actual | None, Projection | None]:
    """Actual and projection of an indicator target (None where the lake has none)."""
    indicator = target.metric.indicator or ""
    region = target.metric.region or CITY
    if indicator == "commerce_value_added_share":
        return value_added_share(lake, region), share_projection(lake, region, target.target.year)
    parts = [INDICATOR_TO_MEASURE[m] for m in INDICATOR_SERIES.get(indicator, ())]
    if not parts:
        return None, None
    found = [official_annual(lake, region, *measures) for measures in parts]
    if any(a is None for a in found) or len({a.year for a in found if a}) != 1:
        return None, None
    actuals = [a for a in found if a is not None]
    actual = Actual(
        value=sum(a.value for a in actuals),
        year=actuals[0].year,
        as_of=actuals[0].as_of,
        source=" + ".join(a.source for a in actuals),
    )
    return actual, projection_at_deadline(lake, indicator, region, target.target.year, actual)


def share_projection(lake: Path, region: str, target_year: int) -> Projection | None:
    """Commerce value added as a % of GDP at the end of the target year: the draws of
    ``cockpit.forecast.officialshare`` (the quarterly year-to-date series, a rule chosen and
    its spread learnt by a rolling backtest pooled over regions)."""
    from cockpit.forecast import share_distribution

    dist = share_distribution(lake, region, target_year)
    if dist is None or dist.method == "published":
        return None
    return Projection(
        mean=dist.mean,
        sd=float(dist.draws.std()),
        method=f"official quarterly series, {len(dist.draws)} backtest draws; {dist.note}",
        draws=tuple(float(v) for v in dist.draws),
    )


def value_added_share(lake: Path, region: str) -> Actual | None:
    """Commerce value added as a % of GDP in the latest year with both 1–12月累计 published
    (its projection: ``share_projection``)."""
    if not has(lake, "official_stats"):
        return None
    rows = _query(
        f"""
        SELECT period, measure, value_fen
        FROM {scan(lake, "official_stats")}
        WHERE region_code = ? AND coalesce(category_code, '') = ''
          AND measure IN ('commerce_value_added_ytd', 'gdp_ytd') AND period LIKE '%-12'
          AND value_fen IS NOT NULL
        ORDER BY period DESC
        """,
        [region],
    )
    by_period: dict[str, dict[str, int]] = {}
    for period, measure, value in rows:
        by_period.setdefault(period, {})[measure] = int(value)
    for period in sorted(by_period, reverse=True):
        figures = by_period[period]
        if figures.get("gdp_ytd") and "commerce_value_added_ytd" in figures:
            share = figures["commerce_value_added_ytd"] / figures["gdp_ytd"] * 100
            year = int(period[:4])
            return Actual(
                value=share,
                year=year,
                as_of=date(year, 12, 1),
                source="official 1–12月累计: commerce value added / GDP",
            )
    return None
