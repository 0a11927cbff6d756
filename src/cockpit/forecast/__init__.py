"""Forecasts and nowcasts: statsforecast models, holiday regressors, backtests and reconciliation.

    from cockpit.forecast import ForecastSpec, forecast_hierarchy

    run = forecast_hierarchy(bottom, ("district", "category"), ForecastSpec(h=12))
    run.forecasts  # unique_id, level, ds, model, method, mean, lo80, hi80, lo95, hi95
    run.report  # backtest MASE, sMAPE and interval coverage by level and method

Any long frame works: ``forecast_panel`` / ``forecast_flat`` take (unique_id, ds, y);
``forecast_hierarchy`` takes ds, y and label columns and reconciles the grouped levels.
``forecast_series`` / ``forecast_indicator`` add the lake's cache; ``forecast_daily`` is the
holiday-aware daily model; ``nowcast_month`` estimates the feed's month in progress.

Official figures (the bureau's published series) have one estimator, ``run_official``: every
month not yet published and 24 months ahead, from a model of the published growth rates with
the feed as a regressor where it helps, backtested against the obvious rules and stored
(``official_estimates``); ``year_distribution`` gives plans the same paths' annual totals.
"""

from cockpit.forecast.daily import DailyForecast, forecast_daily
from cockpit.forecast.holidays import daily_regressors, holiday_calendar
from cockpit.forecast.nowcast import Nowcast, nowcast_month
from cockpit.forecast.officialrun import latest_estimates, run_official, year_distribution
from cockpit.forecast.officialshare import share_distribution
from cockpit.forecast.pipeline import ForecastSpec, PanelForecast, forecast_panel
from cockpit.forecast.run import ForecastRun, forecast_flat, forecast_hierarchy
from cockpit.forecast.service import (
    forecast_indicator,
    forecast_series,
    nowcast_indicator,
)
from cockpit.forecast.store import StoredRun, latest_run

__all__ = [
    "DailyForecast",
    "ForecastRun",
    "ForecastSpec",
    "Nowcast",
    "PanelForecast",
    "StoredRun",
    "daily_regressors",
    "forecast_daily",
    "forecast_flat",
    "forecast_hierarchy",
    "forecast_indicator",
    "forecast_panel",
    "forecast_series",
    "holiday_calendar",
    "latest_estimates",
    "latest_run",
    "nowcast_indicator",
    "nowcast_month",
    "run_official",
    "share_distribution",
    "year_distribution",
]
