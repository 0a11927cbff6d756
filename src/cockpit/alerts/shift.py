"""Significant shifts of count series (e.g. a district's transactions) against last year.

Small series are noisy: a district with 50 payments a month swings by a third from chance
alone. This detector asks two things before it fires: is the change large (``min_change_pct``)
and is it unlikely to be chance (a z-score of the counts above ``min_z``)?
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from cockpit.alerts.findings import Finding, describe, fmt_pct, month_name, subject_key
from cockpit.alerts.rules import ShiftRule
from cockpit.alerts.series import groups, latest_month, select_series

if TYPE_CHECKING:
    import pandas as pd


def window_sums(
    frame: pd.DataFrame, month: int, width: int, baseline: str = "same_months_last_year"
) -> tuple[float, float, int]:
    """Sum of the ``width`` months to ``month``, and of its baseline: the same months a year
    before, or the 12 months before the window."""
    months = set(range(month - width + 1, month + 1))
    if baseline == "previous_12_months":
        base_months = set(range(month - width - 11, month - width + 1))
    else:
        base_months = {m - 12 for m in months}
    have = set(frame["month_ix"])
    if not months <= have or not base_months <= have:
        return math.nan, math.nan, 0
    now = float(frame.loc[frame["month_ix"].isin(months), "value"].sum())
    base = float(frame.loc[frame["month_ix"].isin(base_months), "value"].sum())
    return now, base, len(months)


def shift_z(now: float, base: float, growth: float, dispersion: float) -> float:
    """z-score of ``now`` against ``base × growth`` for counts (Poisson, scaled)."""
    expected = base * growth
    variance = dispersion * (now + growth * growth * base)
    return (now - expected) / math.sqrt(variance) if variance > 0 else 0.0


def detect_shift(
    rule: ShiftRule, series: pd.DataFrame, *, as_of: str | None = None
) -> list[Finding]:
    """Series whose last months moved significantly against the same months last year."""
    frame = select_series(rule, series)
    month = latest_month(frame, as_of)
    if month is None:
        return []
    series_groups = groups(frame[frame["month_ix"] <= month])
    sums = {
        subject_key(d): window_sums(g, month, rule.window_months, rule.baseline)
        for d, g in series_groups
    }
    total_now = sum(s[0] for s in sums.values() if not math.isnan(s[0]))
    total_base = sum(s[1] for s in sums.values() if not math.isnan(s[1]))
    growth = total_now / total_base if rule.relative_to_total and total_base > 0 else 1.0
    findings = []
    for dims, _ in series_groups:
        now, base, _n = sums[subject_key(dims)]
        if math.isnan(now) or base < rule.min_base:
            continue
        change = (now / (base * growth) - 1.0) * 100.0
        z = shift_z(now, base, growth, rule.dispersion)
        down = rule.direction == "down" and change <= -rule.min_change_pct and z <= -rule.min_z
        up = rule.direction == "up" and change >= rule.min_change_pct and z >= rule.min_z
        if down or up:
            findings.append(_shift_finding(rule, dims, month, now, base, growth, change, z))
    return findings


def _shift_finding(
    rule: ShiftRule,
    dims: dict[str, str],
    month: int,
    now: float,
    base: float,
    growth: float,
    change: float,
    z: float,
) -> Finding:
    first, last = month_name(month - rule.window_months + 1), month_name(month)
    span = last if rule.window_months == 1 else f"{first}…{last}"
    vs_zh = "（已扣除整体增长）" if rule.relative_to_total else ""
    vs_en = " (net of the overall change)" if rule.relative_to_total else ""
    evidence: dict[str, Any] = {
        "indicator": rule.indicator,
        **dims,
        "from": first,
        "to": last,
        "now": now,
        "base": base,
        "overall_growth": round(growth, 4),
        "change_pct": round(change, 2),
        "z": round(z, 2),
    }
    return Finding(
        rule_id=rule.id,
        kind=rule.kind,
        severity=rule.severity,
        subject=subject_key({"indicator": rule.indicator, **dims}),
        period=last,
        title_zh=rule.title.zh,
        title_en=rule.title.en,
        summary_zh=f"{describe(dims, 'zh')}：{span} {rule.indicator} 较上年同期 {fmt_pct(change)}"
        f"{vs_zh}，{now:,.0f} 对 {base:,.0f}，z={z:.1f}",
        summary_en=f"{describe(dims, 'en')}: {rule.indicator} {span} {fmt_pct(change)} against "
        f"the same months last year{vs_en}, {now:,.0f} vs {base:,.0f}, z={z:.1f}",
        evidence=evidence,
    )
