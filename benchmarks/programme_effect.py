"""Benchmark: does the programme-effect interval cover the injected uplift?

    .venv/bin/python benchmarks/programme_effect.py --seeds 1 2 3 4 5 --scale tiny

For each seed: make the sample city, ingest it into a fresh home, put its voucher campaign
on the home's ledger as its own programme (``cockpit.programmes.campaign``), and estimate
that programme's effect with ``cockpit.programmes.effect.causal_effect`` (merchant × month
PPML, merchant and month fixed effects, clustered by merchant) on the ground truth's
treated merchants and look-alike controls. Reports per seed the uplift and its 95 %
interval, whether it covers the injected uplift (30 %) and excludes zero, the TOST
pre-trend p-value, the minimum detectable effect, the causal multiplier (÷ the campaign's
own subsidy on the ledger) with its interval, gross leverage, and the simple two-period
DiD beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# benchmarks/web_cockpit.py would shadow the cockpit package: drop this folder from the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def one_seed(seed: int, scale: str, root: Path) -> dict[str, Any]:
    import os

    os.environ["COCKPIT_HOME"] = str(root / f"home-{seed}")
    from cockpit.config import get_settings

    get_settings.cache_clear()
    from cockpit.db import get_engine, upgrade
    from cockpit.ingest.pipeline import ingest_paths
    from cockpit.programmes.campaign import campaign_event, evaluate, put_on_ledger
    from cockpit.programmes.export import export_events
    from cockpit.sample.city import generate_city

    get_engine.cache_clear()

    city = root / f"city-{seed}"
    home = root / f"home-{seed}"
    generate_city(city, scale=scale, seed=seed)
    ingest_paths([city], home=home)
    campaign = campaign_event(city)
    assert campaign is not None, "the sample city names no campaign programme"
    upgrade()
    on_ledger = put_on_ledger(city, home / "lake", campaign)
    export_events(lake=home / "lake")
    started = time.perf_counter()
    result = evaluate(home / "lake", campaign)
    lo, hi = result["effect"]["uplift_ci"]
    truth = float(campaign["uplift"])
    return {
        "seed": seed,
        "uplift": round(result["effect"]["uplift"], 4),
        "ci": [round(lo, 4), round(hi, 4)],
        "covers_truth": lo <= truth <= hi,
        "excludes_zero": lo > 0,
        "tost_p": round(result["pre_trend"]["p_value"], 4),
        "mde": round(result["minimum_detectable_effect"], 4),
        "treated": result["effect"]["n_treated"],
        "controls": result["effect"]["n_control"],
        "vouchers_on_ledger": on_ledger["vouchers"],
        "subsidy_fen": result["subsidy_fen"],
        "multiplier": result["causal_multiplier"],
        "multiplier_ci": result["causal_multiplier_ci"],
        "gross_leverage": result["gross"]["leverage"],
        "simple_did_uplift": result["simple_rule"].get("uplift"),
        "simple_did_ci": result["simple_rule"].get("uplift_ci"),
        "estimate_seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--scale", default="tiny")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-effect-"))
    rows = []
    for seed in args.seeds:
        rows.append(one_seed(seed, args.scale, root))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    summary = {
        "scale": args.scale,
        "seeds": args.seeds,
        "covers": sum(r["covers_truth"] for r in rows),
        "excludes_zero": sum(r["excludes_zero"] for r in rows),
        "rows": rows,
    }
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
