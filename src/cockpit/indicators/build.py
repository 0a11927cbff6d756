"""``cockpit build``: materialise the catalogue as tidy lake tables, incrementally.

Work files live in ``COCKPIT_HOME/indicators/`` (presence: the merchants with a payment;
levels: every cut's sums and same-store parts; one Parquet file per month) with
``state.json`` naming the ingests already built. A build reads the ``ingests`` table, finds
the new ones, and
- recomputes the merchant cube, levels and daily values of the months their transactions
  touched (``cockpit.indicators.cube`` says how: a few engine passes, no pandas);
- where that changed the set of merchants present in a month, also relevels the months
  whose same-store growth it is a base of (one and twelve months either side);
- rebuilds everything when a new ingest wrote merchants (attributes can change any month);
- and always rewrites the small published tables from the month files (growth rates,
  1–2月 and 1–N月累计 in NumPy over the levels, ``cockpit.indicators.growth``).
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cockpit.config import get_settings
from cockpit.indicators import cube as cubes
from cockpit.indicators.engines import Engine, open_engine, table_files
from cockpit.indicators.fact import fact_table
from cockpit.indicators.growth import (
    daily_values,
    empty_values,
    long_levels,
    published_values,
    values_arrow,
)

VALUES_TABLE = "indicator_values"
NEIGHBOURS = (1, -1, 12, -12)  # months whose same-store parts depend on a month's presence
BATCH_ROWS = 20_000_000  # transactions per merchant-cube query, at most (bounds memory)
Progress = Callable[[str], None]


@dataclass
class BuildReport:
    """What a build did."""

    engine: str
    full: bool
    new_ingests: list[str] = field(default_factory=list)
    months_refreshed: list[str] = field(default_factory=list)
    months_relevelled: list[str] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0
    tables: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def work_dir(home: Path) -> Path:
    """Where the build keeps its intermediate month files and state."""
    return home / "indicators"


def _load_state(home: Path) -> dict[str, Any]:
    path = work_dir(home) / "state.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _save_state(home: Path, state: dict[str, Any]) -> None:
    path = work_dir(home) / "state.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=1))


def read_ingests(lake: Path) -> list[tuple[str, list[str]]]:
    """(ingest_id, months touched) of every ingest in the lake."""
    import pyarrow.parquet as pq

    out = []
    for f in table_files(lake, "ingests"):
        t = pq.read_table(f, columns=["ingest_id", "months"]).to_pylist()
        out += [(r["ingest_id"], [m for m in (r["months"] or "").split(";") if m]) for r in t]
    return out


def _wrote(lake: Path, table: str, ingest_id: str) -> bool:
    root = lake / table
    return any(
        any(root.rglob(pattern))
        for pattern in (f"part-{ingest_id}.parquet", f"part-{ingest_id}_*.parquet")
    )


def all_months(lake: Path) -> list[str]:
    """Months present in the lake's transactions."""
    root = lake / "transactions"
    if not root.exists():
        return []
    return sorted(p.name.removeprefix("month=") for p in root.glob("month=*") if any(p.iterdir()))


def plan_months(home: Path, lake: Path, full: bool) -> tuple[bool, list[str], list[str]]:
    """(full rebuild?, new ingest ids, months whose cube must be recomputed)."""
    seen = set(_load_state(home).get("ingests", []))
    ingests = read_ingests(lake)
    new = [i for i, _ in ingests if i not in seen]
    if full or not seen or not (work_dir(home) / "presence").exists():
        return True, new, all_months(lake)
    if any(_wrote(lake, "merchants", i) for i in new):
        return True, new, all_months(lake)
    present = set(all_months(lake))
    touched = {m for i, months in ingests if i in new for m in months} & present
    return False, new, sorted(touched)


