"""Service functions: forecast any series, or an indicator of the lake, with caching."""

from __future__ import annotations

import time
from collections.abc import Callable
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


def _city_daily(home: Path) -> pd.DataFrame:
    from cockpit.forecast.sources import transaction_cross

    daily = transaction_cross(home, period="day").groupby("ds")["y"].sum().reset_index()
    return daily


def nowcast_indicator(*, indicator_id: str = "retail_sales", home: Path) -> Nowcast:
    """Nowcast the city's month in progress from the lake's daily feed and latest forecast."""
    from cockpit.forecast.nowcast import nowcast_month, with_official
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
    coverage = _coverage_model(home)
    return with_official(result, *coverage(result.month)) if coverage else result


def _one_month_ahead(daily: pd.DataFrame, month: pd.Timestamp) -> pd.Series | None:
    """The automatic pipeline's forecast of ``month`` from the complete months before it."""
    from cockpit.forecast.nowcast import month_forecasts

    monthly = daily.groupby(daily["ds"].dt.to_period("M").dt.to_timestamp())["y"].sum()
    before = monthly[monthly.index < month].rename_axis("ds").reset_index()
    if len(before) < 3:
        return None
    forecast = month_forecasts(before, [month])
    return None if forecast.empty else forecast.iloc[0]


def backtest_nowcast(
    *, home: Path, months: int = 12, days: tuple[int, ...] = (7, 14, 21, 31)
) -> pd.DataFrame:
    """Replay the official-figure nowcast on the lake's last ``months`` published months.

    Needs transactions, official statistics and a built ``indicator_values`` (for the
    feeds' coverage history). Rows as ``cockpit.forecast.nowcast.backtest_official``.
    """
    from cockpit.forecast.nowcast import backtest_official
    from cockpit.forecast.sources import NoSeriesError
    from cockpit.indicators import calibration

    coverage = _coverage_model(home)
    if coverage is None:
        raise NoSeriesError("no feed coverage history: run `cockpit build` with official stats")
    official = calibration.read_official(home / "lake")
    official = official[official["category_code"].fillna("") == ""]
    return backtest_official(
        daily=_city_daily(home),
        official=official[["period", "value_fen"]].drop_duplicates("period"),
        coverage=coverage,
        months=months,
        days=days,
    )


def _coverage_model(home: Path) -> Callable[[str], tuple[float | None, float]] | None:
    """period → (expected feed coverage of the official total, its relative sd), or None.

    From the indicators room's calibration (feed sales over published official sales).
    """
    from cockpit.forecast.nowcast import coverage_error_sd
    from cockpit.forecast.sources import values_files
    from cockpit.indicators import calibration

    files = values_files(home)
    if not files:
        return None
    import pyarrow.parquet as pq

    keep = [("indicator_id", "==", "retail_sales"), ("period_type", "==", "month")]
    values = pq.read_table(files, filters=keep).to_pandas()
    cov = calibration.coverage_table(
        calibration.feed_sales(values), calibration.read_official(home / "lake")
    )
    history = calibration.coverage_history(cov)
    if not history.get(""):
        return None

    def model(period: str) -> tuple[float | None, float]:
        key = calibration.period_sort_key(period)
        expected = calibration.expected_coverage(history, period, "")
        return expected, coverage_error_sd(history[""], key)

    return model
