"""The JSON behind the charts: right numbers from the built tables, honest when missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cockpit import reference
from tests.access.helpers import sign_in_as
from tests.web.lakedata import indicator_rows, official_and_estimates, write_lake

CHART_ENDPOINTS = [
    "/api/cockpit/kpis",
    "/api/cockpit/district-growth",
    "/api/cockpit/trend",
    "/api/cockpit/categories",
    "/api/cockpit/digital-structure",
]


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    write_lake(cockpit_home)
    with TestClient(create_app()) as c:
        sign_in_as(c, "analyst")
        yield c


@pytest.fixture
def empty_client(cockpit_home: Path) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    with TestClient(create_app()) as c:
        sign_in_as(c, "analyst")
        yield c


def expected(indicator: str, period: str, district: str = "", *, ytd: bool = False) -> float:
    """The value straight from the rows written, without the cockpit's code."""
    rows = indicator_rows()
    for i, ind in enumerate(rows["indicator_id"]):
        cut, key = ("district", district) if district else ("", None)
        if (
            (ind, rows["period"][i], rows["cut"][i]) == (indicator, period, cut)
            and rows["district"][i] == key
            and rows["period_type"][i] == ("ytd" if ytd else "month")
        ):
            return float(rows["value"][i])
    raise KeyError(indicator)


def tile(body: dict, key: str) -> dict:
    return next(t for t in body["tiles"] if t["key"] == key)


def official(period: str, column: str = "value_fen") -> float:
    _, table = official_and_estimates()
    return float(table[column][table["period"].index(period)])


