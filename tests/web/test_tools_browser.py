"""Downloads, view-as-table, table search/sort/pages and print, as a person uses them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.web.conftest import api, user_in
from tests.web.test_pages_browser import READY, open_page

pytestmark = pytest.mark.browser


def _download(page: Any, selector: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_a_chart_downloads_as_png_csv_and_excel_that_open(context: Any, live_url: str) -> None:
    watched = open_page(context, live_url, "/categories?lang=en")
    page = watched.page
    tools = ".card:has([data-chart=bars]) .tools"
    name, png = _download(page, f"{tools} button[data-act=png]")
    assert name.endswith(".png") and png[:8] == b"\x89PNG\r\n\x1a\n"
    name, text = _download(page, f"{tools} button[data-act=csv]")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert name.endswith(".csv") and len(rows) > 3
    name, xlsx = _download(page, f"{tools} button[data-act=xlsx]")
    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ws is not None
    assert "Retail sales by category" in str(ws["A1"].value)
    assert "Whole city" in str(ws["A2"].value), "the workbook states the filters"
    assert ws.max_row >= len(rows) + 2
    watched.assert_clean()


def test_view_as_table_shows_the_charts_numbers_and_charts_are_labelled(
    context: Any, live_url: str
) -> None:
    watched = open_page(context, live_url, "/?lang=zh-CN")
    page = watched.page
    for el in page.query_selector_all("[data-chart][data-state=drawn]"):
        assert el.get_attribute("role") == "img"
        assert len(el.get_attribute("aria-label") or "") > 4
    trend = ".card:has([data-chart=trend])"
    page.click(f"{trend} .tools button[data-act=table]")
    assert page.locator(f"{trend} .table-alt table tbody tr").count() > 12
    watched.assert_clean()


def test_a_table_searches_sorts_pages_and_downloads_all_rows(context: Any, live_url: str) -> None:
    watched = open_page(context, live_url, "/plans?lang=en")
    page = watched.page
    total = page.locator("#targets tbody tr").count()
    assert page.locator("#targets tbody tr:visible").count() == min(total, 25)
    page.click("#targets th >> nth=1")
    names = page.locator("#targets tbody tr:visible td:nth-child(2)").all_inner_texts()
    assert names == sorted(names, key=str.casefold) or names == sorted(names)
    bar = ".table-tools:has(+ #targets)"
    _, text = _download(page, f"{bar} button[data-act=csv]")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert len(rows) == total + 1, "every row, not only the page shown"
    page.fill(f"{bar} input[type=search]", "zzz-no-such-target")
    assert page.locator("#targets tbody tr:visible").count() == 0
    watched.assert_clean()


def test_print_leaves_out_navigation_and_filters_and_states_them(
    context: Any, live_url: str
) -> None:
    watched = open_page(context, live_url, "/?district=500103&lang=en")
    page = watched.page
    page.emulate_media(media="print")
    assert not page.is_visible("header.top")
    assert not page.is_visible("#filters")
    assert "Yuzhong" in page.inner_text(".print-head")
    assert "Printed" in page.inner_text("footer")
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF"
    watched.assert_clean()


def test_export_refuses_a_malformed_table_and_keeps_formulas_as_text(live_url: str) -> None:
    bad = api(live_url).post(
        f"{live_url}/api/cockpit/export.csv", json={"title": "x", "columns": []}
    )
    assert bad.status_code == 422
    table = {"title": "t", "columns": ["a", "b"], "rows": [["=1+1", 2], ["@SUM(A1)", None]]}
    got = api(live_url).post(f"{live_url}/api/cockpit/export.xlsx", json=table)
    ws = load_workbook(io.BytesIO(got.content)).active
    assert ws is not None
    # A string cell holds the text as typed and is never evaluated (no formula cell).
    assert ws["A4"].data_type == "s" and ws["A4"].value == "=1+1"
    assert ws["B4"].value == 2
    text = (
        api(live_url)
        .post(f"{live_url}/api/cockpit/export.csv", json=table)
        .content.decode("utf-8-sig")
    )
    assert text.splitlines()[1] == "'=1+1,2"


def test_titles_state_the_filters_and_the_trend_its_months(context: Any, live_url: str) -> None:
    path = "/?district=500103&from=2024-01&to=2025-06&compare=1&lang=zh-CN"
    watched = open_page(context, live_url, path)
    page = watched.page
    trend = page.inner_text(".card:has([data-chart=trend]) h2")
    assert "渝中区" in trend and "2024-01 – 2025-06" in trend and "上年同期" in trend
    assert "全市" in page.inner_text(".card:has([data-chart=map]) h2"), "the map shows them all"
    assert page.input_value("#f-from") == "2024-01" and page.is_checked("#f-compare")
    names = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-chart=trend]'))"
        ".getOption().series.map((s) => s.name)"
    )
    assert "上年同期" in names
    watched.assert_clean()


CENTRE_OF = """([sel, name]) => {
  const chart = echarts.getInstanceByDom(document.querySelector(sel));
  const f = echarts.getMap('chongqing').geoJSON.features.find((x) => x.properties.name === name);
  return chart.convertToPixel({ seriesIndex: 0 }, f.properties.cp);
}"""
BAR_AT = """([sel, index]) => {
  const chart = echarts.getInstanceByDom(document.querySelector(sel));
  const d = chart.getOption().series[0].data[index];
  const value = typeof d === 'object' ? d.value : d;
  return chart.convertToPixel({ seriesIndex: 0 }, [value / 2, index]);
}"""


def _click_at(page: Any, selector: str, xy: list[float]) -> None:
    box = page.locator(selector).bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    page.wait_for_function(READY)


def test_map_scale_is_robust_and_a_click_opens_the_district(context: Any, live_url: str) -> None:
    watched = open_page(context, live_url, "/?district=500103&lang=zh-CN")
    page = watched.page
    body = api(live_url).get(f"{live_url}/api/cockpit/district-growth?district=500103").json()
    # The scale runs over the cells the small-cell rules pass (the indicators' flags).
    reliable = [i["value"] for i in body["items"] if i["reliable"] and i["value"] is not None]
    assert body["breaks"][0] == min(reliable) and body["breaks"][-1] == max(reliable)
    selected = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-chart=map]'))"
        ".getOption().series[0].data.filter((d) => d.selected).map((d) => d.code)"
    )
    assert selected == ["500103"]
    _click_at(page, "[data-chart=map]", page.evaluate(CENTRE_OF, ["[data-chart=map]", "万州区"]))
    assert "/districts?" in page.url and "district=500101" in page.url
    watched.assert_clean()


def test_clicking_a_category_bar_filters_the_other_charts(context: Any, live_url: str) -> None:
    watched = open_page(context, live_url, "/categories?lang=en")
    page = watched.page
    bars = "[data-chart=bars]"
    top = api(live_url).get(f"{live_url}/api/cockpit/categories?lang=en").json()["items"][0]
    count = len(api(live_url).get(f"{live_url}/api/cockpit/categories").json()["items"])
    _click_at(page, bars, page.evaluate(BAR_AT, [bars, count - 1]))
    assert f"category={top['code']}" in page.url
    assert top["label"] in page.inner_text(".card:has([data-chart=trend]) h2")
    watched.assert_clean()


def test_clicking_a_business_district_bar_opens_its_page(context: Any, live_url: str) -> None:
    """City → district → business district (商圈) → category, each a URL."""
    watched = open_page(context, live_url, "/districts?district=500103&period=2025-06&lang=en")
    page = watched.page
    bars = "#district-areas"
    q = "district=500103&period=2025-06&lang=en"
    items = api(live_url).get(f"{live_url}/api/cockpit/business-districts?{q}").json()["items"]
    top = items[0]  # drawn at the bottom: the bars run smallest to largest upwards
    _click_at(page, bars, page.evaluate(BAR_AT, [bars, len(items) - 1]))
    assert f"/districts/500103/areas/{top['code']}?" in page.url and "period=2025-06" in page.url
    crumbs = page.inner_text("nav.crumbs")
    assert "Whole city" in crumbs and "Yuzhong" in crumbs and top["label"] in crumbs
    area = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('#area-categories'))"
        ".getOption().yAxis[0].data.length"
    )
    assert area == 19
    assert top["label"] in page.inner_text(".card:has(#area-categories) h2")
    with page.expect_navigation():
        page.click("nav.crumbs li:nth-child(2) a")
    assert "/districts?district=500103" in page.url
    watched.assert_clean()


def test_programme_workspace_lists_rounds_and_draws_dates_and_shares(
    context: Any, live_url: str
) -> None:
    watched = open_page(context, live_url, "/programmes?lang=zh-CN")
    page = watched.page
    assert page.locator("#rounds tbody tr").count() >= 1
    status = page.inner_text("#rounds tbody tr >> nth=0 >> td >> nth=1")
    assert status in ("发放中", "已关闭")
    body = api(live_url).get(f"{live_url}/api/cockpit/programmes/burndown?lang=en").json()
    first = body["rounds"][0]
    axis = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('#burndown')).getOption().xAxis[0]"
    )
    opens = page.evaluate(f"Date.parse('{first['opens_at'].replace(' ', 'T')}+08:00')")
    assert axis["type"] == "time" and axis["min"] <= opens
    shares = api(live_url).get(f"{live_url}/api/cockpit/programmes/budgets?lang=en").json()
    assert shares["unit"] == "share of budget (%)"
    assert all(0 <= v <= 100 for s in shares["series"] for v in s["values"] if v is not None)
    watched.assert_clean()


def test_releasing_a_round_from_the_page_takes_two_officers(
    context: Any, live_url: str, web_home: Path
) -> None:
    second = user_in(web_home, "programme_officer")
    path = "/programmes?programme=yuzhong-vouchers-2025&lang=en"
    watched = open_page(context, live_url, path)  # the first officer (the test's own user)
    page = watched.page
    released = page.locator(
        "#rounds tbody tr[data-status=open], #rounds tbody tr[data-status=closed]"
    )
    before = released.count()
    page.click("#release-round")
    page.wait_for_function("() => !document.getElementById('round-error').hidden")
    assert "another officer must check it" in page.inner_text("#round-error")
    other = context.browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        checked = open_page(other, live_url, path, user=second)
        cp = checked.page
        # the checker sees what waits for them: the round proposed, and by whom
        assert cp.locator("#rounds tbody tr[data-status=proposed]").count() == 1
        assert cp.locator("#approvals tbody tr[data-action=release]").count() == 1
        with cp.expect_navigation():
            cp.click("#release-round")
        cp.wait_for_function(READY)
        now_released = "#rounds tbody tr[data-status=open], #rounds tbody tr[data-status=closed]"
        assert cp.locator(now_released).count() == before + 1
        assert cp.locator("#approvals tbody tr").count() == 0
        # the round just opened (the newest open one) can be closed from the page
        newest = cp.locator("#rounds tbody tr[data-status=open]").last.get_attribute("data-no")
        still_open = cp.locator("#rounds tbody tr[data-status=open]").count()
        with cp.expect_navigation():
            cp.click(f"#rounds tbody tr[data-no='{newest}'] button.close-round")
        cp.wait_for_function(READY)
        assert (
            cp.locator(f"#rounds tbody tr[data-no='{newest}']").get_attribute("data-status")
            == "closed"
        )
        assert cp.locator("#rounds tbody tr[data-status=open]").count() == still_open - 1
        checked.assert_clean()
    finally:
        other.close()
    watched.assert_clean()


def test_officer_lists_filters_and_downloads_redemptions(context: Any, live_url: str) -> None:
    path = "/programmes?programme=yuzhong-vouchers-2025&lang=en&list=redemptions"
    watched = open_page(context, live_url, path)
    page = watched.page
    total = int(page.inner_text("#records-total").replace(",", ""))
    assert total > 0 and page.locator("#records-table tbody tr").count() == min(total, 50)
    page.select_option("#r-status", "paid")
    with page.expect_navigation():
        page.click("#records-filters button[type=submit]")
    page.wait_for_function(READY)
    paid = int(page.inner_text("#records-total").replace(",", ""))
    assert 0 < paid <= total
    assert page.locator("#records-table tbody tr[data-status=paid]").count() == min(paid, 50)
    assert "Paid" in page.inner_text("#records h2")
    with page.expect_download() as got:
        page.click("#records-csv")
    rows = list(csv.reader(io.StringIO(Path(got.value.path()).read_text("utf-8-sig"))))
    assert len(rows) == 1 + paid  # every row, not the page shown
    with page.expect_download() as got:
        page.click("#records-xlsx")
    sheet = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
    assert sheet is not None and sheet.max_row >= 3 + paid
    with page.expect_navigation():
        page.click("#tab-claims")
    page.wait_for_function(READY)
    assert page.locator("#records-table tbody tr").count() > 0
    watched.assert_clean()
