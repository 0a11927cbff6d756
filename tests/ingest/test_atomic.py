"""An ingest killed half-way leaves the lake exactly as before; the next run cleans up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.ingest import ingest_paths, open_catalog
from tests.ingest.conftest import TXN_HEADER_EN, TXN_HEADER_ZH, lake_bytes, write_text, zh_row

INGEST = "import sys; from cockpit.ingest import ingest_paths; ingest_paths([sys.argv[1]])"


def _big_csv(path: Path, rows: int) -> Path:
    """A transactions file big enough that staging takes a while."""
    import polars as pl

    frame = pl.DataFrame({"i": range(rows)}).select(
        pl.lit("wallet_b").alias("source"),
        pl.format("B{}", pl.col("i")).alias("txn_id"),
        pl.lit("2025-06-01 10:00:00").alias("txn_time"),
        pl.format("{}.25", pl.col("i") % 900).alias("amount_yuan"),
        pl.lit("M000001").alias("merchant_id"),
        pl.lit("offline").alias("channel"),
        pl.lit("ecny").alias("payment_method"),
        pl.format("139{}", pl.col("i").cast(pl.String).str.zfill(8)).alias("payer_id"),
        pl.lit("").alias("card_no"),
        pl.lit("").alias("device_id"),
        pl.lit("resident").alias("payer_segment"),
        pl.lit("60+").alias("age_band"),
        pl.lit("").alias("voucher_id"),
        pl.lit("N").alias("refund_flag"),
    )
    assert ",".join(frame.columns) == TXN_HEADER_EN
    frame.write_csv(path)
    return path


def _seeded_lake(home: Path, feeds: Path) -> dict[str, bytes]:
    first = write_text(
        feeds / "交易流水_银联_2025.csv", [TXN_HEADER_ZH, zh_row("T1"), zh_row("T2", amount="9.00")]
    )
    ingest_paths([first])
    open_catalog().close()
    return lake_bytes(home)


@pytest.mark.slow
def test_a_process_killed_while_staging_leaves_the_lake_byte_for_byte(
    cockpit_home: Path, feeds: Path
) -> None:
    before = _seeded_lake(cockpit_home, feeds)
    big = _big_csv(feeds / "transactions_big.csv", 400_000)
    child = subprocess.Popen(
        [sys.executable, "-c", INGEST, str(big)],
        env=dict(os.environ, COCKPIT_HOME=str(cockpit_home)),
    )
    staging = cockpit_home / "staging"
    deadline = time.monotonic() + 120
    while not list(staging.glob("*/keys-*.parquet")):
        assert child.poll() is None, "the ingest finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert lake_bytes(cockpit_home) == before
    assert list(staging.iterdir())  # debris of the killed run, outside the lake
    # The next ingest cleans up first, and sees the lake as it was.
    (again,) = ingest_paths([feeds / "交易流水_银联_2025.csv"])
    assert (again.accepted, again.duplicates) == (0, 2)
    assert not [p for p in staging.iterdir()]


def test_a_process_killed_while_publishing_counts_for_nothing(
    cockpit_home: Path, feeds: Path
) -> None:
    before = _seeded_lake(cockpit_home, feeds)
    second = write_text(
        feeds / "transactions_wallet_2025.csv",
        [TXN_HEADER_ZH, zh_row("T3", "2025-05-01 10:00:00"), zh_row("T4", "2025-06-01 10:00:00")],
    )
    env = dict(os.environ, COCKPIT_HOME=str(cockpit_home), COCKPIT_INGEST_CRASH_AT="publish")
    done = subprocess.run([sys.executable, "-c", INGEST, str(second)], env=env, check=False)
    assert done.returncode == -signal.SIGKILL
    # One month file got into the lake, but no ingest record commits it: recovery removes it.
    lake_before = {k: v for k, v in before.items() if k != "catalog.duckdb"}
    assert lake_bytes(cockpit_home, catalog=False) != lake_before
    open_catalog().close()
    assert lake_bytes(cockpit_home, catalog=False) == lake_before
    assert open_catalog().execute("SELECT count(*) FROM transactions").fetchone() == (2,)
