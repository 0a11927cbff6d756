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

from cockpit.lake import has, scan
from cockpit.plans.model import Target
from cockpit.plans.progress import Actual, Projection

CITY = "500000"
INDICATOR_TO_MEASURE = {"retail_sales": ("retail_sales", "retail_sales_ytd")}


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


def _feed_year_total(lake: Path, indicator: str, region: str, year: int) -> float | None:
    """The feed's own total of ``indicator`` for ``region`` over a whole year, if built."""
    if not has(lake, "indicator_values"):
        return None
    cut, value = ("", None) if region == CITY else ("district", region)
    rows = _query(
        f"""
        SELECT count(*), sum(value) FROM {scan(lake, "indicator_values", top=True)}
        WHERE indicator_id = ? AND period_type = 'month' AND cut = ?
          AND (? IS NULL OR district = ?) AND period LIKE ? AND length(period) = 7
        """,
        [indicator, cut, value, value, f"{year}-%"],
    )
    row = rows[0] if rows else None
    if row is None or row[0] != 12:
        return None
    return float(row[1])


def _forecast_year(
    lake: Path, indicator: str, region: str, year: int
) -> tuple[float, float] | None:
    """Sum of the latest run's monthly means for ``year``, and a standard deviation for it.

    The yearly sd adds the months' sds (read off the 95 % intervals): forecast errors of
    neighbouring months move together, and adding them is the cautious bound.
    """
    if not has(lake, "forecasts"):
        return None
    rows = _query(
        f"""
        WITH f AS (SELECT * FROM {scan(lake, "forecasts")}
                   WHERE indicator_id = ? AND region_code = ?
                     AND coalesce(category_code, '') = ''),
             latest AS (SELECT run_id FROM f ORDER BY ds DESC, run_id DESC LIMIT 1)
        SELECT count(*), sum(mean), sum((hi95 - lo95) / (2 * 1.959964))
        FROM f WHERE run_id = (SELECT run_id FROM latest) AND year(ds) = ?
        """,
        [indicator, region, year],
    )
    row = rows[0] if rows else None
    if row is None or row[0] != 12:
        return None
    return float(row[1]), float(row[2])


def projection_at_deadline(
    lake: Path, indicator: str, region: str, target_year: int, actual: Actual
) -> Projection | None:
    """The official-scale value expected in the target year, from the forecasts.

    Forecasts are of the feed; the feed covers part of the official total, so they are
    scaled by the ratio of the official figure to the feed in the actual's year.
    """
    feed = _feed_year_total(lake, indicator, region, actual.year)
    forecast = _forecast_year(lake, indicator, region, target_year)
    if not feed or forecast is None:
        return None
    scale = actual.value / feed
    mean, sd = forecast
    return Projection(
        mean=mean * scale,
        sd=sd * scale,
        method=f"forecast of the feed, scaled by official/feed of {actual.year} ({scale:.1f}×)",
    )


def read_indicator_target(target: Target, lake: Path) -> tuple[Actual | None, Projection | None]:
    """Actual and projection of an indicator target (None where the lake has none)."""
    indicator = target.metric.indicator or ""
    measures = INDICATOR_TO_MEASURE.get(indicator)
    if measures is None:
        return None, None
    region = target.metric.region or CITY
    actual = official_annual(lake, region, *measures)
    if actual is None:
        return None, None
    return actual, projection_at_deadline(lake, indicator, region, target.target.year, actual)
