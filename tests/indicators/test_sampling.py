"""Standard errors: the build's analytic formulas against a merchant bootstrap written
independently (tests/indicators/plain.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from cockpit.indicators.query import read_values
from tests.indicators import plain
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION)

MONTH, BASE = "2025-06", "2024-06"


@pytest.fixture(scope="module")
def facts(built_home: Path) -> list[plain.Row]:
    return [f for f in plain.facts(built_home / "lake") if f["month"] in (MONTH, BASE)]


@pytest.fixture(scope="module")
def values(built_home: Path) -> pd.DataFrame:
    v = read_values(built_home / "lake")
    return v[(v["period_type"] == "month") & (v["period"] == MONTH)]


def _by_district(values: pd.DataFrame, ind: str, col: str) -> dict[str, float]:
    v = values[(values["indicator_id"] == ind) & (values["cut"] == "district")]
    return dict(zip(v["district"], v[col], strict=True))


def _sales(r: plain.Row) -> tuple[float, float]:
    return float(r["amount_fen"]), 0.0


def _online(r: plain.Row) -> tuple[float, float]:
    return float(r["amount_fen"]) * r["online"], float(r["amount_fen"])


def test_the_standard_error_of_a_total_is_the_merchant_bootstraps(
    facts: list[plain.Row], values: pd.DataFrame
) -> None:
    boot = plain.merchant_bootstrap(
        facts, [MONTH], lambda r: r["district"], lambda n, d: n[0], _sales
    )
    se = _by_district(values, "retail_sales", "value_se")
    assert len(boot) >= 4
    for district, sd in boot.items():
        assert se[district] == pytest.approx(sd, rel=0.15), district
    cv = _by_district(values, "retail_sales", "value_cv")
    value = _by_district(values, "retail_sales", "value")
    assert all(cv[d] == pytest.approx(se[d] / value[d]) for d in boot)


def test_the_standard_error_of_a_share_is_the_merchant_bootstraps(
    facts: list[plain.Row], values: pd.DataFrame
) -> None:
    """On the city (50 merchants): a linearisation is a large-sample formula; on a cell of
    ten merchants the bootstrap's share swings further (such cells are flagged unreliable
    by their CV anyway)."""
    boot = plain.merchant_bootstrap(
        facts,
        [MONTH],
        lambda r: "",
        lambda n, d: 100 * n[0] / d[0] if d[0] else math.nan,
        _online,
    )
    city = values[(values["indicator_id"] == "online_share") & (values["cut"] == "")]
    assert float(city["value_se"].iloc[0]) == pytest.approx(boot[""], rel=0.2)


def test_a_growth_rates_standard_error_is_near_the_bootstraps(
    facts: list[plain.Row], values: pd.DataFrame
) -> None:
    """Periods taken as independent, linearised: on this lake's city (50 merchants, heavy
    tails, openings and closings) 0.81 of the joint resample's spread; within a third."""
    boot = plain.merchant_bootstrap(
        facts,
        [MONTH, BASE],
        lambda r: "",
        lambda n, d: 100 * (n[0] / n[1] - 1) if n[1] else math.nan,
        _sales,
    )
    city = values[(values["indicator_id"] == "retail_sales") & (values["cut"] == "")]
    se = float(city["yoy_se"].iloc[0])
    assert boot[""] * 0.67 <= se <= boot[""] * 1.5, (se, boot[""])


def test_every_published_month_level_carries_its_error(values: pd.DataFrame) -> None:
    levels = values[values["value"].notna() & (values["value"] != 0)]
    assert levels["value_se"].notna().all()
    growth = values[values["yoy"].notna()]
    assert len(growth) > 100 and growth["yoy_se"].notna().all()
