"""Benchmark: one bulletin, and the city plus every district, on the sample city.

    .venv/bin/python benchmarks/bulletin.py --scale tiny --workers 2
    .venv/bin/python benchmarks/bulletin.py --scale medium --home /tmp/cockpit-bench-medium-7

``--home`` names a COCKPIT_HOME already built (the demo's, or the medium city's): its lake is
only read (each timed run has a home of its own whose ``lake`` links to it), so the home
needs no copy. ``--scale`` then only labels the result.

Prepares a COCKPIT_HOME (generate, ingest, build: not timed) unless ``--home`` names one
already built, then times, each from a fresh archive:

- one bulletin of the city (read the lake, compute, render HTML/PDF/Excel, archive);
- the city and its 38 districts in one batch: the lake read once (``Inputs.read_for``: the
  built tables and the district × digital-type cut computed from the payments), then
  ``--workers`` processes forked from it, each issuing its share of the regions;
- the baseline: the same regions issued one at a time with the lake read again for each
  (what a per-region cron job would do), on the first ``--baseline-regions`` regions.

Targets (issue 28): one bulletin ≤ 30 s; city + 38 districts ≤ 5 min on 2 cores.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any


def prepare(scale: str, seed: int, root: Path) -> Path:
    from cockpit.indicators.build import build
    from cockpit.ingest.compact import compact
    from cockpit.ingest.pipeline import ingest_paths
    from cockpit.sample import generate_city

    home = root / "home"
    generate_city(root / "city", scale=scale, seed=seed)
    ingest_paths([root / "city"], home=home)
    compact(home)
    build(home=home)
    return home


def fresh_home(lake: Path, root: Path, name: str) -> Path:
    """A COCKPIT_HOME of its own (archive, database) reading ``lake``."""
    home = root / name
    home.mkdir()
    (home / "lake").symlink_to(lake, target_is_directory=True)
    return home


#: The batch's inputs, read before the workers are forked (they inherit them).
SHARED: Any = None


def issue_share(home: str, month: str, regions: list[str]) -> float:
    """One worker: issue ``regions`` from the shared inputs (else read the lake); its CPU
    seconds."""
    os.environ["COCKPIT_HOME"] = home
    from cockpit.bulletin.figures import Inputs
    from cockpit.bulletin.issue import issue_bulletin
    from cockpit.config import reset_settings
    from cockpit.db import get_engine

    reset_settings()  # a forked worker: this home's settings and database, not the parent's
    get_engine.cache_clear()

    start = time.process_time()
    inputs = SHARED or Inputs(Path(home) / "lake")
    for region in regions:
        issue_bulletin(month=month, region=region, home=Path(home), inputs=inputs)
    return time.process_time() - start


def batch(home: Path, month: str, regions: list[str], workers: int) -> tuple[float, float]:
    """Wall and CPU seconds of issuing ``regions``: the lake read once here, then
    ``workers`` processes forked from this one."""
    global SHARED
    import multiprocessing

    from cockpit import reference
    from cockpit.bulletin.figures import Inputs
    from cockpit.bulletin.periods import release_of
    from cockpit.config import reset_settings

    shares = [regions[i::workers] for i in range(workers)]
    start, cpu_start = time.perf_counter(), time.process_time()
    os.environ["COCKPIT_HOME"] = str(home)
    reset_settings()
    SHARED = Inputs(home / "lake")
    SHARED.read_for(release_of(month), districts=regions != [reference.CITY_CODE])
    from cockpit.db import ensure_schema

    ensure_schema()  # the home's database, once: workers migrating it at once would collide
    read_cpu = time.process_time() - cpu_start
    try:
        fork = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=fork) as pool:
            cpu = sum(pool.map(issue_share, [str(home)] * workers, [month] * workers, shares))
    finally:
        SHARED = None
    return time.perf_counter() - start, cpu + read_cpu


def one_at_a_time(home: Path, month: str, regions: list[str]) -> float:
    """Wall seconds per bulletin when each reads the lake again (the baseline)."""
    start = time.perf_counter()
    for region in regions:
        with ProcessPoolExecutor(1) as pool:
            pool.submit(issue_share, str(home), month, [region]).result()
    return (time.perf_counter() - start) / len(regions)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from cockpit import reference

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bulletin-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        built = args.home or prepare(args.scale, args.seed, root)
        prepared = time.perf_counter() - started
        lake = (built / "lake").resolve()
        regions = [reference.CITY_CODE, *(d.code for d in reference.districts())]
        wall_one, cpu_one = batch(fresh_home(lake, root, "one"), args.month, regions[:1], 1)
        wall_all, cpu_all = batch(fresh_home(lake, root, "all"), args.month, regions, args.workers)
        base = one_at_a_time(
            fresh_home(lake, root, "base"), args.month, regions[: args.baseline_regions]
        )
        archive = sum(f.stat().st_size for f in (root / "all").rglob("*") if f.is_file())
        shutil.rmtree(root / "all")
    return {
        "date": datetime.now().isoformat(timespec="minutes"),
        "machine": f"{platform.node()} {os.cpu_count()} CPUs",
        "scale": f"{args.scale} (given home {args.home})" if args.home else args.scale,
        # The machine is shared: the load average says how much of it the run had.
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "month": args.month,
        "prepare_s": round(prepared, 1),
        "one_bulletin_s": round(wall_one, 1),
        "one_bulletin_cpu_s": round(cpu_one, 1),
        "regions": len(regions),
        "workers": args.workers,
        "all_regions_s": round(wall_all, 1),
        "all_regions_cpu_s": round(cpu_all, 1),
        "per_bulletin_batch_s": round(wall_all * args.workers / len(regions), 2),
        "per_bulletin_baseline_s": round(base, 2),
        "baseline_ratio": round(base / (wall_all * args.workers / len(regions)), 2),
        "archive_mb": round(archive / 1e6, 1),
        "peak_rss_mb_children": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 0
        ),
        "targets": {"one_bulletin_s": 30, "all_regions_s": 300},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="tiny", choices=["tiny", "small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--home", type=Path, help="An already built COCKPIT_HOME to reuse.")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-regions", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(run(args), ensure_ascii=False))


if __name__ == "__main__":
    main()
