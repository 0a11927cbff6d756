"""``cockpit lake compact``: rewrite a month's transaction files as one, clustered by merchant.

Ingests add a file to each month they touch, in the order the feed had (a day of payments
at a time, merchants interleaved). The indicators aggregate by merchant, and run a third
faster when a merchant's payments lie together in a file (its groups stay in the CPU's
cache: docs/benchmarks.md); compaction gives a month that layout once its ingests are in:
one file, ordered by merchant, time, source and id. The rows do not change, so the
indicators need no rebuild (the next build cubes the month afresh when it next changes).

The rewrite is safe to kill at any point, as an ingest is: the new files count only once
the compaction's record is in ``lake/compactions/`` (written last, with the files it
replaces), and ``lake.recover`` deletes new files without a record and replaced files with
one.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cockpit import lake

TABLE = "transactions"
CLUSTER_BY = ("merchant_id", "ts", "source", "txn_id")
# Parquet key-value metadata marking a file written clustered (compacting it again is a no-op).
CLUSTERED_KEY = "cockpit.clustered_by"
Progress = Callable[[str, int, int], None]


@dataclass
class CompactReport:
    """What a compaction did."""

    compaction_id: str | None = None
    months: list[str] = field(default_factory=list)  # the months rewritten
    files_replaced: int = 0
    rows: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        if not self.months:
            return "Nothing to compact: every month is one clustered file."
        return (
            f"{len(self.months)} month(s) compacted: {self.files_replaced} file(s) rewritten "
            f"as {len(self.months)}, {self.rows:,} rows, in {self.seconds:.1f} s."
        )


def is_clustered(path: Path) -> bool:
    """Whether ``path`` was written by compaction (clustered by merchant)."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata.metadata or {}
    return meta.get(CLUSTERED_KEY.encode()) == ",".join(CLUSTER_BY).encode()


def month_files(lake_dir: Path) -> dict[str, list[Path]]:
    """Each month of the transactions, with its part files."""
    out: dict[str, list[Path]] = {}
    for path in lake.part_files(lake_dir, TABLE):
        out.setdefault(path.parent.name.removeprefix("month="), []).append(path)
    return out


def to_compact(lake_dir: Path, months: list[str] | None = None) -> dict[str, list[Path]]:
    """The months (all, or ``months``) that are not yet one clustered file, with their files."""
    found = month_files(lake_dir)
    if months is not None:
        unknown = sorted(set(months) - set(found))
        if unknown:
            raise ValueError(f"no transactions in month(s) {', '.join(unknown)}")
        found = {m: found[m] for m in months}
    return {
        m: files
        for m, files in sorted(found.items())
        if len(files) > 1 or not is_clustered(files[0])
    }


def compact(
    home: Path | None = None,
    months: list[str] | None = None,
    progress: Progress | None = None,
) -> CompactReport:
    """Rewrite each month's transaction files (all months, or ``months``) as one file
    clustered by merchant; one compaction record for them all. Holds the ingest lock."""
    from cockpit.config import get_settings
    from cockpit.ingest.finalise import connect
    from cockpit.ingest.pipeline import new_ingest_id

    started = time.perf_counter()
    home = home or get_settings().ensure_home()
    lake_dir = lake.lake_of(home)
    report = CompactReport()
    with lake.ingest_lock(home):
        lake.recover(home)
        work = to_compact(lake_dir, months)
        if not work:
            return report
        report.compaction_id = cid = new_ingest_id()
        folder = home / "staging" / f"compact-{cid}"
        folder.mkdir(parents=True)
        con = connect(folder)
        try:
            for done, (month, files) in enumerate(work.items()):
                if progress:
                    progress(month, done, len(work))
                staged = folder / f"{month}.parquet"
                report.rows += _write_clustered(con, files, staged)
                lake.publish(staged, lake.part_path(lake_dir, TABLE, cid, month=month))
                _crash_if_asked("publish")
        finally:
            con.close()
        replaced = {month: [f.name for f in files] for month, files in work.items()}
        _commit(folder, lake_dir, cid, replaced)
        _crash_if_asked("commit")
        lake.drop_replaced(lake_dir)
        shutil.rmtree(folder, ignore_errors=True)
    report.months = sorted(work)
    report.files_replaced = sum(len(files) for files in work.values())
    if progress:
        progress("", len(work), len(work))
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _write_clustered(con: Any, files: list[Path], out: Path) -> int:
    """Write the rows of ``files`` to ``out``, in the lake's schema, clustered; row count."""
    cols = ", ".join(f.name for f in lake.schema(TABLE))
    order = ", ".join(CLUSTER_BY)
    con.execute(
        f"COPY (SELECT {cols} FROM {lake.read_files(files, union_by_name=False)} "
        f"ORDER BY {order}) TO {lake.quote(out)} (FORMAT parquet, ROW_GROUP_SIZE 122880, "
        f"KV_METADATA {{'{CLUSTERED_KEY}': '{','.join(CLUSTER_BY)}'}})"
    )
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(out).metadata.num_rows)


def _commit(folder: Path, lake_dir: Path, cid: str, replaced: dict[str, list[str]]) -> None:
    """Write the compaction's record (the files it replaces): from here its files count."""
    rows = [(month, name) for month, names in sorted(replaced.items()) for name in names]
    record = folder / "record.parquet"
    lake.write_table(
        "compactions",
        {
            "compaction_id": [cid] * len(rows),
            "table_name": [TABLE] * len(rows),
            "month": [month for month, _ in rows],
            "replaced": [name for _, name in rows],
        },
        record,
    )
    lake.publish(record, lake.part_path(lake_dir, "compactions", cid))


def _crash_if_asked(point: str) -> None:
    """Fault injection for the tests: die here, as a killed process would."""
    if os.environ.get("COCKPIT_COMPACT_CRASH_AT") == point:
        os.kill(os.getpid(), signal.SIGKILL)
