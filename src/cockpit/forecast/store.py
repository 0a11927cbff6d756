"""Forecast runs in the lake, cached per input version.

Three small tables under ``COCKPIT_HOME/lake`` (one part file per run, docs/forecasting.md):

- ``forecasts``: run_id, indicator_id, unique_id, level, region_code, category_code, ds,
  model, method, mean, lo80, hi80, lo95, hi95 — what the cockpit shows;
- ``forecast_accuracy``: run_id, level, method, series, mase, smape, cov80, cov95, mase_median — the
  backtest report stored with every run;
- ``forecast_runs``: run_id, indicator_id, by, horizon, input_hash, created_at, seconds,
  method, series, models (JSON of unique_id → chosen model).

``input_hash`` digests the input series and the spec; a run with the same hash is reused,
so nothing is refitted while its inputs are unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.lake import lake_of

if TYPE_CHECKING:
    import pandas as pd

    from cockpit.forecast.pipeline import ForecastSpec
    from cockpit.forecast.run import ForecastRun

FORECASTS, ACCURACY, RUNS = "forecasts", "forecast_accuracy", "forecast_runs"
CITY_CODE = "500000"
#: Bumped when the pipeline changes what it would forecast from the same input.
PIPELINE_VERSION = "2"


@dataclass
class StoredRun:
    """A forecast run as the lake holds it."""

    run_id: str
    meta: dict[str, Any]
    forecasts: pd.DataFrame
    report: pd.DataFrame
    cached: bool = False


def input_hash(series: pd.DataFrame, spec: ForecastSpec, extra: str = "") -> str:
    """Digest of the input series (order-independent) and everything that shapes the run."""
    import pandas as pd

    frame = series.sort_values(list(series.columns), ignore_index=True)
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update(",".join(map(str, frame.columns)).encode())
    digest.update(f"{spec!r}|{extra}|{PIPELINE_VERSION}".encode())
    return digest.hexdigest()


def _write(lake: Path, table: str, run_id: str, frame: pd.DataFrame) -> None:
    """Write one part file atomically (temporary name, then rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cockpit.lake import table_dir

    root = table_dir(lake, table)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".part-{run_id}.parquet.tmp"
    table_ = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table_, tmp, coerce_timestamps="us", allow_truncated_timestamps=True)
    os.replace(tmp, root / f"part-{run_id}.parquet")


def _read(lake: Path, table: str) -> pd.DataFrame:
    from cockpit.lake import frame, part_files

    return frame(part_files(lake, table))


def _codes(forecasts: pd.DataFrame, dimensions: tuple[str, ...]) -> pd.DataFrame:
    """region_code and category_code from the ids (``city/500103/RS01``)."""
    out = forecasts.copy()
    parts = out["unique_id"].str.split("/")
    region, category = [], []
    for path, level in zip(parts, out["level"], strict=True):
        names = [] if level in ("city", "all") else level.split("/")
        labels = dict(zip(names, path[1:], strict=False))
        region.append(labels.get("district", CITY_CODE if level != "all" else None))
        category.append(labels.get("category", "" if level != "all" else None))
    out["region_code"], out["category_code"] = region, category
    del dimensions
    return out


def save_run(
    home: Path,
    run: ForecastRun,
    *,
    indicator_id: str,
    by: str,
    horizon: int,
    digest: str,
    seconds: float,
) -> StoredRun:
    """Write a run's forecasts, accuracy report and metadata to the lake."""
    import pandas as pd

    now = dt.datetime.now(dt.UTC)
    run_id = f"{now:%Y%m%dT%H%M%S}-{digest[:12]}"
    dims = run.hierarchy.dimensions if run.hierarchy else ()
    forecasts = _codes(run.forecasts, dims).assign(run_id=run_id, indicator_id=indicator_id)
    forecasts = forecasts[
        [
            "run_id",
            "indicator_id",
            "unique_id",
            "level",
            "region_code",
            "category_code",
            "ds",
            "model",
            "method",
            "mean",
            "lo80",
            "hi80",
            "lo95",
            "hi95",
        ]
    ]
    report = run.report.assign(run_id=run_id)[["run_id", *run.report.columns]]
    meta = {
        "run_id": run_id,
        "indicator_id": indicator_id,
        "by": by,
        "horizon": horizon,
        "input_hash": digest,
        "created_at": now.replace(tzinfo=None),
        "seconds": seconds,
        "method": run.method,
        "series": len(run.panel.chosen),
        "models": json.dumps(run.panel.chosen, sort_keys=True),
    }
    lake = lake_of(home)
    _write(lake, FORECASTS, run_id, forecasts)
    _write(lake, ACCURACY, run_id, report)
    _write(lake, RUNS, run_id, pd.DataFrame([meta]))  # last: a run exists once this does
    return StoredRun(run_id=run_id, meta=meta, forecasts=forecasts, report=report)


def _load(lake: Path, meta: dict[str, Any], cached: bool) -> StoredRun:
    from cockpit.lake import frame, part_path

    run_id = str(meta["run_id"])
    forecasts = frame([part_path(lake, FORECASTS, run_id)])
    report = frame([part_path(lake, ACCURACY, run_id)])
    return StoredRun(run_id=run_id, meta=meta, forecasts=forecasts, report=report, cached=cached)


def find_cached(home: Path, digest: str) -> StoredRun | None:
    """The stored run made from exactly this input, if any."""
    runs = _read(lake_of(home), RUNS)
    if runs.empty:
        return None
    hits = runs[runs["input_hash"] == digest].sort_values("created_at")
    if hits.empty:
        return None
    return _load(lake_of(home), {str(k): v for k, v in hits.iloc[-1].items()}, cached=True)


def latest_run(home: Path, indicator_id: str | None = None) -> StoredRun | None:
    """The newest stored run (of one indicator, if given)."""
    runs = _read(lake_of(home), RUNS)
    if runs.empty:
        return None
    if indicator_id is not None:
        runs = runs[runs["indicator_id"] == indicator_id]
    if runs.empty:
        return None
    newest = runs.sort_values("created_at").iloc[-1]
    return _load(lake_of(home), {str(k): v for k, v in newest.items()}, cached=True)
