"""Coverage, calibrated totals, the nowcast and its backtest, on the synthetic lake.

The synthetic official series is the feed divided by a known coverage (synthetic.coverage_of),
so the right answers are known here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cockpit.indicators.calibration import backtest_report
from cockpit.indicators.query import read_table
from cockpit.indicators.synthetic import coverage_of
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION)


def test_coverage_is_feed_over_official_by_period_and_category(built_home: Path) -> None:
    cov = read_table(built_home / "lake", "indicator_coverage")
    june = cov[(cov["period"] == "2025-06") & (cov["category_code"] == "")].iloc[0]
    assert june["coverage"] == pytest.approx(
        coverage_of("2025-06", ""), rel=1e-4
    )  # officials are whole fen
    by_cat = cov[(cov["period"] == "2025-06") & (cov["category_code"] != "")]
    assert len(by_cat) >= 5
    for cat, c in zip(by_cat["category_code"], by_cat["coverage"], strict=True):
        assert c == pytest.approx(coverage_of("2025-06", cat), rel=1e-4)  # officials are whole fen
    assert "2025-01-02" in set(cov["period"]) and "2025-01" not in set(cov["period"])


def test_official_growth_rates_are_kept_as_published(built_home: Path) -> None:
    official = pd.read_parquet(next((built_home / "lake" / "official_stats").glob("*.parquet")))
    shown = read_table(built_home / "lake", "indicator_official")
    merged = official.merge(shown, on=["period", "category_code"], suffixes=("", "_shown"))
    assert len(merged) == len(official)
    assert (merged["yoy_pct"] == merged["yoy_pct_shown"]).all()
    cov = read_table(built_home / "lake", "indicator_coverage")
    assert set(cov["published_yoy_pct"]) <= set(official["yoy_pct"])


def test_nowcast_of_the_unpublished_period_brackets_the_truth(built_home: Path) -> None:
    cal = read_table(built_home / "lake", "indicator_calibrated")
    nowcast = cal[cal["status"] == "nowcast"]
    assert list(nowcast["period"]) == ["2026-01-02"]  # the feed's last period, not yet published
    row = nowcast.iloc[0]
    truth = row["feed_fen"] / coverage_of("2026-02", "")
    assert row["low_fen"] <= truth <= row["high_fen"]
    assert abs(row["estimate_fen"] / truth - 1) < 0.05


def test_backtest_error_is_reported_and_small_on_synthetic_data(built_home: Path) -> None:
    stats = backtest_report(built_home)
    assert stats.n >= 15
    assert 0 < stats.mape < 3.0
    cal = read_table(built_home / "lake", "indicator_calibrated")
    published = cal[cal["status"] == "published"].dropna(subset=["backtest_error_pct"])
    assert len(published) == stats.n
