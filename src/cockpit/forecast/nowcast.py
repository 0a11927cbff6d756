"""Nowcast the month in progress from the days the feed already shows and the forecast.

1. A daily profile (day of week and Chinese holidays, fitted on recent history by least
   squares on log sales) gives each day of the month its expected share of the total.
2. The feed estimate is the sales so far divided by the share of the month elapsed.
3. It is combined with the month's forecast by inverse-variance weights: the forecast's
   variance from its 95 % interval, the feed estimate's from backtests of the same
   extrapolation on past months cut at the same day. Early in the month the forecast
   dominates; late in the month the feed does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
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
    coverage: float | None = None
    official_estimate: float | None = None
    official_lo95: float | None = None
    official_hi95: float | None = None
    feed_rel_sd: float | None = None  # relative sd of the feed extrapolation (backtested)
    forecast_sd: float | None = None  # the month forecast's sd, from its 95 % interval
    official_feed_weight: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def with_official(nowcast: Nowcast, coverage: float | None, coverage_sd: float = 0.0) -> Nowcast:
    """Add the official-figure estimate and its band, from the feeds' expected coverage.

    ``coverage`` (feed sales / official sales) comes from the indicators room's calibration
    (``cockpit.indicators.calibration.expected_coverage``); None leaves the nowcast as is.
    ``coverage_sd`` is the relative error of that expectation (``coverage_error_sd``).

    The feed's month total is a *sample* of the city's trade: its own month-to-month noise
    is signal for the feed total but noise for the official figure. So the two estimates
    are combined again for the official figure, by inverse variance: the feed's (its
    extrapolation error and the coverage error), and the forecast's (its interval, and the
    error of a coverage expectation that averages ``WINDOW`` months). Without those
    details (a nowcast built by hand) the feed-total estimate and its band are divided by
    the coverage, the band widened by ``coverage_sd``.
    """
    if coverage is None or coverage <= 0:
        return nowcast
    if nowcast.feed_rel_sd is None:
        official = nowcast.estimate / coverage
        half = (nowcast.hi95 - nowcast.lo95) / 2
        rel = half / (Z95 * abs(nowcast.estimate)) if nowcast.estimate else 0.0
        spread = Z95 * abs(official) * float(np.hypot(rel, coverage_sd))
        return replace(
            nowcast,
            coverage=coverage,
            official_estimate=official,
            official_lo95=official - spread,
            official_hi95=official + spread,
        )
    from cockpit.indicators.calibration import WINDOW

    feed = nowcast.feed_estimate / coverage
    var_feed = max((nowcast.feed_rel_sd**2 + coverage_sd**2) * feed**2, 1e-12)
    if nowcast.forecast is None or not nowcast.forecast_sd:
        estimate, sd, weight = feed, var_feed**0.5, 1.0
    else:
        fc = nowcast.forecast / coverage
        rel_fc = nowcast.forecast_sd / abs(nowcast.forecast)
        var_fc = max((rel_fc**2 + coverage_sd**2 / WINDOW) * fc**2, 1e-12)
        weight = (1 / var_feed) / (1 / var_feed + 1 / var_fc)
        estimate = weight * feed + (1 - weight) * fc
        sd = (1 / (1 / var_feed + 1 / var_fc)) ** 0.5
    return replace(
        nowcast,
        coverage=coverage,
        official_estimate=estimate,
        official_lo95=estimate - Z95 * sd,
        official_hi95=estimate + Z95 * sd,
        official_feed_weight=weight,
    )


def coverage_error_sd(history: list[tuple[str, float]], before: str) -> float:
    """RMS relative error of the expected coverage, over past periods before ``before``.

    ``history`` is one category's (period sort key, coverage) pairs in period order, as
    ``cockpit.indicators.calibration.coverage_history`` gives it; each past period's
    expectation is the mean of the ``WINDOW`` coverages before it (as the indicators room
    computes it). Without three such periods: 0.2, a wide guess.
    """
    from cockpit.indicators.calibration import WINDOW

    errors = []
    for i, (key, actual) in enumerate(history):
        if key >= before or i < WINDOW:
            continue
        expected = sum(c for _, c in history[i - WINDOW : i]) / WINDOW
        errors.append(actual / expected - 1)
    if len(errors) < 3:
        return 0.2
    return float(np.sqrt(np.mean(np.square(errors))))


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


def backtest_official(
    *,
    daily: pd.DataFrame,
    official: pd.DataFrame,
    coverage: Callable[[str], tuple[float | None, float]],
    months: int = 12,
    days: tuple[int, ...] = (7, 14, 21, 31),
) -> pd.DataFrame:
    """The nowcast of the official figure, replayed on past months whose figure is out.

    For each of the last ``months`` published single months (NBS pools January and
    February, so those are skipped) and each cut day, the nowcast sees the feed up to that
    day and the month's forecast made from the complete months before it, divides by the
    coverage expected from periods published before the month (``coverage(period)`` →
    (expected coverage, its relative sd)), and is compared with the published figure.
    ``daily``: the city's feed sales (ds, y); ``official``: period (YYYY-MM), value_fen.
    Columns: month, cut_day (as asked; 31 = the whole month), day (days seen), official,
    estimate, lo95, hi95, rel_error, covered, feed_weight.
    """
    import pandas as pd

    daily = daily.sort_values("ds").reset_index(drop=True)
    by_month = daily.groupby(daily["ds"].dt.to_period("M").dt.to_timestamp())["y"].sum()
    monthly = by_month.rename_axis("ds").reset_index()
    last_full = monthly["ds"].iloc[-1] if daily["ds"].max().is_month_end else monthly["ds"].iloc[-2]
    published = official[official["period"].str.fullmatch(r"\d{4}-(0[3-9]|1[0-2])")]
    targets = sorted(
        t
        for t in pd.to_datetime(published["period"] + "-01")
        if monthly["ds"].iloc[0] < t <= last_full
    )[-months:]
    if not targets:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    forecasts = month_forecasts(monthly, targets).set_index("ds")
    figures = published.set_index("period")["value_fen"].astype(float)
    rows = []
    for month in targets:
        period = str(month.to_period("M"))
        expected, sd = coverage(period)
        if expected is None:
            continue
        bounds = forecasts.loc[month, ["mean", "lo95", "hi95"]].to_numpy(dtype=float)
        mean, lo95, hi95 = (float(v) for v in bounds)
        for day in days:
            cut = min(month + pd.Timedelta(days=day - 1), month + pd.offsets.MonthEnd(0))
            now = nowcast_month(
                daily=daily[daily["ds"] <= cut],
                forecast_mean=mean,
                forecast_lo95=lo95,
                forecast_hi95=hi95,
            )
            est = with_official(now, expected, sd)
            assert est.official_estimate is not None
            actual = figures[period]
            lo, hi = float(est.official_lo95 or 0.0), float(est.official_hi95 or 0.0)
            rows.append(
                {
                    "month": period,
                    "cut_day": day,
                    "day": now.days_elapsed,
                    "official": actual,
                    "estimate": est.official_estimate,
                    "lo95": lo,
                    "hi95": hi,
                    "rel_error": est.official_estimate / actual - 1,
                    "covered": lo <= actual <= hi,
                    "feed_weight": est.official_feed_weight,
                }
            )
    return pd.DataFrame(rows, columns=BACKTEST_COLUMNS)


BACKTEST_COLUMNS = [
    "month",
    "cut_day",
    "day",
    "official",
    "estimate",
    "lo95",
    "hi95",
    "rel_error",
    "covered",
    "feed_weight",
]


def summarise_backtest(frame: pd.DataFrame) -> pd.DataFrame:
    """Per cut day: months, mean absolute and RMS relative error, and band coverage."""
    grouped = frame.assign(abs_error=frame["rel_error"].abs()).groupby("cut_day")
    out = grouped.agg(
        months=("month", "nunique"),
        mape=("abs_error", "mean"),
        rmse=("rel_error", lambda e: float(np.sqrt(np.mean(np.square(e))))),
        coverage95=("covered", "mean"),
    )
    return out.reset_index()
