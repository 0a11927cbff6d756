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
    assert result["incremental_sales_fen"] > 0
    # a subsidy of no named programme gives no multiplier (the 6.23 divided the
    # campaign's sales by another programme's subsidy)
    assert result["causal_multiplier"] is None
    assert "unknown programme" in result["multiplier_note"]
    assert 0 < result["minimum_detectable_effect"] < 1
    shown = side_by_side(leverage=7.2, causal=result)
    assert shown[0]["label_zh"].startswith("拉动比") and shown[1]["label_zh"].startswith("因果乘数")


def _panel(uplift: float, pre_trend: float = 0.0, seed: int = 3) -> object:
    """60 merchants × 30 months of Poisson payments with merchant and month effects; the
    30 treated sell ``uplift`` more in months 24–26 and drift by ``pre_trend`` a month
    before."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    months = pd.period_range("2024-01", periods=30, freq="M").strftime("%Y-%m")
    rows = []
    for i in range(60):
        size = rng.lognormal(4.0, 0.6)
        for k, month in enumerate(months):
            season = 1 + 0.2 * np.sin(k / 12 * 2 * np.pi)
            lam = size * season
            if i < 30:
                lam *= (1 + uplift) if 24 <= k <= 26 else 1.0
                lam *= (1 + pre_trend) ** min(k - 24, 0)
            n = rng.poisson(lam)
            rows.append(
                {"merchant_id": f"m{i:02d}", "month": month, "payments": n, "sales_fen": n * 5000}
            )
    return pd.DataFrame(rows)


def test_the_panel_recovers_a_known_uplift_with_an_honest_interval() -> None:
    from cockpit.programmes.effect import panel_effect

    out = panel_effect(
        _panel(0.30), [f"m{i:02d}" for i in range(30)], date(2026, 1, 1), date(2026, 3, 31)
    )
    lo, hi = out["effect"]["uplift_ci"]
    assert lo <= 0.30 <= hi and lo > 0
    assert out["pre_trend"]["passes"]  # TOST: the leads within ±10 %
    assert [r["event_month"] for r in out["event_study"]] == [-6, -5, -4, -3, -2, 0, 1, 2]
    assert 0 < out["minimum_detectable_effect"] < 0.30


def test_a_pre_trend_fails_the_equivalence_test() -> None:
    from cockpit.programmes.effect import panel_effect

    out = panel_effect(
        _panel(0.0, pre_trend=0.08),
        [f"m{i:02d}" for i in range(30)],
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert not out["pre_trend"]["passes"]


def test_the_multiplier_divides_by_the_same_programmes_subsidy(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cockpit.programmes.effect import multiplier, programme_vouchers, vouchers_on_transactions
    from tests.indicators import lakefiles as lf

    lake = tmp_path / "lake"
    txns = [
        lf.txn("2026-03-05T12:00:00", "A", 10_000, voucher_id="V1"),
        lf.txn("2026-03-06T12:00:00", "B", 20_000, voucher_id="V2"),
        lf.txn("2026-03-07T12:00:00", "C", 30_000, voucher_id="W9"),
    ]
    lf.write(lake, "t1", txns, [lf.merchant(m, "500103", "RS01", "2020-01-01") for m in "ABC"])
    events = pa.table(
        {
            "kind": ["redeem"] * 4,
            "programme_code": ["p1", "p1", "p1", "p2"],
            "voucher_id": ["V1", "V2", "V3", "W9"],
            "amount_fen": [1_000, 2_000, 5_000, 3_000],
        }
    )
    (lake / "programme_events").mkdir(parents=True)
    pq.write_table(events, lake / "programme_events" / "part-programmes.parquet")
    vouchers = programme_vouchers(lake, "p1")
    assert vouchers == {"V1": 1_000, "V2": 2_000, "V3": 5_000}
    found = vouchers_on_transactions(lake, list(vouchers))
    assert found["merchants"] == ["A", "B"] and found["vouchers"] == ["V1", "V2"]
    assert found["sales_fen"] == 30_000
    effect = {"uplift": 0.25, "uplift_ci": [0.1, 0.4]}
    m = multiplier(effect, treated_sales_fen=100_000, subsidy_fen=3_000)
    assert m["incremental_sales_fen"] == 20_000
    assert m["causal_multiplier"] == pytest.approx(20_000 / 3_000)
    lo, hi = m["causal_multiplier_ci"]
    assert lo == pytest.approx(100_000 * 0.1 / 1.1 / 3_000)
    assert hi == pytest.approx(100_000 * 0.4 / 1.4 / 3_000)
