"""Target at risk: a plan target whose projection falls short.

Input: a ``targets`` frame, one row per target, with ``target_id``, ``label_zh``,
``label_en``, ``target_value``, and optionally ``projected_value``, ``probability_met``
(0–1), ``status`` (the plans room's judgement: ``on_track``, ``at_risk``, ``off_track``…),
``actual_value``, ``direction`` (``at_least``, the default, or ``at_most``) and ``period``
(the year the target is due).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cockpit import codes
from cockpit.alerts.findings import Finding, fmt_pct, subject_key
from cockpit.alerts.rules import TargetAtRiskRule
from cockpit.format import money

if TYPE_CHECKING:
    import pandas as pd


def shortfall_pct(target: float, projected: float, direction: str) -> float:
    """How far the projection misses the target, in % of the target (negative: it beats it)."""
    if target == 0:
        return 0.0
    gap = (target - projected) if direction != "at_most" else (projected - target)
    return gap / abs(target) * 100.0


def detect_targets_at_risk(rule: TargetAtRiskRule, targets: pd.DataFrame) -> list[Finding]:
    """Targets whose projection misses by more than the tolerance, or whose odds are low."""
    findings = []
    for record in targets.to_dict("records"):
        finding = _target_finding(rule, {str(k): v for k, v in record.items()})
        if finding is not None:
            findings.append(finding)
    return findings


def _number(row: dict[str, Any], key: str) -> float | None:
    raw = row.get(key)
    # NaN (a missing value in a frame) is not equal to itself
    return float(raw) if raw is not None and raw == raw else None


def _target_finding(rule: TargetAtRiskRule, row: dict[str, Any]) -> Finding | None:
    direction = str(row.get("direction") or "at_least")
    target = float(row["target_value"])
    projected = _number(row, "projected_value")
    probability = _number(row, "probability_met")
    status = str(row.get("status") or "")
    short = shortfall_pct(target, projected, direction) if projected is not None else None
    reasons = []
    if short is not None and short > rule.max_shortfall_pct:
        reasons.append("projection")
    if (
        rule.min_probability is not None
        and probability is not None
        and (probability < rule.min_probability)
    ):
        reasons.append("probability")
    if status in rule.statuses:
        reasons.append("status")
    if not reasons:
        return None
    return _finding(rule, row, target, projected, probability, short, status, reasons)


def _amount(value: float, unit: str, lang: str) -> str:
    """A target's figure as officials read it: money (kept in fen) in 亿元 or billion yuan."""
    if unit == "fen":
        return money(value, lang, unit="亿元" if lang == "zh" else "billion yuan")
    suffix = " %" if unit == "percent" else ""
    return f"{value:,.0f}{suffix}" if float(value).is_integer() else f"{value:,.2f}{suffix}"


def _finding(
    rule: TargetAtRiskRule,
    row: dict[str, Any],
    target: float,
    projected: float | None,
    probability: float | None,
    short: float | None,
    status: str,
    reasons: list[str],
) -> Finding:
    label_zh = str(row.get("label_zh") or row["target_id"])
    label_en = str(row.get("label_en") or row["target_id"])
    unit = str(row.get("unit") or "")
    zh = [f"目标 {_amount(target, unit, 'zh')}"]
    en = [f"target {_amount(target, unit, 'en')}"]
    if projected is not None and short is not None:
        zh.append(f"预计 {_amount(projected, unit, 'zh')}（缺口 {fmt_pct(short)}）")
        en.append(f"projected {_amount(projected, unit, 'en')} ({fmt_pct(short)} short)")
    if probability is not None:
        zh.append(f"达成概率 {probability:.0%}")
        en.append(f"chance of meeting it {probability:.0%}")
    if status:
        zh.append(f"规划评估：{codes.text('plan_status', status, 'zh')}")
        en.append(f"plan assessment: {codes.text('plan_status', status, 'en').lower()}")
    return Finding(
        rule_id=rule.id,
        kind=rule.kind,
        severity=rule.severity,
        subject=subject_key({"target_id": str(row["target_id"])}),
        period=str(row.get("period") or ""),
        title_zh=f"{rule.title.zh}：{label_zh}",
        title_en=f"{rule.title.en}: {label_en}",
        summary_zh=f"{label_zh}：" + "，".join(zh),
        summary_en=f"{label_en}: " + ", ".join(en),
        evidence={
            "target_id": str(row["target_id"]),
            "target_value": target,
            "projected_value": projected,
            "shortfall_pct": round(short, 3) if short is not None else None,
            "probability_met": probability,
            "status": status or None,
            "actual_value": _number(row, "actual_value"),
            "reasons": reasons,
        },
    )
