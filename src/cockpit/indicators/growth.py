"""From monthly levels to published figures: values, MoM, YoY, 1–2月 and 1–N月累计.

NBS conventions, followed here:
- January and February are reported together as ``YYYY-01-02`` (1–2月): Spring Festival
  moves between them, so single January or February year-on-year rates are not published
  (``yoy`` is empty for them; their levels and month-on-month changes are kept).
- Year-to-date (1–N月累计) rows start at February (1–2月) and need the year from January.
- Growth is on a comparable scope: ``ss_mom`` / ``ss_yoy`` compare only merchants present
  in both periods (same-store); ``mom`` / ``yoy`` beside them use every merchant.
- Growth of a level is in %, growth of a share (unit %) in percentage points.
Everything here is plain pandas on small tables, so both engines share it exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cockpit.indicators.catalogue import CUT_DIMENSIONS, INDICATORS, indicator
from cockpit.indicators.cube import LAGS, measure_columns

PARTS = ("n", "d", *(f"{p}{lag}{x}" for lag in LAGS for p in ("ss", "b") for x in "nd"))
_ALL = "*all*"  # stands for "not cut by this dimension" while grouping (NaN never groups)
GROUP = ["indicator_id", "cut", *CUT_DIMENSIONS]
VALUE_COLUMNS = [
    "indicator_id",
    "period_type",
    "period",
    "period_label",
    "cut",
    *CUT_DIMENSIONS,
    "value",
    "num",
    "den",
    "mom",
    "yoy",
    "ss_mom",
    "ss_yoy",
    "unit",
    "growth_unit",
]


def wide_to_long(wide: pd.DataFrame, cut: tuple[str, ...], time_cols: list[str]) -> pd.DataFrame:
    """Stage-B (or daily) columns ``<id>__n__ss1`` etc. as one row per indicator."""
    frames = []
    for ind in INDICATORS:
        if not set(cut) <= set(ind.dimensions):
            continue
        part = wide[time_cols + list(cut)].copy()
        n_col, *d_cols = measure_columns(ind)
        part["indicator_id"] = ind.id
        part["n"] = wide[n_col]
        part["d"] = wide[d_cols[0]] if d_cols else np.nan
        for lag in LAGS:
            for p in ("ss", "b"):
                for x, col in (("n", n_col), ("d", d_cols[0] if d_cols else None)):
                    src = f"{col}__{p}{lag}"
                    part[f"{p}{lag}{x}"] = wide[src] if col and src in wide else np.nan
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["cut"] = ",".join(cut)
    for dim in CUT_DIMENSIONS:
        if dim not in out:
            out[dim] = None
    return out


def _scale(ids: pd.Series) -> pd.Series:
    return ids.map({i.id: i.scale if i.den is not None else np.nan for i in INDICATORS})


def ratio(n: pd.Series, d: pd.Series, scale: pd.Series) -> pd.Series:
    """``n`` for levels; ``scale * n / d`` for ratios (empty where ``d`` is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = scale * n / d.where(d != 0)
    return r.where(scale.notna(), n).astype("float64")


def change(a: pd.Series, b: pd.Series, growth_unit: pd.Series) -> pd.Series:
    """Growth of ``a`` over ``b``: % for levels, percentage points for shares."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (a / b.where(b != 0) - 1.0) * 100.0
    return pct.where(growth_unit == "%", a - b).astype("float64")


def _full_grid(levels: pd.DataFrame) -> pd.DataFrame:
    """Every group on every month of the range, absent months as zero."""
    mis = range(int(levels["mi"].min()), int(levels["mi"].max()) + 1)
    keys = levels[GROUP].drop_duplicates().fillna({d: _ALL for d in CUT_DIMENSIONS})
    grid = keys.merge(pd.DataFrame({"mi": list(mis)}), how="cross")
    filled = levels.fillna({d: _ALL for d in CUT_DIMENSIONS})
    out = grid.merge(filled, on=[*GROUP, "mi"], how="left")
    kinds = out["indicator_id"].map({i.id: i.kind for i in INDICATORS})
    for col in PARTS:
        has = out.groupby(GROUP, sort=False)[col].transform("count") > 0
        out[col] = out[col].where(out[col].notna() | ~has, 0.0)
        if col != "n" and col != "d":
            out.loc[kinds == "merchants", col] = np.nan
    for d in CUT_DIMENSIONS:
        out[d] = out[d].astype("object").mask(out[d] == _ALL, None)
    return out.sort_values([*GROUP, "mi"], kind="stable").reset_index(drop=True)


def _shift(df: pd.DataFrame, values: pd.Series, k: int) -> pd.Series:
    return values.groupby([df[c].fillna(_ALL) for c in GROUP], sort=False).shift(k)


def month_label(mi: pd.Series) -> pd.Series:
    """``YYYY-MM`` of a month index."""
    return (mi // 12).astype(str) + "-" + (mi % 12 + 1).astype(str).str.zfill(2)


def month_rows(g: pd.DataFrame) -> pd.DataFrame:
    """One row per group and month, with all-merchant and same-store MoM and YoY."""
    scale, gu = _scale(g["indicator_id"]), g["growth_unit"]
    v = ratio(g["n"], g["d"], scale)
    out = g.assign(period_type="month", period=month_label(g["mi"]), value=v)
    out["mom"] = change(v, _shift(g, v, 1), gu)
    out["yoy"] = change(v, _shift(g, v, 12), gu)
    for lag, col in ((1, "ss_mom"), (12, "ss_yoy")):
        cur = ratio(g[f"ss{lag}n"], g[f"ss{lag}d"], scale)
        base = ratio(g[f"b{lag}n"], g[f"b{lag}d"], scale)
        out[col] = change(cur, _shift(g, base, lag), gu)
    jan_feb = g["mi"] % 12 < 2
    out.loc[jan_feb, ["yoy", "ss_yoy"]] = np.nan
    out["period_label"] = (g["mi"] // 12).astype(str) + "年" + (g["mi"] % 12 + 1).astype(str) + "月"
    return out


def ytd_rows(g: pd.DataFrame) -> pd.DataFrame:
    """1–N月累计 from February on, and the combined 1–2月 month, for additive indicators."""
    additive = g["indicator_id"].map({i.id: i.additive_over_time for i in INDICATORS})
    g = g[additive].copy()
    year = g["mi"] // 12
    keys = [g[c].fillna(_ALL) for c in GROUP] + [year]
    cum = g[list(PARTS)].groupby(keys, sort=False).cumsum()
    first = g["mi"].groupby(keys, sort=False).transform("min")
    cum_g = g.drop(columns=list(PARTS)).join(cum)
    scale, gu = _scale(g["indicator_id"]), g["growth_unit"]
    v = ratio(cum_g["n"], cum_g["d"], scale)
    out = cum_g.assign(period_type="ytd", period=month_label(g["mi"]), value=v)
    out["yoy"] = change(v, _shift(cum_g, v, 12), gu)
    cur = ratio(cum_g["ss12n"], cum_g["ss12d"], scale)
    base = ratio(cum_g["b12n"], cum_g["b12d"], scale)
    out["ss_yoy"] = change(cur, _shift(cum_g, base, 12), gu)
    out["mom"] = np.nan
    out["ss_mom"] = np.nan
    # The year must start in January, and NBS's first cumulative figure is 1–2月.
    whole_year = (first % 12 == 0) & (g["mi"] % 12 >= 1)
    prior_whole = _shift(cum_g, first.astype("float64"), 12) % 12 == 0
    out.loc[~prior_whole, ["yoy", "ss_yoy"]] = np.nan
    out = out[whole_year]
    out["period_label"] = (
        (out["mi"] // 12).astype(str) + "年1–" + (out["mi"] % 12 + 1).astype(str) + "月"
    )
    jan_feb = out[out["mi"] % 12 == 1].copy()
    jan_feb["period_type"] = "month"
    jan_feb["period"] = (jan_feb["mi"] // 12).astype(str) + "-01-02"
    return pd.concat([out, jan_feb], ignore_index=True)


def published_values(levels: pd.DataFrame) -> pd.DataFrame:
    """Month, 1–2月 and 1–N月累计 rows of every indicator and cut, from stage-B levels."""
    g = _full_grid(levels)
    g["growth_unit"] = g["indicator_id"].map(lambda i: indicator(i).growth_unit)
    g["unit"] = g["indicator_id"].map(lambda i: indicator(i).unit)
    out = pd.concat([month_rows(g), ytd_rows(g)], ignore_index=True)
    return finish(out)


def daily_values(days: pd.DataFrame) -> pd.DataFrame:
    """Day rows (levels only) from daily stage output."""
    scale = _scale(days["indicator_id"])
    out = days.assign(
        period_type="day",
        period=days["date"].astype(str),
        period_label=days["date"].astype(str),
        value=ratio(days["n"], days["d"], scale),
        unit=days["indicator_id"].map(lambda i: indicator(i).unit),
        growth_unit=days["indicator_id"].map(lambda i: indicator(i).growth_unit),
    )
    for col in ("mom", "yoy", "ss_mom", "ss_yoy"):
        out[col] = np.nan
    return finish(out)


def finish(out: pd.DataFrame) -> pd.DataFrame:
    """The published columns, in order, with integer parts as integers."""
    out = out.rename(columns={"n": "num", "d": "den"})
    out["num"] = out["num"].round().astype("int64")
    out["den"] = out["den"].round().astype("Int64")
    return out[VALUE_COLUMNS].reset_index(drop=True)


def empty_values() -> pd.DataFrame:
    """An indicator_values table with no rows."""
    cols: dict[str, Any] = {c: pd.Series(dtype="object") for c in VALUE_COLUMNS}
    for c in ("value", "mom", "yoy", "ss_mom", "ss_yoy"):
        cols[c] = pd.Series(dtype="float64")
    cols["num"] = pd.Series(dtype="int64")
    cols["den"] = pd.Series(dtype="Int64")
    return pd.DataFrame(cols)


def values_arrow(frame: pd.DataFrame) -> Any:
    """indicator_values rows as Arrow with the fixed schema (every part alike)."""
    import pyarrow as pa

    text = pa.string()
    fields = [(c, text) for c in VALUE_COLUMNS]
    types = {"value": pa.float64(), "num": pa.int64(), "den": pa.int64()}
    types.update({c: pa.float64() for c in ("mom", "yoy", "ss_mom", "ss_yoy")})
    schema = pa.schema([(c, types.get(c, t)) for c, t in fields])
    return pa.Table.from_pandas(frame[VALUE_COLUMNS], schema=schema, preserve_index=False)
