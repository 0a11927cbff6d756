"""Indicator targets: the official figure, projected with the forecasts, from lake tables."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cockpit.plans import Target, find_plan
from cockpit.plans.indicator_source import read_indicator_target

YUZHONG = "500103"
YI = 100_000_000 * 100  # one 亿元 in fen


def _write(lake: Path, table: str, rows: list[dict[str, object]]) -> None:
    (lake / table).mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), lake / table / "part-test.parquet")


def _official(lake: Path, year_totals: dict[int, int]) -> None:
    rows: list[dict[str, object]] = []
    for year, total in year_totals.items():
        month = total // 12
        rows.append(
            {
                "period": f"{year}-01-02",
                "region_code": YUZHONG,
                "category_code": "",
                "measure": "retail_sales",
                "value_fen": 2 * month,
                "yoy_pct": 5.0,
                "source": "test",
            }
        )
        for m in range(3, 13):
            rows.append(
                {
                    "period": f"{year}-{m:02d}",
                    "region_code": YUZHONG,
                    "category_code": "",
                    "measure": "retail_sales",
                    "value_fen": month,
                    "yoy_pct": 5.0,
                    "source": "test",
                }
            )
    _write(lake, "official_stats", rows)


def _feed_values(lake: Path, year: int, monthly_fen: float) -> None:
    _write(
        lake,
        "indicator_values",
        [
            {
                "indicator_id": "retail_sales",
                "period_type": "month",
                "period": f"{year}-{m:02d}",
                "cut": "district",
                "district": YUZHONG,
                "value": monthly_fen,
            }
            for m in range(1, 13)
        ],
    )


def _forecasts(lake: Path, year: int, mean: float, half_width95: float) -> None:
    _write(
        lake,
        "forecasts",
        [
            {
                "run_id": "r1",
                "indicator_id": "retail_sales",
                "region_code": YUZHONG,
                "category_code": None,
                "ds": datetime(year, m, 1),
                "mean": mean,
                "lo95": mean - half_width95,
                "hi95": mean + half_width95,
            }
            for m in range(1, 13)
        ],
    )


def _retail_target() -> Target:
    plan = find_plan("yuzhong-commerce-2025-2027")
    return next(t for t in plan.targets if t.id == "retail_sales")


def test_the_actual_is_the_latest_complete_official_year(tmp_path: Path) -> None:
    _official(tmp_path, {2024: 1740 * YI, 2025: 1800 * YI})
    actual, projection = read_indicator_target(_retail_target(), tmp_path)
    assert actual is not None
    assert (actual.year, actual.value) == (2025, pytest.approx(1800 * YI, rel=1e-6))
    assert projection is None  # no forecasts in the lake yet


def test_an_unfinished_year_is_not_taken_as_the_actual(tmp_path: Path) -> None:
    _official(tmp_path, {2025: 1800 * YI})
    rows = pq.read_table(tmp_path / "official_stats").to_pylist()
    rows.append(
        {
            "period": "2026-01-02",
            "region_code": YUZHONG,
            "category_code": "",
            "measure": "retail_sales",
            "value_fen": 300 * YI,
            "yoy_pct": 4.0,
            "source": "test",
        }
    )
    _write(tmp_path, "official_stats", rows)
    actual, _ = read_indicator_target(_retail_target(), tmp_path)
    assert actual is not None and actual.year == 2025


def test_the_projection_scales_the_feed_forecast_to_the_official_total(tmp_path: Path) -> None:
    _official(tmp_path, {2025: 1800 * YI})
    _feed_values(tmp_path, 2025, monthly_fen=10 * YI)  # the feed sees 120 of 1,800: 15×
    _forecasts(tmp_path, 2027, mean=11.5 * YI, half_width95=1.959964 * YI)
    actual, projection = read_indicator_target(_retail_target(), tmp_path)
    assert actual is not None and projection is not None
    assert projection.mean == pytest.approx(12 * 11.5 * YI * 15)
    assert projection.sd == pytest.approx(12 * 1 * YI * 15)
    assert "15.0×" in projection.method


def test_a_forecast_that_stops_short_of_the_deadline_gives_no_projection(tmp_path: Path) -> None:
    _official(tmp_path, {2025: 1800 * YI})
    _feed_values(tmp_path, 2025, monthly_fen=10 * YI)
    _forecasts(tmp_path, 2026, mean=11 * YI, half_width95=YI)
    _, projection = read_indicator_target(_retail_target(), tmp_path)
    assert projection is None
