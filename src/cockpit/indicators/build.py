"""``cockpit build``: materialise the catalogue as tidy lake tables, incrementally.

Work files live in ``COCKPIT_HOME/indicators/``, one folder per month (cube: the merchant
cube, in parts listed by a manifest with the transaction files they sum; presence: the
merchants with a payment; levels: every cut's sums and same-store parts), with
``state.json`` naming the ingests already built. A build reads the ``ingests`` table, finds
the new ones, and for the months their transactions touched
- cubes only the files a month gained since its cube was made, sums them into the cube's
  "added since" part, and redoes the daily values of their dates; cubes a month afresh
  where a file changed or went (``cockpit.indicators.cube`` says how: a few engine passes,
  no pandas);
- relevels those months from their cubes and, where the set of merchants present in a
  month changed, the months whose same-store growth it is a base of (one and twelve
  months either side);
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
from cockpit.indicators.engines import Engine, open_engine
from cockpit.indicators.fact import fact_on_versions, fact_table, merchant_days, merchant_versions
from cockpit.indicators.growth import (
    daily_values,
    empty_values,
    long_levels,
    published_values,
    values_arrow,
)
from cockpit.lake import committed_ingests, lake_of, table_dir
from cockpit.lake import files as lake_files

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
    # months whose new transaction files were cubed alone and added to the stored cube
    months_added: list[str] = field(default_factory=list)
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


def is_current(home: Path) -> bool:
    """Whether the built tables count every committed ingest (no build is due)."""
    seen = set(_load_state(home).get("ingests", []))
    return bool(seen) and committed_ingests(lake_of(home)) <= seen


def read_ingests(lake: Path) -> list[tuple[str, list[str]]]:
    """(ingest_id, months touched) of every ingest in the lake."""
    import pyarrow.parquet as pq

    out = []
    for f in lake_files(lake, "ingests"):
        t = pq.read_table(f, columns=["ingest_id", "months"]).to_pylist()
        out += [(r["ingest_id"], [m for m in (r["months"] or "").split(";") if m]) for r in t]
    return out


def _wrote(lake: Path, table: str, ingest_id: str) -> bool:
    root = table_dir(lake, table)
    return any(
        any(root.rglob(pattern))
        for pattern in (f"part-{ingest_id}.parquet", f"part-{ingest_id}_*.parquet")
    )


def all_months(lake: Path) -> list[str]:
    """Months present in the lake's transactions."""
    root = table_dir(lake, "transactions")
    if not root.exists():
        return []
    return sorted(p.name.removeprefix("month=") for p in root.glob("month=*") if any(p.iterdir()))


def plan_months(home: Path, lake: Path, full: bool) -> tuple[bool, list[str], list[str]]:
    """(full rebuild?, new ingest ids, months whose cube must be recomputed)."""
    state = _load_state(home)
    seen = set(state.get("ingests", []))
    ingests = read_ingests(lake)
    new = [i for i, _ in ingests if i not in seen]
    # work files of another layout (an earlier version of the build) are not reused
    stale = state.get("layout") != cubes.cube_layout()
    if full or not seen or stale or not (work_dir(home) / "presence").exists():
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


def cube_path(work: Path, month: str) -> Path:
    """The folder of a month's merchant cube: its parts, and ``manifest.json`` naming the
    parts and the transaction files (name -> size) they sum. Only listed parts count, and
    the manifest is replaced last: a build stopped half-way leaves no part counted twice."""
    return work / "cube" / f"month={month}"


def cube_inputs(lake: Path, month: str) -> dict[str, int]:
    """The transaction files of ``month`` (name -> size): what its merchant cube sums."""
    return {f.name: f.stat().st_size for f in lake_files(lake, "transactions", months=[month])}


def read_manifest(work: Path, month: str) -> dict[str, Any] | None:
    """A month's cube manifest; None when there is none, or its cube is of another layout
    (made by an earlier version of the build: the month is then cubed afresh)."""
    path = cube_path(work, month) / "manifest.json"
    manifest: dict[str, Any] | None = json.loads(path.read_text()) if path.exists() else None
    if manifest is not None and manifest.get("layout") != cubes.cube_layout():
        return None
    return manifest


def write_manifest(
    work: Path, month: str, parts: list[str], inputs: dict[str, int], pending: list[str]
) -> None:
    """``pending``: dates of added parts whose daily values are not written yet (redone by
    the next build if this one stops first)."""
    path = cube_path(work, month) / "manifest.json"
    layout = cubes.cube_layout()
    text = json.dumps({"layout": layout, "parts": parts, "inputs": inputs, "pending": pending})
    path.with_suffix(".tmp").write_text(text)
    path.with_suffix(".tmp").replace(path)


