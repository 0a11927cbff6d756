"""Turn staged rows into the files an ingest will publish (DuckDB, memory-bounded, spilling).

Rows whose key (say, source + txn_id) is already in the lake, or earlier in the same file,
are duplicates when their content is the same and ``conflicting_duplicate`` otherwise.
What remains is written as the table's part files in ``<staging>/out/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit import lake
from cockpit.ingest.contracts import Contract
from cockpit.ingest.readers import LINE

MEMORY_LIMIT = "512MB"
PARTITION_BATCH = 250_000
# Columns that follow from others, or say where a row came from, are not its content.
NOT_CONTENT = {"ingest_id", "date", "month", "valid_to"}


@dataclass
class Outcome:
    """The files to publish and what deduplication found."""

    files: dict[Path, Path] = field(default_factory=dict)  # staged file → its place in the lake
    accepted: int = 0
    duplicates: int = 0
    conflicts: Path | None = None
    conflict_count: int = 0
    months: list[str] = field(default_factory=list)


def connect(folder: Path) -> Any:
    """A DuckDB connection that stays within its memory limit by spilling to ``folder``."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{folder / 'spill'}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def finalise(
    *,
    source_contract: Contract,
    accepted_files: list[Path],
    folder: Path,
    home: Path,
    ingest_id: str,
    key_header: str | None = None,
) -> Outcome:
    """Deduplicate the staged rows against the lake and themselves; write the part files."""
    table = source_contract.table
    lake_dir = lake.lake_of(home)
    out = Outcome()
    con = connect(folder)
    try:
        if accepted_files:
            staged = lake.read_files(accepted_files, union_by_name=False)
            con.execute(f"CREATE VIEW staged AS SELECT * FROM {staged}")
        else:
            con.execute(
                f"CREATE VIEW staged AS SELECT *, 0::BIGINT AS {LINE} FROM {lake.empty(table)}"
            )
        con.execute(f"CREATE VIEW existing AS {lake.select(lake_dir, table)}")
        _find_repeats(con, source_contract)
        out.duplicates = con.execute(
            "SELECT count(*) FROM drops WHERE verdict = 'duplicate'"
        ).fetchone()[0]
        out.conflict_count = con.execute(
            "SELECT count(*) FROM drops WHERE verdict = 'conflicting_duplicate'"
        ).fetchone()[0]
        if out.conflict_count:
            out.conflicts = _write_conflicts(con, source_contract, folder, key_header)
        con.execute(
            f"CREATE VIEW kept AS SELECT * FROM staged "
            f"WHERE {LINE} NOT IN (SELECT {LINE} FROM drops)"
        )
        out.accepted = con.execute("SELECT count(*) FROM kept").fetchone()[0]
        writer = {
            "partitioned": _write_partitioned,
            "append": _write_append,
            "history": _write_history,
        }
        writer[source_contract.kind](con, out, table, folder / "out", lake_dir, ingest_id)
        out.months = _months(con, table)
    finally:
        con.close()
    return out


def _content_hash(table: str) -> str:
    cols = [f.name for f in lake.schema(table) if f.name not in NOT_CONTENT]
    return f"hash({', '.join(cols)})"


def _find_repeats(con: Any, source_contract: Contract) -> None:
    """``drops``: staged lines that repeat a key, with their verdict."""
    key = ", ".join(source_contract.key)
    digest = _content_hash(source_contract.table)
    con.execute(
        f"""
        CREATE TEMP TABLE contested AS
          SELECT {key} FROM staged GROUP BY ALL HAVING count(*) > 1
          UNION
          SELECT DISTINCT {key} FROM existing SEMI JOIN staged USING ({key})
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE drops AS
        WITH candidates AS (
          SELECT 0 AS origin, 0::BIGINT AS {LINE}, {key}, {digest} AS h
            FROM existing SEMI JOIN contested USING ({key})
          UNION ALL
          SELECT 1 AS origin, {LINE}, {key}, {digest} AS h
            FROM staged SEMI JOIN contested USING ({key})
        ),
        ranked AS (
          SELECT origin, {LINE}, h,
                 row_number() OVER w AS rn, first_value(h) OVER w AS h0
            FROM candidates
          WINDOW w AS (PARTITION BY {key} ORDER BY origin, {LINE})
        )
        SELECT {LINE}, CASE WHEN h = h0 THEN 'duplicate' ELSE 'conflicting_duplicate' END AS verdict
          FROM ranked WHERE origin = 1 AND rn > 1
        """
    )


