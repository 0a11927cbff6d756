"""`cockpit lake compact`: each month one file clustered by merchant, the same rows, and
safe to kill at any point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from cockpit import lake
from cockpit.cli import app
from cockpit.indicators.synthetic import LakeSpec, append_day, write_lake
from cockpit.ingest import compact
from cockpit.ingest.compact import is_clustered, month_files

SPEC = LakeSpec(rows=3000, merchants=40, start="2025-01", months=4, districts=3, seed=5)
COMPACT = (
    "import sys; from pathlib import Path; from cockpit.ingest import compact; "
    "compact(Path(sys.argv[1]))"
)


def _lake_with_days(home: Path) -> Path:
    """A synthetic lake whose last two months gained a day's ingest each (two files)."""
    write_lake(home / "lake", SPEC)
    append_day(home / "lake", SPEC, "2025-03-20", 50, "t0002")
    append_day(home / "lake", SPEC, "2025-04-02", 50, "t0003")
    return home


def _rows(home: Path) -> list[tuple[object, ...]]:
    """Every transaction, in a fixed order."""
    files = [str(p) for p in lake.part_files(home / "lake", "transactions")]
    return duckdb.execute(
        f"SELECT * FROM read_parquet({files}, hive_partitioning = false) ORDER BY ALL"
    ).fetchall()


def test_each_month_becomes_one_clustered_file_with_the_same_rows(tmp_path: Path) -> None:
    home = _lake_with_days(tmp_path / "home")
    before = _rows(home)
    assert len(month_files(home / "lake")["2025-03"]) == 2

    report = compact(home)

    assert report.months == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert report.files_replaced == 6 and report.rows == len(before) == 3100
    assert _rows(home) == before
    for month, files in month_files(home / "lake").items():
        assert [f.name for f in files] == [f"part-{report.compaction_id}.parquet"], month
        assert is_clustered(files[0])
        keys = duckdb.execute(f"SELECT merchant_id, ts FROM '{files[0]}'").fetchall()
        assert keys == sorted(keys)  # clustered by merchant, then time
    assert compact(home).months == []  # already one clustered file a month


def test_a_day_ingested_after_compaction_is_merged_by_the_next_one(tmp_path: Path) -> None:
    home = _lake_with_days(tmp_path / "home")
    compact(home)
    append_day(home / "lake", SPEC, "2025-04-03", 30, "t0004")
    before = _rows(home)

    again = compact(home)

    assert again.months == ["2025-04"] and again.files_replaced == 2
    assert _rows(home) == before


@pytest.mark.slow
def test_the_indicators_are_the_same_before_and_after(tmp_path: Path) -> None:
    """Compaction changes no figure; a build after it (and a day more) cubes the changed
    month afresh and equals a full build of the same rows."""
    from cockpit.indicators.build import build
    from cockpit.indicators.query import read_values

    home = _lake_with_days(tmp_path / "home")
    build(home=home, engine="duckdb")
    before = read_values(home / "lake")
    compact(home)
    assert build(home=home, engine="duckdb").months_refreshed == []  # no new ingest
    shutil.copytree(home, tmp_path / "copy")
    assert build(home=tmp_path / "copy", engine="duckdb", full=True).full
    pd.testing.assert_frame_equal(_sorted(read_values(tmp_path / "copy" / "lake")), _sorted(before))

    append_day(home / "lake", SPEC, "2025-04-03", 30, "t0004")
    incremental = build(home=home, engine="duckdb")
    assert incremental.months_refreshed == ["2025-04"] and incremental.months_added == []
    after = read_values(home / "lake")
    assert build(home=home, engine="duckdb", full=True).full
    pd.testing.assert_frame_equal(_sorted(after), _sorted(read_values(home / "lake")))


def _sorted(values: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in values.columns if values[c].dtype == object]
    return values.sort_values(keys, na_position="first").reset_index(drop=True)


@pytest.mark.parametrize("point", ["publish", "commit"])
def test_a_compaction_killed_half_way_leaves_the_same_rows(tmp_path: Path, point: str) -> None:
    """Killed after its first new file (not yet counted) or after its record (old files
    not yet deleted): the next ingest's recovery leaves each row exactly once."""
    home = _lake_with_days(tmp_path / "home")
    before = _rows(home)
    names = {m: [f.name for f in fs] for m, fs in month_files(home / "lake").items()}
    child = subprocess.run(
        [sys.executable, "-c", COMPACT, str(home)],
        env=dict(os.environ, COCKPIT_COMPACT_CRASH_AT=point),
    )
    assert child.returncode == -9  # killed

    lake.recover(home)

    after = {m: [f.name for f in fs] for m, fs in month_files(home / "lake").items()}
    if point == "publish":
        assert after == names  # the new file did not count: deleted
    else:
        assert all(len(files) == 1 for files in after.values())  # the old ones deleted
    assert _rows(home) == before


def test_cli_compacts_the_months_asked_for(cockpit_home: Path) -> None:
    _lake_with_days(cockpit_home)
    runner = CliRunner()

    result = runner.invoke(app, ["lake", "compact", "--month", "2025-03", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["data"]
    assert report["months"] == ["2025-03"] and report["files_replaced"] == 2
    assert len(month_files(cockpit_home / "lake")["2025-04"]) == 2  # not asked for

    wrong = runner.invoke(app, ["lake", "compact", "--month", "2031-01"])
    assert wrong.exit_code == 1
    assert "no transactions in month(s) 2031-01" in wrong.output
