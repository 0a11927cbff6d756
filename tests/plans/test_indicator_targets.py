"""Indicator targets: the official figure, projected with the forecasts, from lake tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cockpit.plans import Target, find_plan
from cockpit.plans.indicator_source import read_indicator_target
from cockpit.plans.progress import Actual

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


def _retail_target() -> Target:
    plan = find_plan("yuzhong-commerce-2025-2027")
    return next(t for t in plan.targets if t.id == "retail_sales")


def test_the_actual_is_the_latest_complete_official_year(tmp_path: Path) -> None:
    _official(tmp_path, {2024: 1740 * YI, 2025: 1800 * YI})
    actual, projection = read_indicator_target(_retail_target(), tmp_path)
    assert actual is not None
    assert actual.year == 2025 and actual.value == pytest.approx(1800 * YI, rel=1e-6)
    # Projected from the official series alone (the forecast room's model), no run needed.
    assert projection is not None and projection.mean > actual.value


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


def test_a_short_series_is_projected_by_rule_b_and_p_agrees_with_a_direct_simulation(
    tmp_path: Path,
) -> None:
    from cockpit.forecast.officialrun import year_distribution
    from cockpit.plans.progress import probability_of_reaching

    _official(tmp_path, {2025: 1800 * YI})  # one year: rule (b)
    rows = pq.read_table(tmp_path / "official_stats").to_pylist()
    for i, row in enumerate(rows):  # growth that moves: 6 %, 4 %, 5 %, …; the last 4 %
        row["yoy_pct"] = 4.0 + (i + 2) % 3
    _write(tmp_path, "official_stats", rows)
    actual, projection = read_indicator_target(_retail_target(), tmp_path)
    assert actual is not None and projection is not None
    assert "rule_b" in projection.method and "three years" in projection.method
    # Rule (b): the same period a year before × the latest growth, twice over.
    assert projection.mean == pytest.approx(1800 * YI * 1.04**2, rel=0.01)
    # The probability is read off the same paths the forecast room simulates.
    direct = year_distribution(tmp_path, ("retail_sales", YUZHONG, ""), 2027)
    assert direct is not None
    for level in (1900 * YI, 1985 * YI, 2000 * YI, 2100 * YI):
        assert probability_of_reaching(level, projection) == direct.probability_at_least(level)
    assert 0 < probability_of_reaching(1985 * YI, projection) < 1


def test_the_sentence_agrees_with_the_numbers() -> None:
    from cockpit.plans.progress import Projection, assess, projection_sentence

    target = _retail_target()
    actual = Actual(value=1700 * YI, year=2025, as_of=date(2025, 12, 1), source="test")
    draws = tuple(float(v) for v in np.linspace(1800, 1980, 100) * YI)
    below = assess("p", target, actual, Projection(1890 * YI, 50 * YI, "m", draws))
    assert projection_sentence(below, "zh") == "预计 1,890亿，低于目标 5.5%，P = 0 %"
    assert projection_sentence(below) == "projected 189.0 billion yuan, 5.5 % short, P = 0 %"
    above = assess("p", target, actual, Projection(2050 * YI, 0.0, "m"))
    assert (
        projection_sentence(above) == "projected 205.0 billion yuan, 2.5 % above target, P = 100 %"
    )
    assert "short" not in projection_sentence(above)


def _quarterly(lake: Path, regions: int, seed: int) -> None:
    """Value added and GDP, year to date each quarter 2022–2026Q3, share drifting up."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for r in range(regions):
        region = YUZHONG if r == 0 else f"5001{r + 10:02d}"
        gdp, va = {}, {}
        for year in range(2022, 2027):
            for q in range(1, 5):
                if (year, q) > (2026, 3):
                    break
                g = 100 * YI * 1.06 ** (year - 2022) * q
                share = 0.19 * np.exp(0.02 * (year - 2022) + 0.004 * rng.standard_normal())
                gdp[(year, q)], va[(year, q)] = g, g * share
        for (year, q), g in gdp.items():
            if year == 2022:
                continue
            for measure, value, before in (
                ("gdp_ytd", g, gdp[(year - 1, q)]),
                ("commerce_value_added_ytd", va[(year, q)], va[(year - 1, q)]),
            ):
                rows.append(
                    {
                        "period": f"{year}-{3 * q:02d}",
                        "region_code": region,
                        "category_code": "",
                        "measure": measure,
                        "value_fen": int(value),
                        "yoy_pct": round((value / before - 1) * 100, 1),
                        "source": "test",
                    }
                )
    _write(lake, "official_stats", rows)


def test_the_value_added_share_is_projected_from_the_quarterly_series(tmp_path: Path) -> None:
    from cockpit.forecast.officialshare import share_distribution

    _quarterly(tmp_path, regions=12, seed=3)
    plan = find_plan("yuzhong-commerce-2025-2027")
    target = next(t for t in plan.targets if t.id == "commerce_value_added_share")
    actual, projection = read_indicator_target(target, tmp_path)
    assert actual is not None and actual.year == 2025
    assert projection is not None and projection.draws
    # The share climbs 2 % a year (log): 2027 lies about two steps above 2025.
    assert projection.mean == pytest.approx(actual.value * np.exp(0.04), rel=0.02)
    dist = share_distribution(tmp_path, YUZHONG, 2027)
    assert dist is not None and "rule (b)" in dist.note
    from cockpit.plans.progress import probability_of_reaching

    assert probability_of_reaching(22.0, projection) == pytest.approx(
        dist.probability_at_least(22.0)
    )
