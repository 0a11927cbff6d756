"""Two engines, one answer: the whole catalogue on DuckDB and on PySpark, equal to the fen.

One local[2] Spark session for the module; small data, so it runs in CI in about a minute.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cockpit.indicators.build import build
from cockpit.indicators.catalogue import INDICATORS
from cockpit.indicators.query import compute, read_table, read_values
from cockpit.indicators.synthetic import LakeSpec, append_day, write_lake
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    # Spark in local mode on two cores: the whole catalogue takes minutes, not seconds.
    pytest.mark.timeout(600),
    pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION),
    # PySpark's result collection leaves its local sockets to the garbage collector.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
SPEC = LakeSpec(rows=1200, merchants=25, start="2024-01", months=14, districts=3, seed=5)
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


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from cockpit.indicators.engines import spark_session

    session = spark_session("local[2]", None)
    yield session
    session.stop()
    spark_session.cache_clear()


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> tuple[Path, Path]:
    duck, sparky = tmp_path_factory.mktemp("duck"), tmp_path_factory.mktemp("spark")
    write_lake(duck / "lake", SPEC)
    shutil.copytree(duck / "lake", sparky / "lake")
    build(home=duck, engine="duckdb")
    build(home=sparky, engine="pyspark")
    return duck, sparky


def _sorted(v: pd.DataFrame) -> pd.DataFrame:
    return v.sort_values(KEYS, na_position="first").reset_index(drop=True)


@pytest.fixture(scope="module")
def built(homes: tuple[Path, Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """indicator_values as each engine built it, before any incremental build."""
    duck, sparky = (_sorted(read_values(h / "lake")) for h in homes)
    return duck, sparky


def test_both_engines_build_the_whole_catalogue(
    built: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    duck, sparky = built
    assert set(duck["indicator_id"]) == set(sparky["indicator_id"]) == {i.id for i in INDICATORS}
    assert len(duck) > 10_000


@pytest.mark.parametrize("indicator_id", [i.id for i in INDICATORS])
def test_each_indicator_is_equal_on_duckdb_and_spark(
    built: tuple[pd.DataFrame, pd.DataFrame], indicator_id: str
) -> None:
    duck, sparky = (v[v["indicator_id"] == indicator_id].reset_index(drop=True) for v in built)
    assert len(duck) > 0
    pd.testing.assert_frame_equal(duck, sparky, check_exact=True)


def test_calibration_is_equal_on_duckdb_and_spark(homes: tuple[Path, Path]) -> None:
    for table in ("indicator_coverage", "indicator_official"):
        a, b = (read_table(h / "lake", table) for h in homes)
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_live_compute_is_equal_on_duckdb_and_spark(homes: tuple[Path, Path]) -> None:
    duck, _ = homes
    for ind, by in (("digital_consumption", ["month", "digital_type"]), ("night_share", ["day"])):
        a = compute(ind, by=by, period="2024-06", engine="duckdb", home=duck)
        b = compute(ind, by=by, period="2024-06", engine="pyspark", home=duck)
        assert len(a) > 0
        # Sums and counts equal to the fen; a ratio may differ in its last bit (float order).
        exact = [c for c in a.columns if c != "value"]
        pd.testing.assert_frame_equal(a[exact], b[exact], check_exact=True, check_dtype=False)
        pd.testing.assert_series_equal(a["value"], b["value"], rtol=1e-12, check_dtype=False)


def test_incremental_build_on_spark_matches_duckdb(homes: tuple[Path, Path]) -> None:
    """Two days, one build each: the second sums its cube into the first's on the engine."""
    duck, sparky = homes
    for day, ingest in (("2025-02-27", "t0002"), ("2025-02-28", "t0003")):
        for home in homes:
            append_day(home / "lake", SPEC, day, 30, ingest)
        assert build(home=duck, engine="duckdb").months_added == ["2025-02"]
        assert build(home=sparky, engine="pyspark").months_added == ["2025-02"]
        pd.testing.assert_frame_equal(
            _sorted(read_values(duck / "lake")),
            _sorted(read_values(sparky / "lake")),
            check_exact=True,
        )
