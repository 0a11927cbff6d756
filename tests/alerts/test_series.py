"""Threshold, anomaly and runs detectors on small monthly series."""

from __future__ import annotations

import pandas as pd

from cockpit.alerts.rules import AnomalyRule, RunsRule, ThresholdRule
from cockpit.alerts.series import detect_anomaly, detect_runs, detect_threshold
from tests.alerts.conftest import month_list

TITLE = {"zh": "测试", "en": "Test"}


def series(values: dict[str, list[float]], start: str = "2024-01") -> pd.DataFrame:
    """Retail sales of a few districts (plus a category column holding the total)."""
    rows = []
    for district, seq in values.items():
        for period, value in zip(month_list(start, len(seq)), seq, strict=True):
            rows.append(
                {
                    "indicator": "retail_sales",
                    "period": period,
                    "district_code": district,
                    "category_code": "",
                    "value": value,
                }
            )
    return pd.DataFrame(rows)


def flat_then(last_year: float, this_year: list[float]) -> list[float]:
    return [last_year] * 12 + this_year


def test_threshold_on_yoy_fires_only_for_the_district_below_the_bound() -> None:
    frame = series({"500103": flat_then(100, [95] * 3), "500106": flat_then(100, [105] * 3)})
    rule = ThresholdRule(
        id="t",
        kind="threshold",
        title=TITLE,
        indicator="retail_sales",
        cut={"district_code": "*", "category_code": ""},
        measure="yoy_pct",
        op="<",
        value=0,
    )
    found = detect_threshold(rule, frame)
    assert [f.evidence["district_code"] for f in found] == ["500103"]
    assert found[0].period == "2025-03"
    assert round(found[0].evidence["measured"], 6) == -5.0
    assert "渝中区" in found[0].summary_zh
    assert found[0].dedupe_key == "t:category_code=|district_code=500103|indicator=retail_sales"


def test_threshold_without_a_base_year_does_not_fire() -> None:
    frame = series({"500103": [100, 10]})
    rule = ThresholdRule(
        id="t",
        kind="threshold",
        title=TITLE,
        indicator="retail_sales",
        measure="yoy_pct",
        op="<",
        value=0,
    )
    assert detect_threshold(rule, frame) == []


def test_threshold_cut_limits_the_series_judged() -> None:
    frame = series({"500103": flat_then(100, [50]), "500106": flat_then(100, [50])})
    rule = ThresholdRule(
        id="t",
        kind="threshold",
        title=TITLE,
        indicator="retail_sales",
        cut={"district_code": ["500106"]},
        measure="mom_pct",
        op="<=",
        value=-40,
    )
    found = detect_threshold(rule, frame)
    assert [f.evidence["district_code"] for f in found] == ["500106"]


def forecasts(district: str, period: str, lo: float, hi: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator": "retail_sales",
                "period": period,
                "district_code": district,
                "category_code": "",
                "mean": (lo + hi) / 2,
                "lo95": lo,
                "hi95": hi,
            }
        ]
    )


def test_anomaly_fires_when_the_actual_leaves_the_95_interval() -> None:
    frame = series({"500103": flat_then(100, [60])})
    rule = AnomalyRule(
        id="a", kind="anomaly", title=TITLE, indicator="retail_sales", cut={"district_code": "*"}
    )
    found = detect_anomaly(rule, frame, forecasts("500103", "2025-01", 90, 110))
    assert len(found) == 1
    assert found[0].evidence["side"] == "below"
    assert found[0].evidence["misses"][0]["lo95"] == 90


def test_anomaly_inside_the_interval_or_on_the_other_side_is_quiet() -> None:
    frame = series({"500103": flat_then(100, [130])})
    inside = AnomalyRule(id="a", kind="anomaly", title=TITLE, indicator="retail_sales")
    assert detect_anomaly(inside, frame, forecasts("500103", "2025-01", 90, 140)) == []
    below_only = AnomalyRule(
        id="a", kind="anomaly", title=TITLE, indicator="retail_sales", direction="below"
    )
    assert detect_anomaly(below_only, frame, forecasts("500103", "2025-01", 90, 110)) == []


def test_three_yoy_declines_in_a_row_fire_and_two_do_not() -> None:
    rule = RunsRule(id="r", kind="runs", title=TITLE, indicator="retail_sales", length=3)
    three = series({"500106": flat_then(100, [100, 90, 80, 85])})
    found = detect_runs(rule, three)
    assert len(found) == 1
    assert found[0].evidence["run_length"] == 3
    assert [s["period"] for s in found[0].evidence["steps"]] == ["2025-02", "2025-03", "2025-04"]
    two = series({"500106": flat_then(100, [100, 100, 80, 85])})
    assert detect_runs(rule, two) == []


def test_runs_month_on_month_counts_successive_falls() -> None:
    rule = RunsRule(
        id="r",
        kind="runs",
        title=TITLE,
        indicator="retail_sales",
        length=3,
        compare="previous_month",
    )
    assert len(detect_runs(rule, series({"500106": [10, 9, 8, 7]}))) == 1
    assert detect_runs(rule, series({"500106": [10, 9, 10, 7]})) == []


def test_judging_an_earlier_month_ignores_later_data() -> None:
    rule = RunsRule(
        id="r",
        kind="runs",
        title=TITLE,
        indicator="retail_sales",
        length=3,
        compare="previous_month",
    )
    frame = series({"500106": [10, 9, 8, 7, 12]})
    assert detect_runs(rule, frame) == []
    assert len(detect_runs(rule, frame, as_of="2024-04")) == 1


def test_official_growth_is_read_as_published_with_1_2_and_the_release() -> None:
    """70.8 % published is 70.8 %, not 70.769 % re-derived from the levels; the 1–2月
    release is read (at February) and named."""
    import pandas as pd

    from cockpit.alerts.rules import parse_rules
    from cockpit.alerts.series import detect_threshold

    rows = [
        ("2024-01-02", 100.0, 5.0, "bulletin 2024-03-15"),
        ("2024-03", 60.0, 4.0, "bulletin 2024-04-16"),
        ("2025-01-02", 170.769, 70.8, "bulletin 2025-03-17"),
    ]
    series = pd.DataFrame(
        {
            "indicator": "retail_sales_official",
            "period": [r[0] for r in rows],
            "district_code": "",
            "category_code": "",
            "value": [r[1] for r in rows],
            "published_yoy_pct": [r[2] for r in rows],
            "release": [r[3] for r in rows],
        }
    )
    rules = parse_rules(
        "rules:\n"
        "  - id: official-jump\n"
        "    kind: threshold\n"
        "    indicator: retail_sales_official\n"
        "    measure: yoy_pct\n"
        "    op: '>'\n"
        "    value: 50\n"
        "    severity: warning\n"
        "    title: {zh: 官方同比跳升, en: Official growth jump}\n"
    )
    found = detect_threshold(rules.rules[0], series)  # type: ignore[arg-type]
    assert len(found) == 1
    f = found[0]
    assert f.period == "2025-01-02"
    assert f.evidence["measured"] == 70.8
    assert f.evidence["release"] == "bulletin 2025-03-17"
    assert "release: bulletin 2025-03-17" in f.summary_en
    assert "mom_pct" not in f.evidence  # 1–2月 is two months: no month-on-month
