"""Seeded synthetic series with known structure, for tests, benchmarks and docs.

Daily spending follows a trend, a weekly cycle, a yearly cycle and Chinese holidays (a
shopping surge before Spring Festival, a dip during its days off, a lift in the golden
weeks); monthly series are the daily ones summed by month, so Spring Festival moves
between January and February exactly as it does in real retail sales.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from cockpit.forecast.holidays import daily_regressors

if TYPE_CHECKING:
    import pandas as pd

#: Multiplicative holiday effects of the synthetic city (the ground truth tests look for).
HOLIDAY_EFFECTS = {
    "hol_spring": -0.35,
    "hol_pre_spring": 0.60,
    "hol_golden": 0.30,
    "hol_short": 0.10,
    "hol_makeup": 0.0,
}
WEEKLY = np.array([0.95, 0.92, 0.93, 0.96, 1.05, 1.12, 1.07])


def daily_series(
    start: dt.date,
    end: dt.date,
    *,
    level: float = 1000.0,
    growth: float = 0.05,
    noise: float = 0.04,
    holiday_scale: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """One daily series (ds, y) from ``start`` to ``end`` inclusive."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, end, freq="D")
    t = np.arange(len(ds)) / 365.25
    yearly = 1 + 0.08 * np.sin(2 * np.pi * (ds.dayofyear.to_numpy() - 80) / 365.25)
    regs = daily_regressors(ds)
    holiday = np.ones(len(ds))
    for name, effect in HOLIDAY_EFFECTS.items():
        holiday += holiday_scale * effect * regs[name].to_numpy()
    y = level * (1 + growth) ** t * WEEKLY[ds.dayofweek.to_numpy()] * yearly * holiday
    y *= np.exp(rng.normal(0, noise, len(ds)))
    return pd.DataFrame({"ds": ds, "y": y})


def monthly_from_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """Sum a daily (ds, y[, keys...]) frame by calendar month (ds = month start)."""
    keys = [c for c in daily.columns if c not in ("ds", "y")]
    month = daily["ds"].dt.to_period("M").dt.to_timestamp()
    return daily.assign(ds=month).groupby([*keys, "ds"])["y"].sum().reset_index()


def monthly_panel(
    districts: int,
    categories: int,
    *,
    start: dt.date = dt.date(2021, 1, 1),
    end: dt.date = dt.date(2025, 12, 31),
    seed: int = 0,
) -> pd.DataFrame:
    """district × category monthly series (district, category, ds, y) with holiday effects."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    base = daily_series(start, end, level=1.0, growth=0.0, noise=0.0, seed=seed)
    base_monthly = monthly_from_daily(base)
    months = base_monthly["ds"]
    t = np.arange(len(months)) / 12
    frames = []
    for d in range(districts):
        for c in range(categories):
            level = rng.lognormal(10, 1)
            growth = rng.normal(0.05, 0.05)
            noise = np.exp(rng.normal(0, 0.05, len(months)))
            y = level * base_monthly["y"].to_numpy() * (1 + growth) ** t * noise
            frames.append(
                pd.DataFrame(
                    {"district": f"D{d:02d}", "category": f"C{c:02d}", "ds": months, "y": y}
                )
            )
    return pd.concat(frames, ignore_index=True)
