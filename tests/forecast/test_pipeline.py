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
from cockpit.forecast.run import COVERAGE_FLOOR, ForecastRun, choose_method, forecast_hierarchy
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


def test_reconciled_intervals_are_shifted_base_intervals_or_the_normal_approximation(
    grouped_run: ForecastRun,
) -> None:
    from cockpit.forecast.hierarchy import reconcile

    assert grouped_run.hierarchy is not None
    panel = grouped_run.panel
    base = panel.forecasts.set_index(["unique_id", "ds"])
    for intervals in ("shifted", "normal"):
        rec = reconcile(
            panel.forecasts,
            panel.fitted,
            grouped_run.hierarchy,
            methods=("MinTrace_mint_shrink",),
            intervals=intervals,
        ).set_index(["unique_id", "ds"])
        assert incoherence(rec.reset_index(), grouped_run.hierarchy) < 1e-9
        assert ((rec["lo95"] < rec["lo80"]) & (rec["lo80"] < rec["mean"])).all()
        assert ((rec["mean"] < rec["hi80"]) & (rec["hi80"] < rec["hi95"])).all()
        width = (rec["hi95"] - rec["lo95"]).to_numpy()
        base_width = (base["hi95"] - base["lo95"]).reindex(rec.index).to_numpy()
        if intervals == "shifted":
            np.testing.assert_allclose(width, base_width, rtol=1e-9)
        else:
            assert not np.allclose(width, base_width, rtol=1e-3)


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
    assert grouped_run.method == choose_method(report)
    published = report[report["method"] == grouped_run.method]
    assert set(published["level"]) == set(report["level"])
    # Calibrated per level on other windows, the published intervals cover near nominal.
    assert (published["cov95"] >= COVERAGE_FLOOR[95]).all(), published
    assert (published["cov80"] >= COVERAGE_FLOOR[80]).all(), published
    assert report[report["method"] == "base"]["cov95"].mean() > 0.8


def test_reconciler_choice_puts_coverage_before_accuracy() -> None:
    def rows(method: str, mase: float, city_cov95: float) -> list[dict[str, object]]:
        return [
            {
                "level": "city",
                "method": method,
                "mase_median": mase,
                "cov80": 0.8,
                "cov95": city_cov95,
            },
            {"level": "bottom", "method": method, "mase_median": mase, "cov80": 0.8, "cov95": 0.95},
        ]

    # MinTrace is more accurate but its city interval covers 67 %: BottomUp is published.
    report = pd.DataFrame(
        rows("base", 0.5, 0.95)
        + rows("MinTrace_mint_shrink", 0.9, 0.67)
        + rows("BottomUp", 1.0, 0.94)
    )
    assert choose_method(report) == "BottomUp"
    # When both cover near nominal, the more accurate one wins.
    report.loc[report["method"] == "MinTrace_mint_shrink", "cov95"] = 0.93
    assert choose_method(report) == "MinTrace_mint_shrink"
    # When none does, the one that falls least short (and the report shows the defect).
    report.loc[report["method"] == "MinTrace_mint_shrink", "cov95"] = 0.60
    report.loc[report["method"] == "BottomUp", "cov95"] = 0.80
    assert choose_method(report) == "BottomUp"


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
