"""From monthly levels to published figures: values, MoM, YoY, 1–2月 and 1–N月累计.

NBS conventions, followed here:
- January and February are reported together as ``YYYY-01-02`` (1–2月): Spring Festival
  moves between them, so single January or February year-on-year rates are not published
  (``yoy`` is empty for them; their levels and month-on-month changes are kept).
- Year-to-date (1–N月累计) rows start at February (1–2月) and need the year from January.
- Growth is on a comparable scope: ``ss_mom`` / ``ss_yoy`` compare only merchants present
  in both periods (same-store); ``mom`` / ``yoy`` beside them use every merchant.
- Growth of a level is in %, growth of a share (unit %) in percentage points.

Everything here is plain NumPy and Arrow on small tables (one row per indicator, cut and
month, not per transaction), so both engines share it exactly. Each indicator-and-cut group
is laid out as one row of a (groups × months) matrix over the whole month range, absent months as
zero, so month-on-month and year-on-year are column shifts and 1–N月 a running sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cockpit.indicators import sampling
from cockpit.indicators.catalogue import CUT_DIMENSIONS, INDICATORS, Indicator
from cockpit.indicators.cube import LAGS, GroupingSet, Measures
from cockpit.lake import schema as lake_schema

# Filled by cockpit.indicators.disclosure: the cell's merchants, ok / unreliable /
# suppressed / complementary, and which growth rates the rules withheld and why.
DISCLOSURE_COLUMNS = ["merchants", "status", "growth_withheld"]
PARTS = ("n", "d", *(f"{p}{lag}{x}" for lag in LAGS for p in ("ss", "b") for x in "nd"))
# Sums over merchants of squares and products (cockpit.indicators.sampling): of the
# numerator, the denominator, and their product.
MOMENTS = ("nq", "dq", "nd")
# Standard errors (the value's, and each growth rate's, in its unit) and the value's CV.
SE_COLUMNS = ["value_se", "value_cv", "mom_se", "yoy_se", "ss_mom_se", "ss_yoy_se"]
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
    *SE_COLUMNS,
    "unit",
    "growth_unit",
    *DISCLOSURE_COLUMNS,
]


def _part_source(ind: Indicator, m: Measures, part: str) -> str | None:
    """The query column of a long part (``ss1d`` -> ``a<k>__ss1`` of the denominator;
    ``ss1q`` -> ``a<k>__ss1__q`` of the numerator; ``nd`` -> ``a<i>__x__a<k>``)."""
    if part in MOMENTS:
        num, den = m.column.get(f"{ind.id}__n"), m.column.get(f"{ind.id}__d")
        if part == "nq":
            return f"{num}__q"
        if den is None:
            return None
        return f"{den}__q" if part == "dq" else f"{num}__x__{den}"
    x = part[-1]
    col = m.column.get(f"{ind.id}__{x}")
    if col is None:
        return None
    return col if part in ("n", "d") else f"{col}__{part[:-1]}"


def long_levels(
    results: list[tuple[Any, list[GroupingSet], list[str]]], m: Measures
) -> dict[str, Any]:
    """Grouping-sets results (Arrow, their groupings, their keys) as long Arrow tables.

    One row per grouping row and indicator allowing the cut: time (``mi``; ``date`` for
    days), ``cut``, the cut dimensions, ``indicator_id`` and the parts (float64); keyed by
    the period of the groupings (``month``, ``day``).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    blocks: dict[str, list[Any]] = {}
    for result, sets, keys in results:
        grouped = {k: pc.equal(result[f"g__{k}"], 0) for k in keys}
        for s in sets:
            mask = pa.array(np.ones(result.num_rows, dtype=bool))
            for k in keys:
                mask = pc.and_(mask, grouped[k] if k in s.keys else pc.invert(grouped[k]))
            if s.digital_type is not None:
                flag_col = next(k for k in s.keys if k not in s.cut and k != "mi")
                mask = pc.and_(mask, pc.equal(result[flag_col], True))
            sub = result.filter(mask)
            blocks.setdefault(s.period, []).extend(_blocks(sub, s, m))
    return {period: pa.concat_tables(b) for period, b in blocks.items()}


