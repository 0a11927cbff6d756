"""The cockpit as a person uses it: real server, Debian's Chromium, network cut off."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import SIGN_IN, USERS, Watched, screenshot, sign_in_page, watch

# Chromium starts once per worker (20-60 s on two shared cores) and each page renders charts.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = [
    ("overview", "/"),
    ("districts", "/districts?district=500103"),
    ("area", "/districts/500103/areas/BD01"),
    ("categories", "/categories"),
    ("plans", "/plans"),
    ("alerts", "/alerts"),
    ("programmes", "/programmes"),
    ("scenarios", "/scenarios?scenario=S11"),
    ("data", "/data"),
    ("quarantine", "/data/quarantine?source=unionpay&reason=unknown_district"),
    ("bigscreen", "/bigscreen"),
]
# Charts these pages draw from the built tables of tests/web/lakedata.py.
CHARTS_WITH_DATA = {
    "overview": 9,
    "districts": 8,
    "area": 1,
    "categories": 3,
    "plans": 2,
    "alerts": 1,
    "programmes": 2,
    "scenarios": 1,
    "bigscreen": 9,
}

# Predicates as functions: a string would be eval()ed, which the pages' CSP forbids.
READY = "() => document.body && document.body.dataset.ready >= 1"
NONBLANK_PIXELS = """(el) => {
  const c = el.querySelector('canvas');
  if (!c) return 0;
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
  return n;
}"""

SERIES_NAMES = """(sel) => echarts.getInstanceByDom(document.querySelector(sel))
  .getOption().series.map((s) => s.name)"""

CONTRAST = """() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const bgOf = (el) => {
    for (; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      if (bg && !bg.endsWith(', 0)') && bg !== 'transparent') return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  const el = document.querySelector('main h2, main h1, main td, main p') || document.body;
  const a = lum(getComputedStyle(el).color), b = lum(bgOf(el));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def open_page(context: Any, base: str, path: str, user: tuple[str, str] | None = None) -> Watched:
    """``path`` in a new page, signing in on the way when the cockpit asks for it."""
    watched = watch(context, base)
    watched.page.goto(base + path)
    if "/login" in watched.page.url:
        sign_in_page(watched.page, user or SIGN_IN[base])
    watched.page.wait_for_function(READY, timeout=15_000)
    return watched


def charts_drawn(page: Any) -> list[int]:
    """Non-transparent pixels of every drawn chart's canvas."""
    return [
        el.evaluate(NONBLANK_PIXELS)
        for el in page.query_selector_all("[data-state=drawn] ")
        if el.get_attribute("data-chart")
    ]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_loads_whole_with_network_cut_off(
    context: Any, live_url: str, name: str, path: str, lang: str
) -> None:
    sep = "&" if "?" in path else "?"
    watched = open_page(context, live_url, f"{path}{sep}lang={lang}")
    page = watched.page
    screenshot(page, f"{name}-{lang}")
    watched.assert_clean()
    assert page.get_attribute("html", "lang") == lang
    assert page.query_selector_all("[data-state=error]") == []
    pixels = charts_drawn(page)
    assert len(pixels) >= CHARTS_WITH_DATA.get(name, 0)
    assert all(n > 50 for n in pixels), f"blank chart canvas on {name}: {pixels}"


AXIS_NAMES = """(sel) => Array.from(document.querySelectorAll(sel)).map(
  (el) => echarts.getInstanceByDom(el).getOption().yAxis[0].name)"""
MONEY_TILES = (
    "[data-tile=kpi_retail_month] [data-role=value], [data-tile=kpi_retail_ytd] [data-role=value]"
)
OFFICIAL_TREND = '[data-chart="trend"][data-src^="/api/cockpit/trend"]'
SAMPLE_TREND = '[data-chart="trend"][data-src^="/api/cockpit/sample-trend"]'


@pytest.mark.parametrize("path", ["/", "/bigscreen", "/?period=2025-01"])
@pytest.mark.parametrize(
    ("lang", "unit", "sample"), [("zh-CN", "亿元", "样本"), ("en", "billion yuan", "sample")]
)
def test_no_sample_figure_sits_under_an_official_label(
    context: Any, live_url: str, path: str, lang: str, unit: str, sample: str
) -> None:
    sep = "&" if "?" in path else "?"
    watched = open_page(context, live_url, f"{path}{sep}lang={lang}")
    page = watched.page
    # The city trend's axis, as drawn: the official scale, in 亿元 / billion yuan.
    names = page.evaluate(AXIS_NAMES, OFFICIAL_TREND)
    assert len(names) == 1 and names[0].startswith(unit), names
    assert sample not in names[0] and "万元" not in names[0]
    # The money tiles, as rendered: the same unit, never the sample's 万元.
    tiles = page.locator(MONEY_TILES).all_inner_texts()
    assert len(tiles) == 2 and all(t.endswith(unit) for t in tiles), tiles
    # The feed sample is on the overview, in its own card, and says it is the sample.
    samples = page.evaluate(AXIS_NAMES, SAMPLE_TREND)
    assert len(samples) == (0 if "bigscreen" in path else 1)
    assert all(sample in n.lower() for n in samples), samples
    watched.assert_clean()


def test_filter_change_changes_the_numbers_and_keeps_them_in_the_url(
    context: Any, live_url: str
) -> None:
    watched = open_page(context, live_url, "/?lang=en")
    page = watched.page
    city = page.inner_text("[data-tile=kpi_retail_month] [data-role=value]")
    page.select_option("#f-district", "500103")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    page.wait_for_function(READY)
    assert "district=500103" in page.url
    yuzhong = page.inner_text("[data-tile=kpi_retail_month] [data-role=value]")
    assert city != yuzhong
    assert "billion yuan" in city
    page.select_option("#f-period", "2024-06")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    page.wait_for_function(READY)
    assert "period=2024-06" in page.url and "district=500103" in page.url
    assert page.inner_text("[data-tile=kpi_retail_month] [data-role=value]") != yuzhong
    watched.assert_clean()


def test_language_switch_changes_labels_and_is_remembered(context: Any, live_url: str) -> None:
    watched = open_page(context, live_url, "/?lang=zh-CN")
    page = watched.page
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert "亿元" in page.inner_text("[data-tile=kpi_retail_month] [data-role=value]")
    with page.expect_navigation():
        page.click("#lang-switch")
    page.wait_for_function(READY)
    assert page.get_attribute("html", "lang") == "en"
    assert "Overview" in page.inner_text("header nav")
    page.goto(live_url + "/data")
    page.wait_for_function(READY)
    assert page.get_attribute("html", "lang") == "en"
    assert "Freshness" in page.inner_text("main")
    watched.assert_clean()


@pytest.mark.parametrize("path", ["/", "/data", "/bigscreen"])
def test_main_text_has_readable_contrast(context: Any, live_url: str, path: str) -> None:
    watched = open_page(context, live_url, path)
    assert watched.page.evaluate(CONTRAST) >= 4.5


def test_big_screen_fills_1920_by_1080_in_the_dark_and_refreshes(
    browser: Any, live_url: str
) -> None:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        watched = open_page(ctx, live_url, "/bigscreen")
        page = watched.page
        size = page.evaluate("[document.body.scrollWidth, document.body.scrollHeight]")
        assert size == [1920, 1080]
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert bg == "rgb(4, 16, 31)"
        assert int(page.get_attribute("body", "data-refresh") or 0) > 0
        page.evaluate("window.cockpitRefresh()")
        page.wait_for_function("() => document.body.dataset.ready >= 2")
        screenshot(page, "bigscreen-1920x1080")
        watched.assert_clean()
    finally:
        ctx.close()


def test_quarantine_count_links_to_its_rows(context: Any, live_url: str) -> None:
    watched = open_page(context, live_url, "/data?lang=en")
    page = watched.page
    with page.expect_navigation():
        page.click("#quarantine a >> nth=0")
    assert "/data/quarantine?source=unionpay&reason=unknown_district" in page.url
    assert len(page.query_selector_all("#quarantine-rows tbody tr")) == 4
    watched.assert_clean()


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_without_data_says_which_command_to_run(
    context: Any, empty_url: str, name: str, path: str
) -> None:
    watched = open_page(context, empty_url, path + ("&" if "?" in path else "?") + "lang=en")
    page = watched.page
    screenshot(page, f"{name}-empty")
    watched.assert_clean()
    assert "No data" in page.inner_text("body")  # plans ship as data: their targets say it
    assert page.query_selector_all("[data-state=error]") == []


def test_acknowledging_then_resolving_an_alert_end_to_end(context: Any, live_url: str) -> None:
    watched = open_page(context, live_url, "/alerts?lang=en")
    page = watched.page
    row = "#alerts tr[data-alert-id]:has-text('Yuzhong')"
    assert page.get_attribute(row, "data-status") == "open"
    with page.expect_navigation():
        page.click(f"{row} button[data-act=ack]")
    page.wait_for_function(READY)
    assert page.get_attribute(row, "data-status") == "acknowledged"
    assert page.inner_text(f"{row} [data-role=status]") == "Acknowledged"
    with page.expect_navigation():
        page.click(f"{row} button[data-act=resolve]")
    page.wait_for_function(READY)
    assert page.get_attribute(row, "data-status") == "resolved"
    screenshot(page, "alerts-after-resolve")
    overview = open_page(context, live_url, "/?lang=en").page
    assert "Yuzhong" not in overview.inner_text("[data-list=alerts]")
    assert "Jiangbei" in overview.inner_text("[data-list=alerts]")
    watched.assert_clean()


def test_acknowledging_as_a_leader_is_refused_and_said(context: Any, live_url: str) -> None:
    watched = open_page(context, live_url, "/alerts?lang=en", USERS["leader"])
    page = watched.page
    row = "#alerts tr[data-alert-id]:has-text('Jiangbei')"
    page.click(f"{row} button[data-act=ack]")
    page.wait_for_selector("#alert-error:not([hidden])")
    assert "403" in page.inner_text("#alert-error")
    assert page.get_attribute(row, "data-status") == "open"


def test_programme_burn_down_draws_and_follows_the_chosen_programme(
    context: Any, live_url: str
) -> None:
    watched = open_page(context, live_url, "/programmes?lang=en")
    page = watched.page
    chart = page.query_selector("#burndown")
    assert chart is not None and chart.get_attribute("data-state") == "drawn"
    assert chart.evaluate(NONBLANK_PIXELS) > 50
    names = page.evaluate(SERIES_NAMES, "#burndown")
    assert names[:3] == ["Budget left", "Committed", "Spent"]
    assert page.input_value("#f-programme") == "yuzhong-vouchers-2025"
    assert "Approved 1 · Disbursed 1" in page.inner_text("#programmes")
    page.select_option("#f-programme", "chongqing-car-2023")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    page.wait_for_function(READY)
    assert "programme=chongqing-car-2023" in page.url
    assert page.get_attribute("#burndown", "data-state") == "drawn"
    assert page.query_selector("#burndown").evaluate(NONBLANK_PIXELS) > 50
    screenshot(page, "programmes-burndown-car")
    with page.expect_navigation():
        page.click("#lang-switch")
    page.wait_for_function(READY)
    assert "programme=chongqing-car-2023" in page.url
    assert page.evaluate(SERIES_NAMES, "#burndown")[:3] == ["剩余预算", "已承诺未支出", "已支出"]
    watched.assert_clean()


CATEGORY_BARS = """() => {
  const el = document.querySelector('#district-categories');
  const option = echarts.getInstanceByDom(el).getOption();
  return { names: option.yAxis[0].data, values: option.series[0].data };
}"""


def test_district_page_shows_the_chosen_districts_categories(context: Any, live_url: str) -> None:
    watched = open_page(context, live_url, "/districts?district=500103&period=2025-06&lang=en")
    page = watched.page
    chart = page.query_selector("#district-categories")
    assert chart is not None and chart.get_attribute("data-state") == "drawn"
    assert chart.evaluate(NONBLANK_PIXELS) > 50
    yuzhong = page.evaluate(CATEGORY_BARS)
    assert len(yuzhong["names"]) == 19 and "not built" not in page.inner_text("main").lower()
    assert yuzhong["values"] == sorted(yuzhong["values"])  # largest at the top
    page.select_option("#f-district", "500105")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    page.wait_for_function(READY)
    assert "district=500105" in page.url
    assert page.evaluate(CATEGORY_BARS)["values"] != yuzhong["values"]
    month = page.inner_text("[data-tile=kpi_retail_month] [data-role=value]")
    page.select_option("#f-category", "RS01")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    page.wait_for_function(READY)
    assert "category=RS01" in page.url
    assert page.inner_text("[data-tile=kpi_retail_month] [data-role=value]") not in ("—", month)
    screenshot(page, "districts-category")
    watched.assert_clean()
