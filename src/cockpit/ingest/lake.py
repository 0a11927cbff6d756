"""The lake under COCKPIT_HOME: table schemas (docs/lake.md), files, commit and recovery.

An ingest is committed when its row in ``ingests`` exists (``lake/ingests/part-<id>.parquet``,
written last, by rename). Part files of an ingest that never committed are debris of a
killed process: ``recover`` deletes them, so the lake reads exactly as before that ingest.
A compaction (``cockpit.ingest.compact``) commits the same way, by its record in
``compactions``, which also names the files it replaces: ``recover`` deletes those that
are left.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

TIMESTAMP = pa.timestamp("us")

SCHEMAS: dict[str, pa.Schema] = {
    "transactions": pa.schema(
        [
            ("source", pa.string()),
            ("txn_id", pa.string()),
            ("ts", TIMESTAMP),
            ("date", pa.date32()),
            ("month", pa.string()),
            ("amount_fen", pa.int64()),
            ("is_refund", pa.bool_()),
            ("merchant_id", pa.string()),
            ("channel", pa.string()),
            ("payment_method", pa.string()),
            ("payer_id", pa.string()),
            ("card_id", pa.string()),
            ("device_id", pa.string()),
            ("payer_segment", pa.string()),
            ("age_band", pa.string()),
            ("voucher_id", pa.string()),
            ("ingest_id", pa.string()),
        ]
    ),
    "merchants": pa.schema(
        [
            ("merchant_id", pa.string()),
            ("name", pa.string()),
            ("district_code", pa.string()),
            ("business_district", pa.string()),
            ("category_code", pa.string()),
            ("channel", pa.string()),
            ("digital_tags", pa.string()),
            ("opened_on", pa.date32()),
            ("closed_on", pa.date32()),
            ("above_size", pa.bool_()),
            ("valid_from", pa.date32()),
            ("valid_to", pa.date32()),
        ]
    ),
    "official_stats": pa.schema(
        [
            ("period", pa.string()),
            ("region_code", pa.string()),
            ("category_code", pa.string()),
            ("measure", pa.string()),
            ("value_fen", pa.int64()),
            ("yoy_pct", pa.float64()),
            ("source", pa.string()),
        ]
    ),
    "trade_enterprises": pa.schema(
        [
            ("enterprise_id", pa.string()),
            ("name", pa.string()),
            ("district_code", pa.string()),
            ("products", pa.string()),
            ("markets", pa.string()),
        ]
    ),
    "trade_orders": pa.schema(
        [
            ("enterprise_id", pa.string()),
            ("month", pa.string()),
            ("orders_in_hand_fen", pa.int64()),
            ("new_orders_fen", pa.int64()),
            ("export_value_fen", pa.int64()),
        ]
    ),
    "quarantine": pa.schema(
        [
            ("ingest_id", pa.string()),
            ("source", pa.string()),
            ("file", pa.string()),
            ("line", pa.int64()),
            ("field", pa.string()),
            ("reason", pa.string()),
            ("message", pa.string()),
            ("raw", pa.string()),
        ]
    ),
    "ingests": pa.schema(
        [
            ("ingest_id", pa.string()),
            ("source", pa.string()),
            ("file", pa.string()),
            ("file_sha256", pa.string()),
            ("started_at", TIMESTAMP),
            ("finished_at", TIMESTAMP),
            ("rows_read", pa.int64()),
            ("accepted", pa.int64()),
            ("quarantined", pa.int64()),
            ("duplicates", pa.int64()),
            ("months", pa.string()),
        ]
    ),
    "compactions": pa.schema(
        [
            ("compaction_id", pa.string()),
            ("table_name", pa.string()),
            ("month", pa.string()),
            ("replaced", pa.string()),  # a part file's name, in that month's folder
        ]
    ),
}
RECORDS = ("ingests", "compactions")  # tables whose part files are commits
PARTITIONED = ("transactions",)
PART_NAME = re.compile(r"^part-(?P<ingest_id>[0-9A-Za-z_-]+)\.parquet$")


def table_dir(lake: Path, table: str) -> Path:
    """The folder of ``table`` in the lake."""
    return lake / table


def part_files(lake: Path, table: str) -> list[Path]:
    """Every part file of ``table`` (in every month partition for partitioned tables)."""
    folder = table_dir(lake, table)
    pattern = "month=*/part-*.parquet" if table in PARTITIONED else "part-*.parquet"
    return sorted(folder.glob(pattern))


def ingest_id_of(path: Path) -> str | None:
    """The ingest that wrote a part file, from its name."""
    match = PART_NAME.match(path.name)
    return match.group("ingest_id") if match else None


def committed_ingests(lake: Path) -> set[str]:
    """Ids of the ingests whose record exists: the committed ones."""
    return {i for p in part_files(lake, "ingests") if (i := ingest_id_of(p))}


def committed(lake: Path) -> set[str]:
    """Ids whose part files count: committed ingests and compactions."""
    return {i for table in RECORDS for p in part_files(lake, table) if (i := ingest_id_of(p))}


def drop_replaced(lake: Path) -> list[Path]:
    """Delete the part files that committed compactions replaced (and any left over)."""
    import pyarrow.parquet as pq

    removed = []
    for record in part_files(lake, "compactions"):
        for row in pq.read_table(record).to_pylist():
            path = table_dir(lake, row["table_name"]) / f"month={row['month']}" / row["replaced"]
            if path.exists():
                path.unlink()
                removed.append(path)
    return removed


def recover(home: Path) -> list[Path]:
    """Delete what killed ingests left behind: uncommitted part files and staging folders."""
    lake = home / "lake"
    counted = committed(lake)
    removed: list[Path] = []
    for table in SCHEMAS:
        if table in RECORDS:
            continue
        for path in part_files(lake, table):
            if ingest_id_of(path) not in counted:
                path.unlink()
                removed.append(path)
        removed.extend(_drop_superseded_snapshots(lake, table))
    removed.extend(drop_replaced(lake))
    for folder in (home / "lake").glob("*/month=*"):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    staging = home / "staging"
    if staging.exists():
        for folder in staging.iterdir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _drop_superseded_snapshots(lake: Path, table: str) -> list[Path]:
    """History tables are rewritten whole: only the newest committed file holds."""
    if table != "merchants":
        return []
    files = part_files(lake, table)
    stale = files[:-1]  # ingest ids sort by time
    for path in stale:
        path.unlink()
    return stale


@contextmanager
def ingest_lock(home: Path) -> Iterator[None]:
    """One ingest at a time per COCKPIT_HOME (other processes wait)."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "ingest.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def try_recover(home: Path) -> None:
    """Recover when no ingest is running (an ingest in flight is left alone)."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "ingest.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        try:
            recover(home)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(src: Path, dest: Path) -> None:
    """Move a finished file into the lake in one step (same file system: atomic rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dest)
    _fsync_dir(dest.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def empty_select(table: str) -> str:
    """SQL for an empty relation with ``table``'s columns and types (no files yet)."""
    duck = {
        pa.string(): "VARCHAR",
        TIMESTAMP: "TIMESTAMP",
        pa.date32(): "DATE",
        pa.int64(): "BIGINT",
        pa.bool_(): "BOOLEAN",
        pa.float64(): "DOUBLE",
    }
    cols = ", ".join(f"CAST(NULL AS {duck[f.type]}) AS {f.name}" for f in SCHEMAS[table])
    return f"SELECT {cols} WHERE false"


def scan_sql(lake: Path, table: str, *, glob: bool = False) -> str:
    """SQL reading ``table`` from its Parquet files (or an empty relation of its columns).

    ``glob``: read whatever files match when queried (for catalogue views), rather than the
    files there now (a fixed snapshot, for an ingest's own checks).
    """
    files = part_files(lake, table)
    if not files:
        return empty_select(table)
    cols = ", ".join(f.name for f in SCHEMAS[table])
    if glob:
        pattern = "month=*/part-*.parquet" if table in PARTITIONED else "part-*.parquet"
        source = _quote(str(table_dir(lake, table) / pattern))
    else:
        source = "[" + ", ".join(_quote(str(p)) for p in files) + "]"
    return f"SELECT {cols} FROM read_parquet({source}, hive_partitioning = false)"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_table(table: str, columns: dict[str, Any], path: Path) -> None:
    """Write rows of ``table`` (column → values) as Parquet with the lake's schema."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns, schema=SCHEMAS[table]), path)
