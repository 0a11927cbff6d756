"""Net sales and payments by month, which alerts and the synthetic official figures read,
are the catalogue's retail_sales and transactions: checked against the plain oracle."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cockpit.indicators.sales import monthly_sales
from tests.indicators import plain
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION)


@pytest.mark.parametrize("cut", [None, "district", "category"])
def test_monthly_net_sales_and_payments_match_plain_python(
    built_home: Path, cut: str | None
) -> None:
    lake = built_home / "lake"
    sales = monthly_sales(lake)
    others = [c for c in ("district", "category") if c != cut]
    mine = sales[(sales[others] == "").all(axis=1)]
    if cut is not None:
        mine = mine[mine[cut] != ""]
    got = {
        (r["month"], r[cut] if cut else ""): (r["retail_sales"], r["transactions"])
        for _, r in mine.iterrows()
    }
    expected = {
        key: (plain.value("retail_sales", rows), plain.value("transactions", rows))
        for key, rows in plain.groups(plain.facts(lake), "month", cut).items()
    }
    assert got == expected


def test_until_month_leaves_later_months_out(built_home: Path) -> None:
    sales = monthly_sales(built_home / "lake", cuts=("category",), until_month="2024-06")
    assert sales["month"].max() == "2024-06"
    assert set(sales.columns) == {"month", "category", "retail_sales", "transactions"}


def test_the_built_rows_are_the_computed_ones(built_home: Path) -> None:
    from cockpit.indicators.build import is_current
    from cockpit.indicators.sales import built_monthly_sales, monthly_sales_of

    assert is_current(built_home)
    keys = ["month", "district", "category"]
    computed = monthly_sales(built_home / "lake").sort_values(keys).reset_index(drop=True)
    built = built_monthly_sales(built_home / "lake").sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(computed, built, check_dtype=False)
    assert len(monthly_sales_of(built_home, until_month="2024-06")) < len(built)


def test_a_lake_with_an_ingest_the_build_has_not_seen_is_computed(tmp_path: Path) -> None:
    from cockpit.indicators.build import is_current
    from cockpit.indicators.sales import monthly_sales_of
    from cockpit.indicators.synthetic import LakeSpec, write_lake

    write_lake(tmp_path / "lake", LakeSpec(rows=300, merchants=10, months=3, districts=2))
    assert not is_current(tmp_path)
    assert set(monthly_sales_of(tmp_path)["month"]) == {"2024-01", "2024-02", "2024-03"}
