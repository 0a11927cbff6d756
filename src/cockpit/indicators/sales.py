"""Net sales and payments by month, for the alerts and the synthetic official figures.

Net sales is the catalogue's ``retail_sales`` and payments its ``transactions``, each over
the fact table (every transaction joined to the merchant version valid on its date,
``fact.version_on_date``): this module adds no definition of its own, so its readers count
exactly what the indicators count. ``monthly_sales_of`` reads them from the built
``indicator_values`` when the build counts every ingest, and computes them otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.indicators.catalogue import indicator
from cockpit.indicators.engines import open_engine
from cockpit.indicators.fact import fact_table
from cockpit.lake import lake_of, scan

if TYPE_CHECKING:
    import pandas as pd

#: The measures, named by their catalogue ids.
MEASURES = ("retail_sales", "transactions")


def monthly_sales(
    lake: Path,
    *,
    cuts: tuple[str, ...] = ("district", "category"),
    until_month: str = "",
    with_merchants: bool = False,
) -> pd.DataFrame:
    """``month``, one column per cut, ``retail_sales`` (fen) and ``transactions``;
    ``with_merchants``: also ``active_merchants`` (what the small-cell rules count).

    One row per month for the total (every cut column ``""``) and one per month and value
    of each cut alone (the other cut columns ``""``), as the indicators cut them.
    """
    import pandas as pd

    eng = open_engine("duckdb", lake)
    try:
        t = fact_table(eng.table("transactions"), eng.table("merchants"))
        if until_month:
            t = t.filter(t.month <= until_month)
        measures = (*MEASURES, "active_merchants") if with_merchants else MEASURES
        frames = [_grouped(t, [], cuts, measures)]
        frames += [_grouped(t, [cut], cuts, measures) for cut in cuts]
    finally:
        eng.release()
    return pd.concat(frames, ignore_index=True)


def _grouped(
    t: Any, keys: list[str], cuts: tuple[str, ...], measures: tuple[str, ...]
) -> pd.DataFrame:
    aggs = {m: indicator(m).num(t) for m in measures}
    frame: pd.DataFrame = t.group_by(["month", *keys]).aggregate(**aggs).to_pandas()
    for cut in cuts:
        frame[cut] = frame[cut].fillna("") if cut in keys else ""
    return frame[["month", *cuts, *measures]]


def monthly_sales_of(home: Path, *, until_month: str = "") -> pd.DataFrame:
    """``monthly_sales`` by district and by category: built rows when current (the
    small-cell rules applied: a suppressed cell has no row), else computed, leaving out
    the cells of fewer merchants than the rules allow (one or two firms' own sales)."""
    from cockpit.indicators.build import is_current
    from cockpit.indicators.disclosure import load_policy

    if is_current(home):
        return built_monthly_sales(lake_of(home), until_month=until_month)
    sales = monthly_sales(lake_of(home), until_month=until_month, with_merchants=True)
    few = load_policy(home).suppress.min_merchants
    kept: pd.DataFrame = sales[sales.pop("active_merchants") >= few]
    return kept


def built_monthly_sales(lake: Path, *, until_month: str = "") -> pd.DataFrame:
    """``monthly_sales`` (total, district, category) read from the built indicator_values."""
    import duckdb

    cutoff = "AND period <= ?" if until_month else ""
    sql = f"""
        SELECT period AS month, coalesce(district, '') AS district,
               coalesce(category, '') AS category,
               max(num) FILTER (WHERE indicator_id = 'retail_sales') AS retail_sales,
               max(num) FILTER (WHERE indicator_id = 'transactions') AS transactions
        FROM {scan(lake, "indicator_values", top=True)}
        WHERE period_type = 'month' AND length(period) = 7 AND cut IN ('', 'district', 'category')
          AND indicator_id IN ('retail_sales', 'transactions') {cutoff}
        GROUP BY ALL
        -- the build keeps a cut's value in months it had no payment, at zero: no row here
        HAVING retail_sales <> 0 OR transactions <> 0
        ORDER BY ALL"""
    with duckdb.connect() as con:
        frame: pd.DataFrame = con.execute(sql, [until_month] if until_month else []).df()
    return frame
