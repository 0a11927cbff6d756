"""The rolling-origin backtest of the official-series estimator: its rows, the conformal
factors and combination keys it calibrates, the scores, the choice of method and the accuracy
report (``cockpit.forecast.officialrun`` runs it on a lake and stores what it publishes)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from cockpit.forecast.official import (
    PER_YEAR,
    Method,
    Published,
    index_period,
    nowcast_step,
    period_index,
    predictive_levels,
)

if TYPE_CHECKING:
    import pandas as pd

    from cockpit.forecast.officialrun import Plan

CUT_DAYS = (7, 14, 21, 31)

HORIZONS = 12

#: Origins replayed per series in the product's backtest (the benchmark replays more).
ORIGINS = 24

BACKTEST_PATHS = 400

Z = {80: 1.2815515655446004, 95: 1.959963984540054}

SeriesKey = tuple[str, str, str]  # measure, region_code, category_code

#: What a series publishes at a step: the model, rule (b), or their combination (``combo``).
Estimator = Literal["ar", "rule_b", "combo"]

#: Methods are chosen per series for the next period (the nowcast), the near steps and the
#: far ones (beyond the backtest's twelve, as the far ones).
BUCKETS = ("next", "near", "far")


def label_of(step: int, cut_day: int | None) -> str:
    """Horizon label: ``day7``…``day31`` for the nowcast with the feed, else ``h1``…"""
    return f"day{cut_day}" if step == 1 and cut_day is not None else f"h{step}"


def bucket_of(label: str) -> str:
    """The bucket of a horizon label (``day7``, ``h1`` … ``h24``)."""
    return bucket_of_step(1 if label.startswith("day") else int(label[1:]))


def bucket_of_step(step: int) -> str:
    return "next" if step == 1 else "near" if step <= 6 else "far"


def factor_key(label: str) -> str:
    """Conformal factors (and the combination's weights) are learnt per step, each feed cut
    day its own (sharing one made the month end's 80 % interval cover 84 % and day 21's 73 %
    on three small cities); a day between the backtest's cut days takes the one below it."""
    if not label.startswith("day"):
        return label
    day = int(label[3:])
    return f"day{max([c for c in CUT_DAYS if c <= day], default=CUT_DAYS[0])}"


def backtest_series(
    series: Published,
    daily: dict[str, float] | None,
    *,
    origins: int = ORIGINS,
    horizons: int = HORIZONS,
    cut_days: Iterable[int] = CUT_DAYS,
    paths: int = BACKTEST_PATHS,
) -> list[dict[str, Any]]:
    """Rolling-origin errors of ``ar``, rule (b) and rule (a) on the series' published periods.

    Each origin sees the periods up to it; its targets are the next ``horizons`` periods, and
    the next period also with the feed cut at each of ``cut_days`` (where the feed covers
    it). Rows: origin, target, step, label, actual, rule_a, and per method its point estimate
    (``<m>``) and log-level mean and sd of its uncalibrated paths (``<m>_mu``, ``<m>_sd``).
    """
    rows: list[dict[str, Any]] = []
    last = series.last
    first_origin = max(series.first + PER_YEAR, last - origins)
    for origin in range(first_origin, last):
        seen = series.upto(origin)
        if not np.isfinite(seen.growth[-1]) or not np.isfinite(seen.level).all():
            continue
        h_max = min(horizons, last - origin)
        runs: list[tuple[int | None, int]] = [(None, h_max)]
        if daily is not None:
            runs += [(day, 1) for day in cut_days]
        for cut_day, h in runs:
            first = nowcast_step(seen, daily, cut_day) if cut_day is not None else None
            if cut_day is not None and first is None:
                continue
            est = {
                m: _summary(seen, m, h, first if m == "ar" else None, paths) for m in _methods(seen)
            }
            for step in range(1, h + 1):
                target = origin + step
                actual = series.level[target - series.first]
                if not np.isfinite(actual):
                    continue
                base = target - PER_YEAR
                rule_a = (
                    seen.level[base - seen.first]
                    if base <= origin
                    else est["rule_b"]["point"][base - origin - 1]
                )
                row = {
                    "origin": index_period(origin),
                    "target": index_period(target),
                    "step": step,
                    "label": label_of(step, cut_day),
                    "actual": float(actual),
                    "rule_a": float(rule_a),
                }
                for m, s in est.items():
                    row[m] = float(s["point"][step - 1])
                    row[f"{m}_mu"] = float(s["mu"][step - 1])
                    row[f"{m}_sd"] = float(s["sd"][step - 1])
                rows.append(row)
    return rows


def _methods(series: Published) -> list[Method]:
    return ["ar", "rule_b"] if series.enough else ["rule_b"]


def _summary(
    series: Published, method: Method, horizon: int, first: Any, paths: int
) -> dict[str, NDArray[np.float64]]:
    levels, point = predictive_levels(series, method, horizon, first_step=first, paths=paths)
    logs = np.log(np.maximum(levels, 1.0))
    mu = np.log(point)
    return {"point": point, "mu": mu, "sd": np.sqrt(((logs - mu) ** 2).mean(axis=0))}


def _factor_pair(group: pd.DataFrame, method: str) -> list[float] | None:
    """(k80, k95) from one group of backtest rows; None under 10 points."""
    sd = group[f"{method}_sd"].to_numpy(dtype=float)
    mu = group[f"{method}_mu"].to_numpy(dtype=float)
    r = np.abs(np.log(group["actual"].to_numpy(dtype=float)) - mu)
    ok = sd > 0
    r = r[ok] / sd[ok]
    n = len(r)
    if n < 10:
        return None
    ks = []
    for level, z in Z.items():
        q = min(1.0, math.ceil((n + 1) * level / 100) / n)
        ks.append(float(np.quantile(r, q)) / z)
    return ks


def conformal_factors(rows: pd.DataFrame, method: str) -> dict[str, list[float]]:
    """Per horizon label: the factors (80 %, 95 %) on the paths' sd that make the backtest's
    intervals cover at their rates (split-conformal on log levels, finite-sample corrected);
    ``official.stretch`` turns the pair into one distribution. A feed cut day with under 10
    backtest points takes the factors of the cut days pooled."""
    out: dict[str, list[float]] = {}
    col = f"{method}_mu"
    if col not in rows:
        return out
    valid = rows.dropna(subset=[col])
    keys = valid["label"].map(factor_key)
    for label, group in valid.groupby(keys):
        pair = _factor_pair(group, method)
        if pair is not None:
            out[str(label)] = pair
    days = keys.str.startswith("day")
    short = set(keys[days]) - set(out)
    pooled = _factor_pair(valid[days], method) if short else None
    if pooled is not None:
        out.update(dict.fromkeys(sorted(short), pooled))
    return out


def scores(rows: pd.DataFrame, method: str, factors: dict[str, list[float]]) -> dict[str, float]:
    """MAPE, RMSE (% of the actual) and coverage of the calibrated 80 %/95 % intervals."""
    actual = rows["actual"].to_numpy(dtype=float)
    point = rows[method].to_numpy(dtype=float)
    err = (point / actual - 1) * 100
    out = {"n": float(len(rows)), "mape": float(np.mean(np.abs(err)))}
    out["rmse"] = float(np.sqrt(np.mean(err**2)))
    if f"{method}_mu" in rows:
        dev = np.abs(np.log(actual) - rows[f"{method}_mu"].to_numpy(dtype=float))
        for i, (level, z) in enumerate(Z.items()):
            keys = rows["label"].map(
                lambda lb, i=i: factors.get(factor_key(str(lb)), [1.0, 1.0])[i]
            )
            sd = rows[f"{method}_sd"].to_numpy(dtype=float) * keys.to_numpy(dtype=float)
            out[f"cov{level}"] = float(np.mean(dev <= z * sd))
    return out


@dataclass
class Choice:
    """Which method a series publishes, per bucket, and why."""

    methods: dict[str, Estimator] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def choose(rows: pd.DataFrame, series: Published) -> Choice:
    """``ar`` where its backtest MAPE beats rule (b) in the bucket, else rule (b), said so."""
    choice = Choice()
    for bucket in BUCKETS:
        if not series.enough:
            choice.methods[bucket] = "rule_b"
            choice.notes[bucket] = "under three years of published figures: rule (b)"
            continue
        part = rows[rows["label"].map(bucket_of) == bucket] if len(rows) else rows
        if "ar" in part:
            part = part.dropna(subset=["ar", "rule_b"])
        if len(part) < 5 or "ar" not in part:
            choice.methods[bucket] = "rule_b"
            choice.notes[bucket] = "too short a backtest to show the model is better: rule (b)"
            continue
        ar = scores(part, "ar", {})["mape"]
        rule = scores(part, "rule_b", {})["mape"]
        if ar < rule:
            choice.methods[bucket] = "ar"
            choice.notes[bucket] = f"model (backtest MAPE {ar:.2f} % vs rule (b) {rule:.2f} %)"
        else:
            choice.methods[bucket] = "rule_b"
            choice.notes[bucket] = (
                f"rule (b): the model does not beat it (MAPE {ar:.2f} % vs {rule:.2f} %)"
            )
    return choice


def combine(choice: Choice, series: Published, weights: dict[str, float]) -> Choice:
    """The combination wherever the series has the model and the backtest fitted weights:
    on held-out seeds it is no worse than rule (b) at any horizon (docs/benchmarks.md), where
    choosing one method per series was. Its weights already fall to 0 where the model adds
    nothing, so the per-step rule-(b) override does not apply to it."""
    if not series.enough or not weights:
        return choice
    note = "combination of the model and rule (b), weights fitted on the backtest"
    return Choice(dict.fromkeys(BUCKETS, "combo"), dict.fromkeys(BUCKETS, note))


def pooled_rule_steps(rows: pd.DataFrame) -> tuple[int, ...]:
    """Steps 1–12 where the model's backtest MAPE, pooled over every series, is not below
    rule (b)'s; and ``HORIZONS + 1`` when that holds over steps 7–12 together (beyond)."""
    if not len(rows) or "ar" not in rows:
        return ()
    both = rows[rows["label"].str.startswith("h")].dropna(subset=["ar", "rule_b"])
    if both.empty:
        return ()
    steps = both["label"].str[1:].astype(int)
    out = []
    for step in range(1, HORIZONS + 1):
        part = both[steps == step]
        if len(part) and scores(part, "ar", {})["mape"] >= scores(part, "rule_b", {})["mape"]:
            out.append(step)
    far = both[steps >= 7]
    if len(far) and scores(far, "ar", {})["mape"] >= scores(far, "rule_b", {})["mape"]:
        out.append(HORIZONS + 1)
    return tuple(out)


def _folds(rows: pd.DataFrame) -> pd.Series:
    """Two folds, to measure coverage with factors learnt on the other: of series (by key);
    where only one series has a horizon (the city's nowcast), of its origins (alternate
    release periods), since a fold of series would hold none of its rows."""
    key = rows["measure"] + "/" + rows["region_code"] + "/" + rows["category_code"]
    by_series = key.map(lambda k: sum(map(ord, k)) % 2)
    by_origin = rows["origin"].map(lambda o: period_index(str(o)) % 2)
    single = key.groupby(rows["label"].map(factor_key)).transform("nunique") == 1
    return by_series.where(~single, by_origin)


def _cross_scores(
    rows: pd.DataFrame, method: str, other: dict[int, dict[str, list[float]]]
) -> dict[str, float]:
    """``scores`` of one series' rows at one horizon label (``_fold`` column: ``_folds``),
    each fold's coverage with the factors learnt on the other fold."""
    out = scores(rows, method, {})
    if f"{method}_mu" not in rows:
        return out
    key = factor_key(str(rows["label"].iloc[0]))
    dev = np.abs(
        np.log(rows["actual"].to_numpy(dtype=float)) - rows[f"{method}_mu"].to_numpy(dtype=float)
    )
    sd = rows[f"{method}_sd"].to_numpy(dtype=float)
    fold = rows["_fold"].to_numpy(dtype=int)
    for i, (level, z) in enumerate(Z.items()):
        k = np.array([other[f].get(key, [1.0, 1.0])[i] for f in (0, 1)])[fold]
        out[f"cov{level}"] = float(np.mean(dev <= z * sd * k))
    return out


def accuracy_table(rows: pd.DataFrame, plans: dict[SeriesKey, Plan]) -> pd.DataFrame:
    """Per series, horizon label and method: backtest scores, cross-fitted coverage."""
    import pandas as pd

    fold = _folds(rows)
    rows = rows.assign(_fold=fold)
    out = []
    for method in ("ar", "rule_b", "combo", "rule_a"):
        if method not in rows:
            continue
        other = {
            f: conformal_factors(rows[fold != f], method) if method != "rule_a" else {}
            for f in (0, 1)
        }
        for (measure, region, cat, label), g in rows.dropna(subset=[method]).groupby(
            ["measure", "region_code", "category_code", "label"]
        ):
            key = (str(measure), str(region), str(cat))
            s = _cross_scores(g, method, other) if method != "rule_a" else scores(g, method, {})
            plan = plans.get(key)
            chosen = plan is not None and _published_at(plan, str(label)) == method
            pair = plan.factors.get(method, {}).get(factor_key(str(label))) if plan else None
            out.append(
                {
                    "measure": key[0],
                    "region_code": key[1],
                    "category_code": key[2],
                    "label": str(label),
                    "method": method,
                    **s,
                    "factor80": pair[0] if pair else None,
                    "factor95": pair[1] if pair else None,
                    "published": chosen,
                }
            )
    return pd.DataFrame(out)


def _published_at(plan: Plan, label: str) -> Estimator:
    """The method published at a horizon label (the nowcast: the next period's)."""
    return plan.methods["next"] if label.startswith("day") else plan.method_at(int(label[1:]))


def horizon_summary(accuracy: pd.DataFrame) -> list[dict[str, Any]]:
    """Per horizon label: mean MAPE of each method over the series, the coverage of the
    published intervals (weighted by backtest points), and how many series publish each."""
    if accuracy.empty:
        return []
    out = []
    order = sorted(
        set(accuracy["label"]),
        key=lambda lb: (not lb.startswith("day"), int(lb[3:] if lb.startswith("day") else lb[1:])),
    )
    for label in order:
        part = accuracy[accuracy["label"] == label]
        row: dict[str, Any] = {"label": label}
        for method in ("ar", "rule_b", "combo", "rule_a"):
            m = part[part["method"] == method]
            row[method] = float(m["mape"].mean()) if len(m) else None
        chosen = part[part["published"]]
        for level in (80, 95):
            col = f"cov{level}"
            ok = chosen.dropna(subset=[col])
            row[col] = float(np.average(ok[col], weights=ok["n"])) if len(ok) else None
        row["model_series"] = int(chosen["method"].isin(["ar", "combo"]).sum())
        row["rule_series"] = int((chosen["method"] == "rule_b").sum())
        out.append(row)
    return out
