"""Nowcast the *feed's* month in progress (the sample's scale) from its days so far.

Official-scale estimates are not made here: they are the one model of the published series
(``cockpit.forecast.official``). This is the sample's own month total, for the feed views.

1. A daily profile (day of week and Chinese holidays, fitted on recent history by least
   squares on log sales) gives each day of the month its expected share of the total.
2. The feed estimate is the sales so far divided by the share of the month elapsed.
3. It is combined with the month's forecast by inverse-variance weights: the forecast's
   variance from its 95 % interval, the feed estimate's from backtests of the same
   extrapolation on past months cut at the same day. Early in the month the forecast
   dominates; late in the month the feed does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from cockpit.forecast.holidays import DAILY_REGRESSORS, daily_regressors

if TYPE_CHECKING:
    import pandas as pd

Z95, Z80 = 1.959964, 1.281552
PROFILE_DAYS = 730


@dataclass(frozen=True)
class Nowcast:
    """The month's estimated total, its bands, and how it was made."""

    month: str
    days_elapsed: int
    days_in_month: int
    observed: float
    share_elapsed: float
    feed_estimate: float
    forecast: float | None
    estimate: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float
    feed_weight: float
    feed_rel_sd: float | None = None  # relative sd of the feed extrapolation (backtested)
    forecast_sd: float | None = None  # the month forecast's sd, from its 95 % interval

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _design(ds: pd.Series) -> np.ndarray:
    """Intercept, day-of-week dummies (Mon base) and holiday columns."""
    import pandas as pd

    days = pd.to_datetime(pd.Series(ds).reset_index(drop=True))
    if days.empty:
        return np.empty((0, 7 + len(DAILY_REGRESSORS)))
    first, last = days.min(), days.max()
    span = _design_years(int(first.year), int(last.year))
    offset = (days - pd.Timestamp(int(first.year), 1, 1)).dt.days.to_numpy()
    return span[offset]


@lru_cache(maxsize=16)
def _design_years(first: int, last: int) -> np.ndarray:
    """The design of every day of whole years (backtests ask for the same days again)."""
    import pandas as pd

    days = pd.date_range(f"{first}-01-01", f"{last}-12-31", freq="D")
    dow = np.eye(7)[days.dayofweek.to_numpy()][:, 1:]
    regs = daily_regressors(days)[list(DAILY_REGRESSORS)].to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(days)), dow, regs])
    design.setflags(write=False)
    return design


def fit_profile(history: pd.DataFrame) -> np.ndarray:
    """Coefficients of log daily sales on the design, over the last year of ``history``."""
    recent = history.sort_values("ds").tail(PROFILE_DAYS)
    recent = recent[recent["y"] > 0]
    x = _design(recent["ds"])
    # Normalise each day by its month's mean, so trend and month level drop out.
    month = recent["ds"].dt.to_period("M")
    y = np.log(recent["y"].to_numpy(dtype=float))
    y = y - recent.assign(ly=y).groupby(month)["ly"].transform("mean").to_numpy()
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return np.asarray(coef, dtype=float)


def day_shares(month: pd.Timestamp, coef: np.ndarray) -> pd.Series:
    """Expected share of the month's total for each of its days (sums to 1)."""
    import pandas as pd

    days = pd.date_range(month, month + pd.offsets.MonthEnd(0), freq="D")
    weights = np.exp(_design(pd.Series(days)) @ coef)
    return pd.Series(weights / weights.sum(), index=days)


def feed_estimate(partial: pd.DataFrame, coef: np.ndarray) -> tuple[float, float, int]:
    """(estimate, share elapsed, days elapsed) from a month's first days (ds, y)."""
    month = partial["ds"].min().to_period("M").to_timestamp()
    shares = day_shares(month, coef)
    seen = shares.index <= partial["ds"].max()
    share = float(shares[seen].sum())
    observed = float(partial["y"].sum())
    return observed / share, share, int(seen.sum())


def combine(
    feed: float, feed_rel_sd: float, forecast: float | None, forecast_sd: float | None
) -> tuple[float, float, float]:
    """(estimate, sd, feed weight): inverse-variance mean of the two estimates."""
    var_feed = max((feed_rel_sd * abs(feed)) ** 2, 1e-12)
    if forecast is None or forecast_sd is None or forecast_sd <= 0:
        return feed, var_feed**0.5, 1.0
    w = (1 / var_feed) / (1 / var_feed + 1 / forecast_sd**2)
    estimate = w * feed + (1 - w) * forecast
    return estimate, (1 / (1 / var_feed + 1 / forecast_sd**2)) ** 0.5, w


