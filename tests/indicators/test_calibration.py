"""Coverage and the official series as published, on the synthetic lake (estimates of
unpublished periods are the forecast room's: tests/forecast/test_official_series.py).

The synthetic official series is the feed divided by a known coverage (synthetic.coverage_of),
so the right answers are known here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

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


def test_no_second_estimate_of_the_official_figure_is_published(built_home: Path) -> None:
    lake = built_home / "lake"
    assert not (lake / "indicator_calibrated").exists()
    assert (lake / "indicator_coverage").exists() and (lake / "indicator_official").exists()
