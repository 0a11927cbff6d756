"""The model–rule (b) combination: weights by least squares per step, rule (b) at weight 0."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cockpit.forecast.combination import combination_weights, with_combination


def _rows(label: str, ar: np.ndarray, rule: np.ndarray, actual: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": label,
            "actual": np.exp(actual),
            "ar": np.exp(ar),
            "ar_mu": ar,
            "ar_sd": 0.02,
            "rule_b": np.exp(rule),
            "rule_b_mu": rule,
            "rule_b_sd": 0.04,
        }
    )


def test_weights_recover_the_mix_and_stay_in_the_unit_interval() -> None:
    rng = np.random.default_rng(3)
    ar, rule = 10 + rng.normal(0, 0.05, 200), 10 + rng.normal(0, 0.05, 200)
    rows = pd.concat(
        [
            _rows("h1", ar, rule, 0.3 * ar + 0.7 * rule),  # truth is a 30/70 mix
            _rows("h2", ar, rule, rule + 2 * (rule - ar)),  # the model points the wrong way
            _rows("day14", ar, rule, ar),  # each cut day its own weight
        ]
    )
    w = combination_weights(rows)
    assert abs(w["h1"] - 0.3) < 1e-9
    assert w["h2"] == 0.0
    assert abs(w["day14"] - 1.0) < 1e-9
    out = with_combination(rows, {"h1": 0.3})
    h1, h2 = out[out["label"] == "h1"], out[out["label"] == "h2"]
    assert np.allclose(h1["combo_mu"], 0.3 * h1["ar_mu"] + 0.7 * h1["rule_b_mu"])
    assert np.allclose(h1["combo_sd"], 0.3 * 0.02 + 0.7 * 0.04)
    assert np.allclose(h2["combo"], h2["rule_b"])  # no weight learnt: rule (b) exactly


def test_a_series_without_the_model_gets_rule_b() -> None:
    rows = _rows("h1", np.array([10.0, 10.1]), np.array([10.2, 10.3]), np.array([10.0, 10.0]))
    rows.loc[0, ["ar", "ar_mu", "ar_sd"]] = np.nan
    out = with_combination(rows, {"h1": 0.8})
    assert out["combo"].iloc[0] == rows["rule_b"].iloc[0]
    assert abs(out["combo_mu"].iloc[1] - (0.8 * 10.1 + 0.2 * 10.3)) < 1e-12
