"""Look at quarantined rows, and export them for correction and re-ingestion.

An export is a UTF-8 CSV with the file's own headers (personal identifiers already
pseudonyms, which ingestion passes through unchanged), so a corrected export re-ingests.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from cockpit import lake
from cockpit.config import get_settings


def quarantine_rows(
    *,
    home: Path | None = None,
    ingest_id: str | None = None,
    reason: str | None = None,
) -> pl.DataFrame:
    """Quarantined rows of committed ingests, oldest first, each once, with the last ingest
    that saw it (``last_ingest_id``). With ``ingest_id``: the rows that ingest saw, new or
    quarantined before, at their file and line in that ingest."""
    import duckdb

    from cockpit.ingest.catalog import quarantine_sql

    home = Path(home or get_settings().home)
    lake.try_recover(home)
    lake_dir = lake.lake_of(home)
    seen = lake.select(lake_dir, "quarantine_seen")
    sql = f"SELECT * FROM ({quarantine_sql(lake_dir)}) q"
    params: list[str] = []
    if ingest_id:
        sql = f"""
            SELECT q.* REPLACE (coalesce(s.file, q.file) AS file, coalesce(s.line, q.line) AS line)
              FROM ({quarantine_sql(lake_dir)}) q
              LEFT JOIN (SELECT row_key, file, line FROM ({seen}) WHERE ingest_id = $1) s
                     USING (row_key)
             WHERE s.row_key IS NOT NULL OR (q.row_key IS NULL AND q.ingest_id = $1)
        """
        params.append(ingest_id)
    if reason:
        sql = f"SELECT * FROM ({sql}) WHERE reason = ${len(params) + 1}"
        params.append(reason)
    con = duckdb.connect()
    try:
        found: pl.DataFrame = con.sql(
            f"SELECT * FROM ({sql}) ORDER BY ingest_id, line", params=params
        ).pl()
    finally:
        con.close()
    return found


def quarantine_summary(*, home: Path | None = None) -> pl.DataFrame:
    """Counts of quarantined rows by ingest, file and reason."""
    rows = quarantine_rows(home=home)
    return (
        rows.group_by("ingest_id", "source", "file", "reason")
        .agg(pl.len().alias("rows"))
        .sort("ingest_id", "reason")
    )


def export_quarantine(
    *, ingest_id: str, out: Path, home: Path | None = None, reason: str | None = None
) -> int:
    """Write an ingest's quarantined rows, as read, to a CSV at ``out``; the number written."""
    rows = quarantine_rows(home=home, ingest_id=ingest_id, reason=reason)
    if rows.height == 0:
        raise ValueError(f"no quarantined rows for ingest {ingest_id!r}")
    records = [json.loads(raw) for raw in rows["raw"].to_list()]
    columns: list[str] = []
    for record in records:
        columns.extend(c for c in record if c not in columns and not c.startswith("_extra_"))
    frame = pl.DataFrame(
        {c: [_text(r.get(c)) for r in records] for c in columns},
        schema={c: pl.String for c in columns},
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(out)
    return frame.height


def _text(value: object) -> str:
    return "" if value is None else str(value)