def new_inputs(manifest: dict[str, Any] | None, now: dict[str, int]) -> list[str] | None:
    """Files added since the stored cube was made; None when there is no stored cube, one
    of its files changed or went, or none was added (the month is then cubed afresh)."""
    if manifest is None:
        return None
    stored: dict[str, int] = manifest["inputs"]
    if any(now.get(name) != size for name, size in stored.items()):
        return None
    return [name for name in now if name not in stored] or None


def kept_fact(eng: Engine, transactions: Any) -> Any:
    """The fact table over ``transactions``, the merchant versions kept by the engine as a
    table of their own (``fact_on_versions`` says why)."""
    versions = eng.materialise(merchant_versions(eng.table("merchants")), "versions")
    return fact_on_versions(transactions, versions)


def write_cubes(eng: Engine, work: Path, months: list[str]) -> Any:
    """One pass over the fact rows of ``months``: their merchant cubes, one file a month,
    and their daily values; returns the cube as the engine keeps it (a temporary table)."""
    lake = eng.lake_dir
    inputs = {month: cube_inputs(lake, month) for month in months}
    fact = kept_fact(eng, eng.table("transactions", months))
    sql, m = cubes.cube_sql(eng.con, fact, eng.dialect, with_days=True)
    both = eng.materialise(sql, "cube_and_days")
    cube = eng.view(cubes.cube_part(both, m), "cube", over=both)
    write_day_values(eng, lake, months, sums=cubes.day_part(both, m))
    for month in months:
        shutil.rmtree(cube_path(work, month), ignore_errors=True)
    parts = {_mi(month): cube_path(work, month) / "part-0.parquet" for month in months}
    eng.write_parquet_by(cube, "mi", parts)
    for month in months:
        write_manifest(work, month, ["part-0.parquet"], inputs[month], [])
    return cube


def add_to_cube(
    eng: Engine, work: Path, month: str, files: list[str], now: dict[str, int]
) -> list[str]:
    """Cube a month's new ``files`` alone and add them to the month's cube; returns the
    dates whose daily values are to be redone: those the files hold, and any left pending
    by an earlier build. (``now``: the month's files, as the new manifest lists them.)

    A month's cube is then two parts: the one cubed from all its rows, and the sum of what
    was added since (the new cube summed into the last one by the engine), so a month that
    gains a file a day stays two parts. One (merchant, grouping) may so be two rows: every
    measure of the cube is a sum, or a count within one merchant that is only tested for
    being above zero, so readers sum them."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    lake, folder = eng.lake_dir, cube_path(work, month)
    paths = [table_dir(lake, "transactions") / f"month={month}" / name for name in files]
    fact = kept_fact(eng, eng.read_files(paths, "transactions"))
    sql, m = cubes.cube_sql(eng.con, fact, eng.dialect)
    manifest = read_manifest(work, month) or {"parts": []}
    base, added = manifest["parts"][:1], manifest["parts"][1:]
    if added:
        sql = summed_parts(eng, [folder / name for name in added], sql, list(m.exprs))
    number = max([int(p.removeprefix("part-").removesuffix(".parquet")) for p in base + added])
    part = f"part-{number + 1}.parquet"
    eng.write_parquet(sql, folder / part)
    held = pa.concat_tables([pq.read_table(p, columns=["date"]) for p in paths])["date"]
    dates = {str(d) for d in pc.unique(held).to_pylist()} | set(manifest.get("pending", []))
    write_manifest(work, month, [*base, part], now, sorted(dates))
    for stale in set(folder.glob("part-*.parquet")) - {folder / p for p in [*base, part]}:
        stale.unlink()
    return sorted(dates)


def summed_parts(eng: Engine, parts: list[Path], sql: str, measures: list[str]) -> str:
    """SQL text: the rows of cube ``parts`` and of the cube query ``sql``, summed by key."""
    table = eng.read_files(parts, "cube")
    cols = list(table.columns)
    keys = [c for c in cols if c not in measures]
    out = [f"CAST(SUM({c}) AS BIGINT) AS {c}" if c in measures else c for c in cols]
    listed = ", ".join(cols)
    return (
        f"SELECT {', '.join(out)} FROM (SELECT {listed} FROM "
        f"{table.get_name()} UNION ALL SELECT {listed} FROM ({sql}) AS new_) AS both_ "
        f"GROUP BY {', '.join(keys)}"
    )


def days_written(work: Path, month: str) -> None:
    """Clear a month's pending dates once their daily values are written."""
    manifest = read_manifest(work, month)
    if manifest is not None:
        write_manifest(work, month, manifest["parts"], manifest["inputs"], [])