def backtest_feed(daily: pd.DataFrame, day_of_month: int, months: int = 12) -> pd.DataFrame:
    """Feed-extrapolation errors on past complete months cut after ``day_of_month`` days.

    Each month's profile is fitted on the days before it. Columns: month, actual,
    feed_estimate, rel_error.
    """
    import pandas as pd

    daily = daily.sort_values("ds")
    month_of = daily["ds"].dt.to_period("M")
    all_months = sorted(month_of.unique())[1:-1]  # complete months only, with a history
    rows = []
    for period in all_months[-months:]:
        history = daily[month_of < period]
        if len(history) < 60:
            continue
        this = daily[month_of == period]
        partial = this[this["ds"].dt.day <= day_of_month]
        est, _, _ = feed_estimate(partial, fit_profile(history))
        actual = float(this["y"].sum())
        rows.append({"month": str(period), "actual": actual, "feed_estimate": est})
    out = pd.DataFrame(rows, columns=["month", "actual", "feed_estimate"])
    out["rel_error"] = (out["feed_estimate"] - out["actual"]) / out["actual"]
    return out


def nowcast_month(
    *,
    daily: pd.DataFrame,
    forecast_mean: float | None = None,
    forecast_lo95: float | None = None,
    forecast_hi95: float | None = None,
    backtest_months: int = 12,
) -> Nowcast:
    """Nowcast the last (incomplete) month of ``daily`` (ds, y; history and partial month)."""
    daily = daily.sort_values("ds").reset_index(drop=True)
    last = daily["ds"].max()
    month_start = last.to_period("M").to_timestamp()
    history, partial = daily[daily["ds"] < month_start], daily[daily["ds"] >= month_start]
    if partial.empty or history.empty:
        raise ValueError("need daily history and at least one day of the month in progress")
    feed, share, elapsed = feed_estimate(partial, fit_profile(history))
    errors = backtest_feed(history, int(last.day), backtest_months)
    # The feed estimate's sd: RMS of past relative errors, or a wide 20 % without a history.
    rel_sd = float(np.sqrt(np.mean(errors["rel_error"] ** 2))) if len(errors) >= 3 else 0.2
    forecast_sd = None
    if forecast_lo95 is not None and forecast_hi95 is not None:
        forecast_sd = (forecast_hi95 - forecast_lo95) / (2 * Z95)
    estimate, sd, weight = combine(feed, rel_sd, forecast_mean, forecast_sd)
    return Nowcast(
        month=str(last.to_period("M")),
        days_elapsed=elapsed,
        days_in_month=int(last.days_in_month),
        observed=float(partial["y"].sum()),
        share_elapsed=share,
        feed_estimate=feed,
        forecast=forecast_mean,
        estimate=estimate,
        lo80=estimate - Z80 * sd,
        hi80=estimate + Z80 * sd,
        lo95=estimate - Z95 * sd,
        hi95=estimate + Z95 * sd,
        feed_weight=weight,
        feed_rel_sd=rel_sd,
        forecast_sd=forecast_sd,
    )


def month_forecasts(monthly: pd.DataFrame, targets: list[pd.Timestamp]) -> pd.DataFrame:
    """One-month-ahead forecasts of each target month from the months before it.

    ``monthly`` is the city's feed total (ds, y). Every origin is one series of a single
    panel (unique_id = the target month), so the automatic pipeline runs once.
    """
    import pandas as pd

    from cockpit.forecast.pipeline import ForecastSpec, forecast_panel

    panel = pd.concat(
        [monthly[monthly["ds"] < t].assign(unique_id=str(t.date())) for t in targets],
        ignore_index=True,
    )
    run = forecast_panel(panel, ForecastSpec(h=1, n_jobs=1))
    out = run.forecasts[["unique_id", "ds", "mean", "lo95", "hi95"]]
    own: pd.DataFrame = out[out["unique_id"] == out["ds"].dt.date.astype(str)]
    return own
