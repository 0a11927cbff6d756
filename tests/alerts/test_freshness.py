"""Data freshness: stopped sources and merchants that fall silent."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cockpit.alerts.freshness import detect_silent_merchants, detect_stale_sources
from cockpit.alerts.rules import FreshnessRule

TITLE = {"zh": "测试", "en": "Test"}
END = dt.date(2026, 8, 31)


def activity(spec: dict[tuple[str, str], tuple[int, int]], days: int = 90) -> pd.DataFrame:
    """Each (source, merchant) trades every ``step`` days and stops ``stop`` days before END."""
    rows = []
    for (source, merchant), (step, stop) in spec.items():
        for back in range(stop, days, step):
            rows.append(
                {"source": source, "merchant_id": merchant, "date": END - dt.timedelta(days=back)}
            )
    return pd.DataFrame(rows)


def test_a_source_silent_longer_than_allowed_is_flagged() -> None:
    frame = activity({("unionpay", "m1"): (1, 0), ("platform_a", "m2"): (1, 5)})
    rule = FreshnessRule(id="f", kind="freshness", title=TITLE, max_silence_days=3)
    found = detect_stale_sources(rule, frame)
    assert [f.evidence["source"] for f in found] == ["platform_a"]
    assert found[0].evidence["silence_days"] == 5
    assert found[0].evidence["last_date"] == "2026-08-26"


def test_today_makes_every_source_stale_when_nothing_arrives() -> None:
    frame = activity({("unionpay", "m1"): (1, 0)})
    rule = FreshnessRule(id="f", kind="freshness", title=TITLE, max_silence_days=3)
    assert len(detect_stale_sources(rule, frame, today=END + dt.timedelta(days=4))) == 1


def merchant_rule() -> FreshnessRule:
    return FreshnessRule(
        id="m",
        kind="freshness",
        title=TITLE,
        scope="merchant",
        max_silence_days=7,
        min_active_days=30,
        window_days=60,
    )


def test_a_daily_merchant_that_stops_is_flagged() -> None:
    frame = activity({("unionpay", "steady"): (1, 0), ("unionpay", "stopped"): (1, 16)})
    found = detect_silent_merchants(merchant_rule(), frame)
    assert [f.evidence["merchant_id"] for f in found] == ["stopped"]
    assert found[0].evidence["silence_days"] == 16


def test_an_occasional_merchant_is_not_flagged_for_a_quiet_spell() -> None:
    frame = activity({("unionpay", "steady"): (1, 0), ("unionpay", "weekly"): (7, 10)})
    assert detect_silent_merchants(merchant_rule(), frame) == []


def test_a_merchant_closed_on_purpose_is_not_a_stopped_feed() -> None:
    frame = activity({("unionpay", "steady"): (1, 0), ("unionpay", "closed"): (1, 16)})
    frame["closed_on"] = [
        dt.date(2026, 8, 15) if m == "closed" else None for m in frame["merchant_id"]
    ]
    assert detect_silent_merchants(merchant_rule(), frame) == []


def test_merchants_of_a_stopped_source_are_covered_by_the_source_alert() -> None:
    frame = activity({("unionpay", "steady"): (1, 0), ("platform_a", "m2"): (1, 16)})
    assert detect_silent_merchants(merchant_rule(), frame) == []