def open_cubes(eng: Engine, work: Path, months: list[str]) -> Any:
    """The merchant cubes of ``months`` (every listed part) as one engine table."""
    files = []
    for month in months:
        manifest = read_manifest(work, month) or {"parts": []}
        files += [cube_path(work, month) / part for part in manifest["parts"]]
    return eng.read_files(files, "cube")


def cube_measures(eng: Engine, months: list[str]) -> cubes.Measures:
    """The measures of the merchant cube (their names; nothing is computed)."""
    fact = fact_table(eng.table("transactions", months), eng.table("merchants"))
    return cubes.measures(fact, merchant_grain=True)


def update_presence(work: Path, present: Any, months: list[str]) -> list[str]:
    """Store the merchants present (Ibis: mi, merchant_id and the cut they are in:
    ``cubes.present``) in each of ``months``; returns the months whose merchants or their
    cuts changed (the same-store parts of their neighbours change too)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    attrs = [(a, pa.bool_() if a in ("dp", "dc") else pa.string()) for a in cubes.RESTATED]
    schema = pa.schema([("mi", pa.int32()), ("merchant_id", pa.string()), *attrs])
    arrow = present.to_pyarrow().select(schema.names).cast(schema)
    changed = []
    for month in months:
        new = arrow.filter(pc.equal(arrow["mi"], _mi(month))).sort_by("merchant_id")
        path = work / "presence" / f"month={month}" / "part.parquet"
        old = pq.read_table(path) if path.exists() else None
        if old is None or not old.equals(new):
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
        n = sum(_rows(f) for f in lake_files(lake, "transactions", months=[month]))
        if out and rows + n <= limit:
            out[-1].append(month)
            rows += n
        else:
            out.append([month])
            rows = n
    return out


def refresh(eng: Engine, home: Path, months: list[str], full: bool) -> tuple[list[str], list[str]]:
    """Recompute ``months`` (levels and daily values) and, where a month's present
    merchants changed, the levels of the months whose growth bases it is (one and twelve
    months either side); returns the months relevelled, and those refreshed by addition.

    Each month's merchant cube is kept in the work folder with the names and sizes of the
    transaction files it sums. A month that only gained files since has just those cubed
    and added (and its daily values redone for their dates only); any other month is cubed
    afresh from all its rows, a run of months per engine pass."""
    work, lake = work_dir(home), lake_of(home)
    added: dict[str, list[str]] = {}
    inputs: dict[str, dict[str, int]] = {}
    if not full:
        for month in months:
            now = cube_inputs(lake, month)
            files = new_inputs(read_manifest(work, month), now)
            if files is not None:
                added[month] = files
                inputs[month] = now
    afresh = [month for month in months if month not in added]
    runs = batches(lake, afresh)
    held: dict[tuple[str, ...], Any] = {}  # one run's cube, kept by the engine for its levels
    for run in runs:
        cube = write_cubes(eng, work, run)
        if len(runs) == 1:
            held[tuple(run)] = cube
        else:
            eng.release()
    dates = {mo: add_to_cube(eng, work, mo, files, inputs[mo]) for mo, files in added.items()}

    def cube_of(run: list[str]) -> Any:
        return held[tuple(run)] if tuple(run) in held else open_cubes(eng, work, run)

    m = cube_measures(eng, months)
    changed = update_presence(work, cubes.present(cube_of(months), m), months)
    have = {_mi(f.parent.name.removeprefix("month=")) for f in work.glob("presence/month=*/*")}
    wanted = {_mi(mo) for mo in months}
    if not full:
        wanted |= {_mi(c) + k for c in changed for k in NEIGHBOURS} & have
    relevelled = sorted(_month(mi) for mi in wanted)
    for run in batches(lake, [mo for mo in relevelled if read_manifest(work, mo) is None]):
        write_cubes(eng, work, run)
        eng.release(keep=held.values())
    near = {_month(mi + k) for mi in wanted for k in (0, *NEIGHBOURS)} & {_month(h) for h in have}
    presence = [work / "presence" / f"month={mo}" / "part.parquet" for mo in sorted(near)]
    flags = eng.materialise(cubes.presence_flags(eng.read_files(presence, "presence")), "flags")
    for run in batches(lake, relevelled):
        write_levels(eng, work, cube_of(run), flags, m, run)
    eng.release(keep=[flags])
    for month, days in dates.items():
        write_day_values(eng, lake, [month], days)
        days_written(work, month)
    return relevelled, sorted(added)


def write_levels(
    eng: Engine, work: Path, cube: Any, flags: Any, m: cubes.Measures, months: list[str]
) -> None:
    """Write the levels of ``months`` from their merchant cube."""
    results = [
        (eng.arrow(sql), sets, keys)
        for sql, sets, keys in cubes.levels_sql(cube, flags, m, eng.dialect)
    ]
    long = long_levels(results, m)["month"]
    by_month = split_months(long, long["mi"])
    for month in months:
        write_month(work / "levels", month, by_month[_mi(month)])


def write_day_values(
    eng: Engine,
    lake: Path,
    months: list[str],
    dates: list[str] | None = None,
    sums: Any = None,
) -> None:
    """Write the daily values of ``months``; with ``dates``, of those dates only (the
    month's other days are kept as they are). ``sums``: their rows summed by day and
    district, when the merchant cube's pass made them (else a pass of its own does)."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    tx = eng.table("transactions", months)
    if dates is not None:
        tx = tx.filter(tx.date.isin([dt.date.fromisoformat(d) for d in dates]))
    merchants = eng.table("merchants")
    fact = fact_table(tx, merchants)
    m = cubes.measures(fact)
    own_pass = None
    if sums is None:
        own_sql = cubes.day_sums_sql(eng.con, kept_fact(eng, tx), eng.dialect)
        own_pass = eng.materialise(own_sql, "days")
        sums = cubes.day_part(own_pass, m)
    counts = cubes.merchant_day_counts(merchant_days(tx, merchants), m)
    days = eng.arrow(cubes.day_sql(eng.con, sums, counts, m, eng.dialect))
    if own_pass is not None:
        eng.drop(own_pass)
    day_sets = cubes.day_sets()
    long = long_levels([(days, day_sets, cubes.key_columns(day_sets))], m)["day"]
    # daily_values (and the rules) keep the row order of the day levels
    by_month = split_months(disclosed(daily_values(long), lake.parent), long["mi"])
    root = table_dir(lake, VALUES_TABLE) / "day"
    for month in months:
        values = by_month[_mi(month)]
        path = root / f"month={month}" / "part.parquet"
        if dates is not None and path.exists():
            old = pq.read_table(path)
            kept = old.filter(pc.invert(pc.is_in(old["period"], pa.array(dates))))
            values = pa.concat_tables([kept, values.cast(kept.schema)])
        write_month(root, month, values)


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
    work, lake = work_dir(home), lake_of(home)
    levels = read_months(work / "levels")
    values = published_values(levels) if levels is not None else values_arrow(empty_values())
    values = disclosed(values, home)
    replace_table(lake, VALUES_TABLE, build_id, values)
    days = lake_files(lake, VALUES_TABLE)
    return int(values.num_rows) + sum(_rows(f) for f in days if f.parent.name.startswith("month="))


def disclosed(values: Any, home: Path) -> Any:
    """indicator_values rows (Arrow) with the small-cell rules of ``home`` applied: the one
    place they are (``cockpit.indicators.disclosure``)."""
    from cockpit.indicators.disclosure import apply, load_policy

    if values.num_rows == 0:
        return values
    return apply(values, load_policy(home))


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def replace_table(lake: Path, table: str, build_id: str, frame: Any) -> None:
    """Write a small lake table (pandas or Arrow) as one new part, then drop the older parts.

    Only the top-level parts are replaced: indicator_values' day rows live in month folders.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = table_dir(lake, table)
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
    lake, work = lake_of(home), work_dir(home)
    eng = open_engine(engine, lake)
    is_full, new, months = plan_months(home, lake, full)
    report = BuildReport(engine=eng.name, full=is_full, new_ingests=new)
    if is_full:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(table_dir(lake, VALUES_TABLE) / "day", ignore_errors=True)
    if months:
        say(f"cube, levels and daily values: {len(months)} month(s)")
        try:
            report.months_relevelled, report.months_added = refresh(eng, home, months, is_full)
        finally:
            eng.release()
    report.months_refreshed = months
    build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    say("publishing")
    report.rows = publish(home, build_id)
    report.tables = [VALUES_TABLE, *publish_calibration(home, build_id)]
    seen = [i for i, _ in read_ingests(lake)]
    state = {"ingests": seen, "engine": eng.name, "build_id": build_id}
    _save_state(home, {**state, "layout": cubes.cube_layout()})
    report.seconds = round(time.perf_counter() - started, 3)
    return report
