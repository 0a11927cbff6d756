"""The built tables of other rooms are read as the rules expect: indicator values (indicators
room) and forecasts with 95 % intervals (forecast room), laid out as those rooms write them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cockpit.alerts.evaluate import AlertData, evaluate
from cockpit.alerts.rules import default_rules_text, parse_rules
from cockpit.alerts.sources import indicator_series, load_forecasts
from tests.alerts.conftest import month_list, write_lake_table


def write_built_tables(home: Path) -> None:
    rows = []
    for period in month_list("2025-01", 6):
        slump = period == "2025-06"
        rows += [
            {
                "indicator_id": "retail_sales",
                "period_type": "month",
                "period": period,
                "cut": "district",
                "district": "500106",
                "category": None,
                "value": 50.0 if slump else 100.0,
            },
            {
                "indicator_id": "retail_sales",
                "period_type": "month",
                "period": period,
                "cut": "district",
                "district": "500103",
                "category": None,
                "value": 100.0,
            },
            {
                "indicator_id": "retail_sales",
                "period_type": "ytd",
                "period": period,
                "cut": "district",
                "district": "500103",
                "category": None,
                "value": 1.0,
            },
        ]
    write_lake_table(home, "indicator_values", rows)
    forecasts = [
        {
            "run_id": run,
            "indicator_id": "retail_sales",
            "unique_id": f"district/{d}",
            "level": "district",
            "region_code": d,
            "category_code": None,
            "ds": dt.datetime(2025, 6, 1),
            "model": "ETS",
            "mean": 100.0,
            "lo95": lo,
            "hi95": 120.0,
        }
        for run, lo in (("r1", 10.0), ("r2", 80.0))
        for d in ("500103", "500106")
    ]
    write_lake_table(home, "forecasts", forecasts, part="r2")


def test_indicator_values_and_forecasts_feed_the_anomaly_rules(tmp_path: Path) -> None:
    write_built_tables(tmp_path)
    series = indicator_series(tmp_path)
    assert series is not None and len(series) == 12  # ytd rows are not months
    assert set(series["district_code"]) == {"500103", "500106"}
    assert set(series["category_code"]) == {""}
    forecasts = load_forecasts(tmp_path)
    assert forecasts is not None
    assert set(forecasts["period"]) == {"2025-06"}
    rules = parse_rules(default_rules_text())
    only = rules.model_copy(update={"rules": [rules.by_id("district-sales-anomaly")]})
    found = evaluate(only, AlertData(series=series, forecasts=forecasts)).findings
    # the newest run (lo95 = 80) wins: only Shapingba's 50 lies outside
    assert [f.evidence["district_code"] for f in found] == ["500106"]
    assert found[0].evidence["misses"][0]["lo95"] == 80.0
