"""The monthly pipeline on small synthetic series with known structure.

statsforecast compiles its models with numba on first use, so each module fits few,
short series once (module-scoped fixtures) and several tests read the result.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cockpit.forecast.hierarchy import incoherence
from cockpit.forecast.pipeline import ForecastSpec, forecast_panel, select_models
from cockpit.forecast.run import ForecastRun, forecast_hierarchy
from cockpit.forecast.synthetic import monthly_panel

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def grouped_run() -> ForecastRun:
    panel = monthly_panel(3, 2, start=dt.date(2021, 1, 1), end=dt.date(2025, 12, 31), seed=3)
    panel = panel.rename(columns={"district": "district", "category": "category"})
    return forecast_hierarchy(panel, ("district", "category"), ForecastSpec(h=6))


def test_districts_and_categories_each_add_up_to_the_city(grouped_run: ForecastRun) -> None:
    fc = grouped_run.forecasts.pivot(index="unique_id", columns="ds", values="mean")
    city = fc.loc["city"].to_numpy()
    districts = fc[fc.index.str.fullmatch(r"city/D\d\d")].sum().to_numpy()
    categories = fc[fc.index.str.fullmatch(r"city/C\d\d")].sum().to_numpy()
    bottom = fc[fc.index.str.fullmatch(r"city/D\d\d/C\d\d")].sum().to_numpy()
    np.testing.assert_allclose(districts, city, rtol=1e-9)
    np.testing.assert_allclose(categories, city, rtol=1e-9)
    np.testing.assert_allclose(bottom, city, rtol=1e-9)
    assert incoherence(grouped_run.forecasts, grouped_run.hierarchy) < 1e-9  # type: ignore[arg-type]


def test_base_forecasts_disagree_before_reconciliation(grouped_run: ForecastRun) -> None:
    # The test above would pass vacuously if base forecasts were already coherent.
    assert grouped_run.hierarchy is not None
    assert incoherence(grouped_run.panel.forecasts, grouped_run.hierarchy) > 1e-6


def test_every_forecast_has_nested_80_and_95_intervals(grouped_run: ForecastRun) -> None:
    fc = grouped_run.forecasts
    assert len(fc) == 12 * 6  # 1 city + 3 districts + 2 categories + 6 bottom, 6 months
    assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] < fc["mean"]).all()
    assert (fc["mean"] < fc["hi80"]).all() and (fc["hi80"] <= fc["hi95"]).all()


def test_report_compares_bottom_up_with_mintrace_by_level(grouped_run: ForecastRun) -> None:
    report = grouped_run.report
    assert set(report["level"]) == {"city", "district", "category", "district/category"}
    assert {"base", "BottomUp", "MinTrace_mint_shrink", "MinTrace_wls_struct"} <= set(
        report["method"]
    )
    assert report[["mase", "smape", "cov80", "cov95"]].notna().all().all()
    published = report[report["method"] == grouped_run.method]
    reconciled = report[report["method"] != "base"]
    best = reconciled.groupby("method")["mase"].mean().min()
    assert published["mase"].mean() == pytest.approx(best, rel=1e-12)
    # Calibrated on other windows, the 95 % intervals cover most backtest points.
    assert report[report["method"] == "base"]["cov95"].mean() > 0.8


def test_selection_departs_from_the_panel_default_only_on_strong_evidence() -> None:
    errors = pd.DataFrame(
        {
            "unique_id": ["a", "a", "a", "b", "b", "b", "c", "c", "c"],
            "model": ["Combo", "AutoETS", "SeasonalNaive"] * 3,
            "mase": [1.0, 1.1, 0.3, 1.0, 0.9, 1.5, 0.8, 0.9, 1.6],
        }
    )
    spec = ForecastSpec(h=6)
    chosen = select_models(errors, ["a", "b", "c", "new"], spec)
    # Combo has the lowest mean MASE, so it is the default; "a" beats it by 70 %,
    # "b" by only 10 % (noise), and "new" has no backtest.
    assert chosen == {"a": "SeasonalNaive", "b": "Combo", "c": "Combo", "new": "Combo"}
    panel = select_models(errors, ["a", "b"], ForecastSpec(h=6, selection="panel"))
    assert panel == {"a": "Combo", "b": "Combo"}


def test_pooling_january_and_february_cuts_spring_festival_errors() -> None:
    from cockpit.forecast.synthetic import daily_series, monthly_from_daily

    frames = []
    for seed in range(3):
        daily = daily_series(dt.date(2019, 1, 1), dt.date(2025, 12, 31), seed=seed, noise=0.1)
        frames.append(monthly_from_daily(daily).assign(unique_id=f"s{seed}"))
    frame = pd.concat(frames, ignore_index=True)
    errors = {}
    for pooled in (True, False):
        spec = ForecastSpec(h=12, n_windows=3, spring_festival=pooled, models=("AutoETS",))
        bt = forecast_panel(frame, spec).backtest
        jan_feb = bt[bt["ds"].dt.month <= 2]
        errors[pooled] = float(np.mean(np.abs(jan_feb["y"] - jan_feb["mean"]) / jan_feb["y"]))
    assert errors[True] < 0.8 * errors[False]
