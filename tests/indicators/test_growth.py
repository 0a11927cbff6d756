"""Growth conventions on hand-made months: 1–2月, 1–N月累计, same-store, shares in pp."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from cockpit.indicators.build import build
from cockpit.indicators.query import read_values
from tests.indicators import lakefiles as lf
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION)

# A stays all along; B opens in March 2025 and sells online; C (catering) leaves after 2024.
MERCHANTS = [
    lf.merchant("A", "500103", "RS01", "2023-01-01"),
    lf.merchant("B", "500103", "RS13", "2025-03-01"),
    lf.merchant("C", "500105", "CT01", "2023-01-01"),
]
TXNS = [
    lf.txn("2024-01-10T12:00:00", "A", 100),
    lf.txn("2024-01-11T12:00:00", "C", 50),
    lf.txn("2024-02-10T12:00:00", "A", 200),
    lf.txn("2024-02-11T12:00:00", "C", 50),
    lf.txn("2024-03-10T12:00:00", "A", 300),
    lf.txn("2024-03-11T12:00:00", "C", 100),
    lf.txn("2025-01-10T12:00:00", "A", 110),
    lf.txn("2025-02-10T12:00:00", "A", 220),
    lf.txn("2025-03-10T12:00:00", "A", 330),
    lf.txn("2025-03-12T20:00:00", "B", 1000, channel="online"),
]


@pytest.fixture(scope="module")
def values(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    home = tmp_path_factory.mktemp("hand")
    lf.write(home / "lake", "h1", TXNS, MERCHANTS)
    lf.publish_every_cell(home)
    build(home=home, engine="duckdb")
    v = read_values(home / "lake")
    return v[v["cut"] == ""]


def row(values: pd.DataFrame, ind: str, period_type: str, period: str) -> pd.Series:
    r = values[
        (values["indicator_id"] == ind)
        & (values["period_type"] == period_type)
        & (values["period"] == period)
    ]
    assert len(r) == 1, (ind, period_type, period)
    return r.iloc[0]


def test_growth_over_all_merchants_and_same_store_sit_side_by_side(values: pd.DataFrame) -> None:
    march = row(values, "retail_sales", "month", "2025-03")
    assert march["value"] == 1330
    assert march["yoy"] == pytest.approx((1330 / 400 - 1) * 100)  # B opened, C left
    assert march["ss_yoy"] == pytest.approx(10.0)  # A only: 330 over 300
    assert march["mom"] == pytest.approx((1330 / 220 - 1) * 100)
    assert march["ss_mom"] == pytest.approx(50.0)  # A only: 330 over 220


def test_january_and_february_are_reported_together(values: pd.DataFrame) -> None:
    jan = row(values, "retail_sales", "month", "2025-01")
    assert jan["value"] == 110 and math.isnan(jan["yoy"]) and math.isnan(jan["ss_yoy"])
    both = row(values, "retail_sales", "month", "2025-01-02")
    assert both["period_label"] == "2025年1–2月"
    assert both["value"] == 330
    assert both["yoy"] == pytest.approx((330 / 400 - 1) * 100)
    assert both["ss_yoy"] == pytest.approx(10.0)  # A: 110+220 over 100+200


def test_year_to_date_cumulates_from_january_and_starts_at_february(values: pd.DataFrame) -> None:
    ytd = values[(values["indicator_id"] == "retail_sales") & (values["period_type"] == "ytd")]
    assert "2025-01" not in set(ytd["period"])
    march = row(values, "retail_sales", "ytd", "2025-03")
    assert march["period_label"] == "2025年1–3月"
    assert march["value"] == 1660
    assert march["yoy"] == pytest.approx((1660 / 800 - 1) * 100)
    assert march["ss_yoy"] == pytest.approx(10.0)  # A: 660 over 600


def test_growth_of_a_share_is_in_percentage_points(values: pd.DataFrame) -> None:
    march = row(values, "online_share", "month", "2025-03")
    assert march["value"] == pytest.approx(100 * 1000 / 1330)
    assert march["growth_unit"] == "pp"
    assert march["mom"] == pytest.approx(100 * 1000 / 1330 - 0.0)


def test_new_and_active_merchants_count_each_merchant_once(values: pd.DataFrame) -> None:
    assert row(values, "new_merchants", "month", "2025-03")["value"] == 1
    assert row(values, "active_merchants", "month", "2025-03")["value"] == 2
    assert row(values, "catering_sales", "month", "2024-03")["value"] == 100
    assert row(values, "night_sales", "month", "2025-03")["value"] == 1000
    assert row(values, "digital_consumption", "month", "2025-03")["value"] == 1000


def test_a_month_without_sales_after_one_with_sales_gives_no_growth(values: pd.DataFrame) -> None:
    dec = row(values, "retail_sales", "month", "2024-12")
    assert dec["value"] == 0
    assert math.isnan(row(values, "retail_sales", "month", "2025-01")["mom"])


@pytest.mark.slow
def test_a_transaction_is_attributed_to_the_merchant_version_of_its_date(tmp_path: Path) -> None:
    versions = [
        lf.merchant("A", "500103", "RS01", "2023-01-01", valid_to=dt.date(2025, 3, 15)),
        lf.merchant("A", "500105", "CT01", "2023-01-01", valid_from=dt.date(2025, 3, 15)),
    ]
    txns = [lf.txn("2025-03-14T10:00:00", "A", 70), lf.txn("2025-03-15T10:00:00", "A", 30)]
    lf.write(tmp_path / "lake", "v1", txns, versions)
    lf.publish_every_cell(tmp_path)
    build(home=tmp_path, engine="duckdb")
    v = read_values(tmp_path / "lake")
    v = v[(v["indicator_id"] == "retail_sales") & (v["period"] == "2025-03")]
    by_district = v[v["cut"] == "district"].set_index("district")["value"].to_dict()
    assert by_district == {"500103": 70, "500105": 30}
    assert row(v[v["cut"] == ""], "retail_sales", "month", "2025-03")["value"] == 100
