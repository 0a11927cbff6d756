"""Comparable scope (可比口径): same-store growth counts each merchant present in both
periods in its current cut in both, so a merchant that moves or changes category is no
growth anywhere."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from cockpit.indicators.build import build
from cockpit.indicators.query import read_values
from tests.indicators import lakefiles as lf
from tests.indicators import plain
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION)

MOVE = dt.date(2025, 3, 1)
# A stays in 500103 / RS01; M moves from 500103 to 500105 and R from RS01 to RS13 (a
# digital-products category) on 2025-03-01. Every merchant sells 10 % more a year on.
MERCHANTS = [
    lf.merchant("A", "500103", "RS01", "2020-01-01"),
    lf.merchant("M", "500103", "RS01", "2020-01-01", valid_to=MOVE),
    lf.merchant("M", "500105", "RS01", "2020-01-01", valid_from=MOVE),
    lf.merchant("R", "500103", "RS01", "2020-01-01", valid_to=MOVE),
    lf.merchant("R", "500103", "RS13", "2020-01-01", valid_from=MOVE),
]
TXNS = [
    lf.txn("2024-03-05T12:00:00", "A", 1000),
    lf.txn("2024-03-05T12:00:00", "M", 2000),
    lf.txn("2024-03-05T12:00:00", "R", 3000),
    lf.txn("2025-02-05T12:00:00", "A", 1000),
    lf.txn("2025-02-05T12:00:00", "M", 2000),
    lf.txn("2025-02-05T12:00:00", "R", 3000),
    lf.txn("2025-03-05T12:00:00", "A", 1100),
    lf.txn("2025-03-05T12:00:00", "M", 2200),
    lf.txn("2025-03-05T12:00:00", "R", 3300),
]


@pytest.fixture(scope="module")
def march(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    home = tmp_path_factory.mktemp("moves")
    lf.write(home / "lake", "m1", TXNS, MERCHANTS)
    lf.publish_every_cell(home)
    build(home=home, engine="duckdb")
    v = read_values(home / "lake")
    return v[(v["period"] == "2025-03") & (v["period_type"] == "month")]


def _row(v: pd.DataFrame, ind: str, cut: str, **dims: str) -> pd.Series:
    r = v[(v["indicator_id"] == ind) & (v["cut"] == cut)]
    for d, x in dims.items():
        r = r[r[d] == x]
    assert len(r) == 1, (ind, cut, dims)
    return r.iloc[0]


@pytest.mark.parametrize(
    ("cut", "dims"),
    [
        ("district", {"district": "500105"}),  # M's new district: no sales there a year ago
        ("district", {"district": "500103"}),  # A and R: M's base left with M
        ("category", {"category": "RS13"}),  # R's new category
        ("category", {"category": "RS01"}),  # A and M
        ("district,category", {"district": "500105", "category": "RS01"}),
        ("district,category", {"district": "500103", "category": "RS13"}),
        ("digital_type", {"digital_type": "digital_products"}),  # RS13 is digital products
    ],
)
def test_a_move_or_a_new_category_is_no_growth(
    march: pd.DataFrame, cut: str, dims: dict[str, str]
) -> None:
    r = _row(march, "retail_sales", cut, **dims)
    assert r["ss_yoy"] == pytest.approx(10.0)
    assert r["ss_mom"] == pytest.approx(10.0)


def test_the_all_merchant_rate_beside_it_still_sees_the_move(march: pd.DataFrame) -> None:
    moved_to = _row(march, "retail_sales", "district", district="500105")
    assert math.isnan(moved_to["yoy"])  # nothing sold there a year before
    left = _row(march, "retail_sales", "district", district="500103")
    assert left["yoy"] == pytest.approx((4400 / 6000 - 1) * 100)


def test_the_city_total_is_not_restated(march: pd.DataFrame) -> None:
    r = _row(march, "retail_sales", "")
    assert r["ss_yoy"] == pytest.approx(10.0) and r["yoy"] == pytest.approx(10.0)


@pytest.mark.parametrize("dims", [("district",), ("category",), ("district", "category")])
def test_same_store_growth_matches_plain_python_on_the_restated_base(
    built_home: Path, dims: tuple[str, ...]
) -> None:
    """The synthetic lake: every seventh merchant changes district and category."""
    facts = plain.facts(built_home / "lake")
    v = read_values(built_home / "lake")
    v = v[(v["indicator_id"] == "retail_sales") & (v["cut"] == ",".join(dims))]
    v = v[v["period_type"] == "month"]
    checked = 0
    for month in ("2025-03", "2025-06", "2025-11"):
        for lag, col in ((12, "ss_yoy"), (1, "ss_mom")):
            expected = plain.same_store_sales(facts, month, lag, dims)
            rows = v[v["period"] == month]
            for key, (now, before) in expected.items():
                r = rows
                for d, x in zip(dims, key, strict=True):
                    r = r[r[d] == x]
                assert len(r) == 1
                want = (now / before - 1) * 100 if before else math.nan
                got = float(r[col].iloc[0])
                assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want)
                checked += 1
    assert checked >= 30
