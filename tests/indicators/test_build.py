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

# Each test builds a lake of 26 months several times over: 15-70 s on two cores.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION),
]
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
    assert second.months_added == ["2025-03"]  # the day's own rows cubed, not the month's
    # its own month, and, where it brought merchants, the months its growth is measured
    # against (one and twelve before)
    assert "2025-03" in second.months_relevelled
    assert set(second.months_relevelled) <= {"2024-03", "2025-02", "2025-03"}
    _same_as_a_full_build(home, tmp_path / "fresh")


def test_a_month_whose_files_changed_is_cubed_afresh(tmp_path: Path) -> None:
    """Only new files are added to a month's stored cube; a rewritten one makes the build
    read the whole month again (a stored cube may not count rows that are gone)."""
    import pyarrow.parquet as pq

    home = tmp_path / "inc"
    write_lake(home / "lake", SPEC)
    build(home=home, engine="duckdb")
    part = sorted((home / "lake" / "transactions" / "month=2025-03").glob("*.parquet"))[0]
    rows = pq.read_table(part)
    pq.write_table(rows.slice(0, rows.num_rows // 2), part)
    append_day(home / "lake", SPEC, "2025-03-20", 40, "t0002")
    again = build(home=home, engine="duckdb")
    assert again.months_refreshed == ["2025-03"] and again.months_added == []
    _same_as_a_full_build(home, tmp_path / "fresh")


def test_a_cube_part_no_manifest_lists_is_not_counted(tmp_path: Path) -> None:
    """A build stopped between writing a month's new cube part and its manifest leaves a
    part that is not listed: later builds must not count its rows."""
    home = tmp_path / "inc"
    write_lake(home / "lake", SPEC)
    build(home=home, engine="duckdb")
    folder = home / "indicators" / "cube" / "month=2025-03"
    shutil.copy(folder / "part-0.parquet", folder / "part-7.parquet")
    append_day(home / "lake", SPEC, "2025-03-20", 40, "t0002")
    assert build(home=home, engine="duckdb").months_added == ["2025-03"]
    _same_as_a_full_build(home, tmp_path / "fresh")


def test_a_build_stopped_before_the_daily_values_redoes_them_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The added day's cube part is listed, but its daily values were never written: the
    next build (here with another day of the month) writes them too."""
    import cockpit.indicators.build as build_module

    home = tmp_path / "inc"
    write_lake(home / "lake", SPEC)
    build(home=home, engine="duckdb")
    append_day(home / "lake", SPEC, "2025-03-20", 40, "t0002")

    def stop(*args: object, **kwargs: object) -> None:
        raise RuntimeError("stopped")

    with monkeypatch.context() as patch:
        patch.setattr(build_module, "write_day_values", stop)
        with pytest.raises(RuntimeError):
            build(home=home, engine="duckdb")
    append_day(home / "lake", SPEC, "2025-03-21", 40, "t0003")
    again = build(home=home, engine="duckdb")
    assert again.new_ingests == ["t0002", "t0003"] and again.months_added == ["2025-03"]
    _same_as_a_full_build(home, tmp_path / "fresh")


def test_a_cube_stored_by_another_layout_is_not_added_to(tmp_path: Path) -> None:
    """A cube written by an earlier version of the build (other grains or formulas) cannot
    be summed with a new part: the month is cubed afresh."""
    import json

    home = tmp_path / "inc"
    write_lake(home / "lake", SPEC)
    build(home=home, engine="duckdb")
    manifest = home / "indicators" / "cube" / "month=2025-03" / "manifest.json"
    stored = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**stored, "layout": "an-older-layout"}))
    append_day(home / "lake", SPEC, "2025-03-20", 40, "t0002")
    again = build(home=home, engine="duckdb")
    assert again.months_refreshed == ["2025-03"] and again.months_added == []
    assert json.loads(manifest.read_text())["layout"] == stored["layout"]
    _same_as_a_full_build(home, tmp_path / "fresh")


def test_days_added_one_by_one_keep_a_month_in_two_cube_parts(tmp_path: Path) -> None:
    """A month gaining a file a day keeps two parts (cubed from all rows, and the sum of
    what was added since), and its values stay those of a full build."""
    home = tmp_path / "inc"
    write_lake(home / "lake", SPEC)
    build(home=home, engine="duckdb")
    for n, day in enumerate(["2025-03-20", "2025-03-21", "2025-03-22"]):
        append_day(home / "lake", SPEC, day, 40, f"t{n + 2:04d}")
        assert build(home=home, engine="duckdb").months_added == ["2025-03"]
    folder = home / "indicators" / "cube" / "month=2025-03"
    assert sorted(p.name for p in folder.glob("*.parquet")) == ["part-0.parquet", "part-3.parquet"]
    _same_as_a_full_build(home, tmp_path / "fresh")


def _same_as_a_full_build(home: Path, fresh: Path) -> None:
    shutil.copytree(home / "lake", fresh / "lake")
    shutil.rmtree(fresh / "lake" / "indicator_values")
    build(home=fresh, engine="duckdb")
    pd.testing.assert_frame_equal(
        _sorted(read_values(home / "lake")), _sorted(read_values(fresh / "lake"))
    )


def _present(lake: Path, month: str) -> list[str]:
    """Merchants with a payment in ``month`` (every merchant version of SPEC is open)."""
    import pyarrow.parquet as pq

    rows = []
    for f in sorted((lake / "transactions" / f"month={month}").glob("*.parquet")):
        rows += pq.read_table(f, columns=["merchant_id", "is_refund"]).to_pylist()
    return sorted({r["merchant_id"] for r in rows if not r["is_refund"]})


@pytest.mark.parametrize("newcomer", [False, True])
def test_a_new_day_relevels_neighbours_only_when_its_merchants_change(
    tmp_path: Path, newcomer: bool
) -> None:
    """A day of merchants already present that month touches that month alone; a day that
    brings a merchant new to the month also relevels the months it is a growth base of."""
    from tests.indicators import lakefiles as lf

    home = tmp_path / "inc"
    write_lake(home / "lake", SPEC)
    build(home=home, engine="duckdb")
    present = _present(home / "lake", "2025-02")
    everyone = {f"M{i:06d}" for i in range(SPEC.merchants)}
    merchant = sorted(everyone - set(present))[0] if newcomer else present[0]
    txn = lf.txn("2025-02-27T20:00:00", merchant, 12_345, channel="online")
    lf.write(home / "lake", "h0002", [txn], [])
    again = build(home=home, engine="duckdb")
    assert not again.full and again.months_refreshed == ["2025-02"]
    if newcomer:
        assert again.months_relevelled == ["2024-02", "2025-01", "2025-02", "2025-03"]
    else:
        assert again.months_relevelled == ["2025-02"]
    _same_as_a_full_build(home, tmp_path / "fresh")


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


def test_a_build_in_runs_of_months_equals_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large lake is built a few months at a time (bounded memory): same values, also
    for an incremental build after it."""
    import cockpit.indicators.build as build_module

    one, runs = tmp_path / "one", tmp_path / "runs"
    write_lake(one / "lake", SPEC)
    shutil.copytree(one / "lake", runs / "lake")
    build(home=one, engine="duckdb")
    monkeypatch.setattr(build_module, "BATCH_ROWS", SPEC.rows // 4)
    assert len(build_module.batches(runs / "lake", build_module.all_months(runs / "lake"))) > 3
    build(home=runs, engine="duckdb")
    pd.testing.assert_frame_equal(
        _sorted(read_values(one / "lake")), _sorted(read_values(runs / "lake"))
    )
    for home in (one, runs):
        append_day(home / "lake", SPEC, "2024-07-20", 40, "t0002")
    a, b = build(home=one, engine="duckdb"), build(home=runs, engine="duckdb")
    assert a.months_relevelled == b.months_relevelled
    pd.testing.assert_frame_equal(
        _sorted(read_values(one / "lake")), _sorted(read_values(runs / "lake"))
    )
