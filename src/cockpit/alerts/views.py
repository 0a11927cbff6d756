"""What the CLI and the cockpit pages show: the Order + List with each enterprise's trend."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from cockpit.alerts.evaluate import AlertData, evaluate
from cockpit.alerts.orderlist import orderlist_trends
from cockpit.alerts.rules import RuleSet, load_rules
from cockpit.lake import lake_of

ORDERLIST_KINDS = ("orders_drop", "orders_missed_report")


def orderlist_view(data: AlertData, ruleset: RuleSet, *, months: int = 12) -> list[dict[str, Any]]:
    """Each enterprise of the List, its latest report, its trend and the warnings on it now."""
    if data.enterprises is None:
        return []
    import pandas as pd

    orders = (
        data.orders
        if data.orders is not None
        else pd.DataFrame(
            columns=[
                "enterprise_id",
                "month",
                "orders_in_hand_fen",
                "new_orders_fen",
                "export_value_fen",
            ]
        )
    )
    rules = RuleSet(rules=[r for r in ruleset.enabled() if r.kind in ORDERLIST_KINDS])
    found = evaluate(rules, AlertData(enterprises=data.enterprises, orders=orders)).findings
    warnings: dict[str, list[dict[str, str]]] = {}
    for f in found:
        enterprise = str(f.evidence.get("enterprise_id", ""))
        warnings.setdefault(enterprise, []).append(
            {
                "rule_id": f.rule_id,
                "severity": f.severity,
                "summary_zh": f.summary_zh,
                "summary_en": f.summary_en,
            }
        )
    rows = []
    for trend in orderlist_trends(data.enterprises, orders, months=months):
        row = asdict(trend)
        row["warnings"] = warnings.get(trend.enterprise_id, [])
        rows.append(row)
    return rows


def orderlist_rows(*, home: Path, months: int = 12) -> list[dict[str, Any]]:
    """The Order + List view from COCKPIT_HOME's lake and rules."""
    from cockpit.alerts.frames import load_trade

    enterprises, orders = load_trade(lake_of(home))
    return orderlist_view(
        AlertData(enterprises=enterprises, orders=orders), load_rules(), months=months
    )
