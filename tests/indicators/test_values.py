"""Every built indicator equals an independent plain-Python computation on small data."""

from __future__ import annotations

import math
from pathlib import Path
from typing import cast

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
        assert _close(cast(float, r.value), expected)


def test_compute_refuses_a_dimension_the_indicator_does_not_allow(built_home: Path) -> None:
    with pytest.raises(ValueError, match="cannot be cut by channel"):
        compute("online_share", by=["channel"], home=built_home)


PAIRS = [("district", "category"), ("business_district", "category")]


@pytest.mark.parametrize("pair", PAIRS, ids=",".join)
def test_each_pair_matches_plain_python(
    facts: list[plain.Row], values: pd.DataFrame, pair: tuple[str, str]
) -> None:
    first, second = pair
    v = values[(values["period_type"] == "month") & (values["cut"] == ",".join(pair))]
    v = v[v["period"].str.len() == 7]
    assert v[first].notna().all() and v[second].notna().all()
    built = {
        (r["indicator_id"], r["period"], r[first], r[second]): r["value"]
        for r in v.to_dict("records")
    }
    groups: dict[tuple[str, str, str], list[plain.Row]] = {}
    for f in facts:
        groups.setdefault((f["month"], f[first], f[second]), []).append(f)
    if first == "business_district":
        assert any(k[1] == "" for k in groups), "merchants outside any area are a row"
    checked = 0
    for ind in INDICATORS:
        if not {first, second} <= set(ind.dimensions):
            assert ind.id not in set(v["indicator_id"])
            continue
        for (month, a, b), rows in groups.items():
            got = built[(ind.id, month, a, b)]
            assert _close(got, plain.value(ind.id, rows)), (ind.id, month, a, b)
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("pair", PAIRS, ids=",".join)
@pytest.mark.parametrize("side", [0, 1])
def test_each_pair_adds_up_to_its_single_cuts(
    values: pd.DataFrame, pair: tuple[str, str], side: int
) -> None:
    """Rows of the pair add up to the single cut of either dimension (business district
    "" included: the merchants outside any area)."""
    dim = pair[side]
    additive = [i.id for i in INDICATORS if i.kind != "merchants"]
    v = values[values["indicator_id"].isin(additive) & (values["period_type"] != "day")]
    keys = ["indicator_id", "period_type", "period", dim]
    got = v[v["cut"] == ",".join(pair)].groupby(keys)[["num", "den"]].sum(min_count=1)
    single = v[v["cut"] == dim].set_index(keys)[["num", "den"]].sort_index()
    got = got.reindex(single.index)
    assert len(single) > 500
    pd.testing.assert_series_equal(got["num"], single["num"], check_dtype=False)
    ratios = single["den"].notna()
    assert ratios.any()
    pd.testing.assert_series_equal(got["den"][ratios], single["den"][ratios], check_dtype=False)


def test_values_and_compute_serve_district_by_category(
    built_home: Path, values: pd.DataFrame
) -> None:
    from cockpit.indicators.query import values as built_values

    a = built_values(
        "online_share", by=["category", "district"], period="2025-06", lake=built_home / "lake"
    )
    b = built_values(
        "online_share", by=["district,category"], period="2025-06", lake=built_home / "lake"
    )
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns[:4]) == ["period", "period_label", "district", "category"]
    live = compute("online_share", by=["district", "category"], period="2025-06", home=built_home)
    assert len(live) > 5
    # built rows cover every pair on every month (absent ones empty, for growth)
    merged = a.merge(live, on=["district", "category"], how="left", suffixes=("", "_live"))
    assert len(merged) == len(a) and merged["num"].notna().sum() == len(live)
    for r in merged.itertuples():
        num, value = cast(float, r.num), cast(float, r.value)
        if math.isnan(num):  # a pair with no sale this month: an empty share
            assert math.isnan(value)
        else:
            assert _close(value, cast(float, r.value_live)), r
    with pytest.raises(ValueError, match="no built cut"):
        built_values("retail_sales", by=["district", "channel"], lake=built_home / "lake")