def _mi(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _month(mi: int) -> str:
    return f"{mi // 12}-{mi % 12 + 1:02d}"


def write_month(root: Path, month: str, frame: Any) -> None:
    """Replace one month's file under ``root`` with ``frame`` (pandas or Arrow)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = root / f"month={month}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    pq.write_table(table, folder / "part.parquet")


def read_months(root: Path) -> Any:
    """Every month file under ``root`` as one Arrow table (None when there is none)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = sorted(root.glob("month=*/part.parquet"))
    tables = [pq.read_table(f) for f in files]
    tables = [t for t in tables if t.num_rows]
    return pa.concat_tables(tables) if tables else None


def merchant_cube(eng: Engine, months: list[str]) -> tuple[Any, cubes.Measures]:
    """Pass over the fact rows of ``months``: the merchant cube, kept by the engine."""
    fact = fact_table(eng.table("transactions", months), eng.table("merchants"))
    sql, m = cubes.cube_sql(eng.con, fact, eng.dialect)
    return eng.materialise(sql, "cube"), m


def update_presence(work: Path, present: Any, months: list[str]) -> list[str]:
    """Store the merchants present (Ibis: mi, merchant_id) in each of ``months``; returns
    the months whose set changed (the same-store parts of their neighbours change too)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    schema = pa.schema([("mi", pa.int32()), ("merchant_id", pa.string())])
    arrow = present.to_pyarrow().select(["mi", "merchant_id"]).cast(schema)
    changed = []
    for month in months:
        new = arrow.filter(pc.equal(arrow["mi"], _mi(month))).sort_by("merchant_id")
        path = work / "presence" / f"month={month}" / "part.parquet"
        old = pq.read_table(path) if path.exists() else None
        if old is None or not old["merchant_id"].equals(new["merchant_id"]):
            changed.append(month)
            write_month(work / "presence", month, new)
    return changed


def batches(lake: Path, months: list[str], limit: int | None = None) -> list[list[str]]:
    """``months`` in runs of at most ``limit`` (BATCH_ROWS) transactions (one month at
    least): one merchant cube per run bounds the engine's memory on a large lake."""
    limit = BATCH_ROWS if limit is None else limit
    out: list[list[str]] = []
    rows = 0
    for month in months:
        n = sum(_rows(f) for f in table_files(lake, "transactions", [month]))
        if out and rows + n <= limit:
            out[-1].append(month)
            rows += n
        else:
            out.append([month])
            rows = n
    return out


def refresh(eng: Engine, home: Path, months: list[str], full: bool) -> list[str]:
    """Recompute ``months`` (levels and daily values) and, where a month's present
    merchants changed, the levels of the months whose growth bases it is (one and twelve
    months either side); returns the months relevelled.

    One run of months (the usual case): one pass builds the merchant cube, the presence
    is read from it, a second pass gives the daily values. Larger lakes: a light pass for
    the presence first, then the cube run by run."""
    work, lake = work_dir(home), home / "lake"
    cube: tuple[Any, cubes.Measures] | None = None
    if len(batches(lake, months)) == 1:
        cube = merchant_cube(eng, months)
        changed = update_presence(work, cubes.present(*cube), months)
    else:
        fact = fact_table(eng.table("transactions", months), eng.table("merchants"))
        changed = update_presence(work, cubes.presence_query(fact), months)
    presence = sorted((work / "presence").glob("month=*/part.parquet"))
    have = {_mi(f.parent.name.removeprefix("month=")) for f in presence}
    wanted = {_mi(mo) for mo in months}
    if not full:
        wanted |= {_mi(c) + k for c in changed for k in NEIGHBOURS} & have
    relevelled = sorted(_month(mi) for mi in wanted)
    flags = eng.materialise(cubes.presence_flags(eng.read_files(presence, "presence")), "flags")
    for run in batches(lake, relevelled):
        if cube is None or run != months:
            cube = merchant_cube(eng, run)
        level_and_day_values(eng, home, cube, flags, run, [m for m in run if m in months])
        cube = None
        eng.release(keep=[flags])
    return relevelled


def level_and_day_values(
    eng: Engine,
    home: Path,
    cube: tuple[Any, cubes.Measures],
    flags: Any,
    months: list[str],
    day_months: list[str],
) -> None:
    """Write the levels of ``months`` from their merchant cube, and the daily values of
    ``day_months`` (one more pass over their fact rows)."""
    work, lake = work_dir(home), home / "lake"
    table, m = cube
    results = [
        (eng.arrow(sql), sets, keys)
        for sql, sets, keys in cubes.levels_sql(eng.con, table, flags, m, eng.dialect)
    ]
    if day_months:
        fact = fact_table(eng.table("transactions", day_months), eng.table("merchants"))
        day_sets = cubes.day_sets()
        days = eng.arrow(cubes.day_sql(eng.con, fact, eng.dialect))
        results.append((days, day_sets, cubes.key_columns(day_sets)))
    long = long_levels(results, m)
    by_month = split_months(long["month"], long["month"]["mi"])
    for month in months:
        write_month(work / "levels", month, by_month[_mi(month)])
    if day_months:
        # daily_values keeps the row order of the day levels
        by_month = split_months(daily_values(long["day"]), long["day"]["mi"])
        for month in day_months:
            write_month(lake / VALUES_TABLE / "day", month, by_month[_mi(month)])


def split_months(table: Any, mi: Any) -> dict[int, Any]:
    """The rows of ``table`` by month index ``mi`` (a column of it, or beside it)."""
    import numpy as np

    mis = mi.to_numpy()
    order = np.argsort(mis, kind="stable")
    ordered = table.take(order)
    values, starts = np.unique(mis[order], return_index=True)
    ends = [*starts[1:], len(mis)]
    empty = table.slice(0, 0)
    out = {int(v): ordered.slice(a, b - a) for v, a, b in zip(values, starts, ends, strict=True)}
    return defaultdict(lambda: empty, out)


def publish(home: Path, build_id: str) -> int:
    """Rewrite lake/indicator_values from the month files; returns its row count."""
    work, lake = work_dir(home), home / "lake"
    levels = read_months(work / "levels")
    values = published_values(levels) if levels is not None else values_arrow(empty_values())
    replace_table(lake, VALUES_TABLE, build_id, values)
    days = table_files(lake, VALUES_TABLE)
    return int(values.num_rows) + sum(_rows(f) for f in days if f.parent.name.startswith("month="))


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def replace_table(lake: Path, table: str, build_id: str, frame: Any) -> None:
    """Write a small lake table (pandas or Arrow) as one new part, then drop the older parts.

    Only the top-level parts are replaced: indicator_values' day rows live in month folders.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = lake / table
    root.mkdir(parents=True, exist_ok=True)
    new = root / f"part-{build_id}.parquet"
    table_ = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    pq.write_table(table_, new)
    for old in root.glob("*.parquet"):
        if old != new:
            old.unlink()


def build(
    *,
    home: Path | None = None,
    engine: str | None = None,
    full: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Bring the indicator tables up to date with the lake; see the module docstring."""
    from cockpit.indicators.calibration import publish_calibration

    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    home = home or get_settings().ensure_home()
    lake, work = home / "lake", work_dir(home)
    eng = open_engine(engine, lake)
    is_full, new, months = plan_months(home, lake, full)
    report = BuildReport(engine=eng.name, full=is_full, new_ingests=new)
    if is_full:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(lake / VALUES_TABLE / "day", ignore_errors=True)
    if months:
        say(f"cube, levels and daily values: {len(months)} month(s)")
        try:
            report.months_relevelled = refresh(eng, home, months, is_full)
        finally:
            eng.release()
    report.months_refreshed = months
    build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    say("publishing")
    report.rows = publish(home, build_id)
    report.tables = [VALUES_TABLE, *publish_calibration(home, build_id)]
    seen = [i for i, _ in read_ingests(lake)]
    _save_state(home, {"ingests": seen, "engine": eng.name, "build_id": build_id})
    report.seconds = round(time.perf_counter() - started, 3)
    return report
