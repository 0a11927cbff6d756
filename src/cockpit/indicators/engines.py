"""The two engines behind one interface: Ibis on DuckDB (default) or on PySpark.

``open_engine()`` gives an ``Engine`` whose ``table(name)`` is an Ibis table over the lake's
Parquet files for that table; everything above works on Ibis expressions and on SQL text of
the engine's ``dialect`` only. Each backend is its own class (``DuckDBEngine``,
``SparkEngine``): what differs between them is a method each overrides, never a branch on a
name, and each holds its own handle on the backend (no private attribute of Ibis is read).

PySpark: ``COCKPIT_SPARK_REMOTE=sc://host:15002`` uses Spark Connect; otherwise
``COCKPIT_SPARK_MASTER`` (default ``local[2]``; e.g. ``spark://host:7077`` or ``yarn``).
"""

from __future__ import annotations

import shutil
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from cockpit.config import get_settings
from cockpit.lake import LakeTableMissing, has, quote, read_files
from cockpit.lake import files as lake_files

__all__ = [
    "DuckDBEngine",
    "Engine",
    "LakeTableMissing",
    "SparkEngine",
    "open_engine",
    "spark_session",
]


class Engine(ABC):
    """An Ibis backend plus a way to open lake tables on it, and keep intermediate tables."""

    #: The engine's name (``COCKPIT_ENGINE``) and the SQL dialect of its SQL text.
    name: ClassVar[str]
    dialect: ClassVar[str]

    def __init__(self, con: Any, lake_dir: Path) -> None:
        self.con = con  # the Ibis backend
        self.lake_dir = lake_dir
        self._count = 0
        self._temp: list[str] = []
        self._over: dict[str, str] = {}  # view -> the table it reads

    # ---- what each backend does its own way --------------------------------------------

    @abstractmethod
    def _register_files(self, name: str, paths: list[str]) -> None:
        """Make Parquet ``paths`` readable as the temporary view ``name``."""

    @abstractmethod
    def arrow(self, sql: str) -> Any:
        """Run SQL text of ``dialect`` over the tables opened so far; the result as Arrow."""

    @abstractmethod
    def _keep(self, name: str, sql: str) -> None:
        """Keep the result of ``sql`` as the temporary table ``name``."""

    @abstractmethod
    def _create_view(self, name: str, sql: str) -> None:
        """Name ``sql`` as the temporary view ``name``."""

    @abstractmethod
    def _discard(self, name: str, is_view: bool) -> None:
        """Drop the temporary table or view ``name``."""

    def write_parquet(self, sql: str, path: Path) -> None:
        """Write the result of SQL text of ``dialect`` to one Parquet file at ``path``."""
        import pyarrow.parquet as pq

        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(self.arrow(sql), path)

    def write_parquet_by(self, table: Any, column: str, paths: dict[int, Path]) -> None:
        """Write the rows of ``table`` (an Ibis table the engine keeps) with each value of
        integer ``column`` to its Parquet file in ``paths``; a value without rows gets a
        file without rows."""
        name = table.get_name()
        for value, path in paths.items():
            self.write_parquet(f"SELECT * FROM {name} WHERE {column} = {value}", path)

    # ---- the same on every backend -----------------------------------------------------

    def _fresh_name(self, table: str) -> str:
        self._count += 1
        return f"lake_{table}_{self._count}"

    def table(self, table: str, months: Iterable[str] | None = None) -> Any:
        """The lake table as an Ibis table (raises LakeTableMissing when it has no file)."""
        files = lake_files(self.lake_dir, table, months=months)
        if not files:
            raise LakeTableMissing(f"no Parquet files for lake table {table!r} in {self.lake_dir}")
        return self.read_files(files, table)

    def read_files(self, files: list[Path], table: str = "t") -> Any:
        """Some Parquet files of one table, as an Ibis table."""
        name = self._fresh_name(table)
        self._register_files(name, [str(f) for f in files])
        return self.con.table(name)

    def materialise(self, sql: Any, table: str) -> Any:
        """A query (SQL text or Ibis) kept by the engine as a temporary table (a cached
        view on Spark), as an Ibis table."""
        name = self._fresh_name(table)
        self._keep(name, sql if isinstance(sql, str) else str(self.con.compile(sql)))
        self._temp.append(name)
        return self.con.table(name)

    def view(self, expr: Any, table: str, over: Any) -> Any:
        """An Ibis expression over ``over`` (a table of ``materialise``) named as a view,
        as an Ibis table; ``release`` keeps ``over`` while it keeps the view."""
        name = self._fresh_name(table)
        self._create_view(name, str(self.con.compile(expr)))
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
        self._discard(name, is_view=self._over.pop(name, None) is not None)
        self._temp.remove(name)

    def has(self, table: str) -> bool:
        """Whether the lake holds any file of ``table``."""
        return has(self.lake_dir, table)


