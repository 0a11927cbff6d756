"""The DuckDB catalogue: one view per lake table, over its Parquet files.

Views read the files by pattern, so new ingests show without rebuilding them; a table that
had no files yet gets an empty view of the right columns until its first ingest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cockpit import lake
from cockpit.config import get_settings


def create_views(con: Any, home: Path) -> None:
    """(Re)create a view for every lake table on ``con``."""
    for table in lake.INGESTED:
        sql = lake.select(lake.lake_of(home), table, glob=True)
        if table == "quarantine":
            sql = quarantine_sql(lake.lake_of(home), glob=True)
        con.execute(f"CREATE OR REPLACE VIEW {table} AS {sql}")


def quarantine_sql(lake_dir: Path, *, glob: bool = False) -> str:
    """Quarantined rows with the last ingest that saw each (``last_ingest_id``); files
    written before rows had a key read with a null one."""
    columns = ", ".join(lake.table("quarantine").column_names)
    rows = f"SELECT {columns} FROM {lake.scan(lake_dir, 'quarantine', glob=glob)}"
    seen = lake.select(lake_dir, "quarantine_seen", glob=glob)
    return f"""
        SELECT q.*, coalesce(s.last_ingest_id, q.ingest_id) AS last_ingest_id
          FROM ({rows}) q
          LEFT JOIN (SELECT row_key, max(ingest_id) AS last_ingest_id FROM ({seen})
                     GROUP BY row_key) s USING (row_key)
    """


def refresh_catalog(home: Path) -> bool:
    """Rewrite the views in ``catalog.duckdb``; False when another process holds the file."""
    import duckdb

    try:
        con = duckdb.connect(str(home / "catalog.duckdb"))
    except duckdb.IOException:
        return False
    try:
        create_views(con, home)
    finally:
        con.close()
    return True


def open_catalog(*, home: Path | None = None, read_only: bool = False) -> Any:
    """A DuckDB connection with a view over every lake table.

    Cleans up after a killed ingest first (when none is running). Opens ``catalog.duckdb``;
    if another process holds it, returns an in-memory connection with the same views.
    """
    import duckdb

    home = Path(home or get_settings().home)
    lake.lake_of(home).mkdir(parents=True, exist_ok=True)
    lake.try_recover(home)
    path = home / "catalog.duckdb"
    if read_only and path.exists():
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException:
            pass
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException:
        con = duckdb.connect()
    create_views(con, home)
    return con