def _write_conflicts(
    con: Any, source_contract: Contract, folder: Path, key_header: str | None
) -> Path:
    """Quarantine verdicts for keys seen before with other content (raw rows added later)."""
    key = " || '/' || ".join(f"CAST({k} AS VARCHAR)" for k in source_contract.key)
    path = folder / "conflicts.parquet"
    con.execute(
        f"""
        COPY (
          SELECT s.{LINE} AS {LINE}, '{key_header or source_contract.key[-1]}' AS _field,
                 'conflicting_duplicate' AS _reason,
                 'key ' || {key} || ' already ingested with other content' AS _message
            FROM staged s JOIN drops d USING ({LINE})
           WHERE d.verdict = 'conflicting_duplicate'
        ) TO {lake.quote(path)} (FORMAT parquet)
        """
    )
    return path


def _select_lake_columns(table: str, ingest_id: str) -> str:
    cols = [
        f"'{ingest_id}' AS ingest_id" if f.name == "ingest_id" else f.name
        for f in lake.schema(table)
    ]
    return ", ".join(cols)


def _write_partitioned(
    con: Any, out: Outcome, table: str, folder: Path, lake_dir: Path, ingest_id: str
) -> None:
    if not out.accepted:
        return
    target = folder / table
    folder.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"""
        COPY (SELECT {_select_lake_columns(table, ingest_id)} FROM kept)
          TO {lake.quote(target)}
             (FORMAT parquet, PARTITION_BY (month), WRITE_PARTITION_COLUMNS true,
              FILENAME_PATTERN 'part-{{i}}', ROW_GROUP_SIZE 122880)
        """
    )
    for month_dir in sorted(target.glob("month=*")):
        files = sorted(month_dir.glob("*.parquet"))
        if len(files) > 1:
            merged = month_dir / "merged.parquet"
            parts = lake.read_files(files, union_by_name=False)
            con.execute(f"COPY (SELECT * FROM {parts}) TO {lake.quote(merged)} (FORMAT parquet)")
            for p in files:
                p.unlink()
            files = [merged]
        out.files[files[0]] = (
            lake.table_dir(lake_dir, table) / month_dir.name / f"part-{ingest_id}.parquet"
        )


def _write_append(
    con: Any, out: Outcome, table: str, folder: Path, lake_dir: Path, ingest_id: str
) -> None:
    if not out.accepted:
        return
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.parquet"
    con.execute(
        f"COPY (SELECT {_select_lake_columns(table, ingest_id)} FROM kept ORDER BY {LINE}) "
        f"TO {lake.quote(path)} (FORMAT parquet)"
    )
    out.files[path] = lake.part_path(lake_dir, table, ingest_id)


def _write_history(
    con: Any, out: Outcome, table: str, folder: Path, lake_dir: Path, ingest_id: str
) -> None:
    """Merchants: every version old and new, each valid until the next one starts."""
    if not out.accepted:
        return
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.parquet"
    cols = [f.name for f in lake.schema(table) if f.name != "valid_to"]
    listed = ", ".join(cols)
    con.execute(
        f"""
        COPY (
          SELECT {listed},
                 lead(valid_from) OVER (PARTITION BY merchant_id ORDER BY valid_from) AS valid_to
            FROM (SELECT {listed} FROM existing UNION ALL SELECT {listed} FROM kept)
           ORDER BY merchant_id, valid_from
        ) TO {lake.quote(path)} (FORMAT parquet)
        """
    )
    out.files[path] = lake.part_path(lake_dir, table, ingest_id)


def _months(con: Any, table: str) -> list[str]:
    """Months whose figures this ingest may change (for the indicators' refresh)."""
    sql = {
        "transactions": "SELECT DISTINCT month FROM kept",
        "trade_orders": "SELECT DISTINCT month FROM kept",
        "official_stats": "SELECT DISTINCT left(period, 7) FROM kept "
        "UNION SELECT left(period, 5) || '02' FROM kept WHERE length(period) = 10",
        "merchants": "SELECT DISTINCT strftime(valid_from, '%Y-%m') FROM kept",
    }.get(table)
    if sql is None:
        return []
    return sorted(row[0] for row in con.execute(sql).fetchall() if row[0])


