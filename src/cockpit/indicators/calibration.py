"""The feeds' sample beside the city's published figures: coverage and the official series.

- *Coverage* of a period and category = feed retail sales / official retail sales, for
  every period the official series has (``YYYY-01-02`` matches the feed's 1–2月 row).
- ``indicator_official``: the official series as published; growth rates are copied, never
  re-derived.

Estimates of periods not yet published (nowcasts and forecasts, official scale) are the
forecast room's one model of the published series (``cockpit.forecast.official``), which
uses the feed as a regressor where its backtest shows the feed adds information.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cockpit.lake import files as lake_files
from cockpit.lake import lake_of, table_dir
from cockpit.reference import CITY_CODE


def period_sort_key(period: str) -> str:
    """``YYYY-01-02`` sorts as February, where NBS publishes it."""
    return period[:4] + "-02" if period.endswith("-01-02") else period


def period_label(period: str) -> str:
    """Chinese label of a published period (``2025-01-02`` → 2025年1–2月)."""
    if period.endswith("-01-02"):
        return f"{period[:4]}年1–2月"
    return f"{period[:4]}年{int(period[5:7])}月"


def read_official(lake: Path) -> pd.DataFrame:
    """The city-level official monthly retail sales, as published."""
    import pyarrow.parquet as pq

    files = lake_files(lake, "official_stats")
    if not files:
        return pd.DataFrame(columns=["period", "category_code", "value_fen", "yoy_pct"])
    off = pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
    off = off[(off["region_code"] == CITY_CODE) & (off["measure"] == "retail_sales")]
    published: pd.DataFrame = off.dropna(subset=["value_fen"])
    return published


def feed_sales(values: pd.DataFrame) -> pd.DataFrame:
    """Feed retail sales by published period: months except January and February, and 1–2月."""
    v = values[(values["indicator_id"] == "retail_sales") & (values["period_type"] == "month")]
    v = v[v["cut"].isin(["", "category"])]
    single_jan_feb = v["period"].str[5:7].isin(["01", "02"]) & (v["period"].str.len() == 7)
    v = v[~single_jan_feb & v["num"].notna()]  # a suppressed cell has no coverage either
    return pd.DataFrame(
        {
            "period": v["period"],
            "category_code": v["category"].fillna(""),
            "feed_fen": v["num"].astype("int64"),
        }
    )


def coverage_table(feed: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """Coverage by period and category ('' = total) where both figures exist."""
    off = official[["period", "category_code", "value_fen", "yoy_pct"]].rename(
        columns={"value_fen": "official_fen", "yoy_pct": "published_yoy_pct"}
    )
    cov = feed.merge(off, on=["period", "category_code"], how="inner")
    cov["coverage"] = cov["feed_fen"] / cov["official_fen"].where(cov["official_fen"] != 0)
    cov["period_label"] = cov["period"].map(period_label)
    return cov.sort_values(["period", "category_code"], key=_key).reset_index(drop=True)


def _key(col: pd.Series) -> pd.Series:
    return col.map(period_sort_key) if col.name == "period" else col


def publish_calibration(home: Path, build_id: str) -> list[str]:
    """Write indicator_coverage and indicator_official; name them."""
    import shutil

    from cockpit.indicators.build import VALUES_TABLE, replace_table

    lake = lake_of(home)
    # The calibrated estimate this table held is gone: one estimator, in the forecast room.
    shutil.rmtree(lake / "indicator_calibrated", ignore_errors=True)
    official = read_official(lake)
    if official.empty or not table_dir(lake, VALUES_TABLE).exists():
        return []
    feed = feed_sales(_retail_sales(table_dir(lake, VALUES_TABLE)))
    cov = coverage_table(feed, official)
    replace_table(lake, "indicator_coverage", build_id, cov)
    published = official.assign(period_label=official["period"].map(period_label))
    replace_table(lake, "indicator_official", build_id, published)
    return ["indicator_coverage", "indicator_official"]


def _retail_sales(root: Path) -> pd.DataFrame:
    """The month rows of retail_sales in indicator_values (not its day parts)."""
    import pyarrow.parquet as pq

    files = sorted(root.glob("*.parquet"))
    keep = [("indicator_id", "==", "retail_sales"), ("period_type", "==", "month")]
    table = pq.read_table(files, filters=keep).sort_by(
        [("period", "ascending"), ("cut", "ascending"), ("category", "ascending")]
    )
    frame: pd.DataFrame = table.to_pandas()
    return frame
