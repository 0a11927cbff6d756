"""Actuals and projections of indicator targets, read from the lake.

The actual of a money target is the official figure as published (lake table
``official_stats``): the year's December 1–N月累计 where published, else the sum of the
published months; an unfinished year does not count. Projections come from
the forecast tables (see ``cockpit.forecast``) when they exist.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from cockpit.plans.model import Target
from cockpit.plans.progress import Actual, Projection

INDICATOR_TO_MEASURE = {"retail_sales": ("retail_sales", "retail_sales_ytd")}


def _parquet_glob(lake: Path, table: str) -> str | None:
    folder = lake / table
    if not folder.is_dir() or not any(folder.rglob("*.parquet")):
        return None
    return str(folder / "**" / "*.parquet")


def official_annual(lake: Path, region: str, measure: str, ytd_measure: str) -> Actual | None:
    """The latest complete year's published total for ``region``.

    An unfinished year is not an actual: its 1–N月累计 would read as a shortfall.
    """
    glob = _parquet_glob(lake, "official_stats")
    if glob is None:
        return None
    relation = duckdb.sql(
        f"""
        SELECT period, measure, value_fen
        FROM read_parquet('{glob}', hive_partitioning = false, union_by_name = true)
        WHERE region_code = ? AND coalesce(category_code, '') = ''
          AND measure IN (?, ?) AND value_fen IS NOT NULL
        ORDER BY period
        """,
        params=[region, measure, ytd_measure],
    )
    rows = relation.fetchall() if relation is not None else []
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


def read_indicator_target(target: Target, lake: Path) -> tuple[Actual | None, Projection | None]:
    """Actual and projection of an indicator target (None where the lake has none)."""
    measures = INDICATOR_TO_MEASURE.get(target.metric.indicator or "")
    if measures is None:
        return None, None
    region = target.metric.region or "500000"
    actual = official_annual(lake, region, *measures)
    return actual, None
