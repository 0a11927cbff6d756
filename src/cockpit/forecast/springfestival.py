"""Spring Festival's moving month, handled explicitly for monthly series.

Spring Festival falls in January or February, so January and February swap a large
amount of spending from year to year; NBS publishes them together (1–2月). Models see
January and February *pooled*: each year's Jan + Feb total is split by the series' average
January share, which removes the moving-holiday noise while keeping the total. Forecasts
(and backtests) are split back with a January share predicted from how much of the
festival period falls in January that year (a least-squares line over past years).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cockpit.forecast.holidays import spring_festival_share_in_january

if TYPE_CHECKING:
    import pandas as pd

MIN_YEARS_FOR_SLOPE = 3


@dataclass(frozen=True)
class ShareModel:
    """January's share of Jan + Feb for one series: mean, and a line in festival share."""

    mean_share: float
    intercept: float
    slope: float

    def predict(self, year: int) -> float:
        """Expected January share in ``year``, kept within (0.05, 0.95)."""
        share = self.intercept + self.slope * spring_festival_share_in_january(year)
        return float(np.clip(share, 0.05, 0.95))


def _jan_feb(df: pd.DataFrame) -> pd.DataFrame:
    """Every series' years with both January and February, and sales in them: one row each.

    Columns: unique_id, year, jan, feb, and row_jan, row_feb (the rows' positions in ``df``).
    """
    import pandas as pd

    month = df["ds"].dt.month.to_numpy()
    rows = pd.DataFrame(
        {
            "unique_id": df["unique_id"].to_numpy(),
            "year": df["ds"].dt.year.to_numpy(),
            "y": df["y"].to_numpy(dtype=float),
            "row": np.arange(len(df)),
        }
    )
    keys = ["unique_id", "year"]
    both = rows[month == 1].merge(rows[month == 2], on=keys, suffixes=("_jan", "_feb"))
    both = both.rename(columns={"y_jan": "jan", "y_feb": "feb"})
    kept: pd.DataFrame = both[(both["jan"] + both["feb"]) > 0]
    return kept.sort_values(keys, kind="stable", ignore_index=True)


def _share_model(years: np.ndarray, jan: np.ndarray, feb: np.ndarray) -> ShareModel | None:
    """The January-share model from one series' Jan/Feb pairs (None: nothing to re-split)."""
    if len(years) == 0:
        return None
    share = jan / (jan + feb)
    mean = float(share.mean())
    if not 0.05 < mean < 0.95:
        return None  # sales in one of the two months only: nothing to re-split
    x = np.array([spring_festival_share_in_january(int(y)) for y in years])
    if len(share) >= MIN_YEARS_FOR_SLOPE and np.ptp(x) > 0.2:
        slope, intercept = np.polyfit(x, share, 1)
        return ShareModel(mean, float(intercept), float(slope))
    return ShareModel(mean, mean, 0.0)


def fit_share(group: pd.DataFrame) -> ShareModel | None:
    """The January-share model of one series, or None without a full Jan + Feb pair."""
    both = _jan_feb(group.assign(unique_id=0))
    return _share_model(
        both["year"].to_numpy(), both["jan"].to_numpy(float), both["feb"].to_numpy(float)
    )


def pool(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, ShareModel]]:
    """Monthly (unique_id, ds, y) with each year's Jan and Feb re-split at the mean share."""
    table = _jan_feb(df)
    models: dict[str, ShareModel] = {}
    for uid, part in table.groupby("unique_id", sort=False):
        model = _share_model(
            part["year"].to_numpy(), part["jan"].to_numpy(float), part["feb"].to_numpy(float)
        )
        if model is not None:
            models[str(uid)] = model
    out = df.copy()
    uids = table["unique_id"].astype(str)
    table = table[uids.isin(models)]
    if not table.empty:
        mean = table["unique_id"].astype(str).map(lambda u: models[u].mean_share).to_numpy()
        total = (table["jan"] + table["feb"]).to_numpy(dtype=float)
        y = out["y"].to_numpy(dtype=float).copy()
        y[table["row_jan"].to_numpy()] = total * mean
        y[table["row_feb"].to_numpy()] = total * (1 - mean)
        out["y"] = y
    return out, models


def unpool(frame: pd.DataFrame, models: dict[str, ShareModel], columns: list[str]) -> pd.DataFrame:
    """Rescale January and February rows of ``columns`` to each year's predicted share."""
    import pandas as pd

    out = frame.copy()
    month = out["ds"].dt.month.to_numpy()
    factor = np.ones(len(out))
    rows = np.flatnonzero(month <= 2)
    uids = pd.Series(out["unique_id"].to_numpy()[rows]).astype(str)
    modelled = uids.isin(models).to_numpy()
    rows, uids = rows[modelled], uids[modelled]
    if len(rows):
        years = out["ds"].dt.year.to_numpy()[rows]
        x = np.array([spring_festival_share_in_january(int(y)) for y in years])
        mean = uids.map(lambda u: models[u].mean_share).to_numpy(dtype=float)
        intercept = uids.map(lambda u: models[u].intercept).to_numpy(dtype=float)
        slope = uids.map(lambda u: models[u].slope).to_numpy(dtype=float)
        share = np.clip(intercept + slope * x, 0.05, 0.95)
        factor[rows] = np.where(month[rows] == 1, share / mean, (1 - share) / (1 - mean))
    for col in columns:
        out[col] = out[col].to_numpy(dtype=float) * factor
    return out
