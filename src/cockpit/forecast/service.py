"""Service functions: forecast any series, or an indicator of the lake, with caching."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cockpit.forecast.pipeline import ForecastSpec
from cockpit.forecast.run import forecast_flat, forecast_hierarchy
from cockpit.forecast.store import StoredRun, find_cached, input_hash, save_run

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


def nowcast_indicator(*, indicator_id: str = "retail_sales", home: Path) -> Nowcast:
    """Nowcast the city's month in progress from the lake's daily feed and latest forecast."""
    from cockpit.forecast.nowcast import nowcast_month, with_official
    from cockpit.forecast.sources import CROSS_INDICATORS, NoSeriesError, transaction_cross
    from cockpit.forecast.store import latest_run

    if indicator_id not in CROSS_INDICATORS:
        raise NoSeriesError(f"nowcasts are computed for {CROSS_INDICATORS}, not {indicator_id}")
    daily = transaction_cross(home, period="day").groupby("ds")["y"].sum().reset_index()
    month = daily["ds"].max().to_period("M").to_timestamp()
    run = latest_run(home, indicator_id)
    row = None
    if run is not None:
        city = run.forecasts[(run.forecasts["level"] == "city") & (run.forecasts["ds"] == month)]
        row = city.iloc[0] if len(city) else None
    result = nowcast_month(
        daily=daily,
        forecast_mean=None if row is None else float(row["mean"]),
        forecast_lo95=None if row is None else float(row["lo95"]),
        forecast_hi95=None if row is None else float(row["hi95"]),
    )
    return with_official(result, _expected_coverage(home, result.month))


def _expected_coverage(home: Path, month: str) -> float | None:
    """The indicators room's expected feed coverage of the official total for ``month``."""
    from cockpit.forecast.sources import VALUES_TABLE
    from cockpit.indicators import calibration

    lake = home / "lake"
    if not any((lake / VALUES_TABLE).rglob("*.parquet")):
        return None
    import pandas as pd

    values = pd.concat(map(pd.read_parquet, sorted((lake / VALUES_TABLE).rglob("*.parquet"))))
    cov = calibration.coverage_table(
        calibration.feed_sales(values), calibration.read_official(lake)
    )
    return calibration.expected_coverage(calibration.coverage_history(cov), month, "")
