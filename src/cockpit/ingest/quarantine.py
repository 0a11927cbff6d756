"""Look at quarantined rows, and export them for correction and re-ingestion.

An export is a UTF-8 CSV with the file's own headers (personal identifiers already
pseudonyms, which ingestion passes through unchanged), so a corrected export re-ingests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from cockpit import lake
from cockpit.config import get_settings


def quarantine_rows(
    *,
    home: Path | None = None,
    ingest_id: str | None = None,
    reason: str | None = None,
) -> pl.DataFrame:
    """Quarantined rows of committed ingests, oldest first, optionally of one ingest or reason."""
    home = Path(home or get_settings().home)
    lake.try_recover(home)
    files = lake.part_files(lake.lake_of(home), "quarantine")
    if ingest_id:
        files = [f for f in files if lake.ingest_id_of(f) == ingest_id]
    if not files:
        return pl.DataFrame(
            schema=dict(zip(lake.schema("quarantine").names, _polars_types(), strict=True))
        )
    rows = pl.DataFrame(lake.read(files, "quarantine"))
    if reason:
        rows = rows.filter(pl.col("reason") == reason)
    return rows.sort("ingest_id", "line")


def _polars_types() -> list[Any]:
    return [pl.String, pl.String, pl.String, pl.Int64, pl.String, pl.String, pl.String, pl.String]


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