@pytest.mark.slow
def test_city_kpis_are_the_official_series_and_a_district_its_built_sample(
    client: TestClient,
) -> None:
    city = client.get("/api/cockpit/kpis", params={"period": "2025-06"}).json()
    assert city["scope"] == "official"
    assert tile(city, "kpi_retail_month")["value"] == official("2025-06")
    assert tile(city, "kpi_retail_month")["text"].endswith("亿元")
    months = ["2025-01-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert tile(city, "kpi_retail_ytd")["value"] == sum(official(m) for m in months)
    assert tile(city, "kpi_yoy")["value"] == tile(city, "kpi_retail_month")["yoy_pct"]
    district = client.get("/api/cockpit/kpis", params={"period": "2025-06", "district": "500103"})
    body = district.json()
    assert body["scope"] == "sample"
    assert tile(body, "kpi_retail_month")["value"] == expected("retail_sales", "2025-06", "500103")
    assert tile(body, "kpi_retail_ytd")["value"] == expected(
        "retail_sales", "2025-06", "500103", ytd=True
    )


def test_a_nowcast_month_shows_the_latest_published_growth_and_names_it(
    client: TestClient,
) -> None:
    body = client.get("/api/cockpit/kpis", params={"lang": "en"}).json()
    assert body["period"] == "2025-12" and "nowcast" in body["note"]
    assert tile(body, "kpi_retail_month")["value"] == official("2025-12")
    growth = tile(body, "kpi_yoy")
    assert growth["value"] == official("2025-11", "yoy_pct")  # November's, as published
    assert growth["note"] == "latest published: 2025年11月"
    zh = client.get("/api/cockpit/kpis").json()
    assert tile(zh, "kpi_yoy")["note"] == "最新公布：2025年11月"


def test_january_and_february_show_the_combined_release(client: TestClient) -> None:
    for month in ("2025-01", "2025-02"):
        body = client.get("/api/cockpit/kpis", params={"period": month, "lang": "en"}).json()
        assert body["scope"] == "official" and body["release"] == "2025-01-02"
        assert tile(body, "kpi_retail_month")["value"] == official("2025-01-02")
        assert "January–February" in body["note"]


def test_a_month_not_built_or_malformed_is_refused_never_replaced(client: TestClient) -> None:
    unbuilt = client.get("/api/cockpit/kpis", params={"period": "1999-01"})
    assert unbuilt.status_code == 404 and unbuilt.json()["code"] == "period_not_built"
    malformed = client.get("/api/cockpit/trend", params={"period": "2025-13"})
    assert malformed.status_code == 422
    assert malformed.json()["field"] == "query.period" and "2025-13" in malformed.json()["message"]
    assert client.get("/api/cockpit/kpis").json()["period"] == "2025-12"


def test_retired_district_code_is_accepted_and_unknown_one_refused(client: TestClient) -> None:
    old = client.get("/api/cockpit/kpis", params={"district": "500228"}).json()
    new = client.get("/api/cockpit/kpis", params={"district": "500155"}).json()
    assert old == new
    assert client.get("/api/cockpit/kpis", params={"district": "123456"}).status_code == 422


def test_district_map_shows_official_district_growth_where_published(client: TestClient) -> None:
    body = client.get("/api/cockpit/district-growth", params={"period": "2025-06"}).json()
    assert body["scope"] == "official"
    shapingba = next(i for i in body["items"] if i["code"] == "500106")
    assert shapingba["value"] == official("2025-06", "yoy_pct") - 1.0
    assert shapingba["level_text"].endswith("亿元") and shapingba["scope"] == "official"
    others = [i for i in body["items"] if i["code"] != "500106"]
    assert len(others) == 37 and all(i["level_text"].endswith("样本数据") for i in others)
    tiles = client.get("/api/cockpit/kpis", params={"period": "2025-06", "district": "500106"})
    assert tiles.json()["scope"] == "official"
    trend = client.get("/api/cockpit/trend", params={"district": "500106"}).json()
    assert trend["scope"] == "official" and trend["unit"] == "亿元"
    # A category within a district is published nowhere: the map falls back to the sample.
    within = client.get("/api/cockpit/district-growth", params={"category": "RS01"}).json()
    assert within["scope"] == "sample"


def test_district_map_covers_every_district_with_localised_names(client: TestClient) -> None:
    body = client.get("/api/cockpit/district-growth", params={"lang": "en"}).json()
    assert len(body["items"]) == 38
    liangping = next(i for i in body["items"] if i["code"] == "500155")
    assert liangping["name"] == "梁平区" and liangping["label"] != "梁平区"
    assert "billion yuan" in liangping["level_text"] or "million yuan" in liangping["level_text"]
    assert body["name_map"]["梁平区"] == liangping["label"]


def test_trend_is_the_official_series_in_yi_with_its_nowcast_and_fan(client: TestClient) -> None:
    zh = client.get("/api/cockpit/trend").json()
    en = client.get("/api/cockpit/trend", params={"lang": "en"}).json()
    assert zh["scope"] == "official" and zh["unit"] == "亿元" and en["unit"] == "billion yuan"
    assert zh["actual"][0] == ["2023-01-02", pytest.approx(official("2023-01-02") / 1e10, abs=1e-3)]
    assert en["actual"][0][1] == pytest.approx(official("2023-01-02") / 1e11, abs=1e-3)
    assert zh["nowcast"] == ["2025-12"] and zh["forecast"][0][0] == "2025-12"
    assert len(zh["forecast"]) > 1
    for _period, mean, lo80, hi80, lo95, hi95 in zh["forecast"]:
        assert 0 <= lo95 <= lo80 <= mean <= hi80 <= hi95


def test_sample_trend_is_the_feed_labelled_as_the_sample(client: TestClient) -> None:
    zh = client.get("/api/cockpit/sample-trend").json()
    assert zh["scope"] == "sample" and zh["note"] == "样本数据"
    first = expected("retail_sales", "2023-01")
    divisor = {"亿元": 1e10, "万元": 1e6}[zh["unit"]]
    assert zh["actual"][0][1] == pytest.approx(first / divisor, abs=1e-3)
    for _period, mean, lo80, hi80, lo95, hi95 in zh["forecast"]:
        assert lo95 <= lo80 <= mean <= hi80 <= hi95


def test_digital_structure_has_the_four_types(client: TestClient) -> None:
    body = client.get("/api/cockpit/digital-structure", params={"lang": "en"}).json()
    assert [s["code"] for s in body["series"]] == [
        "digital_products",
        "digital_services",
        "digital_content",
        "digital_channels",
    ]
    assert all(len(s["values"]) == len(body["periods"]) for s in body["series"])


def test_categories_rank_the_month_for_the_city(client: TestClient) -> None:
    body = client.get("/api/cockpit/categories", params={"period": "2025-06"}).json()
    values = [i["value"] for i in body["items"]]
    assert len(values) == len(reference.categories_in(2025))
    assert values == sorted(values, reverse=True)


def crossed(period: str, district: str, category: str, *, ytd: bool = False) -> dict:
    """The district × category row written for the tests, found without the cockpit's code."""
    rows = indicator_rows()
    for i, cut in enumerate(rows["cut"]):
        if (
            cut == "district,category"
            and (rows["period"][i], rows["district"][i], rows["category"][i])
            == (period, district, category)
            and rows["period_type"][i] == ("ytd" if ytd else "month")
        ):
            return {k: rows[k][i] for k in ("value", "yoy", "ss_yoy")}
    raise KeyError((period, district, category))


@pytest.mark.slow
def test_a_districts_categories_come_from_the_district_by_category_cut(
    client: TestClient,
) -> None:
    body = client.get(
        "/api/cockpit/categories", params={"period": "2025-06", "district": "500103"}
    ).json()
    assert body["available"] and body["district"] == "500103"
    items = {i["code"]: i for i in body["items"]}
    assert set(items) == {c.code for c in reference.categories_in(2025)}
    divisor = {"亿元": 1e10, "万元": 1e6, "元": 1e2}[body["unit"]]
    for code, item in items.items():
        row = crossed("2025-06", "500103", code)
        assert item["value"] == pytest.approx(row["value"] / divisor, abs=1e-3)
        assert item["yoy_pct"] == row["ss_yoy"]  # the same-store rate where there is one
    values = [i["value"] for i in body["items"]]
    assert values == sorted(values, reverse=True)
    other = client.get(
        "/api/cockpit/categories", params={"period": "2025-06", "district": "500105"}
    ).json()
    assert [i["value"] for i in other["items"]] != values


@pytest.mark.slow
def test_district_and_category_together_read_their_crossed_cut(client: TestClient) -> None:
    q = {"period": "2025-06", "district": "500103", "category": "RS01"}
    kpis = client.get("/api/cockpit/kpis", params=q).json()
    assert tile(kpis, "kpi_retail_month")["value"] == crossed("2025-06", "500103", "RS01")["value"]
    assert (
        tile(kpis, "kpi_retail_ytd")["value"]
        == (crossed("2025-06", "500103", "RS01", ytd=True)["value"])
    )
    trend = client.get("/api/cockpit/trend", params=q).json()
    assert trend["available"] and trend["forecast"] == [] and trend["forecast_hint"] is None
    growth = client.get(
        "/api/cockpit/district-growth", params={"period": "2025-06", "category": "RS01"}
    ).json()
    assert len(growth["items"]) == 38
    yuzhong = next(i for i in growth["items"] if i["code"] == "500103")
    assert yuzhong["value"] == crossed("2025-06", "500103", "RS01")["ss_yoy"]
    digital = client.get("/api/cockpit/digital-structure", params={"district": "500103"}).json()
    assert digital == {"available": False, "reason": "cut_not_built", "hint": "cockpit build"}


def test_a_build_without_the_crossed_cut_says_so(cockpit_home: Path) -> None:
    from cockpit.web.app import create_app

    write_lake(cockpit_home, district_category=False)
    with TestClient(create_app()) as c:
        sign_in_as(c, "analyst")
        q = {"district": "500103", "category": "RS01"}
        for path in ("/api/cockpit/categories", "/api/cockpit/kpis", "/api/cockpit/trend"):
            params = q if path != "/api/cockpit/categories" else {"district": "500103"}
            body = c.get(path, params=params).json()
            assert body == {"available": False, "reason": "cut_not_built", "hint": "cockpit build"}
        assert c.get("/api/cockpit/categories").json()["available"]


def test_january_year_to_date_is_january_itself(client: TestClient) -> None:
    body = client.get("/api/cockpit/kpis", params={"period": "2025-01", "district": "500105"})
    assert tile(body.json(), "kpi_retail_ytd")["value"] == expected(
        "retail_sales", "2025-01", "500105"
    )


def test_business_districts_of_the_chosen_district(client: TestClient) -> None:
    body = client.get("/api/cockpit/business-districts", params={"district": "500103"}).json()
    codes = {i["code"] for i in body["items"]}

    assert codes == {b.code for b in reference.business_districts() if b.district_code == "500103"}


@pytest.mark.parametrize("path", CHART_ENDPOINTS)
def test_chart_without_built_tables_names_the_command(empty_client: TestClient, path: str) -> None:
    body = empty_client.get(path).json()
    assert body == {"available": False, "hint": "cockpit build"}


def test_data_endpoints_count_quarantine_and_page_its_rows(client: TestClient) -> None:
    counts = client.get("/api/cockpit/data/quarantine").json()["rows"]
    assert {(r["source"], r["reason"]): r["n"] for r in counts}[
        ("unionpay", "unknown_district")
    ] == 4
    rows = client.get(
        "/api/cockpit/data/quarantine/rows",
        params={"source": "unionpay", "reason": "unknown_district"},
    ).json()["rows"]
    assert [r["line"] for r in rows] == [10, 11, 12, 13]
    fresh = client.get("/api/cockpit/data/freshness").json()["rows"]
    unionpay = next(r for r in fresh if r["source"] == "unionpay")
    assert unionpay["latest_month"] == "2025-12" and unionpay["rows_read"] == 120_000


def test_every_chart_endpoint_is_documented_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in CHART_ENDPOINTS:
        assert path in paths
    assert "/" not in paths  # pages are not API


def test_api_docs_load_swagger_from_the_app_itself(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/static/vendor/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200


def test_language_in_the_url_is_remembered_in_a_cookie(client: TestClient) -> None:
    page = client.get("/", params={"lang": "en"})
    assert '<html lang="en">' in page.text
    assert page.cookies.get("cockpit_lang") == "en"
    assert '<html lang="en">' in client.get("/data").text


def test_static_files_cannot_escape_their_folder(client: TestClient) -> None:
    assert client.get("/static/..%2Fapp.py").status_code == 404
    assert client.get("/static/vendor/..%2F..%2Fapp.py").status_code == 404


def test_order_list_puts_the_collapsing_exporter_first(client: TestClient) -> None:
    body = client.get("/api/cockpit/alerts/order-list", params={"lang": "en"}).json()
    first = body["enterprises"][0]
    assert first["id"] == "E003" and first["yoy_pct"] < -50
    assert [s["label"] for s in body["series"]] == ["Orders in hand", "New orders", "Exports"]
    assert len(body["x"]) == 24 and body["unit"] == "billion yuan"


def test_trend_keeps_to_the_chosen_months_and_adds_last_year(client: TestClient) -> None:
    whole = client.get("/api/cockpit/trend").json()
    months = [p[0] for p in whole["actual"]]
    start, end = months[13], months[-3]
    got = client.get("/api/cockpit/trend", params={"from": start, "to": end, "compare": 1}).json()
    assert [p[0] for p in got["actual"]] == [m for m in months if start <= m <= end]
    assert got["forecast"] == [], "a range that stops before the last month has no forecast"
    values = dict(whole["actual"])
    before = f"{int(start[:4]) - 1}{start[4:]}"
    assert got["last_year"][0] == [start, values[before]]


@pytest.mark.parametrize(
    "params", [{"from": "2025-13"}, {"to": "2025"}, {"from": "2025-06", "to": "2025-01"}]
)
def test_a_bad_month_range_is_a_clear_422(client: TestClient, params: dict[str, str]) -> None:
    assert client.get("/api/cockpit/trend", params=params).status_code == 422


def test_headline_gauges_leave_ended_plans_out_unless_chosen(client: TestClient) -> None:
    body = client.get("/api/cockpit/plans/gauges", params={"lang": "en"}).json()
    assert body["available"]
    assert not any(i["plan_ended"] for i in body["items"])
    for item in body["all"]:
        if item["progress_pct"] is None:
            assert item["progress_text"] == "No data", "no figure is no data, never 0 %"
    ended = [p for p in body["plans"] if p["ended"]]
    if ended:  # plans ship as data: which have ended depends on today's year
        chosen = client.get("/api/cockpit/plans/gauges", params={"plan": ended[0]["id"]}).json()
        assert chosen["items"] and all(i["plan_ended"] for i in chosen["items"])


AREA_API = "/api/cockpit/districts/{}/areas/{}/categories"


def _area_row(period: str, area: str, category: str) -> dict:
    """The business district × category row written, without the cockpit's code."""
    rows = indicator_rows()
    for i, cut in enumerate(rows["cut"]):
        if (
            cut == "business_district,category"
            and rows["period_type"][i] == "month"
            and (rows["period"][i], rows["business_district"][i], rows["category"][i])
            == (period, area, category)
        ):
            return {k: v[i] for k, v in rows.items()}
    raise KeyError((period, area, category))


def test_an_areas_categories_come_from_the_business_district_by_category_cut(
    client: TestClient,
) -> None:
    from tests.web.lakedata import SUPPRESSED_AREA_CELL

    body = client.get(AREA_API.format("500103", "BD01"), params={"period": "2025-06"}).json()
    assert body["available"] and (body["district"], body["business_district"]) == (
        "500103",
        "BD01",
    )
    items = {i["code"]: i for i in body["items"]}
    assert set(items) == {c.code for c in reference.categories_in(2025)}
    divisor = {"亿元": 1e10, "万元": 1e6, "元": 1e2}[body["unit"]]
    hidden = SUPPRESSED_AREA_CELL["category"]
    for code, item in items.items():
        row = _area_row("2025-06", "BD01", code)
        if code == hidden:
            assert item["value"] is None and item["value_se"] is None
            assert item["status"] == "suppressed" and item["yoy_pct"] is None
            continue
        assert item["value"] == pytest.approx(row["value"] / divisor, abs=1e-3)
        assert item["value_se"] == pytest.approx(row["value_se"] / divisor, abs=1e-3)
        assert item["yoy_pct"] == row["ss_yoy"] and item["yoy_se"] == row["ss_yoy_se"]
    other = client.get(AREA_API.format("500103", "BD02"), params={"period": "2025-06"})
    if other.status_code == 200:  # BD02 is in Yuzhong too
        assert [i["value"] for i in other.json()["items"]] != [i["value"] for i in body["items"]]


@pytest.mark.parametrize(
    ("district", "area", "field"),
    [
        ("500103", "BD99", "path.area"),  # no such business district
        ("500105", "BD01", "path.area"),  # BD01 is Yuzhong's, not Jiangbei's
        ("999999", "BD01", "path.code"),  # no such district
        ("500103", "", "path.area"),  # the outside-any-area row has no page
    ],
)
def test_an_unknown_area_or_one_of_another_district_is_not_found(
    client: TestClient, district: str, area: str, field: str
) -> None:
    if not area:
        got = client.get(f"/districts/{district}/areas/%20")
        assert got.status_code == 404 and got.json()["code"] == "not_found"
        return
    for path in (AREA_API.format(district, area), f"/districts/{district}/areas/{area}"):
        got = client.get(path, headers={"Accept": "application/json"})
        assert got.status_code == 404, path
        body = got.json()
        assert (body["code"], body["field"]) == ("not_found", field) and body["message"]


def test_the_area_page_has_its_breadcrumbs_and_chart_in_both_languages(
    client: TestClient,
) -> None:
    zh = client.get("/districts/500103/areas/BD01", params={"lang": "zh-CN", "period": "2025-06"})
    assert zh.status_code == 200
    assert 'href="/districts?district=500103&amp;period=2025-06"' in zh.text
    assert "解放碑-朝天门" in zh.text and "渝中区" in zh.text and "全市" in zh.text
    assert 'data-src="/api/cockpit/districts/500103/areas/BD01/categories?' in zh.text
    assert 'name="category"' not in zh.text  # an area's page is not filtered by category
    en = client.get("/districts/500103/areas/BD01", params={"lang": "en"})
    assert "Jiefangbei-Chaotianmen" in en.text and "Business district sales by category" in en.text


def test_a_build_without_the_area_cut_says_so(cockpit_home: Path) -> None:
    from cockpit.web.app import create_app

    write_lake(cockpit_home, district_category=False)
    with TestClient(create_app()) as c:
        sign_in_as(c, "analyst")
        body = c.get(AREA_API.format("500103", "BD01")).json()
        assert body == {"available": False, "reason": "cut_not_built", "hint": "cockpit build"}


def test_the_app_collects_young_objects_less_often_while_it_runs(cockpit_home: Path) -> None:
    """The lifespan sets the collector's thresholds for a burst and gives the process its own
    back when the app stops (tests run many apps in one process)."""
    import gc

    from cockpit.web.app import GC_THRESHOLDS, create_app

    before = gc.get_threshold()
    assert before != GC_THRESHOLDS
    with TestClient(create_app()):
        assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_threshold() == before
