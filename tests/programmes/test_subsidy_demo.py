"""The sample city's subsidy applications run through one round of each programme, with the
decisions its ground truth expects, and leverage computed from what was paid."""

from __future__ import annotations

import json
from pathlib import Path

from cockpit.db import upgrade
from cockpit.programmes.rules import PurchaseSubsidy, TradeInSubsidy, shipped
from cockpit.programmes.subsidy_demo import run_subsidy_rounds
from cockpit.sample.subsidies import (
    APPLIANCE_SELLERS,
    CAR,
    CAR_DEALERS,
    TRADE_IN,
    UNLISTED_SELLER,
    write_applications,
)


def test_the_programmes_list_the_sample_citys_participating_sellers() -> None:
    car, appliance = shipped(CAR), shipped(TRADE_IN)
    assert isinstance(car, PurchaseSubsidy) and car.eligibility is not None
    assert isinstance(appliance, TradeInSubsidy)
    assert set(car.eligibility.sellers) == set(CAR_DEALERS)
    assert set(appliance.eligibility.sellers) == set(APPLIANCE_SELLERS)
    assert UNLISTED_SELLER not in {*car.eligibility.sellers, *appliance.eligibility.sellers}


def test_one_round_of_each_matches_the_ground_truth(cockpit_home: Path, tmp_path: Path) -> None:
    expected = write_applications(tmp_path, seed=11, cars=6, trade_ins=6)
    (tmp_path / "ground_truth.json").write_text(
        json.dumps({"subsidy_applications": expected}), "utf-8"
    )
    rules_broken = [e["rule"] for e in expected if e["rule"]]
    assert len(rules_broken) == len(set(rules_broken)) + 2  # each rule once, two per kind
    upgrade()
    line = run_subsidy_rounds(tmp_path)
    assert f"{len(expected)}/{len(expected)} decisions as the ground truth expects" in line
    assert "chongqing-car-2023: 7 paid" in line and "appliance-trade-in-2025: 6 paid" in line
    assert "(reported 63.8×)" in line
    assert run_subsidy_rounds(tmp_path) == line  # re-running pays nothing twice
