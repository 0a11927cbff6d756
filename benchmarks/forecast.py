"""Speed and accuracy of the forecast room on the sample city's district × category series.

Forecasts, backtests (2 rolling origins) and reconciles every district × category monthly
series of retail sales, as ``cockpit forecast --by both`` does, and reports the time and
the backtest accuracy by level; then repeats the call to show the cache (no refit). The
series are read from the built ``indicator_values`` (cut ``district,category``); the timed
part starts after reading them.

    .venv/bin/python benchmarks/forecast.py --home /path/to/COCKPIT_HOME   # a built lake
    .venv/bin/python benchmarks/forecast.py                # synthetic 38 × 19 panel instead
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="COCKPIT_HOME with a lake")
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--n-jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from cockpit.forecast.pipeline import ForecastSpec
    from cockpit.forecast.service import forecast_series
    from cockpit.forecast.sources import read_indicator_monthly
    from cockpit.forecast.synthetic import monthly_panel

    if args.home is not None:
        series = read_indicator_monthly(home=args.home, indicator_id="retail_sales", by="both")
        source = f"sample city lake at {args.home}"
    else:
        series = monthly_panel(38, 19, start=dt.date(2023, 1, 1), end=dt.date(2026, 10, 31))
        source = "synthetic 38 × 19 panel"
    # The run is stored in a fresh folder, so the first call always fits (a run stored in
    # the lake's own home by an earlier call would be a cache hit) and the lake is untouched.
    home = Path(tempfile.mkdtemp(prefix="forecast-bench-"))
    spec = ForecastSpec(h=args.horizon, n_jobs=args.n_jobs)
    kwargs = {"series": series, "dimensions": ("district", "category"), "spec": spec}
    start, cpu = time.perf_counter(), cpu_seconds()
    run = forecast_series(home=home, indicator_id="bench", by="both", **kwargs)  # type: ignore[arg-type]
    first, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    start = time.perf_counter()
    again = forecast_series(home=home, indicator_id="bench", by="both", **kwargs)  # type: ignore[arg-type]
    cached = time.perf_counter() - start
    bottom = series.groupby(["district", "category"]).ngroups
    result = {
        "source": source,
        "bottom_series": bottom,
        "all_series": int(run.meta["series"]),
        "months": int(series["ds"].nunique()),
        "seconds": round(first, 1),
        "cpu_seconds": round(cpu, 1),
        "cached_seconds": round(cached, 2),
        "cache_hit": again.cached,
        "method": run.meta["method"],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, n_jobs={args.n_jobs}",
        "report": json.loads(run.report.drop(columns="run_id").to_json(orient="records")),
    }
    published = run.report[run.report["method"] == run.meta["method"]]
    result["published_coverage"] = {
        str(r["level"]): {
            "cov80": round(float(r["cov80"]), 3),
            "cov95": round(float(r["cov95"]), 3),
        }
        for r in published.to_dict(orient="records")
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    print(f"{source}: {bottom} bottom / {result['all_series']} series, {result['months']} months")
    print(f"forecast + backtest + reconcile: {first:.1f} s wall, {cpu:.1f} s CPU")
    print(f"cached call: {cached:.2f} s (cache hit: {again.cached})")
    print(f"published reconciliation: {result['method']}")
    coverage = result["published_coverage"]
    print(
        "its backtest coverage (80 % / 95 %) by level: "
        + ", ".join(f"{k} {v['cov80']:.0%} / {v['cov95']:.0%}" for k, v in coverage.items())
    )
    print(run.report.drop(columns="run_id").to_string(index=False, float_format="%.3f"))


if __name__ == "__main__":
    main()
