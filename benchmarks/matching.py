"""Supply–demand matching quality on the hand-labelled set: precision@5, recall@5, MRR.

Loads the sample registry (30 needs, 25 firms, 40 solutions) and the 12 extra labelled needs
into a fresh SQLite database, ranks all 40 solutions for each of the 42 labelled needs, and
scores the ranking against ``cockpit/scenarios/data/matching_labels.yaml`` (74 pairs). Beside
the product's weights it runs two ablations in the same run: BM25 text alone, and the
structured fit (capability tags + sector) alone.

    .venv/bin/python benchmarks/matching.py
    .venv/bin/python benchmarks/matching.py --json
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from cockpit.db import make_engine, upgrade
from cockpit.scenarios import matching, quality, sample

VARIANTS: dict[str, dict[str, float] | None] = {
    "product (text 0.45, capability 0.35, sector 0.15, district 0.05)": None,
    "BM25 text only": {"text": 1.0, "capability": 0.0, "sector": 0.0, "district": 0.0},
    "structured only (capability 0.7, sector 0.3)": {
        "text": 0.0,
        "capability": 0.7,
        "sector": 0.3,
        "district": 0.0,
    },
}


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        upgrade(url)
        engine = make_engine(url)
        sample.load_sample(engine=engine)
        labels = quality.labels()
        quality.add_label_queries(labels, engine=engine)
        matching.tokenize("预热")  # load jieba's dictionary outside the timing
        rows = []
        for name, weights in VARIANTS.items():
            for group in ("sample", "fresh", "all"):
                started = time.perf_counter()
                result = quality.evaluate(labels, engine=engine, group=group, weights=weights)
                per_need_ms = 1000 * (time.perf_counter() - started) / int(result["needs"])
                rows.append(
                    {
                        "variant": name,
                        "group": group,
                        **result,
                        "ms_per_need": round(per_need_ms, 1),
                    }
                )
        engine.dispose()
    return {
        "machine": f"{platform.node()} {platform.machine()} Python {platform.python_version()}",
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    out = run()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    print(out["machine"])
    print(f"{'variant':<66} {'group':<7} needs pairs  P@5  (ceil)  R@5   MRR  ms/need")
    for r in out["rows"]:
        print(
            f"{r['variant']:<66} {r['group']:<7} {r['needs']:>5} {r['pairs']:>5} "
            f"{r['precision_at_5']:.3f} ({r['precision_at_5_ceiling']:.3f}) "
            f"{r['recall_at_5']:.3f} {r['mrr']:.3f} {r['ms_per_need']:>7}"
        )


if __name__ == "__main__":
    main()
