"""Gross leverage and the causal multiplier, side by side; DiD recovers the injected uplift."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cockpit.programmes.effect import (
    Estimate,
    campaign_from_ground_truth,
    causal_effect,
    did_log,
    gross_leverage,
    side_by_side,
)


def test_gross_leverage_is_sales_per_yuan_and_refuses_zero_subsidy() -> None:
    assert gross_leverage(sales_fen=191_300_000_000, subsidy_fen=3_000_000_000) == pytest.approx(
        63.77, abs=0.01
    )
    with pytest.raises(ValueError):
        gross_leverage(sales_fen=1, subsidy_fen=0)


def test_did_on_known_numbers() -> None:
    pre = {f"t{i}": 100.0 for i in range(4)} | {f"c{i}": 100.0 for i in range(4)}
    post = {f"t{i}": 130.0 + i for i in range(4)} | {f"c{i}": 100.0 + i for i in range(4)}
    est = did_log(pre, post, [f"t{i}" for i in range(4)], [f"c{i}" for i in range(4)])
    assert isinstance(est, Estimate)
    assert est.uplift == pytest.approx(0.29, abs=0.01)
    lo, hi = est.uplift_ci
    assert lo < est.uplift < hi


@pytest.mark.slow
@pytest.mark.timeout(300)  # the sample city first: minutes on two shared cores
def test_sample_city_campaign_uplift_is_recovered_within_the_interval(
    sample_city: Path, cockpit_home: Path
) -> None:
    from cockpit.ingest import ingest_paths

    ingest_paths([sample_city])
    campaign = campaign_from_ground_truth(sample_city / "ground_truth.json")
    result = causal_effect(
        lake=cockpit_home / "lake",
        treated=campaign["treated_merchants"],
        controls=campaign["control_merchants"],
        start=date.fromisoformat(campaign["start"]),
        end=date.fromisoformat(campaign["end"]),
        subsidy_fen=1_000_000,
    )
    lo, hi = result["effect"]["uplift_ci"]
    assert lo <= campaign["uplift"] <= hi
    assert result["pre_trend"]["passes"]
    assert result["incremental_sales_fen"] > 0 and result["causal_multiplier"] > 0
    shown = side_by_side(leverage=7.2, causal=result)
    assert shown[0]["label_zh"].startswith("拉动比") and shown[1]["label_zh"].startswith("因果乘数")
