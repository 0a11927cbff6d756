"""The small-cell rules, applied in one place: the build's published rows.

``disclosure.yaml`` (or ``COCKPIT_HOME/disclosure.yaml``) says which cells are too thin to
publish or to trust; ``apply`` marks every row of ``indicator_values`` by them, so the API,
the cockpit, exports, alerts and the bulletin, which all read those rows, honour them
without a rule of their own:
- a cell (period × cut value) whose figures rest on fewer than ``min_merchants`` merchants
  is **suppressed**: its value, numerator, denominator and growth rates are emptied, for
  every indicator of the cell (``status`` = ``suppressed``);
- where one suppressed cell of a line that adds up to a published total (a single cut's
  cells to the city total; a row or column of district × category or business district ×
  category to its district, business district or category) would be the total minus the
  others, the next-smallest cell of the line is suppressed too (``complementary``), until
  no line has exactly one;
- a cumulative row (1–N月, 1–2月) is suppressed when any of its months is (else the month
  is one cumulative row minus the one before), and rests on its largest month's merchants;
- a growth rate is withheld when its base cell is suppressed (else value / (1 + growth)
  gives the base back), rests on fewer than ``min_base_merchants``, or is too uncertain
  (``growth_withheld`` names each, e.g. ``yoy:thin_base``);
- a figure whose coefficient of variation (``cockpit.indicators.sampling``) exceeds
  ``max_cv`` is flagged ``unreliable``; a growth rate whose relative standard error does
  is withheld (``uncertain``).
The merchant counts are the catalogue's ``active_merchants`` of the same cell.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from cockpit.datafiles import load_model, validate_text
from cockpit.indicators.catalogue import CUT_DIMENSIONS
from cockpit.indicators.growth import SE_COLUMNS

POLICY_FILE = "disclosure.yaml"
MERCHANTS = "active_merchants"
# Single cuts whose cells add up to the city total (digital types overlap: they do not).
ADDITIVE_CUTS = (
    "district",
    "business_district",
    "category",
    "channel",
    "payer_segment",
    "payment_method",
)
# Two-dimension cuts (``cube.PAIR_CUTS``): each row and column adds up to a published cell of
# the single cut of its first and second dimension (business district ``""``, outside any
# area, included: its cells are published like the others).
PAIRS: tuple[tuple[str, str], ...] = (
    ("district", "category"),
    ("business_district", "category"),
)
GROWTH_LAGS = {"mom": 1, "yoy": 12, "ss_mom": 1, "ss_yoy": 12}
OK, UNRELIABLE, SUPPRESSED, COMPLEMENTARY = "ok", "unreliable", "suppressed", "complementary"
_MONTH, _YTD, _DAY = 0, 1, 2


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Suppression(_Strict):
    min_merchants: int = Field(3, ge=1)
    complementary: bool = True


class Reliability(_Strict):
    max_cv: float = Field(0.30, gt=0)


class GrowthRules(_Strict):
    min_base_merchants: int = Field(5, ge=0)
    max_cv: float = Field(0.30, gt=0)


class Policy(_Strict):
    """The rules of ``disclosure.yaml``."""

    version: str
    suppress: Suppression = Suppression()
    reliability: Reliability = Reliability()
    growth: GrowthRules = GrowthRules()


def default_policy_text() -> str:
    return resources.files("cockpit.indicators").joinpath(POLICY_FILE).read_text("utf-8")


def load_policy(home: Path | None = None) -> Policy:
    """``COCKPIT_HOME/disclosure.yaml`` when there is one, else the shipped default; a
    mistake raises ``DataFileError`` naming the line."""
    local = home / POLICY_FILE if home is not None else None
    if local is not None and local.is_file():
        return load_model(local, Policy)
    return validate_text(default_policy_text(), Policy, POLICY_FILE)


def _codes(column: Any) -> tuple[np.ndarray, list[Any]]:
    """Dictionary codes of an Arrow column (nulls: -1) and its distinct values."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(column.combine_chunks())
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, enc.dictionary.to_pylist()


def _time_of(period: str, period_type: str) -> tuple[int, int]:
    """(kind, time) of one period: a month index, 1–2月 as February's cumulative row, a
    day its ordinal."""
    if period_type == "day":
        return _DAY, dt.date.fromisoformat(period).toordinal()
    mi = int(period[:4]) * 12 + int(period[5:7]) - 1
    if len(period) == 10:  # YYYY-01-02
        return _YTD, mi + 1
    return (_YTD if period_type == "ytd" else _MONTH), mi


