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


def _jan_feb(group: pd.DataFrame) -> pd.DataFrame:
    """Years with both January and February: year, jan, feb."""
    ds = group["ds"]
    jan = group[ds.dt.month == 1].set_index(ds[ds.dt.month == 1].dt.year)["y"]
    feb = group[ds.dt.month == 2].set_index(ds[ds.dt.month == 2].dt.year)["y"]
    both = jan.to_frame("jan").join(feb.to_frame("feb"), how="inner")
    keep = (both["jan"] + both["feb"]) > 0
    kept: pd.DataFrame = both.loc[keep]
    return kept


def fit_share(group: pd.DataFrame) -> ShareModel | None:
    """The January-share model of one series, or None without a full Jan + Feb pair."""
    both = _jan_feb(group)
    if both.empty:
        return None
    share = (both["jan"] / (both["jan"] + both["feb"])).to_numpy(dtype=float)
    mean = float(share.mean())
    if not 0.05 < mean < 0.95:
        return None  # sales in one of the two months only: nothing to re-split
    x = np.array([spring_festival_share_in_january(int(y)) for y in both.index])
    if len(share) >= MIN_YEARS_FOR_SLOPE and np.ptp(x) > 0.2:
        slope, intercept = np.polyfit(x, share, 1)
        return ShareModel(mean, float(intercept), float(slope))
    return ShareModel(mean, mean, 0.0)


def pool(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, ShareModel]]:
    """Monthly (unique_id, ds, y) with each year's Jan and Feb re-split at the mean share."""
    out = df.copy()
    models: dict[str, ShareModel] = {}
    for uid, group in df.groupby("unique_id", sort=False):
        model = fit_share(group)
        if model is None:
            continue
        models[str(uid)] = model
        both = _jan_feb(group)
        for year, row in both.iterrows():
            total = row["jan"] + row["feb"]
            in_year = (group["ds"].dt.year == year).to_numpy()
            jan_idx = group.index[in_year & (group["ds"].dt.month == 1).to_numpy()]
            feb_idx = group.index[in_year & (group["ds"].dt.month == 2).to_numpy()]
            out.loc[jan_idx, "y"] = total * model.mean_share
            out.loc[feb_idx, "y"] = total * (1 - model.mean_share)
    return out, models


def unpool(frame: pd.DataFrame, models: dict[str, ShareModel], columns: list[str]) -> pd.DataFrame:
    """Rescale January and February rows of ``columns`` to each year's predicted share."""
    import pandas as pd

    out = frame.copy()
    month = out["ds"].dt.month.to_numpy()
    factor = np.ones(len(out))
    uids, stamps = out["unique_id"].to_numpy(), out["ds"].to_numpy()
    for i in np.flatnonzero(month <= 2):
        model = models.get(str(uids[i]))
        if model is None:
            continue
        ds = pd.Timestamp(stamps[i])
        share = model.predict(ds.year)
        factor[i] = (
            share / model.mean_share if month[i] == 1 else (1 - share) / (1 - model.mean_share)
        )
    for col in columns:
        out[col] = out[col].to_numpy(dtype=float) * factor
    return out
