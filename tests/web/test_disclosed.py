"""The cockpit serves the small-cell rules as the build published them: no growth rate
where the rules withhold one, no figure for a suppressed cell, errors beside values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cockpit.indicators.synthetic import LakeSpec, write_lake
from tests.access.helpers import sign_in_as

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated")
SPEC = LakeSpec(rows=3000, merchants=60, start="2024-01", months=16, districts=4, seed=5)


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[TestClient]:
    from cockpit.indicators.build import build
    from cockpit.web.app import create_app

    write_lake(cockpit_home / "lake", SPEC)
    build(home=cockpit_home, engine="duckdb")
    with TestClient(create_app()) as c:
        sign_in_as(c, "analyst")
        yield c


def test_withheld_and_suppressed_cells_show_no_figure(client: TestClient) -> None:
    from cockpit.indicators.query import read_values

    shown = 0
    for month in ("2025-03", "2025-04"):
        body = client.get(f"/api/cockpit/categories?period={month}").json()
        assert body["available"]
        for item in body["items"]:
            if item["status"] in ("suppressed", "complementary"):
                assert item["value"] is None and item["yoy_pct"] is None
            shown += item["yoy_pct"] is not None
        body = client.get(f"/api/cockpit/district-growth?period={month}").json()
        for item in body["items"]:
            assert item["reliable"] == (item["status"] == "ok")
            if item["value"] is not None:
                assert item["yoy_se"] is not None and item["yoy_se"] > 0
    assert shown == 0  # this thin lake (60 merchants): every category's growth is withheld
    v = read_values()
    withheld = v[v["growth_withheld"].fillna("").str.contains("yoy:")]
    assert len(withheld) > 0
    # every category cell whose yoy the rules withheld is served without one
    body = client.get("/api/cockpit/categories?period=2025-04").json()
    cut = v[(v["cut"] == "category") & (v["period"] == "2025-04")]
    cut = cut[(cut["indicator_id"] == "retail_sales") & (cut["period_type"] == "month")]
    rules = dict(zip(cut["category"], cut["growth_withheld"].fillna(""), strict=True))
    checked = 0
    for item in body["items"]:
        if "yoy:" in rules.get(item["code"], ""):
            assert item["yoy_pct"] is None, item
            checked += 1
    assert checked > 0
