"""Accuracy of the official-series estimator against the rules a statistician tries first.

For each seed, generates the sample city (``--scale``, default tiny), ingests and builds it in
a temporary home, and replays every monthly official series (city, districts, categories,
wholesale) over rolling origins: the nowcast with the feed through day 7, 14, 21 and the whole
month (city retail, the series the feed samples), and 1–12 release periods ahead. It compares,
in the same run, the model (AR(1) on published growth, the feed as a bridge regressor), rule
(a) seasonal naive and rule (b) same period last year × latest published growth:

- MAPE and RMSE (% of the published figure) per horizon;
- the Diebold–Mariano statistic of the model against rule (b) (squared errors, HLN-corrected;
  negative: the model is better), on the city total over the seeds and on every series pooled;
- the *published* method: per series and bucket of steps, the one whose backtest beat the other
  on the *other* seeds, and rule (b) at every step where the model loses pooled over the other
  seeds' series (leave-one-seed-out, so the choice is not flattered); its MAPE, and the
  coverage of its 80 %/95 % intervals calibrated (split-conformal on log levels) on the other
  seeds.

    .venv/bin/python benchmarks/official.py --seeds 7 11 23            # ~3 minutes, 2 cores
    .venv/bin/python benchmarks/official.py --seeds 7 --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NOWCAST = ("day7", "day14", "day21", "day31")


def replay(seed: int, scale: str, origins: int, keep: Path | None = None) -> pd.DataFrame:
    """Backtest rows of every official series of one generated city (generated, ingested and
    built in ``keep/<scale>-<seed>`` when given, and reused from there if already built)."""
    from cockpit.config import reset_settings
    from cockpit.forecast.officialbacktest import backtest_series
    from cockpit.forecast.officialrun import (
        CITY,
        FEED_INDICATOR,
        read_feed_daily,
        read_published,
    )
    from cockpit.indicators.build import build
    from cockpit.ingest import ingest_paths
    from cockpit.sample import generate_city

    if keep is None:
        work = Path(tempfile.mkdtemp(prefix=f"official-bench-{seed}-"))
    else:
        work = keep / f"{scale}-{seed}"
    lake = work / "home" / "lake"
    if not (lake / "indicator_values").exists():
        generate_city(work / "city", scale=scale, seed=seed)
        os.environ["COCKPIT_HOME"] = str(work / "home")
        os.environ.pop("COCKPIT_DB_URL", None)
        reset_settings()
        ingest_paths([work / "city"])
        build(home=work / "home", engine="duckdb")
    daily = read_feed_daily(lake, FEED_INDICATOR)
    parts = []
    for key, series in read_published(lake).items():
        feed = daily if key == ("retail_sales", CITY, "") else None
        rows = backtest_series(series, feed, origins=origins)
        if rows:
            parts.append(
                pd.DataFrame(rows).assign(
                    seed=seed, measure=key[0], region_code=key[1], category_code=key[2]
                )
            )
    return pd.concat(parts, ignore_index=True)


def combined(rows: pd.DataFrame) -> pd.DataFrame:
    """Per seed, the model–rule (b) combination with its weights (one per step, pooled over
    series) fitted on the *other* seeds only."""
    from cockpit.forecast.combination import combination_weights, with_combination

    parts = []
    for seed in rows["seed"].unique():
        weights = combination_weights(rows[rows["seed"] != seed])
        parts.append(with_combination(rows[rows["seed"] == seed], weights))
    return pd.concat(parts, ignore_index=True)


def published_method(rows: pd.DataFrame) -> pd.DataFrame:
    """Per row, the per-series choice of the earlier method (``choice``: its series and
    bucket's better method on the other seeds); the published method is the combination."""
    from cockpit.forecast.officialbacktest import bucket_of, pooled_rule_steps, scores

    rows = rows.assign(bucket=rows["label"].map(bucket_of))
    keys = ["measure", "region_code", "category_code", "bucket"]
    out = []
    for seed in rows["seed"].unique():
        other = rows[(rows["seed"] != seed)].dropna(subset=["ar", "rule_b"])
        own = rows[rows["seed"] == seed].copy()
        best: dict[tuple[str, ...], str] = {}
        for key, group in other.groupby(keys):
            ar, rule = scores(group, "ar", {})["mape"], scores(group, "rule_b", {})["mape"]
            best[tuple(str(k) for k in key)] = "ar" if ar < rule else "rule_b"
        # Where the model loses pooled over the other seeds' series at a step, rule (b).
        rule_steps = pooled_rule_steps(rows[rows["seed"] != seed])
        own["choice"] = [
            "rule_b"
            if pd.isna(r["ar"])
            or (str(r["label"]).startswith("h") and int(str(r["label"])[1:]) in rule_steps)
            else best.get(tuple(str(r[k]) for k in keys), "rule_b")
            for _, r in own.iterrows()
        ]
        own["published"] = "combo"
        out.append(own)
    return pd.concat(out, ignore_index=True)


def coverage(rows: pd.DataFrame) -> pd.DataFrame:
    """Per row, whether the published method's calibrated 80/95 % intervals cover the figure;
    the factors are learnt on the other seeds."""
    from cockpit.forecast.officialbacktest import Z, conformal_factors, factor_key

    parts = []
    for seed in rows["seed"].unique():
        other, own = rows[rows["seed"] != seed], rows[rows["seed"] == seed].copy()
        factors = {m: conformal_factors(other, m) for m in ("ar", "rule_b", "combo")}
        actual = np.log(own["actual"].to_numpy(dtype=float))
        for j, (level, z) in enumerate(Z.items()):
            hits = []
            for i, (_, r) in enumerate(own.iterrows()):
                m = r["published"]
                k = factors[m].get(factor_key(str(r["label"])), [1.0, 1.0])[j]
                hits.append(abs(actual[i] - r[f"{m}_mu"]) <= z * k * r[f"{m}_sd"])
            own[f"cov{level}"] = hits
        parts.append(own)
    return pd.concat(parts, ignore_index=True)


def table(rows: pd.DataFrame) -> list[dict[str, Any]]:
    from cockpit.forecast.metrics import diebold_mariano

    out = []
    labels = [*NOWCAST, *(f"h{h}" for h in range(1, 13))]
    city = (rows["measure"] == "retail_sales") & (rows["region_code"] == "500000")
    city &= rows["category_code"] == ""
    for label in labels:
        part = rows[rows["label"] == label].dropna(subset=["ar"])
        if part.empty:
            continue
        actual = part["actual"].to_numpy(dtype=float)
        row: dict[str, Any] = {"horizon": label, "n": len(part)}
        errors = {}
        for method in ("ar", "rule_a", "rule_b", "choice", "combo"):
            point = (
                part.apply(lambda r: r[r["choice"]], axis=1).to_numpy(dtype=float)
                if method == "choice"
                else part[method].to_numpy(dtype=float)
            )
            e = (point / actual - 1) * 100
            errors[method] = e
            row[f"{method}_mape"] = float(np.mean(np.abs(e)))
            row[f"{method}_rmse"] = float(np.sqrt(np.mean(e**2)))
        step = 1 if label in NOWCAST else int(label[1:])
        row["dm_all"], row["p_all"] = diebold_mariano(errors["combo"], errors["rule_b"], h=step)
        mask = city.loc[part.index].to_numpy()
        row["city_n"] = int(mask.sum())
        row["dm_city"], row["p_city"] = diebold_mariano(
            errors["combo"][mask], errors["rule_b"][mask], h=step
        )
        row["city_ar_mape"] = float(np.mean(np.abs(errors["ar"][mask]))) if mask.any() else None
        row["city_combo_mape"] = (
            float(np.mean(np.abs(errors["combo"][mask]))) if mask.any() else None
        )
        row["city_rule_b_mape"] = (
            float(np.mean(np.abs(errors["rule_b"][mask]))) if mask.any() else None
        )
        w = part["combo_w"]
        row["weight"] = f"{w.min():.2f}" if w.min() == w.max() else f"{w.min():.2f}–{w.max():.2f}"
        # Coverage over every series' rows (a series too short for the model publishes rule
        # (b) and its interval too), not only those where the model could be fitted.
        every = rows[rows["label"] == label]
        row["cov80"], row["cov95"] = float(every["cov80"].mean()), float(every["cov95"].mean())
        out.append(row)
    return out


def markdown(result: list[dict[str, Any]]) -> str:
    head = (
        "| horizon | n | model MAPE | rule (a) | rule (b) | per-series choice | **combination** "
        "| model / (b) / comb. RMSE | DM comb. vs (b), all (p) | city: model / (b) / comb. "
        "MAPE, DM (p) | weight on model | cov 80 / 95 |"
    )
    lines = [head, "|" + "---|" * 12]
    for r in result:
        lines.append(
            f"| {r['horizon']} | {r['n']} | {r['ar_mape']:.2f} % | {r['rule_a_mape']:.2f} % | "
            f"{r['rule_b_mape']:.2f} % | {r['choice_mape']:.2f} % | **{r['combo_mape']:.2f} %** "
            f"| {r['ar_rmse']:.2f} / {r['rule_b_rmse']:.2f} / {r['combo_rmse']:.2f} % | "
            f"{r['dm_all']:+.2f} ({r['p_all']:.3f}) | "
            f"{_f(r['city_ar_mape'])} / {_f(r['city_rule_b_mape'])} / "
            f"{_f(r['city_combo_mape'])}, {r['dm_city']:+.2f} ({r['p_city']:.2f}) | "
            f"{r['weight']} | {r['cov80']:.0%} / {r['cov95']:.0%} |"
        )
    return "\n".join(lines)


def _f(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f} %"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23])
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("--origins", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--keep", type=Path, default=None, help="build cities in KEEP/<scale>-<seed>, reuse them"
    )
    parser.add_argument("--rows", type=Path, default=None, help="keep the backtest rows here")
    parser.add_argument(
        "--from-rows", type=Path, default=None, help="score rows kept by --rows (no replay)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    if args.from_rows is not None:
        rows = pd.read_parquet(args.from_rows)
        rows = rows[rows["seed"].isin(args.seeds)].reset_index(drop=True)
    else:
        rows = pd.concat(
            [replay(s, args.scale, args.origins, args.keep) for s in args.seeds], ignore_index=True
        )
    if args.rows is not None:
        rows.to_parquet(args.rows)
    rows = coverage(published_method(combined(rows)))
    result = table(rows)
    meta = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "seeds": args.seeds,
        "scale": args.scale,
        "backtest_rows": len(rows),
        "series": int(rows.groupby(["seed", "measure", "region_code", "category_code"]).ngroups),
        "seconds": round(time.perf_counter() - started, 1),
    }
    if args.json:
        print(json.dumps({"meta": meta, "table": result}, ensure_ascii=False, indent=1))
    else:
        print(json.dumps(meta, ensure_ascii=False))
        print(markdown(result))


if __name__ == "__main__":
    main()
