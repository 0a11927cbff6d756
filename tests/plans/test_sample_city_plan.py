"""The Yuzhong retail target, end to end: the sample city's official figures, ingested, assessed."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.db import session_scope, upgrade
from cockpit.ingest import ingest_paths
from cockpit.plans import all_progress

OFFICIAL = "社会消费品零售总额_月度.csv"


def _published_yuzhong_year(path: Path, year: int) -> int:
    """渝中区's 1–12月累计 as the file publishes it, in fen."""
    with path.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            key = (row["地区代码"], row["类别代码"], row["指标"], row["统计期"])
            if key == ("500103", "", "累计零售额", f"{year}-12"):
                return int(Decimal(row["数值(亿元)"]) * 100_000_000 * 100)
    raise AssertionError(f"no 1–12月累计 for {year}")


@pytest.mark.slow
def test_yuzhong_retail_target_is_assessed_from_the_ingested_official_figures(
    sample_city: Path, cockpit_home: Path
) -> None:
    reports = ingest_paths([sample_city / OFFICIAL])
    assert reports[0].accepted > 0
    upgrade()
    with session_scope() as session:
        plans = {p.plan.id: p for p in all_progress(session=session)}
    retail = next(
        t for t in plans["yuzhong-commerce-2025-2027"].targets if t.target_id == "retail_sales"
    )
    assert retail.actual_year == 2025  # 2026 is unfinished in the sample city
    assert retail.actual == pytest.approx(_published_yuzhong_year(sample_city / OFFICIAL, 2025))
    # The sample Yuzhong starts where its plan does: roughly 170-180 billion yuan in 2025.
    assert retail.actual is not None
    assert 160e9 * 100 < retail.actual < 190e9 * 100
    assert retail.required_now == pytest.approx(172.8e9 * 100 * 1.05, rel=1e-3)
    assert retail.status in {"on_track", "at_risk", "off_track"}
    assert retail.gap == pytest.approx(200e9 * 100 - retail.actual)
