"""Forecast combination of the official-series model with rule (b).

Neither the AR model nor rule (b) wins at every horizon: the model reads the growth's pull
to its mean, rule (b) holds the latest growth, and their errors differ. A weighted mean of
their log levels, ``w·model + (1 − w)·rule (b)``, with one weight per step fitted by least
squares on the backtest's rows (pooled over series, so that one noisy series does not steer
it), is at least as good as the better of the two wherever the weight is stable; ``w = 0`` is
rule (b) exactly. The benchmark fits the weights on other seeds than it scores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cockpit.forecast.officialbacktest import factor_key

if TYPE_CHECKING:
    import pandas as pd


def combination_weights(rows: pd.DataFrame) -> dict[str, float]:
    """Per step (``factor_key``), the weight on the model in ``w·model + (1 − w)·rule (b)``
    (log levels) that minimises the squared log errors over ``rows`` pooled over series:
    least squares in closed form, clipped to [0, 1] (0 is rule (b) itself)."""
    out: dict[str, float] = {}
    if not len(rows) or "ar_mu" not in rows:
        return out
    both = rows.dropna(subset=["ar_mu", "rule_b_mu"])
    for label, g in both.groupby(both["label"].map(factor_key)):
        y = np.log(g["actual"].to_numpy(dtype=float))
        b = g["rule_b_mu"].to_numpy(dtype=float)
        d = g["ar_mu"].to_numpy(dtype=float) - b
        dd = float(d @ d)
        out[str(label)] = float(np.clip((y - b) @ d / dd, 0.0, 1.0)) if dd > 0 else 0.0
    return out


def with_combination(rows: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """``rows`` with the combination's point, log mean and sd (``combo``, ``combo_mu``,
    ``combo_sd``) and weight (``combo_w``); rule (b)'s where the model has no estimate or the
    step no weight. The sd is the weighted one (the two methods' errors are nearly collinear);
    the conformal factors recalibrate it like any method's."""
    w = rows["label"].map(lambda lb: weights.get(factor_key(str(lb)), 0.0)).to_numpy(dtype=float)
    has_ar = rows["ar_mu"].notna().to_numpy() if "ar_mu" in rows else np.zeros(len(rows), bool)
    w = np.where(has_ar, w, 0.0)
    ar_mu = rows["ar_mu"].fillna(0.0).to_numpy(dtype=float) if "ar_mu" in rows else 0.0
    ar_sd = rows["ar_sd"].fillna(0.0).to_numpy(dtype=float) if "ar_sd" in rows else 0.0
    mu = w * ar_mu + (1 - w) * rows["rule_b_mu"].to_numpy(dtype=float)
    sd = w * ar_sd + (1 - w) * rows["rule_b_sd"].to_numpy(dtype=float)
    return rows.assign(combo=np.exp(mu), combo_mu=mu, combo_sd=sd, combo_w=w)
