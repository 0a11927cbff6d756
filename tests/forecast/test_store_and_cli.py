"""Forecast runs in the lake: cached per input version, reported by the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cockpit.cli import app
from cockpit.forecast.pipeline import ForecastSpec
from cockpit.forecast.service import forecast_series
from cockpit.forecast.store import StoredRun
from cockpit.forecast.synthetic import monthly_panel

pytestmark = pytest.mark.slow


def test_runs_are_stored_cached_and_reported(cockpit_home: Path) -> None:
    panel = monthly_panel(2, 2, start=dt.date(2022, 1, 1), end=dt.date(2025, 12, 31), seed=1)
    spec = ForecastSpec(h=3, n_windows=1, models=("AutoETS", "SeasonalNaive"))

    def run(series: pd.DataFrame) -> StoredRun:
        return forecast_series(
            series=series,
            indicator_id="demo",
            by="both",
            dimensions=("district", "category"),
            spec=spec,
            home=cockpit_home,
        )

    first = run(panel)
    again = run(panel.sample(frac=1.0, random_state=0))
    assert not first.cached and again.cached and again.run_id == first.run_id

    stored = pd.read_parquet(cockpit_home / "lake" / "forecasts" / f"part-{first.run_id}.parquet")
    assert list(stored.columns) == [
        "run_id",
        "indicator_id",
        "unique_id",
        "level",
        "region_code",
        "category_code",
        "ds",
        "model",
        "method",
        "mean",
        "lo80",
        "hi80",
        "lo95",
        "hi95",
    ]
    city = stored[stored["level"] == "city"]
    assert set(city["region_code"]) == {"500000"} and set(city["category_code"]) == {""}
    assert str(stored["ds"].dtype) == "datetime64[us]" or "datetime64" in str(stored["ds"].dtype)

    changed = panel.assign(y=panel["y"] * 1.01)
    fresh = run(changed)
    assert not fresh.cached and fresh.run_id != first.run_id

    result = CliRunner().invoke(app, ["forecast", "report", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["run_id"] == fresh.run_id
    levels = {row["level"] for row in report["data"]}
    assert levels == {"city", "district", "category", "district/category"}
    assert {"mase", "smape", "cov80", "cov95"} <= set(report["data"][0])


def test_report_without_runs_says_what_to_do(cockpit_home: Path) -> None:
    result = CliRunner().invoke(app, ["forecast", "report"])
    assert result.exit_code == 1
    assert "cockpit forecast" in result.output
