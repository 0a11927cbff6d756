"""The cockpit's cache of the lake's built tables, and read-only SQL over them.

The small built tables every chart reads (indicators, forecasts) are loaded once into an
in-memory DuckDB database and reloaded when their files change, so a chart answers in
milliseconds; larger tables (ingests, quarantine, trade orders) are read where they lie, through
``cockpit.lake.scan``. The cockpit reads built tables only,
never raw transactions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from cockpit.config import get_settings
from cockpit.lake import files as lake_files
from cockpit.lake import scan

T = TypeVar("T")
# Built tables held in memory, each with the rows the cockpit reads (days are left out).
CACHED_TABLES = {
    "indicator_values": "period_type <> 'day'",
    "indicator_official": "true",
    "official_estimates": "true",
    "forecasts": "true",
}

# Rows held in this order, so that DuckDB's per-row-group min/max skip most of the table
# when a chart asks for one cut (one district × category pair is ~0.1 % of the rows).
CACHED_ORDER = {"indicator_values": "cut, district, category, indicator_id, period_type, period"}

MEMO_ENTRIES = 20_000
# How long a table's file listing is trusted: a rewrite shows within this time.
STAMP_TTL_S = 1.0
_lock = threading.RLock()
_local = threading.local()
_db: Any = None
_loaded: dict[str, tuple[tuple[str, int, int], ...]] = {}
_memo: dict[tuple[str, str], tuple[Any, Any]] = {}
_stamps: dict[tuple[str, str], tuple[float, tuple[tuple[str, int, int], ...]]] = {}


def _database() -> Any:
    """The process's in-memory DuckDB database (created on first use)."""
    global _db
    with _lock:
        if _db is None:
            import duckdb

            _db = duckdb.connect(":memory:")
            _db.execute("SET threads = 2")
        return _db


def _cursor() -> Any:
    """This thread's cursor on the shared database (DuckDB cursors are per thread)."""
    cur = getattr(_local, "cursor", None)
    if cur is None:
        cur = _database().cursor()
        _local.cursor = cur
    return cur


class Lake:
    """Queries over the Parquet tables under ``lake_dir``."""

    def __init__(self, lake_dir: Path) -> None:
        self.lake_dir = lake_dir

    def files(self, table: str) -> list[Path]:
        return lake_files(self.lake_dir, table)

    def has(self, table: str) -> bool:
        """Whether ``table`` has at least one Parquet file."""
        return bool(self.stamp(table))

    def _scan(self, table: str) -> str:
        return scan(self.lake_dir, table, glob=True)

    def stamp(self, table: str) -> tuple[tuple[str, int, int], ...]:
        """Path, modification time and size of each file of ``table``: changes on rewrite.

        Listed at most once every ``STAMP_TTL_S`` seconds per table."""
        key = (str(self.lake_dir), table)
        now = time.monotonic()
        hit = _stamps.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        found = tuple(
            (str(p), st.st_mtime_ns, st.st_size) for p in self.files(table) for st in [p.stat()]
        )
        _stamps[key] = (now + STAMP_TTL_S, found)
        return found

    def _cached(self, table: str) -> str:
        """The in-memory copy of ``table``, reloaded when its files changed."""
        stamp = self.stamp(table)
        name = f"lake_{table}_{abs(hash(str(self.lake_dir))) % 10**8}"
        with _lock:
            if _loaded.get(name) != stamp:
                order = f" ORDER BY {CACHED_ORDER[table]}" if table in CACHED_ORDER else ""
                _database().execute(
                    f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {self._scan(table)} "
                    f"WHERE {CACHED_TABLES[table]}{order}"
                )
                _loaded[name] = stamp
        return name

    def memo(self, tables: str | tuple[str, ...], key: str, compute: Callable[[], T]) -> T:
        """``compute()``, remembered until the files of any of lake ``tables`` change."""
        names = (tables,) if isinstance(tables, str) else tables
        stamp = tuple(self.stamp(t) for t in names)
        slot = (str(self.lake_dir) + ":" + ",".join(names), key)
        hit = _memo.get(slot)
        if hit is not None and hit[0] == stamp:
            return cast(T, hit[1])
        value = compute()
        with _lock:
            if len(_memo) >= MEMO_ENTRIES:  # a bound on memory: start afresh
                _memo.clear()
            _memo[slot] = (stamp, value)
        return value

    def source(self, table: str) -> str:
        """A DuckDB table expression for lake table ``table``."""
        return self._cached(table) if table in CACHED_TABLES else self._scan(table)

    def sql(self, template: str, **tables: str) -> str:
        """``template`` with each ``{key}`` replaced by the source of lake table ``tables[key]``."""
        return template.format(**{key: self.source(table) for key, table in tables.items()})

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run ``sql`` and return its rows as dicts."""
        cur = _cursor().execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def current_lake() -> Lake:
    """The lake of the current settings (COCKPIT_HOME)."""
    return Lake(get_settings().lake_dir)
