"""Evaluate a rule set on the data it reads, rule by rule.

``AlertData`` holds plain frames (any may be missing); ``evaluate`` dispatches each rule to
its detector and reports which rules could not run and why, instead of failing the lot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cockpit.alerts.findings import Finding
from cockpit.alerts.freshness import detect_silent_merchants, detect_stale_sources
from cockpit.alerts.orderlist import (
    detect_enterprise_drops,
    detect_missed_reports,
    detect_total_drops,
)
from cockpit.alerts.rules import (
    AnomalyRule,
    FreshnessRule,
    MissedReportRule,
    OrdersDropRule,
    OrdersTotalDropRule,
    Rule,
    RuleSet,
    RunsRule,
    ShiftRule,
    TargetAtRiskRule,
    ThresholdRule,
)
from cockpit.alerts.series import detect_anomaly, detect_runs, detect_threshold
from cockpit.alerts.shift import detect_shift
from cockpit.alerts.targets import detect_targets_at_risk

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class AlertData:
    """The frames rules read (see each detector's module for the columns)."""

    series: pd.DataFrame | None = None
    forecasts: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    activity: pd.DataFrame | None = None
    enterprises: pd.DataFrame | None = None
    orders: pd.DataFrame | None = None


@dataclass
class Evaluation:
    """What a run of the rules found, and the rules it could not run."""

    findings: list[Finding] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    evaluated: list[str] = field(default_factory=list)


class MissingInput(Exception):
    """A rule's input table is not available."""


def _need(frame: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if frame is None:
        raise MissingInput(f"no {name} table")
    return frame


def evaluate_rule(
    rule: Rule, data: AlertData, *, as_of: str | None = None, today: dt.date | None = None
) -> list[Finding]:
    """The findings of one rule; raises ``MissingInput`` when its table is absent."""
    if isinstance(rule, ThresholdRule):
        return detect_threshold(rule, _need(data.series, "indicator"), as_of=as_of)
    if isinstance(rule, AnomalyRule):
        series = _need(data.series, "indicator")
        return detect_anomaly(rule, series, _need(data.forecasts, "forecast"), as_of=as_of)
    if isinstance(rule, RunsRule):
        return detect_runs(rule, _need(data.series, "indicator"), as_of=as_of)
    if isinstance(rule, ShiftRule):
        return detect_shift(rule, _need(data.series, "indicator"), as_of=as_of)
    if isinstance(rule, TargetAtRiskRule):
        return detect_targets_at_risk(rule, _need(data.targets, "plan target"))
    if isinstance(rule, FreshnessRule):
        activity = _need(data.activity, "transaction activity")
        if rule.scope == "source":
            return detect_stale_sources(rule, activity, today=today)
        return detect_silent_merchants(rule, activity, today=today)
    enterprises = _need(data.enterprises, "trade_enterprises")
    orders = _need(data.orders, "trade_orders")
    if isinstance(rule, OrdersTotalDropRule):
        return detect_total_drops(rule, enterprises, orders, as_of=as_of)
    if isinstance(rule, OrdersDropRule):
        return detect_enterprise_drops(rule, enterprises, orders, as_of=as_of)
    if isinstance(rule, MissedReportRule):
        return detect_missed_reports(rule, enterprises, orders, as_of=as_of)
    raise TypeError(f"no detector for rule kind {rule.kind!r}")


def evaluate(
    ruleset: RuleSet,
    data: AlertData,
    *,
    as_of: str | None = None,
    today: dt.date | None = None,
) -> Evaluation:
    """Run every enabled rule; rules whose input is missing are listed in ``skipped``."""
    result = Evaluation()
    for rule in ruleset.enabled():
        try:
            found = evaluate_rule(rule, data, as_of=as_of, today=today)
        except MissingInput as exc:
            result.skipped[rule.id] = str(exc)
            continue
        result.evaluated.append(rule.id)
        result.findings.extend(found)
    return result