def finalise_partitioned(
    *,
    source_contract: Contract,
    key_files: list[Path],
    month_files: dict[str, Path],
    folder: Path,
    home: Path,
    ingest_id: str,
    key_header: str | None = None,
) -> Outcome:
    """Partitioned tables, already written as month files: find repeated keys, drop them."""
    table = source_contract.table
    lake_dir = lake.lake_of(home)
    out = Outcome()
    if not key_files:
        return out
    con = connect(folder)
    try:
        keys = lake.read_files(key_files, union_by_name=False)
        con.execute(f"CREATE VIEW keys AS SELECT * FROM {keys}")
        con.execute(f"CREATE VIEW existing AS {lake.select(lake_dir, table)}")
        key = ", ".join(source_contract.key)
        con.execute(
            f"""
            CREATE TEMP TABLE contested AS
              SELECT DISTINCT {key} FROM keys
               WHERE k IN (SELECT k FROM keys GROUP BY k HAVING count(*) > 1)
              UNION
              SELECT DISTINCT {key} FROM existing SEMI JOIN keys USING ({key})
            """
        )
        if con.execute("SELECT count(*) FROM contested").fetchone()[0]:
            _partitioned_drops(con, source_contract, month_files)
            out.duplicates = _count(con, "duplicate")
            out.conflict_count = _count(con, "conflicting_duplicate")
            if out.conflict_count:
                out.conflicts = _write_conflicts_from(con, source_contract, folder, key_header)
            _rewrite_months(con, month_files)
        total = con.execute("SELECT count(*) FROM keys").fetchone()[0]
    finally:
        con.close()
    out.accepted = total - out.duplicates - out.conflict_count
    for month, path in sorted(month_files.items()):
        if path.exists():
            out.files[path] = lake.part_path(lake_dir, table, ingest_id, month=month)
            out.months.append(month)
    return out


def _count(con: Any, verdict: str) -> int:
    return int(con.execute("SELECT count(*) FROM drops WHERE verdict = ?", [verdict]).fetchone()[0])


def _partitioned_drops(con: Any, source_contract: Contract, month_files: dict[str, Path]) -> None:
    key = ", ".join(source_contract.key)
    digest = _content_hash(source_contract.table)
    staged = lake.read_files(list(month_files.values()), union_by_name=False, row_numbers=True)
    on = " AND ".join(f"r.{k} = c.{k}" for k in source_contract.key)
    con.execute(
        f"""
        CREATE TEMP TABLE drops AS
        WITH staged AS (
          SELECT r.*, k.{LINE}, k.pos
            FROM {staged} r
            JOIN keys k ON r.month = k.month AND r.file_row_number = k.pos
            JOIN contested c ON {on}
        ),
        candidates AS (
          SELECT 0 AS origin, 0::BIGINT AS {LINE}, NULL AS month, NULL::BIGINT AS pos,
                 {key}, {digest} AS h
            FROM existing SEMI JOIN contested USING ({key})
          UNION ALL
          SELECT 1, {LINE}, month, pos, {key}, {digest} FROM staged
        ),
        ranked AS (
          SELECT *, row_number() OVER w AS rn, first_value(h) OVER w AS h0
            FROM candidates
          WINDOW w AS (PARTITION BY {key} ORDER BY origin, {LINE})
        )
        SELECT {LINE}, month, pos, {key},
               CASE WHEN h = h0 THEN 'duplicate' ELSE 'conflicting_duplicate' END AS verdict
          FROM ranked WHERE origin = 1 AND rn > 1
        """
    )


def _write_conflicts_from(
    con: Any, source_contract: Contract, folder: Path, key_header: str | None
) -> Path:
    key = " || '/' || ".join(f"CAST({k} AS VARCHAR)" for k in source_contract.key)
    path = folder / "conflicts.parquet"
    con.execute(
        f"""
        COPY (
          SELECT {LINE}, '{key_header or source_contract.key[-1]}' AS _field,
                 'conflicting_duplicate' AS _reason,
                 'key ' || {key} || ' already ingested with other content' AS _message
            FROM drops WHERE verdict = 'conflicting_duplicate'
        ) TO {lake.quote(path)} (FORMAT parquet)
        """
    )
    return path


def _rewrite_months(con: Any, month_files: dict[str, Path]) -> None:
    """Rewrite the month files that lost rows (or delete them when none is left), streaming
    batch by batch with the lake's exact schema.
    """
    import numpy as np
    import pyarrow.parquet as pq

    months = [row[0] for row in con.execute("SELECT DISTINCT month FROM drops").fetchall()]
    for month in months:
        path = month_files[month]
        dropped = np.sort(
            np.array(
                [
                    r[0]
                    for r in con.execute(
                        "SELECT pos FROM drops WHERE month = ?", [month]
                    ).fetchall()
                ],
                dtype=np.int64,
            )
        )
        kept_path = path.with_name("kept.parquet")
        source = pq.ParquetFile(path)
        writer = None
        offset = kept = 0
        for batch in source.iter_batches(batch_size=PARTITION_BATCH):
            positions = np.arange(offset, offset + batch.num_rows)
            offset += batch.num_rows
            keep = ~np.isin(positions, dropped)
            if not keep.any():
                continue
            if writer is None:
                writer = pq.ParquetWriter(kept_path, source.schema_arrow, compression="snappy")
            writer.write_batch(batch.filter(keep))
            kept += int(keep.sum())
        if writer is not None:
            writer.close()
        path.unlink()
        if kept:
            kept_path.rename(path)
