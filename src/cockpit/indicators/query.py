"""Reading indicators: live ``compute()`` on an engine, and the built tables for the cockpit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from cockpit.config import get_settings
from cockpit.indicators.catalogue import check_dimensions, indicator
from cockpit.indicators.engines import open_engine
from cockpit.indicators.fact import fact_table, unpivot_digital_types
from cockpit.lake import files as lake_files
from cockpit.lake import lake_of

TIME_COLUMNS = {"month": "month", "day": "date"}


def _period_filter(t: Any, period: str | None) -> Any:
    """Rows of ``period``: YYYY, YYYY-MM, YYYY-MM-DD or NBS's YYYY-01-02 (1–2月)."""
    if period is None:
        return t
    if len(period) == 4:
        return t.filter(t.month.startswith(period + "-"))
    if period.endswith("-01-02"):
        return t.filter(t.month.isin([period[:4] + "-01", period[:4] + "-02"]))
    if len(period) == 7:
        return t.filter(t.month == period)
    import datetime as dt

    return t.filter(t.date == dt.date.fromisoformat(period))


def compute(
    indicator_id: str,
    *,
    by: list[str] | None = None,
    period: str | None = None,
    engine: str | None = None,
    home: Path | None = None,
) -> pd.DataFrame:
    """One indicator computed live from the lake, cut ``by`` dimensions, over ``period``.

    >>> compute("retail_sales", by=["district"], period="2025-06")  # doctest: +SKIP
    """
    by = list(by or [])
    ind = indicator(indicator_id)
    check_dimensions(ind, by)
    lake = lake_of(home or get_settings().home)
    eng = open_engine(engine, lake)
    t = _period_filter(fact_table(eng.table("transactions"), eng.table("merchants")), period)
    if "digital_type" in by:
        t = unpivot_digital_types(t)
    keys = [TIME_COLUMNS.get(d, d) for d in by]
    # A sum over no matching row is 0, not empty (as in the built tables): a 0 % share.
    num = ind.num(t).fill_null(0)
    aggs = {"value": num, "num": num}
    if ind.den is not None:
        den = ind.den(t).fill_null(0)
        aggs["value"] = num * ind.scale / den.nullif(0)
        aggs["den"] = den
    expr = t.group_by(keys).aggregate(**aggs) if keys else t.aggregate(**aggs)
    out = expr.to_pandas()
    out = out.rename(columns={"date": "day"})
    if ind.kind != "ratio":
        out["value"] = out["value"].fillna(0)
    result: pd.DataFrame = out.sort_values([*by]).reset_index(drop=True) if by else out
    return result


def read_table(lake: Path, table: str) -> pd.DataFrame:
    """A small built table of the lake (indicator_values, indicator_coverage, ...)."""
    import pyarrow.parquet as pq

    files = lake_files(lake, table)
    if not files:
        raise FileNotFoundError(f"no built table {table!r} in {lake}: run `cockpit build`")
    frames: list[pd.DataFrame] = [pq.read_table(f).to_pandas() for f in files]
    return pd.concat(frames, ignore_index=True)


def read_values(lake: Path | None = None) -> pd.DataFrame:
    """The built ``indicator_values`` table."""
    return read_table(lake or get_settings().lake_dir, "indicator_values")


def values(
    indicator_id: str,
    *,
    by: list[str] | None = None,
    period: str | None = None,
    period_type: str = "month",
    lake: Path | None = None,
) -> pd.DataFrame:
    """Built values of one indicator for one built cut.

    ``by``: no dimension, one, or a built pair (``["district", "category"]`` or
    ``["business_district", "category"]``, any order; ``"district,category"`` also works);
    ``month`` / ``day`` choose the period type.
    """
    from cockpit.indicators.cube import CUTS, built_cut

    ind = indicator(indicator_id)
    wanted = [d.strip() for item in (by or []) for d in item.split(",") if d.strip()]
    dims = [d for d in wanted if d not in TIME_COLUMNS]
    check_dimensions(ind, dims)
    cut = built_cut(dims)
    if cut is None:
        known = "; ".join(",".join(c) for c in CUTS if len(c) > 1)
        raise ValueError(
            f"no built cut by {','.join(dims)} (built pairs: {known}); use compute() for others"
        )
    if "day" in wanted:
        period_type = "day"
    dims = list(cut)
    v = read_values(lake)
    v = v[(v["indicator_id"] == ind.id) & (v["period_type"] == period_type)]
    v = v[v["cut"] == ",".join(cut)]
    if period is not None:
        v = v[v["period"].str.startswith(period)] if len(period) == 4 else v[v["period"] == period]
    cols = ["period", "period_label", *dims, "value", "mom", "yoy", "ss_mom", "ss_yoy"]
    # what an exported figure must say about itself (the small-cell rules, the errors)
    cols += ["value_se", "value_cv", "yoy_se", "ss_yoy_se", "merchants", "status"]
    cols += ["growth_withheld"]
    return v[cols].sort_values(["period", *dims]).reset_index(drop=True)


def export(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame as Parquet or CSV (by the file's suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        raise ValueError(f"{path}: export to .parquet or .csv")
    return path