class DuckDBEngine(Engine):
    """Ibis on an in-process DuckDB database (the default)."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, lake_dir: Path) -> None:
        import ibis

        super().__init__(ibis.duckdb.connect(), lake_dir)
        self.db = self.con.con  # the DuckDB connection under the backend (a public attribute)
        # DuckDB's own progress bar on a terminal; in logs its redraws would be noise.
        if not sys.stdout.isatty():
            self.db.execute("SET enable_progress_bar = false")

    def _register_files(self, name: str, paths: list[str]) -> None:
        self.db.execute(
            f'CREATE OR REPLACE TEMP VIEW "{name}" AS SELECT * FROM {read_files(paths)}'
        )

    def arrow(self, sql: str) -> Any:
        return self.db.sql(sql).to_arrow_table()

    def _keep(self, name: str, sql: str) -> None:
        self.db.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')

    def _create_view(self, name: str, sql: str) -> None:
        self.db.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {sql}')

    def _discard(self, name: str, is_view: bool) -> None:
        self.db.execute(f'DROP {"VIEW" if is_view else "TABLE"} IF EXISTS "{name}"')

    def write_parquet(self, sql: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db.execute(f"COPY ({sql}) TO {quote(path)} (FORMAT parquet)")

    def write_parquet_by(self, table: Any, column: str, paths: dict[int, Path]) -> None:
        """One partitioned COPY for every value, then each file moved to its path."""
        if not paths:
            return
        name = table.get_name()
        staging = next(iter(paths.values())).parent.parent / f".{name}-by-{column}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.parent.mkdir(parents=True, exist_ok=True)
        self.db.execute(
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


class SparkEngine(Engine):
    """Ibis on a Spark session (local mode, a cluster, or Spark Connect)."""

    name = "pyspark"
    dialect = "spark"

    def __init__(self, session: Any, lake_dir: Path) -> None:
        import ibis

        self.session = session
        self._cached: dict[str, Any] = {}
        super().__init__(ibis.pyspark.connect(session), lake_dir)

    def _register_files(self, name: str, paths: list[str]) -> None:
        # recursiveFileLookup switches partition discovery off: ``month`` is a real column.
        frame = self.session.read.option("recursiveFileLookup", "true").parquet(*paths)
        frame.createOrReplaceTempView(name)

    def arrow(self, sql: str) -> Any:
        return self.session.sql(sql).toArrow()

    def _keep(self, name: str, sql: str) -> None:
        frame = self.session.sql(sql).cache()
        frame.createOrReplaceTempView(name)
        self._cached[name] = frame

    def _create_view(self, name: str, sql: str) -> None:
        self.session.sql(sql).createOrReplaceTempView(name)

    def _discard(self, name: str, is_view: bool) -> None:
        self.session.catalog.dropTempView(name)
        if not is_view:
            self._cached.pop(name).unpersist()


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
    settings = get_settings()
    name = name or settings.engine
    lake_dir = lake_dir or settings.lake_dir
    if name == DuckDBEngine.name:
        return DuckDBEngine(lake_dir)
    if name == SparkEngine.name:
        return SparkEngine(spark_session(settings.spark_master, settings.spark_remote), lake_dir)
    raise ValueError(f"unknown engine {name!r}: use duckdb or pyspark")
