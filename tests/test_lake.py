"""The lake's registry: every table declared once, read and written with its declared types."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from cockpit import lake
from cockpit.indicators.catalogue import CUT_DIMENSIONS
from cockpit.indicators.growth import VALUE_COLUMNS


@pytest.mark.parametrize("name", list(lake.TABLES))
def test_an_empty_table_reads_with_its_declared_columns_and_types(
    tmp_path: Path, name: str
) -> None:
    with duckdb.connect() as con:
        arrow = con.sql(f"SELECT * FROM {lake.scan(tmp_path, name)}").to_arrow_table()
    assert arrow.num_rows == 0
    assert arrow.schema.names == lake.schema(name).names
    assert arrow.schema.types == lake.schema(name).types


def test_a_written_table_scans_back_with_its_types(tmp_path: Path) -> None:
    row = {"period": "2025-01", "region_code": "500000", "category_code": "", "value_fen": 12}
    lake.write_table("official_stats", [row], lake.part_path(tmp_path, "official_stats", "i1"))
    with duckdb.connect() as con:
        got = con.sql(f"SELECT * FROM {lake.scan(tmp_path, 'official_stats')}").to_arrow_table()
    assert got.schema.equals(lake.schema("official_stats"), check_metadata=False)
    assert got.to_pylist()[0]["value_fen"] == 12


def test_paths_with_quotes_are_read_not_injected(tmp_path: Path) -> None:
    folder = tmp_path / "o'neil; DROP TABLE x; --"
    lake.write_table(
        "trade_orders",
        [{"enterprise_id": "e1", "month": "2025-01", "new_orders_fen": 5}],
        lake.part_path(folder, "trade_orders", "i1"),
    )
    for glob in (False, True):
        with duckdb.connect() as con:
            source = lake.scan(folder, "trade_orders", glob=glob)
            assert con.sql(f"SELECT new_orders_fen FROM {source}").fetchall() == [(5,)]


def test_months_select_the_month_folders(tmp_path: Path) -> None:
    for month in ("2025-01", "2025-02"):
        day = dt.date.fromisoformat(month + "-03")
        row = {"source": "s", "txn_id": month, "date": day, "month": month, "amount_fen": 1}
        lake.write_table(
            "transactions", [row], lake.part_path(tmp_path, "transactions", "i", month=month)
        )
    only = lake.files(tmp_path, "transactions", months=["2025-02"])
    assert [pq.read_table(f)["month"][0].as_py() for f in only] == ["2025-02"]
    assert lake.part_files(tmp_path, "transactions") == lake.files(tmp_path, "transactions")


def test_top_and_day_split_the_indicator_values(tmp_path: Path) -> None:
    name = "indicator_values"
    month = {"indicator_id": "retail_sales", "period_type": "month", "period": "2025-01"}
    day = {"indicator_id": "retail_sales", "period_type": "day", "period": "2025-01-03"}
    lake.write_table(name, [month], lake.part_path(tmp_path, name, "b1"))
    lake.write_table(name, [day], lake.table_dir(tmp_path, name) / "day/month=2025-01/part.parquet")
    for day_rows, expected in ((False, "2025-01"), (True, "2025-01-03")):
        source = lake.scan(tmp_path, name, top=not day_rows, day=day_rows)
        with duckdb.connect() as con:
            assert con.execute(f"SELECT period FROM {source}").fetchall() == [(expected,)]


def test_frame_reads_parts_as_written(tmp_path: Path) -> None:
    lake.write_table(
        "forecast_runs", [{"run_id": "r1", "horizon": 3}], tmp_path / "part-r1.parquet"
    )
    got = lake.frame([tmp_path / "part-r1.parquet"], columns=["run_id", "horizon"])
    assert got.to_dict("records") == [{"run_id": "r1", "horizon": 3}]
    assert lake.frame([]).empty


def test_indicator_values_columns_are_the_indicators_cuts() -> None:
    names = lake.table("indicator_values").column_names
    assert names == VALUE_COLUMNS
    assert [c for c in names if c in CUT_DIMENSIONS] == list(CUT_DIMENSIONS)


def test_an_unknown_table_names_the_declared_ones() -> None:
    with pytest.raises(KeyError, match="declared: transactions"):
        lake.table("transaction")


def test_every_writer_is_a_room_of_the_package() -> None:
    src = Path(lake.__file__).parent
    for t in lake.TABLES.values():
        assert (src / t.writer / "__init__.py").is_file(), t.name


SRC = Path(lake.__file__).parent
# Read their own files, not the lake: ingest's staging files of one run.
NOT_THE_LAKE = {"ingest/pipeline.py"}


def test_no_module_but_the_lake_reads_parquet_files_itself() -> None:
    readers = {
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if "read_parquet(" in p.read_text("utf-8")
    }
    assert readers - NOT_THE_LAKE == {"lake.py"}


def test_no_module_but_the_lake_and_the_settings_spells_the_lake_folder() -> None:
    spellers = {
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if re.search(r"""/ ["']lake["']""", p.read_text("utf-8"))
    }
    assert spellers == {"lake.py", "config.py"}
