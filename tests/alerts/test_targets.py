"""Target at risk: plan targets whose projection falls short."""

from __future__ import annotations

import pandas as pd

from cockpit.alerts.rules import TargetAtRiskRule
from cockpit.alerts.targets import detect_targets_at_risk

TITLE = {"zh": "目标风险", "en": "Target at risk"}


def targets() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "target_id": "retail-2027",
                "label_zh": "社零总额",
                "label_en": "Retail sales",
                "target_value": 200.0,
                "projected_value": 190.0,
                "probability_met": 0.2,
            },
            {
                "target_id": "growth",
                "label_zh": "增速",
                "label_en": "Growth",
                "target_value": 5.0,
                "projected_value": 5.5,
                "probability_met": 0.4,
            },
            {
                "target_id": "on-track",
                "label_zh": "稳",
                "label_en": "Fine",
                "target_value": 10.0,
                "projected_value": 12.0,
                "probability_met": None,
            },
            {
                "target_id": "ceiling",
                "label_zh": "能耗",
                "label_en": "Energy",
                "direction": "at_most",
                "target_value": 100.0,
                "projected_value": 103.0,
            },
        ]
    )


def test_a_projection_below_target_is_at_risk() -> None:
    rule = TargetAtRiskRule(
        id="t", kind="target_at_risk", title=TITLE, max_shortfall_pct=0, statuses=[]
    )
    found = {f.evidence["target_id"]: f for f in detect_targets_at_risk(rule, targets())}
    assert set(found) == {"retail-2027", "ceiling"}
    assert found["retail-2027"].evidence["shortfall_pct"] == 5.0
    assert "社零总额" in found["retail-2027"].summary_zh


def test_tolerance_and_low_odds_change_what_fires() -> None:
    rule = TargetAtRiskRule(
        id="t",
        kind="target_at_risk",
        title=TITLE,
        max_shortfall_pct=10,
        min_probability=0.5,
        statuses=[],
    )
    found = {f.evidence["target_id"] for f in detect_targets_at_risk(rule, targets())}
    assert found == {"retail-2027", "growth"}


def test_the_plans_rooms_own_judgement_fires_without_a_projection() -> None:
    frame = pd.DataFrame(
        [
            {
                "target_id": "yuzhong/scenarios",
                "label_zh": "数字消费场景",
                "label_en": "Scenarios",
                "target_value": 15.0,
                "projected_value": None,
                "probability_met": None,
                "status": "off_track",
                "actual_value": 0.0,
            },
            {
                "target_id": "yuzhong/retail",
                "label_zh": "社零",
                "label_en": "Retail",
                "target_value": 200.0,
                "projected_value": None,
                "status": "no_data",
            },
        ]
    )
    rule = TargetAtRiskRule(id="t", kind="target_at_risk", title=TITLE)
    (found,) = detect_targets_at_risk(rule, frame)
    assert found.evidence["target_id"] == "yuzhong/scenarios"
    assert found.evidence["reasons"] == ["status"]
    assert "plan assessment: off track" in found.summary_en
    assert "规划评估：进度滞后" in found.summary_zh and "off_track" not in found.summary_zh
    assert found.title_en.endswith(": Scenarios"), "the alert names its target"


def test_targets_from_the_plans_room_are_read_when_it_is_there(db: object) -> None:
    from pathlib import Path

    from cockpit.alerts.sources import load_targets

    frame = load_targets(Path("."))
    assert frame is not None and len(frame) > 0
    assert {"target_id", "target_value", "status"} <= set(frame.columns)


def test_money_targets_read_in_yi_yuan_and_billions() -> None:
    from cockpit.alerts.targets import _amount

    assert _amount(200e9 * 100, "fen", "zh") == "2,000.0亿元"
    assert _amount(200e9 * 100, "fen", "en") == "200.0 billion yuan"
    assert _amount(15.0, "count", "zh") == "15"
