"""Materialised and incremental: a new day refreshes its month only, and equals a full build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cockpit.indicators.build import build
from cockpit.indicators.query import read_values
from cockpit.indicators.synthetic import LakeSpec, append_day, write_lake
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION)
SPEC = LakeSpec(rows=1500, merchants=30, start="2024-01", months=15, districts=3, seed=3)
KEYS = [
    "indicator_id",
    "period_type",
    "period",
    "cut",
    "district",
    "business_district",
    "category",
    "channel",
    "digital_type",
    "payer_segment",
    "payment_method",
]


def _sorted(v: pd.DataFrame) -> pd.DataFrame:
    return v.sort_values(KEYS, na_position="first").reset_index(drop=True)


def test_new_day_refreshes_only_its_month_and_matches_a_full_build(tmp_path: Path) -> None:
    home = tmp_path / "inc"
    write_lake(home / "lake", SPEC)
    first = build(home=home, engine="duckdb")
    assert first.full and len(first.months_refreshed) == 15

    append_day(home / "lake", SPEC, "2025-03-20", 40, "t0002")
    second = build(home=home, engine="duckdb")
    assert not second.full
    assert second.new_ingests == ["t0002"]
    assert second.months_refreshed == ["2025-03"]
    # its own month, and the months its growth is measured against (one and twelve before)
    assert second.months_relevelled == ["2024-03", "2025-02", "2025-03"]
    fresh = tmp_path / "fresh"
    shutil.copytree(home / "lake", fresh / "lake")
    shutil.rmtree(fresh / "lake" / "indicator_values")
    build(home=fresh, engine="duckdb")
    pd.testing.assert_frame_equal(
        _sorted(read_values(home / "lake")), _sorted(read_values(fresh / "lake"))
    )


def test_a_build_with_no_new_ingest_refreshes_nothing(tmp_path: Path) -> None:
    write_lake(tmp_path / "lake", SPEC)
    build(home=tmp_path, engine="duckdb")
    again = build(home=tmp_path, engine="duckdb")
    assert again.months_refreshed == [] and again.new_ingests == []
    assert again.rows > 0


def test_a_new_merchants_ingest_rebuilds_every_month(tmp_path: Path) -> None:
    from tests.indicators import lakefiles as lf

    write_lake(tmp_path / "lake", SPEC)
    build(home=tmp_path, engine="duckdb")
    lf.write(tmp_path / "lake", "m0002", [], [lf.merchant("Z", "500101", "RS01", "2024-01-01")])
    again = build(home=tmp_path, engine="duckdb")
    assert again.full and len(again.months_refreshed) == 15


def test_build_of_an_empty_lake_writes_an_empty_table(tmp_path: Path) -> None:
    (tmp_path / "lake").mkdir()
    report = build(home=tmp_path, engine="duckdb")
    assert report.rows == 0
    assert read_values(tmp_path / "lake").empty
