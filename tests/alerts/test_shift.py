"""Significant shifts of count series, and growth judged against a series' own spread."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cockpit.alerts.rules import ShiftRule, ThresholdRule
from cockpit.alerts.series import detect_threshold
from cockpit.alerts.shift import detect_shift, shift_z
from cockpit.alerts.sources import with_city_total
from tests.alerts.conftest import month_list

TITLE = {"zh": "测试", "en": "Test"}


def counts(per_district: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for district, seq in per_district.items():
        for period, value in zip(month_list("2024-01", len(seq)), seq, strict=True):
            rows.append(
                {
                    "indicator": "feed_payments",
                    "period": period,
                    "district_code": district,
                    "category_code": "",
                    "value": value,
                }
            )
    return pd.DataFrame(rows)


def rule(**kw: object) -> ShiftRule:
    return ShiftRule(
        id="s",
        kind="shift",
        title=TITLE,
        indicator="feed_payments",
        cut={"district_code": "*", "category_code": ""},
        **kw,
    )


def test_a_large_district_falling_a_quarter_fires_net_of_city_growth() -> None:
    # every district grows 10 %; Shapingba falls 25 % below that in the last three months
    grow = [1000.0] * 12 + [1100.0] * 12
    slump = [200.0] * 12 + [220.0] * 9 + [165.0] * 3
    found = detect_shift(rule(), counts({"500106": slump, "500103": grow, "500105": grow}))
    assert [f.evidence["district_code"] for f in found] == ["500106"]
    ev = found[0].evidence
    assert ev["from"] == "2025-10" and ev["to"] == "2025-12"
    assert ev["change_pct"] < -15 and ev["z"] <= -3.5
    assert 1.07 < ev["overall_growth"] < 1.1  # the slump pulls the city's growth down a bit


def test_the_same_fall_in_a_tiny_district_is_not_significant() -> None:
    grow = [1000.0] * 12 + [1000.0] * 12
    tiny = [12.0] * 12 + [12.0] * 9 + [9.0] * 3
    assert detect_shift(rule(min_base=0), counts({"500106": grow, "500241": tiny})) == []


def test_city_wide_growth_alone_does_not_fire() -> None:
    a = [100.0] * 12 + [60.0] * 12
    b = [300.0] * 12 + [180.0] * 12
    assert detect_shift(rule(), counts({"500106": a, "500103": b})) == []
    absolute = rule(relative_to_total=False)
    assert len(detect_shift(absolute, counts({"500106": a, "500103": b}))) == 2


def test_shift_z_grows_with_the_counts() -> None:
    assert shift_z(75, 100, 1.0, 1.0) > shift_z(750, 1000, 1.0, 1.0)
    assert shift_z(100, 100, 1.0, 1.0) == 0.0


def test_yoy_z_tells_a_spike_in_a_steady_series_from_a_volatile_ones_swings() -> None:
    rng = np.random.default_rng(3)
    months = month_list("2023-01", 36)
    steady = 100 * 1.1 ** (np.arange(36) / 12) * rng.normal(1, 0.01, 36)
    steady[-1] *= 1.6
    volatile = 100 * rng.lognormal(0, 0.35, 36)
    volatile[-1] = volatile[-13] * 1.7
    rows = [
        {
            "indicator": "retail_sales_official",
            "period": p,
            "district_code": "",
            "category_code": code,
            "value": float(v),
        }
        for code, seq in (("RS13", steady), ("RS17", volatile))
        for p, v in zip(months, seq, strict=True)
    ]
    frame = pd.DataFrame(rows)
    spike = ThresholdRule(
        id="c",
        kind="threshold",
        title=TITLE,
        indicator="retail_sales_official",
        cut={"district_code": "", "category_code": "*"},
        measure="yoy_z",
        op=">",
        value=4,
    )
    found = detect_threshold(spike, frame)
    assert [f.evidence["category_code"] for f in found] == ["RS13"]
    assert found[0].evidence["yoy_pct"] > 50


def test_the_city_total_is_added_where_only_categories_are_published() -> None:
    frame = pd.DataFrame(
        [
            {
                "indicator": "retail_sales_official",
                "period": "2025-03",
                "district_code": "",
                "category_code": c,
                "value": v,
            }
            for c, v in (("RS01", 10.0), ("RS02", 5.0))
        ]
    )
    out = with_city_total(frame)
    total = out[out["category_code"] == ""]
    assert total["value"].tolist() == [15.0]


def test_previous_12_months_baseline_compares_against_the_districts_recent_share() -> None:
    # a district steady at 10 % of the city for a year, then 7 % for three months
    city = [1800.0] * 15
    district = [200.0] * 12 + [140.0] * 3
    frame = counts({"500106": district, "500103": city})
    trailing = rule(baseline="previous_12_months")
    (found,) = detect_shift(trailing, frame)
    assert found.evidence["base"] == 2400.0  # 2024-01..2024-12, the year before the window
    assert found.evidence["change_pct"] < -25
    (same_months,) = detect_shift(rule(), frame)
    assert same_months.evidence["base"] == 600.0  # 2024-01..2024-03 only
