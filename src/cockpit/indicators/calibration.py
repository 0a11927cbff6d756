"""From the feeds' sample to the city's total: coverage, calibration, nowcast, backtest.

- *Coverage* of a period and category = feed retail sales / official retail sales, for
  every period the official series has (``YYYY-01-02`` matches the feed's 1–2月 row).
- *Calibrated estimate* of a period = Σ over categories of feed sales / expected coverage,
  where the expected coverage is the mean of the ``WINDOW`` latest published coverages
  before the period (the category's own, else the total's).
- *Nowcast*: the calibrated estimate of feed periods with no official figure yet.
- *Backtest*: the same estimate for every published period with enough history before
  it; its errors (in %) give the nowcast's band (± ``Z`` × RMSE) and the reported error.
Official growth rates are copied as published (``indicator_official``), never re-derived.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cockpit.lake import files as lake_files
from cockpit.lake import lake_of, table_dir
from cockpit.reference import CITY_CODE

WINDOW = 3
Z = 1.96


@dataclass(frozen=True)
class Backtest:
    """Errors of the calibrated estimate against published figures, in %."""

    n: int
    mape: float
    rmse: float
    max_abs: float


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
    v = v[~single_jan_feb]
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


History = dict[str, list[tuple[str, float]]]


def coverage_history(cov: pd.DataFrame) -> History:
    """Per category ('' = total), its (period sort key, coverage) in period order."""
    hist: History = {}
    ok = cov.dropna(subset=["coverage"])
    for period, cat, c in zip(ok["period"], ok["category_code"], ok["coverage"], strict=True):
        hist.setdefault(cat, []).append((period_sort_key(period), float(c)))
    return {cat: sorted(rows) for cat, rows in hist.items()}


def expected_coverage(hist: History, period: str, category: str) -> float | None:
    """Mean of the ``WINDOW`` latest coverages before ``period`` (category's own, else total)."""
    key = period_sort_key(period)
    for cat in (category, ""):
        before = [c for k, c in hist.get(cat, []) if k < key]
        if len(before) >= WINDOW:
            return sum(before[-WINDOW:]) / WINDOW
    return None


def estimate(feed: pd.DataFrame, hist: History, period: str) -> float | None:
    """Calibrated total retail sales of ``period`` from its feed sales by category."""
    rows = feed[(feed["period"] == period) & (feed["category_code"] != "")]
    if rows.empty:
        rows = feed[(feed["period"] == period) & (feed["category_code"] == "")]
    total = 0.0
    for cat, fen in zip(rows["category_code"], rows["feed_fen"], strict=True):
        c = expected_coverage(hist, period, cat)
        if c is None or c <= 0:
            return None
        total += fen / c
    return total if len(rows) else None


def backtest(feed: pd.DataFrame, cov: pd.DataFrame) -> tuple[pd.DataFrame, Backtest]:
    """Rolling-origin errors of the estimate on every published period with history."""
    totals = cov[cov["category_code"] == ""]
    hist = coverage_history(cov)
    rows = []
    for period, official in zip(totals["period"], totals["official_fen"], strict=True):
        est = estimate(feed, hist, period)
        if est is not None and official:
            rows.append({"period": period, "error_pct": (est / official - 1.0) * 100.0})
    errs = pd.DataFrame(rows, columns=["period", "error_pct"])
    e = errs["error_pct"]
    stats = Backtest(
        n=len(e),
        mape=float(e.abs().mean()) if len(e) else math.nan,
        rmse=float(math.sqrt((e**2).mean())) if len(e) else math.nan,
        max_abs=float(e.abs().max()) if len(e) else math.nan,
    )
    return errs, stats


def calibrated_table(feed: pd.DataFrame, cov: pd.DataFrame) -> tuple[pd.DataFrame, Backtest]:
    """Per feed period: feed, official (if any), estimate with its band, and the status."""
    errs, stats = backtest(feed, cov)
    official = cov[cov["category_code"] == ""].set_index("period")["official_fen"]
    err = errs.set_index("period")["error_pct"]
    band = Z * stats.rmse / 100.0 if stats.n else math.nan
    rows = []
    hist = coverage_history(cov)
    totals = feed[feed["category_code"] == ""]
    for period, fen in zip(totals["period"], totals["feed_fen"], strict=True):
        est = estimate(feed, hist, period)
        rows.append(
            {
                "period": period,
                "period_label": period_label(period),
                "feed_fen": int(fen),
                "official_fen": _int_or_none(official.get(period)),
                "estimate_fen": _int_or_none(est),
                "low_fen": _int_or_none(est * (1 - band) if est is not None else None),
                "high_fen": _int_or_none(est * (1 + band) if est is not None else None),
                "status": "published" if period in official.index else "nowcast",
                "backtest_error_pct": err.get(period),
            }
        )
    out = pd.DataFrame(rows)
    if len(out):
        out = out.sort_values("period", key=_key).reset_index(drop=True)
    return out, stats


def _int_or_none(x: Any) -> int | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x))


def publish_calibration(home: Path, build_id: str) -> list[str]:
    """Write indicator_coverage, indicator_calibrated and indicator_official; name them."""
    from cockpit.indicators.build import VALUES_TABLE, replace_table

    lake = lake_of(home)
    official = read_official(lake)
    if official.empty or not table_dir(lake, VALUES_TABLE).exists():
        return []
    feed = feed_sales(_retail_sales(table_dir(lake, VALUES_TABLE)))
    cov = coverage_table(feed, official)
    calibrated, _ = calibrated_table(feed, cov)
    replace_table(lake, "indicator_coverage", build_id, cov)
    replace_table(lake, "indicator_calibrated", build_id, _nullable_ints(calibrated))
    published = official.assign(period_label=official["period"].map(period_label))
    replace_table(lake, "indicator_official", build_id, published)
    return ["indicator_coverage", "indicator_calibrated", "indicator_official"]


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


def _nullable_ints(frame: pd.DataFrame) -> pd.DataFrame:
    for col in ("official_fen", "estimate_fen", "low_fen", "high_fen"):
        if col in frame:
            frame[col] = frame[col].astype("Int64")
    return frame


def backtest_report(home: Path) -> Backtest:
    """The backtest of the calibrated estimate over the lake's published figures."""
    from cockpit.indicators.query import read_values

    lake = lake_of(home)
    feed = feed_sales(read_values(lake))
    _, stats = backtest(feed, coverage_table(feed, read_official(lake)))
    return stats