def _times(v: Any) -> tuple[np.ndarray, np.ndarray]:
    """(kind: month / cumulative / day, time) of each row of Arrow ``v``, computed once a
    distinct period."""
    periods, period_values = _codes(v["period"])
    types, type_values = _codes(v["period_type"])
    width = len(type_values) + 1
    distinct, inverse = np.unique(periods * width + types, return_inverse=True)
    found = [_time_of(period_values[x // width], type_values[x % width]) for x in distinct]
    kinds = np.array([k for k, _ in found], np.int64)
    times = np.array([t for _, t in found], np.int64)
    return kinds[inverse.reshape(-1)], times[inverse.reshape(-1)]


def _cell_codes(v: Any) -> tuple[np.ndarray, int]:
    """A code for each row's cell (cut and cut values) of Arrow ``v``, and how many."""
    key = np.zeros(v.num_rows, np.int64)
    for c in ["cut", *CUT_DIMENSIONS]:
        codes, values = _codes(v[c])
        key = key * (len(values) + 1) + codes + 1
    _, inverse = np.unique(key, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), int(inverse.max()) + 1 if len(key) else 1


def _key(kind: Any, time: Any, cell: Any, n_cells: int) -> np.ndarray:
    at = np.asarray(kind, np.int64) * 10**7 + np.asarray(time, np.int64)
    out: np.ndarray = at * n_cells + np.asarray(cell, np.int64)
    return out


def month_cells(v: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """The month and day cells (``v``: the merchant-count rows of months and days): their
    merchants, and whether the rules suppress them (``hidden``, ``complementary``)."""
    cells = v[["kind", "time", "cell", "cut", *CUT_DIMENSIONS, "value"]].copy()
    cells["merchants"] = cells.pop("value").fillna(0).astype(np.int64)
    few = policy.suppress.min_merchants
    cells["hidden"] = (cells["merchants"] > 0) & (cells["merchants"] < few)
    cells["complementary"] = False
    if policy.suppress.complementary:
        suppress_complementary(cells)
    return cells


def _lines(cells: pd.DataFrame) -> list[tuple[np.ndarray, list[str]]]:
    """(rows, the columns naming a line) of every set of cells that adds up to a total."""
    one = cells["cut"].isin(ADDITIVE_CUTS).to_numpy()
    lines: list[tuple[np.ndarray, list[str]]] = [(one, ["kind", "time", "cut"])]
    for first, second in PAIRS:
        pair = (cells["cut"] == f"{first},{second}").to_numpy()
        lines += [(pair, ["kind", "time", first]), (pair, ["kind", "time", second])]
    return lines


def suppress_complementary(cells: pd.DataFrame) -> None:
    """Mark complementary cells until no line has exactly one suppressed cell: the line's
    smallest other cell with merchants (fewest merchants, then the lowest codes: the same
    choice whatever else the table holds, so a build in parts equals a whole one)."""
    lines = _lines(cells)
    while True:
        changed = False
        for rows, by in lines:
            sub = cells[rows]
            hidden = sub["hidden"]
            alone = hidden.groupby([sub[c] for c in by]).transform("sum") == 1
            choice = sub[alone & ~hidden & (sub["merchants"] > 0)]
            if choice.empty:
                continue
            codes = [choice[d].fillna("") for d in CUT_DIMENSIONS]
            order = np.lexsort([*reversed(codes), choice["merchants"].to_numpy()])
            choice = choice.iloc[order]
            picked = choice.groupby([choice[c] for c in by]).head(1).index
            cells.loc[picked, ["hidden", "complementary"]] = True
            changed = True
        if not changed:
            return


def cumulative_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """1–N月 cells from the month cells: suppressed when a month is, resting on the
    largest month's merchants."""
    months = cells[cells["kind"] == _MONTH].sort_values(["cell", "time"]).copy()
    year = months["time"] // 12
    by = [months["cell"], year]
    months["merchants"] = months.groupby(by)["merchants"].cummax()
    months["hidden"] = months.groupby(by)["hidden"].cummax().astype(bool)
    months["complementary"] = months.groupby(by)["complementary"].cummax().astype(bool)
    months["kind"] = _YTD
    return months


def growth_cv(
    columns: dict[str, np.ndarray], col: str, in_pct: np.ndarray, value_cv: np.ndarray
) -> np.ndarray:
    """The relative standard error a growth rate is judged by: of the ratio of the two
    levels (SE / (1 + g), both in %) for levels; for a share's change in percentage
    points, the share's own CV."""
    g, se = columns[col], columns[f"{col}_se"]
    with np.errstate(divide="ignore", invalid="ignore"):
        of_ratio = np.abs(se / (100.0 + g))
    out: np.ndarray = np.nan_to_num(np.where(in_pct, of_ratio, value_cv), nan=0.0)
    return out


def _floats(values: Any, column: str) -> np.ndarray:
    out: np.ndarray = values[column].to_numpy(zero_copy_only=False).astype("float64")
    return out


def _labels(codes: np.ndarray, labels: list[str | None]) -> Any:
    """Arrow strings ``labels[codes]`` (taken in Arrow: no Python string per row)."""
    import pyarrow as pa

    index = pa.array(codes.astype(np.int32))
    return pa.DictionaryArray.from_arrays(index, pa.array(labels, pa.string())).cast(pa.string())


def apply(values: Any, policy: Policy) -> Any:
    """``values`` (indicator_values rows, Arrow) with the rules applied; see the module
    text. Row-wise work is NumPy over codes (a build publishes a million rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind, time = _times(values)
    cell, n_cells = _cell_codes(values)
    counts = pc.equal(values["indicator_id"], MERCHANTS).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(counts & (kind != _YTD))
    small = values.take(pa.array(rows)).select(["cut", *CUT_DIMENSIONS, "value"])
    frame = small.to_pandas().assign(kind=kind[rows], time=time[rows], cell=cell[rows])
    cells = month_cells(frame, policy)
    cells = pd.concat([cells, cumulative_cells(cells)], ignore_index=True)
    index = pd.Index(_key(cells["kind"], cells["time"], cells["cell"], n_cells))

    def lookup(column: str, lags: Any, fill: Any) -> np.ndarray:
        at = index.get_indexer(_key(kind, time - lags, cell, n_cells))
        out = cells[column].to_numpy()[np.maximum(at, 0)]
        found: np.ndarray = np.where(at >= 0, out, fill)
        return found

    merchants = lookup("merchants", 0, 0).astype(np.int64)
    hidden = lookup("hidden", 0, False).astype(bool)
    complementary = lookup("complementary", 0, False).astype(bool)
    value_cv = _floats(values, "value_cv")
    in_pct = pc.equal(values["growth_unit"], "%").to_numpy(zero_copy_only=False)
    columns = {c: _floats(values, c) for c in ["value", *GROWTH_LAGS, *SE_COLUMNS]}
    reasons: list[str] = []
    mask = np.zeros(values.num_rows, np.int64)  # bit k: reasons[k] withheld the growth
    for col, lag in GROWTH_LAGS.items():
        lags = np.where(kind == _YTD, 12, lag)  # a cumulative row's base is last year's
        had = ~np.isnan(columns[col]) & ~hidden
        base_hidden = lookup("hidden", lags, False).astype(bool)
        thin = lookup("merchants", lags, 0) < policy.growth.min_base_merchants
        thin &= ~base_hidden
        uncertain = growth_cv(columns, col, in_pct, value_cv) > policy.growth.max_cv
        uncertain &= ~base_hidden & ~thin
        for reason, which in (
            ("base_suppressed", base_hidden),
            ("thin_base", thin),
            ("uncertain", uncertain),
        ):
            which = which & had
            mask |= which.astype(np.int64) << len(reasons)
            reasons.append(f"{col}:{reason}")
            columns[col][which] = np.nan
            columns[f"{col}_se"][which] = np.nan
    unreliable = ~hidden & (np.nan_to_num(value_cv, nan=0.0) > policy.reliability.max_cv)
    status = np.where(hidden, np.where(complementary, 3, 2), np.where(unreliable, 1, 0))
    # a thin cell's standard error would give its merchants' sales back as well
    for c in columns:
        columns[c][hidden] = np.nan
    out = values
    for c, x in columns.items():
        out = out.set_column(out.schema.get_field_index(c), c, pa.array(x, from_pandas=True))
    for c in ("num", "den"):
        emptied = pc.if_else(pa.array(hidden), pa.scalar(None, pa.int64()), out[c])
        out = out.set_column(out.schema.get_field_index(c), c, emptied)
    masks, inverse = np.unique(mask, return_inverse=True)
    notes = [";".join(r for k, r in enumerate(reasons) if m >> k & 1) or None for m in masks]
    added = {
        "merchants": pa.array(merchants, pa.int64()),
        "status": _labels(status, [OK, UNRELIABLE, SUPPRESSED, COMPLEMENTARY]),
        "growth_withheld": _labels(inverse.reshape(-1), notes),
    }
    for c, x in added.items():
        out = out.set_column(out.schema.get_field_index(c), c, x)
    return out
