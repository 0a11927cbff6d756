"""Every built indicator equals an independent plain-Python computation on small data."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from cockpit.indicators.catalogue import CUT_DIMENSIONS, INDICATORS
from cockpit.indicators.query import compute, read_values
from tests.indicators import plain
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION)


def _close(built: float, expected: float | None) -> bool:
    if expected is None:
        return math.isnan(built)
    return math.isclose(built, expected, rel_tol=1e-9, abs_tol=1e-9)


def _built(values: pd.DataFrame, period_type: str, cut: str) -> dict[tuple[str, str, str], float]:
    v = values[(values["period_type"] == period_type) & (values["cut"] == cut)]
    v = v[v["period"].str.len() == (10 if period_type == "day" else 7)]
    dim = v[cut] if cut else pd.Series("", index=v.index)
    return dict(
        zip(
            zip(v["indicator_id"], v["period"], dim.fillna(""), strict=True),
            v["value"],
            strict=True,
        )
    )


@pytest.fixture(scope="module")
def facts(built_home: Path) -> list[plain.Row]:
    return plain.facts(built_home / "lake")


@pytest.fixture(scope="module")
def values(built_home: Path) -> pd.DataFrame:
    return read_values(built_home / "lake")


@pytest.mark.parametrize("cut", ["", *CUT_DIMENSIONS])
def test_every_indicator_by_month_matches_plain_python(
    cut: str, facts: list[plain.Row], values: pd.DataFrame
) -> None:
    built = _built(values, "month", cut)
    groups = plain.groups(facts, "month", cut or None)
    assert groups, "the synthetic lake has transactions"
    checked = 0
    for ind in INDICATORS:
        if cut and cut not in ind.dimensions:
            continue
        for (period, dim), rows in groups.items():
            expected = plain.value(ind.id, rows)
            got = built[(ind.id, period, dim)]
            assert _close(got, expected), (ind.id, period, dim, got, expected)
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("cut", ["", "district"])
def test_every_indicator_by_day_matches_plain_python(
    cut: str, facts: list[plain.Row], values: pd.DataFrame
) -> None:
    built = _built(values, "day", cut)
    for ind in INDICATORS:
        for (day, dim), rows in plain.groups(facts, "day", cut or None).items():
            assert _close(built[(ind.id, day, dim)], plain.value(ind.id, rows)), (ind.id, day)


def test_year_to_date_levels_add_up_the_months(
    facts: list[plain.Row], values: pd.DataFrame
) -> None:
    ytd = _built(values, "ytd", "")
    months = plain.groups(facts, "month", None)
    for ind in ("retail_sales", "online_share", "avg_ticket", "voucher_sales"):
        rows = [r for (m, _), rs in months.items() if "2025-01" <= m <= "2025-07" for r in rs]
        assert _close(ytd[(ind, "2025-07", "")], plain.value(ind, rows)), ind


def test_merchant_counts_have_no_cumulative_rows(values: pd.DataFrame) -> None:
    merchants = values[values["indicator_id"] == "active_merchants"]
    assert set(merchants["period_type"]) == {"month", "day"}
    assert merchants["ss_yoy"].isna().all()


def test_compute_cuts_by_two_dimensions_like_plain_python(
    built_home: Path, facts: list[plain.Row]
) -> None:
    got = compute(
        "digital_consumption", by=["month", "digital_type"], period="2025", home=built_home
    )
    by_key = {(r.month, r.digital_type): r.value for r in got.itertuples()}
    expected = plain.groups(
        [f for f in facts if f["month"].startswith("2025")], "month", "digital_type"
    )
    assert len(by_key) == len(expected)
    for key, rows in expected.items():
        assert by_key[key] == plain.value("digital_consumption", rows)


def test_compute_one_month_of_a_share_by_district(built_home: Path, facts: list[plain.Row]) -> None:
    got = compute("ecny_share", by=["district"], period="2025-06", home=built_home)
    rows = [f for f in facts if f["month"] == "2025-06"]
    for r in got.itertuples():
        expected = plain.value("ecny_share", [f for f in rows if f["district"] == r.district])
        assert _close(r.value, expected)


def test_compute_refuses_a_dimension_the_indicator_does_not_allow(built_home: Path) -> None:
    with pytest.raises(ValueError, match="cannot be cut by channel"):
        compute("online_share", by=["channel"], home=built_home)
