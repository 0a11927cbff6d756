"""The small-cell rules, applied in one place: the build's published rows.

``disclosure.yaml`` (or ``COCKPIT_HOME/disclosure.yaml``) says which cells are too thin to
publish or to trust; ``apply`` marks every row of ``indicator_values`` by them, so the API,
the cockpit, exports, alerts and the bulletin, which all read those rows, honour them
without a rule of their own:
- a cell (period × cut value) whose figures rest on fewer than ``min_merchants`` merchants
  is **suppressed**: its value, numerator, denominator and growth rates are emptied, for
  every indicator of the cell (``status`` = ``suppressed``);
- where one suppressed cell of a line that adds up to a published total (a single cut's
  cells to the city total; a row or column of district × category to its district or
  category) would be the total minus the others, the next-smallest cell of the line is
  suppressed too (``complementary``), until no line has exactly one;
- a cumulative row (1–N月, 1–2月) is suppressed when any of its months is (else the month
  is one cumulative row minus the one before), and rests on its largest month's merchants;
- a growth rate is withheld when its base cell is suppressed (else value / (1 + growth)
  gives the base back), rests on fewer than ``min_base_merchants``, or is too uncertain
  (``growth_withheld`` names each, e.g. ``yoy:thin_base``);
- a figure whose coefficient of variation exceeds ``max_cv`` is flagged ``unreliable``.
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
PAIR = ("district", "category")
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


def _month_index(period: pd.Series) -> np.ndarray:
    year = period.str.slice(0, 4).astype(int).to_numpy()
    month = period.str.slice(5, 7).astype(int).to_numpy()
    return year * 12 + month - 1


def _times(v: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(kind: month / cumulative / day, time) of each row; 1–2月 is the cumulative row of
    February, a day its ordinal."""
    kind = np.full(len(v), _MONTH)
    time = np.zeros(len(v), np.int64)
    day = (v["period_type"] == "day").to_numpy()
    cumulative = (v["period_type"] == "ytd").to_numpy() | (v["period"].str.len() == 10).to_numpy()
    cumulative &= ~day
    kind[cumulative] = _YTD
    kind[day] = _DAY
    if day.any():
        dates = v["period"][day].map(lambda s: dt.date.fromisoformat(s).toordinal())
        time[day] = dates.to_numpy()
    if (~day).any():
        time[~day] = _month_index(v["period"][~day])
        jan_feb = cumulative & (v["period"].str.len() == 10).to_numpy()
        time[jan_feb] += 1  # YYYY-01-02 read as YYYY-01: February's cumulative row
    return kind, time


def _cell_codes(v: pd.DataFrame) -> tuple[np.ndarray, int]:
    cols = ["cut", *CUT_DIMENSIONS]
    codes, uniques = pd.MultiIndex.from_frame(v[cols].fillna("\0")).factorize()
    return np.asarray(codes, np.int64), len(uniques)


def _key(kind: Any, time: Any, cell: Any, n_cells: int) -> np.ndarray:
    at = np.asarray(kind, np.int64) * 10**7 + np.asarray(time, np.int64)
    out: np.ndarray = at * n_cells + np.asarray(cell, np.int64)
    return out


def month_cells(v: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """The month and day cells (from the merchant-count rows): their merchants, and
    whether the rules suppress them (``hidden``, ``complementary``)."""
    cells = v[(v["indicator_id"] == MERCHANTS) & (v["kind"] != _YTD)]
    cells = cells[["kind", "time", "cell", "cut", "district", "category", "value"]].copy()
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
    pair = (cells["cut"] == ",".join(PAIR)).to_numpy()
    return [
        (one, ["kind", "time", "cut"]),
        (pair, ["kind", "time", "district"]),
        (pair, ["kind", "time", "category"]),
    ]


def suppress_complementary(cells: pd.DataFrame) -> None:
    """Mark complementary cells until no line has exactly one suppressed cell: the line's
    smallest other cell with merchants (fewest merchants, then the lowest cell code)."""
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
            choice = choice.sort_values(["merchants", "cell"])
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


def apply(values: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """``values`` (indicator_values rows) with the rules applied; see the module text."""
    v = values.reset_index(drop=True)
    kind, time = _times(v)
    cell, n_cells = _cell_codes(v)
    v = v.assign(kind=kind, time=time, cell=cell)
    cells = month_cells(v, policy)
    cells = pd.concat([cells, cumulative_cells(cells)], ignore_index=True)
    index = pd.Index(_key(cells["kind"], cells["time"], cells["cell"], n_cells))

    def lookup(column: str, lag: int, fill: Any) -> np.ndarray:
        at = index.get_indexer(_key(kind, time - lag, cell, n_cells))
        out = cells[column].to_numpy()[np.maximum(at, 0)]
        found: np.ndarray = np.where(at >= 0, out, fill)
        return found

    merchants = lookup("merchants", 0, 0).astype(np.int64)
    hidden = lookup("hidden", 0, False).astype(bool)
    complementary = lookup("complementary", 0, False).astype(bool)
    status = np.where(hidden, np.where(complementary, COMPLEMENTARY, SUPPRESSED), OK)
    withheld = pd.Series("", index=v.index)
    for col, lag in GROWTH_LAGS.items():
        lag_ = np.where(kind == _YTD, 12, lag)  # a cumulative row's base is last year's
        had = v[col].notna().to_numpy()
        at = index.get_indexer(_key(kind, time - lag_, cell, n_cells))
        found = at >= 0
        base_hidden = np.where(found, cells["hidden"].to_numpy()[np.maximum(at, 0)], False)
        base_few = np.where(found, cells["merchants"].to_numpy()[np.maximum(at, 0)], 0)
        thin = base_few < policy.growth.min_base_merchants
        for reason, rows in (("base_suppressed", base_hidden), ("thin_base", thin & ~base_hidden)):
            rows = rows.astype(bool) & had & ~hidden
            withheld[rows] += f"{col}:{reason};"
            v.loc[rows, col] = np.nan
    v["merchants"] = merchants
    v["status"] = status
    v["growth_withheld"] = withheld.str.rstrip(";").replace("", None)
    emptied = ["value", "num", "den", *GROWTH_LAGS]
    v.loc[hidden, emptied] = np.nan
    v["num"] = v["num"].astype("Int64")
    v["den"] = v["den"].astype("Int64")
    return v.drop(columns=["kind", "time", "cell"])
