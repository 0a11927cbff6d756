"""Daily series: MSTL (weekly + yearly seasons) with Chinese holidays as regressors.

In statsforecast only ARIMA-type models use exogenous regressors (AutoETS and AutoTheta
accept and ignore them). MSTL removes the weekly and yearly seasons and hands the rest,
with the regressors, to its trend model, so the trend model here is AutoARIMA: the
holiday columns then move the forecast. A weekly seasonal naive is the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from cockpit.forecast.calibration import apply_factors, cross_fitted, fit_factors
from cockpit.forecast.holidays import DAILY_REGRESSORS, daily_regressors
from cockpit.forecast.pipeline import BOUNDS, LEVELS

if TYPE_CHECKING:
    import pandas as pd

HOLIDAY_MODEL = "MSTL_ARIMA_holidays"
BASELINE = "SeasonalNaive7"


@dataclass
class DailyForecast:
    """Daily forecasts with intervals and the backtest behind them."""

    forecasts: pd.DataFrame  # unique_id, ds, model, mean, bounds, holidays_estimated
    backtest: pd.DataFrame  # unique_id, ds, cutoff, y, model, mean, bounds


def _models(holidays: bool) -> list[Any]:
    from statsforecast.models import MSTL, AutoARIMA, SeasonalNaive

    name = HOLIDAY_MODEL if holidays else "MSTL_ARIMA"
    return [
        MSTL(season_length=[7], trend_forecaster=AutoARIMA(season_length=1), alias=name),
        SeasonalNaive(season_length=7, alias=BASELINE),
    ]


YEARLY_HARMONICS = 3


def yearly_fourier(ds: pd.Series) -> pd.DataFrame:
    """sin/cos pairs of the day of year: a smooth yearly season the regression estimates."""
    import numpy as np
    import pandas as pd

    angle = 2 * np.pi * pd.to_datetime(ds).dt.dayofyear.to_numpy() / 365.25
    cols = {}
    for k in range(1, YEARLY_HARMONICS + 1):
        cols[f"year_sin{k}"] = np.sin(k * angle)
        cols[f"year_cos{k}"] = np.cos(k * angle)
    return pd.DataFrame(cols)


def with_regressors(frame: pd.DataFrame, holidays: bool, yearly: bool) -> pd.DataFrame:
    """``frame`` (unique_id, ds[, y]) with holiday and yearly-season columns appended."""
    out = frame.reset_index(drop=True)
    if holidays:
        out = out.join(daily_regressors(out["ds"])[list(DAILY_REGRESSORS)])
    if yearly:
        out = out.join(yearly_fourier(out["ds"]))
    return out


def _future(df: pd.DataFrame, h: int) -> pd.DataFrame:
    import pandas as pd

    last = df.groupby("unique_id")["ds"].max()
    rows = [
        pd.DataFrame({"unique_id": uid, "ds": pd.date_range(end, periods=h + 1, freq="D")[1:]})
        for uid, end in last.items()
    ]
    return pd.concat(rows, ignore_index=True)


def _long(wide: pd.DataFrame, names: list[str], keys: list[str]) -> pd.DataFrame:
    import pandas as pd

    parts = []
    for name in names:
        part = wide[keys].copy()
        part["model"] = name
        part["mean"] = wide[name].to_numpy(dtype=float)
        for level in LEVELS:
            part[f"lo{level}"] = wide[f"{name}-lo-{level}"].to_numpy(dtype=float)
            part[f"hi{level}"] = wide[f"{name}-hi-{level}"].to_numpy(dtype=float)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _has_two_years(df: pd.DataFrame) -> bool:
    return int(df.groupby("unique_id").size().min()) >= 2 * 365


def forecast_daily(
    series: pd.DataFrame, *, h: int, holidays: bool = True, n_windows: int = 2, n_jobs: int = 1
) -> DailyForecast:
    """Forecast daily (unique_id, ds, y) series ``h`` days ahead, holiday-aware by default."""
    from statsforecast import StatsForecast

    df = series[["unique_id", "ds", "y"]].astype({"unique_id": str, "y": float})
    df = df.sort_values(["unique_id", "ds"], ignore_index=True)
    future = _future(df, h)
    # The yearly season is regressed on (not left to STL), so that STL's smoothing over
    # years does not smear moving holidays into it.
    yearly = _has_two_years(df)
    df = with_regressors(df, holidays, yearly)
    future = with_regressors(future, holidays, yearly)
    # A regressor that never fires in the history cannot be estimated.
    unused = [c for c in DAILY_REGRESSORS if c in df and df[c].max() == 0]
    df, future = df.drop(columns=unused), future.drop(columns=unused)
    has_x = len(df.columns) > 3
    models = _models(holidays)
    names = [m.alias for m in models]
    sf = StatsForecast(models=models, freq="D", n_jobs=n_jobs)
    cv = cast(
        "pd.DataFrame",
        sf.cross_validation(df=df, h=h, n_windows=n_windows, step_size=h, level=list(LEVELS)),
    )
    backtest = _long(cv, names, ["unique_id", "ds", "cutoff", "y"])
    wide = cast(
        "pd.DataFrame",
        sf.forecast(df=df, h=h, X_df=future if has_x else None, level=list(LEVELS)),
    )
    forecasts = apply_factors(_long(wide, names, ["unique_id", "ds"]), fit_factors(backtest))
    estimated = daily_regressors(forecasts["ds"])["estimated"].to_numpy()
    forecasts["holidays_estimated"] = estimated
    return DailyForecast(forecasts=forecasts, backtest=cross_fitted(backtest))


__all__ = ["BASELINE", "BOUNDS", "HOLIDAY_MODEL", "DailyForecast", "forecast_daily"]
