"""The two engines behind one interface: Ibis on DuckDB (default) or on PySpark.

``open_engine()`` gives an ``Engine`` whose ``table(name)`` is an Ibis table over the lake's
Parquet files for that table; everything above works on Ibis expressions only.

PySpark: ``COCKPIT_SPARK_REMOTE=sc://host:15002`` uses Spark Connect; otherwise
``COCKPIT_SPARK_MASTER`` (default ``local[2]``; e.g. ``spark://host:7077`` or ``yarn``).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cockpit.config import get_settings
from cockpit.lake import LakeTableMissing, has, quote, read_files
from cockpit.lake import files as lake_files

__all__ = ["Engine", "LakeTableMissing", "open_engine", "spark_session"]


@dataclass
class Engine:
    """An Ibis backend plus a way to open lake tables on it."""

    name: str
    con: Any
    lake_dir: Path
    _count: list[int] = field(default_factory=lambda: [0])
    _temp: list[str] = field(default_factory=list)
    _kept: dict[str, Any] = field(default_factory=dict)
    _over: dict[str, str] = field(default_factory=dict)  # view -> the table it reads

    def _fresh_name(self, table: str) -> str:
        self._count[0] += 1
        return f"lake_{table}_{self._count[0]}"

    def table(self, table: str, months: Iterable[str] | None = None) -> Any:
        """The lake table as an Ibis table (raises LakeTableMissing when it has no file)."""
        files = lake_files(self.lake_dir, table, months=months)
        if not files:
            raise LakeTableMissing(f"no Parquet files for lake table {table!r} in {self.lake_dir}")
        return self.read_files(files, table)

    def read_files(self, files: list[Path], table: str = "t") -> Any:
        """Some Parquet files of one table, as an Ibis table."""
        name = self._fresh_name(table)
        paths = [str(f) for f in files]
        if self.name == "duckdb":
            self.con.con.execute(
                f'CREATE OR REPLACE TEMP VIEW "{name}" AS SELECT * FROM {read_files(paths)}'
            )
            return self.con.table(name)
        session = self.con._session
        # recursiveFileLookup switches partition discovery off: ``month`` is a real column.
        frame = session.read.option("recursiveFileLookup", "true").parquet(*paths)
        frame.createOrReplaceTempView(name)
        return self.con.table(name)

    @property
    def dialect(self) -> str:
        """The SQL dialect of the engine (for SQL text that Ibis cannot express)."""
        return "duckdb" if self.name == "duckdb" else "spark"

    def arrow(self, sql: str) -> Any:
        """Run SQL text of ``dialect`` over the tables opened so far; the result as Arrow."""
        if self.name == "duckdb":
            return self.con.con.sql(sql).to_arrow_table()
        return self.con._session.sql(sql).toArrow()

    def write_parquet(self, sql: str, path: Path) -> None:
        """Write the result of SQL text of ``dialect`` to one Parquet file at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.name == "duckdb":
            self.con.con.execute(f"COPY ({sql}) TO {quote(path)} (FORMAT parquet)")
            return
        import pyarrow.parquet as pq

        pq.write_table(self.arrow(sql), path)

    def write_parquet_by(self, table: Any, column: str, paths: dict[int, Path]) -> None:
        """Write the rows of ``table`` (an Ibis table the engine keeps) with each value of
        integer ``column`` to its Parquet file in ``paths``, in one pass; a value without
        rows gets a file without rows."""
        name = table.get_name()
        if self.name == "duckdb" and paths:
            staging = next(iter(paths.values())).parent.parent / f".{name}-by-{column}"
            shutil.rmtree(staging, ignore_errors=True)
            staging.parent.mkdir(parents=True, exist_ok=True)
            self.con.con.execute(
                f"COPY (SELECT * FROM {name}) TO {quote(staging)} (FORMAT parquet, "
                f"PARTITION_BY ({column}), WRITE_PARTITION_COLUMNS true)"
            )
            for value, path in paths.items():
                written = sorted((staging / f"{column}={value}").glob("*.parquet"))
                if len(written) == 1:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    written[0].replace(path)
                else:  # no rows (or, should the engine split a value, several files)
                    self.write_parquet(f"SELECT * FROM {name} WHERE {column} = {value}", path)
            shutil.rmtree(staging, ignore_errors=True)
            return
        for value, path in paths.items():
            self.write_parquet(f"SELECT * FROM {name} WHERE {column} = {value}", path)

    def materialise(self, sql: Any, table: str) -> Any:
        """A query (SQL text or Ibis) kept by the engine as a temporary table (a cached
        view on Spark), as an Ibis table."""
        name = self._fresh_name(table)
        if not isinstance(sql, str):
            sql = str(self.con.compile(sql))
        if self.name == "duckdb":
            self.con.con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')
        else:
            frame = self.con._session.sql(sql).cache()
            frame.createOrReplaceTempView(name)
            self._kept[name] = frame
        self._temp.append(name)
        return self.con.table(name)

    def view(self, expr: Any, table: str, over: Any) -> Any:
        """An Ibis expression over ``over`` (a table of ``materialise``) named as a view,
        as an Ibis table; ``release`` keeps ``over`` while it keeps the view."""
        name = self._fresh_name(table)
        sql = str(self.con.compile(expr))
        if self.name == "duckdb":
            self.con.con.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {sql}')
        else:
            self.con._session.sql(sql).createOrReplaceTempView(name)
        self._temp.append(name)
        self._over[name] = over.get_name()
        return self.con.table(name)

    def drop(self, table: Any) -> None:
        """Drop one temporary table of ``materialise`` (an Ibis table)."""
        self._drop(table.get_name())

    def release(self, keep: Iterable[Any] = ()) -> None:
        """Drop the temporary tables of ``materialise`` but ``keep`` (Ibis tables): their
        memory, and on Spark the cache that would serve a later query over rewritten files.
        """
        kept = {t.get_name() for t in keep}
        kept |= {self._over[n] for n in kept if n in self._over}
        for name in [n for n in self._temp if n not in kept]:
            self._drop(name)

    def _drop(self, name: str) -> None:
        is_view = self._over.pop(name, None) is not None
        if self.name == "duckdb":
            self.con.con.execute(f'DROP {"VIEW" if is_view else "TABLE"} IF EXISTS "{name}"')
        else:
            self.con._session.catalog.dropTempView(name)
            if not is_view:
                self._kept.pop(name).unpersist()
        self._temp.remove(name)

    def has(self, table: str) -> bool:
        """Whether the lake holds any file of ``table``."""
        return has(self.lake_dir, table)


@cache
def spark_session(master: str, remote: str | None) -> Any:
    """One Spark session per process (local mode in tests)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("commerce-cockpit")
    if remote:
        builder = builder.remote(remote)
    else:
        builder = (
            builder.master(master)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "2g")
        )
    session = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
    return session


def open_engine(name: str | None = None, lake_dir: Path | None = None) -> Engine:
    """The engine named by ``name`` or COCKPIT_ENGINE, over COCKPIT_HOME's lake."""
    import ibis

    settings = get_settings()
    name = name or settings.engine
    lake_dir = lake_dir or settings.lake_dir
    if name == "duckdb":
        # DuckDB's own progress bar on a terminal; in logs its redraws would be noise.
        con = ibis.duckdb.connect()
        if not sys.stdout.isatty():
            con.raw_sql("SET enable_progress_bar = false")
        return Engine("duckdb", con, lake_dir)
    if name == "pyspark":
        session = spark_session(settings.spark_master, settings.spark_remote)
        return Engine("pyspark", ibis.pyspark.connect(session), lake_dir)
    raise ValueError(f"unknown engine {name!r}: use duckdb or pyspark")
