"""``cockpit build``: materialise the catalogue as tidy lake tables, incrementally.

Work files live in ``COCKPIT_HOME/indicators/`` (cube, levels, days: one Parquet file per
month) with ``state.json`` naming the ingests already built. A build reads the ``ingests``
table, finds the new ones, and
- recomputes the cube and daily values of the months their transactions touched,
- recomputes the levels of those months and of the months whose growth bases they are
  (one and twelve months either side),
- rebuilds everything when a new ingest wrote merchants (attributes can change any month),
- and always rewrites the small published tables from the month files.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cockpit.config import get_settings
from cockpit.indicators import cube as cubes
from cockpit.indicators.engines import Engine, open_engine, table_files
from cockpit.indicators.fact import fact_table
from cockpit.indicators.growth import (
    daily_values,
    empty_values,
    published_values,
    values_arrow,
    wide_to_long,
)

VALUES_TABLE = "indicator_values"
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
    if full or not seen or not (work_dir(home) / "cube").exists():
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


def read_months(root: Path) -> pd.DataFrame:
    """Every month file under ``root`` as one frame."""
    import pyarrow.parquet as pq

    files = sorted(root.glob("month=*/part.parquet"))
    if not files:
        return pd.DataFrame()
    frames: list[pd.DataFrame] = [pq.read_table(f).to_pandas() for f in files]
    return pd.concat(frames, ignore_index=True)


def refresh_cube(eng: Engine, work: Path, months: list[str]) -> None:
    """Stage A for ``months``: one cube file per month."""
    import pyarrow.compute as pc

    fact = fact_table(eng.table("transactions", months), eng.table("merchants"))
    arrow = cubes.cube(fact).to_pyarrow()
    for month in months:
        write_month(work / "cube", month, arrow.filter(pc.equal(arrow["month"], month)))


def refresh_days(eng: Engine, lake: Path, months: list[str]) -> None:
    """Daily values for ``months``, written straight into indicator_values/day/month=…"""
    fact = fact_table(eng.table("transactions", months), eng.table("merchants"))
    frames = []
    for cut in cubes.DAY_CUTS:
        wide = cubes.day_levels(fact, cut).to_pandas()
        frames.append(wide_to_long(wide, cut, ["date", "month"]))
    days = pd.concat(frames, ignore_index=True)
    for month in months:
        rows = daily_values(days[days["month"] == month].reset_index(drop=True))
        write_month(lake / VALUES_TABLE / "day", month, values_arrow(rows))


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    from cockpit.indicators.catalogue import CUT_DIMENSIONS

    for dim in (*CUT_DIMENSIONS, "cut"):
        frame[dim] = frame[dim].astype("string")
    return frame


def write_presence(work: Path, cube_files: list[Path]) -> Path:
    """Presence flags of every merchant-month (small), for same-store growth."""
    import pyarrow.parquet as pq

    cols = ["mi", "merchant_id", cubes.PRESENT]
    cube = pd.concat([pq.read_table(f, columns=cols).to_pandas() for f in cube_files])
    present = cube[cube[cubes.PRESENT] > 0][["mi", "merchant_id"]].drop_duplicates()
    path = work / "presence.parquet"
    cubes.presence_flags(present.reset_index(drop=True)).to_parquet(path, index=False)
    return path


def relevel(eng: Engine, work: Path, months: list[str]) -> list[str]:
    """Stage B for ``months`` and their growth neighbours; returns the months relevelled."""
    cube_files = sorted((work / "cube").glob("month=*/part.parquet"))
    have = {_mi(f.parent.name.removeprefix("month=")) for f in cube_files}
    wanted = {_mi(m) + k for m in months for k in (0, 1, -1, 12, -12)} & have
    if not wanted:
        return []
    cube_t = eng.read_files(cube_files, "cube")
    flags = eng.read_files([write_presence(work, cube_files)], "presence")
    frames = []
    for cut in cubes.CUTS:
        wide = cubes.levels(cube_t, flags, cut, sorted(wanted)).to_pandas()
        frames.append(wide_to_long(wide, cut, ["mi"]))
    lv = _as_text(pd.concat(frames, ignore_index=True))
    for mi in sorted(wanted):
        write_month(work / "levels", _month(mi), lv[lv["mi"] == mi])
    return sorted(_month(mi) for mi in wanted)


def publish(home: Path, build_id: str) -> int:
    """Rewrite lake/indicator_values from the month files; returns its row count."""
    work, lake = work_dir(home), home / "lake"
    levels = read_months(work / "levels")
    values = published_values(levels) if len(levels) else empty_values()
    replace_table(lake, VALUES_TABLE, build_id, values_arrow(values))
    days = table_files(lake, VALUES_TABLE)
    return len(values) + sum(_rows(f) for f in days if f.parent.name.startswith("month="))


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
        say(f"cube: {len(months)} month(s)")
        refresh_cube(eng, work, months)
        say("daily values")
        refresh_days(eng, lake, months)
        say("levels and same-store parts")
        report.months_relevelled = relevel(eng, work, months)
    report.months_refreshed = months
    build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    say("publishing")
    report.rows = publish(home, build_id)
    report.tables = [VALUES_TABLE, *publish_calibration(home, build_id)]
    seen = [i for i, _ in read_ingests(lake)]
    _save_state(home, {"ingests": seen, "engine": eng.name, "build_id": build_id})
    report.seconds = round(time.perf_counter() - started, 3)
    return report
