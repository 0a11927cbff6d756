"""Service functions: forecast any series, or an indicator of the lake, with caching."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cockpit.forecast.pipeline import ForecastSpec
from cockpit.forecast.run import forecast_flat, forecast_hierarchy
from cockpit.forecast.store import StoredRun, find_cached, input_hash, save_run
from cockpit.lake import lake_of

if TYPE_CHECKING:
    import pandas as pd

    from cockpit.forecast.nowcast import Nowcast

By = Literal["district", "category", "both"]
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "district": ("district",),
    "category": ("category",),
    "both": ("district", "category"),
}


def forecast_series(
    *,
    series: pd.DataFrame,
    dimensions: tuple[str, ...],
    spec: ForecastSpec,
    home: Path,
    indicator_id: str = "",
    by: str = "",
) -> StoredRun:
    """Forecast, backtest and reconcile bottom series, or reuse the run made from them.

    ``series`` is long: ds, y and one column per dimension (a grouped hierarchy is built
    from them), or unique_id, ds, y when ``dimensions`` is empty (series forecast alone).
    """
    cols = ["unique_id", "ds", "y"] if not dimensions else ["ds", "y", *dimensions]
    frame = series[cols]
    if dimensions:
        frame = frame.groupby([*dimensions, "ds"])["y"].sum().reset_index()
    digest = input_hash(frame, spec, extra=f"{indicator_id}|{by}")
    cached = find_cached(home, digest)
    if cached is not None:
        return cached
    started = time.perf_counter()
    run = forecast_hierarchy(frame, dimensions, spec) if dimensions else forecast_flat(frame, spec)
    seconds = time.perf_counter() - started
    return save_run(
        home,
        run,
        indicator_id=indicator_id,
        by=by or "none",
        horizon=spec.h,
        digest=digest,
        seconds=seconds,
    )


def forecast_indicator(
    *,
    indicator_id: str,
    by: By = "both",
    horizon: int = 12,
    home: Path,
    n_jobs: int = 2,
) -> StoredRun:
    """Forecast a monthly indicator of the lake by district, category or both (grouped)."""
    from cockpit.forecast.sources import read_indicator_monthly

    series = read_indicator_monthly(home=home, indicator_id=indicator_id, by=by)
    spec = ForecastSpec(h=horizon, n_jobs=n_jobs)
    return forecast_series(
        series=series,
        dimensions=DIMENSIONS[by],
        spec=spec,
        home=home,
        indicator_id=indicator_id,
        by=by,
    )


def _city_daily(home: Path) -> pd.DataFrame:
    """The feed's city sales per day (ds, y), from the built ``indicator_values/day``."""
    import pandas as pd

    from cockpit.forecast.officialrun import read_feed_daily
    from cockpit.forecast.sources import NoSeriesError

    daily = read_feed_daily(lake_of(home))
    if not daily:
        raise NoSeriesError("no daily retail sales in lake/indicator_values; run `cockpit build`")
    frame = pd.DataFrame({"ds": pd.to_datetime(list(daily)), "y": list(daily.values())})
    return frame.sort_values("ds", ignore_index=True)


def nowcast_indicator(*, indicator_id: str = "retail_sales", home: Path) -> Nowcast:
    """Nowcast the feed's month in progress (the sample's scale) from its days so far and the
    latest forecast of the feed. Official-scale estimates: ``cockpit.forecast.officialrun``."""
    from cockpit.forecast.nowcast import nowcast_month
    from cockpit.forecast.sources import CROSS_INDICATORS, NoSeriesError
    from cockpit.forecast.store import latest_run

    if indicator_id not in CROSS_INDICATORS:
        raise NoSeriesError(f"nowcasts are computed for {CROSS_INDICATORS}, not {indicator_id}")
    daily = _city_daily(home)
    month = daily["ds"].max().to_period("M").to_timestamp()
    run = latest_run(home, indicator_id)
    row = None
    if run is not None:
        city = run.forecasts[(run.forecasts["level"] == "city") & (run.forecasts["ds"] == month)]
        row = city.iloc[0] if len(city) else None
    if row is None:  # no stored run covers the month: forecast it from the months before
        row = _one_month_ahead(daily, month)
    result = nowcast_month(
        daily=daily,
        forecast_mean=None if row is None else float(row["mean"]),
        forecast_lo95=None if row is None else float(row["lo95"]),
        forecast_hi95=None if row is None else float(row["hi95"]),
    )
    return result


def _one_month_ahead(daily: pd.DataFrame, month: pd.Timestamp) -> pd.Series | None:
    """The automatic pipeline's forecast of ``month`` from the complete months before it."""
    from cockpit.forecast.nowcast import month_forecasts

    monthly = daily.groupby(daily["ds"].dt.to_period("M").dt.to_timestamp())["y"].sum()
    before = monthly[monthly.index < month].rename_axis("ds").reset_index()
    if len(before) < 3:
        return None
    forecast = month_forecasts(before, [month])
    return None if forecast.empty else forecast.iloc[0]
