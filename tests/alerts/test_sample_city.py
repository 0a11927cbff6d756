"""On the sample city, every injected event raises its right alert, and the default rules
stay quiet elsewhere (docs/benchmarks.md "Alerts" reports the full replay)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cockpit.alerts.backtest import RIGHT_KINDS, score_lake
from cockpit.alerts.rules import RuleSet, default_rules_text, load_rules, parse_rules

# The sample city is generated, ingested and built first: minutes on two shared cores.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def city_home(sample_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cockpit.ingest import ingest_paths

    home = tmp_path_factory.mktemp("alerts-city")
    ingest_paths([sample_city], home=home)
    return home


def ground_truth(sample_city: Path) -> dict[str, Any]:
    truth: dict[str, Any] = json.loads((sample_city / "ground_truth.json").read_text("utf-8"))
    return truth


def series_and_feed_rules() -> RuleSet:
    # plan targets come from the plans room's database, not from the sample city's events
    rules = parse_rules(default_rules_text())
    return rules.model_copy(
        update={"rules": [r for r in rules.rules if r.kind != "target_at_risk"]}
    )


def test_every_injected_event_raises_its_right_alert(city_home: Path, sample_city: Path) -> None:
    truth = ground_truth(sample_city)
    score = score_lake(
        city_home,
        series_and_feed_rules(),
        truth,
        first_month="2025-04",
        last_month="2026-10",
    )
    required = {e["kind"] for e in truth["events"] if e["kind"] in RIGHT_KINDS}
    assert required == set(RIGHT_KINDS)
    assert score.recall == {kind: True for kind in required}
    right = {
        a.event: a.finding
        for a in score.alerts
        if a.event and a.finding.kind in RIGHT_KINDS.get(a.event, ())
    }
    collapse = right["exporter_collapse"]
    assert collapse.evidence["enterprise_id"] == "E0007" and collapse.evidence["name"]
    assert right["district_slump"].evidence["district_code"] == "500106"
    assert right["category_spike"].evidence["category_code"] == "RS13"
    assert right["feed_stop"].evidence["merchant_id"] == "M000852"


def test_an_event_free_year_stays_below_one_false_alarm_per_district(
    city_home: Path, sample_city: Path
) -> None:
    score = score_lake(
        city_home,
        series_and_feed_rules(),
        ground_truth(sample_city),
        first_month="2024-01",
        last_month="2024-12",
    )
    assert score.false_alarms_per_district_year < 1.0
    assert score.precision >= 0.0 and len(score.months) == 12


def test_the_default_rules_load_from_the_package() -> None:
    assert load_rules(None).rules == parse_rules(default_rules_text()).rules


def test_the_order_list_from_the_enterprises_excel_shows_the_collapse(city_home: Path) -> None:
    from cockpit.alerts.views import orderlist_rows

    rows = {r["enterprise_id"]: r for r in orderlist_rows(home=city_home)}
    assert len(rows) == 40
    collapsed = rows["E0007"]
    assert collapsed["new_orders_yoy_pct"] < -50
    assert "orderlist-new-orders-drop" in {w["rule_id"] for w in collapsed["warnings"]}
    assert sum(1 for r in rows.values() if r["warnings"]) <= 3
