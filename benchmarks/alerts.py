"""Benchmark: recall and precision of the default alert rules on the sample city.

    .venv/bin/python benchmarks/alerts.py --scale tiny --seeds 7 11

For each seed: generate the sample city, ingest it into a fresh COCKPIT_HOME, then replay the
default rules month by month from 2024-01 to the end of the data (at each month's end the
rules see only the data up to it; a condition that fires in consecutive months is one alert)
and match every alert to the events of ground_truth.json (``cockpit.alerts.backtest``).

Reported: recall per injected event (district slump, category spike, exporter collapse,
stopped feed), precision (share of alerts an event explains, counting an event's aftermath
and the year after it, when it is the base of year-on-year comparisons), and unexplained
alerts per district and year. Plan-target rules are left out: they judge the plans room's
targets, not the sample city's events. Prints a JSON line per seed.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any


def run_seed(scale: str, seed: int, first_month: str) -> dict[str, Any]:
    """Generate, ingest and replay one sample city; return its figures."""
    from cockpit.alerts.backtest import score_lake
    from cockpit.alerts.rules import default_rules_text, parse_rules
    from cockpit.ingest import ingest_paths
    from cockpit.sample import generate_city

    with tempfile.TemporaryDirectory(prefix="alerts-bench-") as tmp:
        city, home = Path(tmp) / "city", Path(tmp) / "home"
        started = time.perf_counter()
        generate_city(city, scale=scale, seed=seed)
        ingest_paths([city], home=home)
        prepared = time.perf_counter() - started
        truth = json.loads((city / "ground_truth.json").read_text("utf-8"))
        rules = parse_rules(default_rules_text())
        rules = rules.model_copy(
            update={"rules": [r for r in rules.rules if r.kind != "target_at_risk"]}
        )
        last_month = str(truth["period"]["end"])[:7]
        started = time.perf_counter()
        score = score_lake(home, rules, truth, first_month=first_month, last_month=last_month)
        replayed = time.perf_counter() - started
    figures = score.summary()
    figures.update(
        {
            "scale": scale,
            "seed": seed,
            "prepare_s": round(prepared, 1),
            "replay_s": round(replayed, 1),
        }
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("--seeds", type=int, nargs="+", default=[7])
    parser.add_argument("--first-month", default="2024-01")
    args = parser.parse_args()
    for seed in args.seeds:
        figures = run_seed(args.scale, seed, args.first_month)
        figures["date"] = datetime.now().isoformat(timespec="seconds")
        figures["machine"] = f"{platform.node()} {platform.machine()} {platform.python_version()}"
        print(json.dumps(figures, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
