"""Daily forecasts with holiday regressors, and the nowcast of a month in progress."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cockpit.forecast.daily import HOLIDAY_MODEL, DailyForecast, forecast_daily
from cockpit.forecast.nowcast import backtest_feed, nowcast_month
from cockpit.forecast.synthetic import daily_series

# The sample city is generated, ingested and built first: minutes on two shared cores.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# Spring Festival 2027 (estimated days off: 5-13 February) falls inside the horizon.
HISTORY_END = dt.date(2026, 12, 31)
HORIZON = 50


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return daily_series(dt.date(2025, 1, 1), dt.date(2027, 2, 28), seed=5)


@pytest.fixture(scope="module")
def runs(truth: pd.DataFrame) -> dict[bool, DailyForecast]:
    history = truth[truth["ds"] <= pd.Timestamp(HISTORY_END)].assign(unique_id="city")
    return {
        holidays: forecast_daily(history, h=HORIZON, holidays=holidays, n_windows=1)
        for holidays in (True, False)
    }


def _model_rows(run: DailyForecast, truth: pd.DataFrame) -> pd.DataFrame:
    rows = run.forecasts[run.forecasts["model"].str.startswith("MSTL")]
    return rows.merge(truth, on="ds")


def test_holiday_regressors_change_and_improve_the_forecast(
    runs: dict[bool, DailyForecast], truth: pd.DataFrame
) -> None:
    with_h, without = _model_rows(runs[True], truth), _model_rows(runs[False], truth)
    assert set(with_h["model"]) == {HOLIDAY_MODEL}
    spring = with_h["ds"].between("2027-02-05", "2027-02-13")
    # The regressors move the forecast over the festival...
    gap = np.abs(with_h.loc[spring, "mean"].to_numpy() - without.loc[spring, "mean"].to_numpy())
    assert gap.mean() > 0.1 * with_h.loc[spring, "y"].mean()

    # ...towards what happened.
    def mape(frame: pd.DataFrame) -> float:
        return float(np.mean(np.abs(frame["y"] - frame["mean"]) / frame["y"]))

    assert mape(with_h) < 0.7 * mape(without)


def test_days_after_2026_are_flagged_estimated(runs: dict[bool, DailyForecast]) -> None:
    fc = runs[True].forecasts
    spring = fc[fc["ds"].between("2027-02-05", "2027-02-13")]
    assert spring["holidays_estimated"].all()
    assert not fc[fc["ds"] == "2027-01-15"]["holidays_estimated"].any()


def test_daily_intervals_nest_and_cover_the_backtest(runs: dict[bool, DailyForecast]) -> None:
    fc = runs[True].forecasts
    assert ((fc["lo95"] <= fc["lo80"]) & (fc["hi80"] <= fc["hi95"])).all()
    assert ((fc["lo80"] <= fc["mean"]) & (fc["mean"] <= fc["hi80"])).all()


def test_nowcast_of_a_spring_festival_month_lands_in_its_band(truth: pd.DataFrame) -> None:
    month = truth[truth["ds"].dt.to_period("M") == "2027-02"]
    actual = float(month["y"].sum())
    # A forecast that is 10 % off, with a wide band: the feed must pull the estimate in.
    early = nowcast_month(
        daily=truth[truth["ds"] <= "2027-02-07"],
        forecast_mean=1.1 * actual,
        forecast_lo95=0.9 * actual,
        forecast_hi95=1.3 * actual,
    )
    late = nowcast_month(
        daily=truth[truth["ds"] <= "2027-02-21"],
        forecast_mean=1.1 * actual,
        forecast_lo95=0.9 * actual,
        forecast_hi95=1.3 * actual,
    )
    assert early.days_elapsed == 7 and late.days_elapsed == 21
    assert late.feed_weight > early.feed_weight
    assert late.lo95 <= actual <= late.hi95
    assert abs(late.estimate - actual) < abs(1.1 * actual - actual) / 2


def test_feed_extrapolation_backtest_error_is_small(truth: pd.DataFrame) -> None:
    errors = backtest_feed(truth, day_of_month=10, months=12)
    assert len(errors) == 12
    assert float(np.sqrt(np.mean(errors["rel_error"] ** 2))) < 0.05
