"""Order + List: enterprise drops, missed reports, List and district totals, the trend view."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from cockpit.alerts.orderlist import (
    detect_enterprise_drops,
    detect_missed_reports,
    detect_total_drops,
    orderlist_trends,
    sparkline,
)
from cockpit.alerts.rules import MissedReportRule, OrdersDropRule, OrdersTotalDropRule
from tests.alerts.conftest import month_list, write_trade

TITLE = {"zh": "订单预警", "en": "Order warning"}
WAN = 1_000_000  # fen in 10k yuan


def enterprises() -> list[dict[str, str]]:
    return [
        {
            "enterprise_id": "E1",
            "name": "渝中精密",
            "district_code": "500103",
            "products": "齿轮;轴承",
            "markets": "DE;US",
        },
        {
            "enterprise_id": "E2",
            "name": "江北电子",
            "district_code": "500105",
            "products": "手机",
            "markets": "VN",
        },
        {
            "enterprise_id": "E3",
            "name": "江北纺织",
            "district_code": "500105",
            "products": "布料",
            "markets": "JP",
        },
    ]


def orders(new: Mapping[str, Sequence[float | None]]) -> list[dict[str, object]]:
    rows = []
    for enterprise, seq in new.items():
        for month, value in zip(month_list("2024-01", len(seq)), seq, strict=True):
            if value is None:
                continue
            rows.append(
                {
                    "enterprise_id": enterprise,
                    "month": month,
                    "orders_in_hand_fen": int(value * 3 * WAN),
                    "new_orders_fen": int(value * WAN),
                    "export_value_fen": int(value * 0.9 * WAN),
                }
            )
    return rows


def frames(new: Mapping[str, Sequence[float | None]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.DataFrame(enterprises()), pd.DataFrame(orders(new))


STEADY = [100.0] * 15


def test_an_enterprise_whose_new_orders_collapse_is_named_with_evidence() -> None:
    ent, ords = frames({"E1": [100.0] * 14 + [40.0], "E2": STEADY, "E3": STEADY})
    rule = OrdersDropRule(id="d", kind="orders_drop", title=TITLE, yoy_drop=0.3, mom_drop=0.5)
    found = detect_enterprise_drops(rule, ent, ords)
    assert len(found) == 1
    f = found[0]
    assert f.evidence["enterprise_id"] == "E1" and f.evidence["name"] == "渝中精密"
    assert {d["basis"] for d in f.evidence["drops"]} == {"yoy", "mom"}
    assert f.evidence["drops"][0]["change_pct"] == -60.0
    assert "渝中精密" in f.summary_zh and "同比-60.0%" in f.summary_zh
    assert f.period == "2025-03"


def test_a_drop_smaller_than_declared_or_on_a_tiny_base_is_quiet() -> None:
    ent, ords = frames({"E1": [100.0] * 14 + [80.0], "E2": [0.5] * 14 + [0.1], "E3": STEADY})
    rule = OrdersDropRule(
        id="d", kind="orders_drop", title=TITLE, yoy_drop=0.3, mom_drop=0.3, min_base_fen=WAN
    )
    assert detect_enterprise_drops(rule, ent, ords) == []


def test_a_missed_report_names_the_enterprise_and_its_last_report() -> None:
    ent, ords = frames({"E1": STEADY, "E2": [*[100.0] * 13, None, None], "E3": STEADY})
    ords = ords[ords["enterprise_id"] != "E3"]
    rule = MissedReportRule(id="m", kind="orders_missed_report", title=TITLE)
    found = {f.evidence["enterprise_id"]: f for f in detect_missed_reports(rule, ent, ords)}
    assert set(found) == {"E2", "E3"}
    assert found["E2"].evidence["last_report"] == "2025-01"
    assert found["E2"].evidence["months_missing"] == 2
    assert found["E3"].evidence["last_report"] is None
    grace = MissedReportRule(id="m", kind="orders_missed_report", title=TITLE, grace_months=2)
    assert [f.evidence["enterprise_id"] for f in detect_missed_reports(grace, ent, ords)] == ["E3"]


def test_district_total_falls_like_for_like_and_a_missed_report_is_not_a_fall() -> None:
    ent, ords = frames({"E1": STEADY, "E2": [100.0] * 14 + [20.0], "E3": [*[100.0] * 14, None]})
    district = OrdersTotalDropRule(
        id="t",
        kind="orders_total_drop",
        title=TITLE,
        level="district",
        yoy_drop=0.25,
        mom_drop=None,
    )
    found = detect_total_drops(district, ent, ords)
    # E3 did not report: Jiangbei is judged on E2 alone, which fell 80 %
    assert [f.evidence["district_code"] for f in found] == ["500105"]
    assert found[0].evidence["drops"][0]["enterprises"] == 1
    assert found[0].evidence["drops"][0]["change_pct"] == -80.0
    whole = OrdersTotalDropRule(
        id="l", kind="orders_total_drop", title=TITLE, level="list", yoy_drop=0.5, mom_drop=None
    )
    assert detect_total_drops(whole, ent, ords) == []  # (100 + 20) / 200 = -40 %


def test_trends_show_each_enterprise_with_growth_and_a_sparkline() -> None:
    ent, ords = frames(
        {"E1": [*range(10, 160, 10)], "E2": STEADY, "E3": [*[100.0] * 13, None, None]}
    )
    trends = {t.enterprise_id: t for t in orderlist_trends(ent, ords, months=6)}
    e1 = trends["E1"]
    assert e1.last_month == "2025-03"
    assert e1.new_orders_fen == 150 * WAN
    assert e1.new_orders_yoy_pct == round((150 / 30 - 1) * 100, 2)
    assert e1.sparkline == sparkline(e1.trend_new_orders_fen)
    assert e1.sparkline[0] == "▁" and e1.sparkline[-1] == "█"
    assert trends["E3"].last_month == "2025-01"
    assert trends["E3"].trend_new_orders_fen[-2:] == [None, None]


def test_cli_orderlist_reads_the_lake_and_prints_json(cockpit_home: Path) -> None:
    from cockpit.cli import app

    write_trade(
        cockpit_home,
        enterprises(),
        orders({"E1": [100.0] * 14 + [30.0], "E2": STEADY, "E3": STEADY}),
    )
    result = CliRunner().invoke(app, ["alerts", "orderlist", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["count"] == 3
    rows = {r["enterprise_id"]: r for r in payload["data"]}
    assert rows["E1"]["warnings"][0]["rule_id"] == "orderlist-new-orders-drop"
    assert rows["E2"]["warnings"] == []
    assert len(rows["E1"]["trend_new_orders_fen"]) == 12
    table = CliRunner().invoke(app, ["alerts", "orderlist"], env={"COLUMNS": "200"})
    assert "渝中精密" in table.output