def _blocks(sub: Any, s: GroupingSet, m: Measures) -> list[Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    k_rows = sub.num_rows
    time = {"mi": pc.cast(sub["mi"], pa.int32())}
    if s.period == "day":
        time["date"] = sub["date"]
    dims: dict[str, Any] = {}
    for d in CUT_DIMENSIONS:
        if d == "digital_type" and s.digital_type is not None:
            dims[d] = pa.array([s.digital_type] * k_rows, pa.string())
        elif d in s.cut:
            dims[d] = pc.cast(sub[d], pa.string())
        else:
            dims[d] = pa.nulls(k_rows, pa.string())
    cut = pa.array([",".join(s.cut)] * k_rows, pa.string())
    out = []
    for ind in INDICATORS:
        if not set(s.cut) <= set(ind.dimensions):
            continue
        cols: dict[str, Any] = {**time, "cut": cut, **dims}
        cols["indicator_id"] = pa.array([ind.id] * k_rows, pa.string())
        for part in (*PARTS, *MOMENTS):
            src = _part_source(ind, m, part)
            if src is not None and src in sub.column_names:
                cols[part] = pc.cast(sub[src], pa.float64())
            else:
                cols[part] = pa.array(np.full(k_rows, np.nan))
        out.append(pa.table(cols))
    return out


def ratio(n: Any, d: Any, scale: Any) -> Any:
    """``n`` for levels; ``scale * n / d`` for ratios (empty where ``d`` is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = scale * n / np.where(d != 0, d, np.nan)
    return np.where(np.isnan(scale), n, r).astype("float64")


def change(a: Any, b: Any, in_pct: Any) -> Any:
    """Growth of ``a`` over ``b``: % for levels, percentage points for shares."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (a / np.where(b != 0, b, np.nan) - 1.0) * 100.0
    return np.where(in_pct, pct, a - b).astype("float64")


def _shift(m: Any, k: int) -> Any:
    """Columns shifted right by ``k`` months (NaN where the month before is out of range)."""
    out = np.full_like(m, np.nan)
    if k < m.shape[1]:
        out[:, k:] = m[:, : m.shape[1] - k]
    return out


def _labels(mi: Any, fmt: str) -> Any:
    """``fmt`` filled with the year ``y`` and month ``m`` of each month index (Arrow)."""
    months, inverse = np.unique(mi, return_inverse=True)
    return _strings([fmt.format(y=i // 12, m=i % 12 + 1) for i in months], inverse)


def _strings(values: list[str], index: Any) -> Any:
    """Arrow strings ``values[index]`` (taken in Arrow: no Python string per row)."""
    import pyarrow as pa

    indices = pa.array(np.asarray(index, np.int32).reshape(-1))
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string())).cast(pa.string())


def published_values(levels: Any) -> Any:
    """Month, 1–2月 and 1–N月累计 rows of every indicator and cut, from the month levels.

    ``levels`` and the result are Arrow tables (the result in indicator_values' schema).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    key = np.zeros(levels.num_rows, np.int64)
    for c in GROUP:
        enc = pc.dictionary_encode(levels[c].combine_chunks())
        idx = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        key = key * (len(enc.dictionary) + 1) + idx + 1
    _, first, codes = np.unique(key, return_index=True, return_inverse=True)
    keys = levels.select(GROUP).take(pa.array(first))
    # groups in the order of their values, whatever order the engine gave the rows in
    order = pc.sort_indices(keys, sort_keys=[(c, "ascending", "at_start") for c in GROUP])
    order = order.to_numpy()
    keys = keys.take(pa.array(order))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[codes.reshape(-1)]
    n_groups = keys.num_rows
    mi_col = levels["mi"].to_numpy()
    m0, m1 = int(mi_col.min()), int(mi_col.max())
    months = np.arange(m0, m1 + 1)
    col = mi_col - m0
    by_id = {i.id: i for i in INDICATORS}
    inds = [by_id[i] for i in keys["indicator_id"].to_pylist()]
    has_den = np.array([i.den is not None for i in inds])
    same_store = np.array([i.same_store for i in inds])
    applies = {"n": np.ones(n_groups, bool), "d": has_den}
    for part in PARTS[2:]:
        applies[part] = same_store & (has_den if part.endswith("d") else True)
    applies.update(nq=applies["n"], dq=has_den, nd=has_den)
    mat: dict[str, Any] = {}
    for part in (*PARTS, *MOMENTS):
        m = np.full((n_groups, len(months)), np.nan)
        m[codes, col] = levels[part].to_numpy().astype("float64")
        m[applies[part]] = np.nan_to_num(m[applies[part]], nan=0.0)
        mat[part] = m
    counts = np.array([i.kind == "merchants" for i in inds])
    mat["nq"][counts] = mat["n"][counts]  # a merchant counts 0 or 1: its square is itself
    city = np.flatnonzero(
        (keys["indicator_id"].to_numpy(zero_copy_only=False) == "active_merchants")
        & (keys["cut"].to_numpy(zero_copy_only=False) == "")
    )
    n_city = mat["n"][city[0]] if len(city) else np.full(len(months), np.nan)
    scale = np.array([i.scale if i.den is not None else np.nan for i in inds])[:, None]
    in_pct = np.array([i.growth_unit == "%" for i in inds])[:, None]
    jan_feb = (months % 12 < 2)[None, :]

    def rows(m: dict[str, Any], lags: tuple[int, ...]) -> dict[str, Any]:
        v = ratio(m["n"], m["d"], scale)
        out = {"value": v}
        for lag, name in ((1, "mom"), (12, "yoy")):
            if lag not in lags:
                out[name] = np.full_like(v, np.nan)
                out["ss_" + name] = np.full_like(v, np.nan)
                continue
            cur = ratio(m[f"ss{lag}n"], m[f"ss{lag}d"], scale)
            base = ratio(m[f"b{lag}n"], m[f"b{lag}d"], scale)
            out[name] = change(v, _shift(v, lag), in_pct)
            out["ss_" + name] = change(cur, _shift(base, lag), in_pct)
        return out

    month = rows(mat, (1, 12))
    month["yoy"][:, jan_feb[0]] = np.nan
    month["ss_yoy"][:, jan_feb[0]] = np.nan
    is_ratio = has_den[:, None]
    variance = sampling.level_variance(mat, is_ratio, scale, n_city)
    month.update(_errors(month, mat, variance, (scale, in_pct), (1, 12)))

    # 1–N月累计: running sums within each calendar year, for additive indicators.
    additive = np.array([i.additive_over_time for i in inds])
    cum = {p: np.full_like(mat[p], np.nan) for p in PARTS}
    years = months // 12
    for y in np.unique(years):
        cols = years == y
        for p in PARTS:
            cum[p][:, cols] = np.cumsum(mat[p][:, cols], axis=1)
    ytd = rows(cum, (12,))
    first = np.maximum(years * 12, m0)
    whole_year = (first % 12 == 0) & (months % 12 >= 1)
    prior_whole = (months - 12 >= m0) & ((np.maximum(years * 12 - 12, m0)) % 12 == 0)
    ytd["yoy"][:, ~prior_whole] = np.nan
    ytd["ss_yoy"][:, ~prior_whole] = np.nan
    variance = sampling.cumulative_variance(mat, is_ratio, scale, n_city, years)
    ytd.update(_errors(ytd, cum, variance, (scale, in_pct), (12,)))

    info = (keys, inds)
    tables = [_table(info, np.arange(n_groups), months, mat, month, "month", "{y}-{m:02d}")]
    g_add = np.flatnonzero(additive)
    for cols, period_type, period in (
        (np.flatnonzero(whole_year), "ytd", "{y}-{m:02d}"),
        (np.flatnonzero(whole_year & (months % 12 == 1)), "month", "{y}-01-02"),
    ):
        sel = {k: v[np.ix_(g_add, cols)] for k, v in ytd.items()}
        cum_sel = {p: cum[p][np.ix_(g_add, cols)] for p in ("n", "d")}
        tables.append(_table(info, g_add, months[cols], cum_sel, sel, period_type, period))
    return pa.concat_tables(tables)


def _errors(
    out: dict[str, Any],
    m: dict[str, Any],
    variance: Any,
    units: tuple[Any, Any],
    lags: tuple[int, ...],
) -> dict[str, Any]:
    """The standard errors of ``out``'s value and growth rates (``SE_COLUMNS``), from the
    variance of the values (empty where the figure is). A same-store part's variance is
    taken as its cell's: its merchants are some of the cell's, so their sum of squares
    is at most the cell's (an overstatement, never an understatement, of that term)."""
    scale, in_pct = units
    v = out["value"]
    se = np.sqrt(variance)
    errors = {"value_se": np.where(np.isnan(v), np.nan, se)}
    errors["value_cv"] = sampling.coefficient_of_variation(errors["value_se"], v)
    for lag, name in ((1, "mom"), (12, "yoy")):
        if lag not in lags:
            errors[f"{name}_se"] = np.full_like(v, np.nan)
            errors[f"ss_{name}_se"] = np.full_like(v, np.nan)
            continue
        shifted = _shift(variance, lag)
        every = sampling.growth_se(v, _shift(v, lag), variance, shifted, in_pct)
        now = ratio(m[f"ss{lag}n"], m[f"ss{lag}d"], scale)
        base = _shift(ratio(m[f"b{lag}n"], m[f"b{lag}d"], scale), lag)
        same = sampling.growth_se(now, base, variance, shifted, in_pct)
        errors[f"{name}_se"] = np.where(np.isnan(out[name]), np.nan, every)
        errors[f"ss_{name}_se"] = np.where(np.isnan(out[f"ss_{name}"]), np.nan, same)
    return errors


def _table(
    info: tuple[Any, list[Indicator]],
    groups: Any,
    months: Any,
    parts: dict[str, Any],
    values: dict[str, Any],
    period_type: str,
    period: str,
) -> Any:
    """indicator_values rows of ``groups`` × ``months`` (group-major) from the matrices."""
    import pyarrow as pa

    keys, inds = info
    n_g, n_m = len(groups), len(months)
    rows = np.repeat(groups, n_m)
    mi = np.tile(months, n_g)
    label = "{y}年1–{m}月" if period_type == "ytd" or period.endswith("-01-02") else "{y}年{m}月"
    cols: dict[str, Any] = {c: keys[c].take(pa.array(rows)) for c in GROUP}
    cols["period_type"] = _strings([period_type], np.zeros(n_g * n_m, np.int32))
    cols["period"] = _labels(mi, period)
    cols["period_label"] = _labels(mi, label)
    for name, m in values.items():
        cols[name] = pa.array(np.asarray(m).reshape(-1), pa.float64(), from_pandas=True)
    cols["num"] = pa.array(np.round(parts["n"].reshape(-1)).astype(np.int64))
    den = pa.array(np.round(parts["d"].reshape(-1)), pa.float64(), from_pandas=True)
    cols["den"] = den.cast(pa.int64())
    cols["unit"] = _strings([i.unit for i in inds], rows)
    cols["growth_unit"] = _strings([i.growth_unit for i in inds], rows)
    cols.update(_undisclosed(n_g * n_m))
    table = pa.table({c: cols[c] for c in VALUE_COLUMNS}).cast(values_schema())
    return table.replace_schema_metadata(_pandas_metadata())


def daily_values(days: Any) -> Any:
    """Day rows (levels only, no growth) from the day levels, as indicator_values Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = [i.id for i in INDICATORS]
    which = pc.index_in(days["indicator_id"], value_set=pa.array(ids))
    scale = pa.array([i.scale if i.den is not None else None for i in INDICATORS], pa.float64())
    unit = pa.array([i.unit for i in INDICATORS], pa.string())
    growth_unit = pa.array([i.growth_unit for i in INDICATORS], pa.string())
    n, d, s = days["n"], _no_nan(days["d"]), pc.take(scale, which)
    d_nonzero = pc.if_else(pc.equal(d, 0.0), pa.scalar(None, pa.float64()), d)
    value = pc.if_else(pc.is_null(s), n, pc.divide(pc.multiply(s, n), d_nonzero))
    period = pc.cast(days["date"], pa.string())
    empty = pa.nulls(days.num_rows, pa.float64())
    cols: dict[str, Any] = {
        "indicator_id": days["indicator_id"],
        "period_type": pa.array(["day"] * days.num_rows, pa.string()),
        "period": period,
        "period_label": period,
        "cut": days["cut"],
        **{dim: days[dim] for dim in CUT_DIMENSIONS},
        "value": value,
        "num": pc.cast(pc.round(n), pa.int64()),
        "den": pc.cast(pc.round(d), pa.int64()),
        "mom": empty,
        "yoy": empty,
        "ss_mom": empty,
        "ss_yoy": empty,
        **dict.fromkeys(SE_COLUMNS, empty),
        "unit": pc.take(unit, which),
        "growth_unit": pc.take(growth_unit, which),
        **_undisclosed(days.num_rows),
    }
    table = pa.table(cols).cast(values_schema())
    return table.replace_schema_metadata(_pandas_metadata())


def _undisclosed(n: int) -> dict[str, Any]:
    """The disclosure columns, empty until ``disclosure.apply`` fills them."""
    import pyarrow as pa

    return {
        "merchants": pa.nulls(n, pa.int64()),
        **{c: pa.nulls(n, pa.string()) for c in DISCLOSURE_COLUMNS[1:]},
    }


def _pandas_metadata() -> Any:
    """The pandas metadata of indicator_values parts (den reads back as Int64)."""
    return values_arrow(empty_values()).schema.metadata


def _no_nan(col: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pc.is_nan(col), pa.scalar(None, pa.float64()), col)


def empty_values() -> pd.DataFrame:
    """An indicator_values table with no rows."""
    cols: dict[str, Any] = {c: pd.Series(dtype="object") for c in VALUE_COLUMNS}
    for c in ("value", "mom", "yoy", "ss_mom", "ss_yoy", *SE_COLUMNS):
        cols[c] = pd.Series(dtype="float64")
    cols["num"] = pd.Series(dtype="Int64")
    cols["den"] = pd.Series(dtype="Int64")
    cols["merchants"] = pd.Series(dtype="Int64")
    return pd.DataFrame(cols)


def values_schema() -> Any:
    """The Arrow schema of indicator_values (every part alike), as the lake declares it."""
    return lake_schema("indicator_values")


def values_arrow(frame: pd.DataFrame) -> Any:
    """indicator_values rows as Arrow with the fixed schema (NaN stored as null)."""
    import pyarrow as pa

    schema = values_schema()
    return pa.Table.from_pandas(frame[VALUE_COLUMNS], schema=schema, preserve_index=False)
