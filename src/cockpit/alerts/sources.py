"""The numbers the series rules judge: indicator values, forecasts and plan targets.

Series come as ``indicator, period, value`` plus dimension columns (``district_code``,
``category_code``; ``""`` stands for the total over a dimension).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.alerts.frames import query
from cockpit.lake import has, lake_of

if TYPE_CHECKING:
    import pandas as pd

# Sales and payments by month for the city, each district and each category, as the
# indicators room defines them (its retail_sales and transactions, read from the built
# indicator_values when the build is current). "" is a total.
FEED_MEASURES = {"retail_sales": "feed_sales_fen", "transactions": "feed_payments"}
FEED_INDICATORS = ["feed_sales_fen", "feed_payments"]

# Published monthly retail sales, as published: the combined 1–2月 release (YYYY-01-02)
# included, the growth rate as the bureau printed it (never re-derived from levels), and
# the release it came from. region 500000 is the city, shown as district "".
OFFICIAL_SQL = """
SELECT 'retail_sales_official' AS indicator, period,
       CASE WHEN region_code = '500000' THEN '' ELSE region_code END AS district_code,
       coalesce(category_code, '') AS category_code, CAST(value_fen AS DOUBLE) AS value,
       yoy_pct AS published_yoy_pct, source AS release
FROM {t}
WHERE measure = 'retail_sales' AND value_fen IS NOT NULL {cutoff}
"""
# Columns a series may carry beside its value (not dimensions): the growth rate as
# published, and the release read.
PUBLISHED = ("published_yoy_pct", "release")


def feed_series(home: Path, *, until_month: str | None = None) -> pd.DataFrame | None:
    """Monthly sales (fen) and payments of the city, each district and each category;
    cells the small-cell rules suppress (cockpit.indicators.disclosure: one or two firms'
    own sales) are left out."""
    from cockpit.indicators import monthly_sales_of

    lake = lake_of(home)
    if not (has(lake, "transactions") and has(lake, "merchants")):
        return None
    sales = monthly_sales_of(home, until_month=until_month or "")
    wide = sales.rename(
        columns={"month": "period", "district": "district_code", "category": "category_code"}
    ).rename(columns=FEED_MEASURES)
    wide[FEED_INDICATORS] = wide[FEED_INDICATORS].astype(float)
    long: pd.DataFrame = wide.melt(
        id_vars=["period", "district_code", "category_code"],
        value_vars=list(FEED_INDICATORS),
        var_name="indicator",
        value_name="value",
    )
    return long


def official_series(home: Path, *, until_month: str | None = None) -> pd.DataFrame | None:
    """Published retail sales by month (city and districts, total and categories)."""
    # 1–2月 (YYYY-01-02) sorts before YYYY-03, so the text comparison keeps it right
    cutoff = f"AND period <= '{until_month}'" if until_month else ""
    frame = query(lake_of(home), "official_stats", OFFICIAL_SQL.replace("{cutoff}", cutoff))
    if frame is None:
        return None
    return with_city_total(frame)


def with_city_total(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the city's total (sum of its categories) for months that publish no total."""
    import pandas as pd

    city = frame[frame["district_code"] == ""]
    published = set(city.loc[city["category_code"] == "", "period"])
    parts = city[(city["category_code"] != "") & ~city["period"].isin(published)]
    if parts.empty:
        return frame
    keys = ["indicator", "period", "district_code"]
    total = pd.DataFrame(parts.groupby(keys, as_index=False)["value"].sum())
    total["category_code"] = ""
    # a sum of categories is ours, not a release: it carries no published rate
    total["published_yoy_pct"] = float("nan")
    total["release"] = None
    return pd.concat([frame, pd.DataFrame(total[list(frame.columns)])], ignore_index=True)


def load_series(home: Path, *, until_month: str | None = None) -> pd.DataFrame | None:
    """Every series the rules can read, stacked: the feeds' payments and sales, official
    statistics, and the indicators room's built indicators (when built)."""
    import pandas as pd

    parts = [
        frame
        for frame in (
            feed_series(home, until_month=until_month),
            official_series(home, until_month=until_month),
            indicator_series(home, until_month=until_month),
        )
        if frame is not None
    ]
    if not parts:
        return None
    columns = ["indicator", "period", "district_code", "category_code", "value"]
    return pd.concat([p.reindex(columns=[*columns, *PUBLISHED]) for p in parts], ignore_index=True)


def load_forecasts(home: Path) -> pd.DataFrame | None:
    """The newest forecast of each series with its 95 % interval (lake/forecasts, written by
    the forecast room: indicator_id, region_code, category_code, ds, lo95, hi95 …)."""
    frame = query(
        lake_of(home),
        "forecasts",
        "SELECT indicator_id AS indicator, strftime(CAST(ds AS DATE), '%Y-%m') AS period, "
        "CASE WHEN region_code IS NULL OR region_code = '500000' THEN '' ELSE region_code END "
        "AS district_code, coalesce(category_code, '') AS category_code, mean, lo95, hi95 "
        "FROM {t} WHERE lo95 IS NOT NULL ORDER BY run_id",
    )
    if frame is None or frame.empty:
        return None
    return frame


def indicator_series(home: Path, *, until_month: str | None = None) -> pd.DataFrame | None:
    """Monthly indicators built by the indicators room (lake/indicator_values): the total and
    the district and category cuts."""
    cutoff = f"AND period <= '{until_month}'" if until_month else ""
    return query(
        lake_of(home),
        "indicator_values",
        "SELECT indicator_id AS indicator, period, coalesce(district, '') AS district_code, "
        "coalesce(category, '') AS category_code, value FROM {t} "
        "WHERE period_type = 'month' AND cut IN ('', 'district', 'category') "
        f"AND value IS NOT NULL {cutoff}",
    )


def load_targets(home: Path) -> pd.DataFrame | None:
    """Plan targets with their projections, from the plans room (None if it has none)."""
    import pandas as pd

    del home  # the plans live in the operational database, not the lake
    from cockpit.db import session_scope
    from cockpit.plans import all_progress

    with session_scope() as session:
        progress = all_progress(session=session)
    rows = [
        {
            "target_id": f"{plan.plan.id}/{t.target_id}",
            "label_zh": t.name_zh,
            "label_en": t.name_en,
            "target_value": t.target_value,
            "projected_value": t.projected,
            "probability_met": t.probability,
            "period": str(t.target_year),
            "status": t.status,
            "actual_value": t.actual,
            "unit": t.unit,
        }
        for plan in progress
        for t in plan.targets
    ]
    return pd.DataFrame(rows) if rows else None
