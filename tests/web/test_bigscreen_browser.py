"""The big screen on any wall: scaled to fit keeping its aspect, nothing cut off, legible."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import api, screenshot
from tests.web.test_pages_browser import open_page

pytestmark = pytest.mark.browser

VIEWPORTS = [(1366, 768), (1920, 1080), (2560, 1440), (3840, 2160), (1280, 1024)]

STAGE = """() => {
  const r = document.getElementById('stage').getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
}"""
# Boxes whose content is larger than they are (text or charts cut off).
CLIPPED = """() => Array.from(document.querySelectorAll('#stage .card, #stage .tile, #stage > *'))
  .filter((el) => el.scrollHeight > el.clientHeight + 2 || el.scrollWidth > el.clientWidth + 2)
  .map((el) => (el.querySelector('h2, h3, h1') || el).textContent.trim().slice(0, 40))"""
# Smallest font of any visible text on the stage, in stage pixels (= CSS px at 1920×1080).
SMALLEST_FONT = """() => {
  let least = 999;
  for (const el of document.querySelectorAll('#stage *')) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    least = Math.min(least, parseFloat(getComputedStyle(el).fontSize));
  }
  return least;
}"""


@pytest.mark.slow
@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_big_screen_fits_the_viewport_keeping_its_aspect(
    browser: Any, live_url: str, width: int, height: int
) -> None:
    ctx = browser.new_context(viewport={"width": width, "height": height})
    try:
        watched = open_page(ctx, live_url, "/bigscreen?lang=en")
        page = watched.page
        left, top, right, bottom = page.evaluate(STAGE)
        assert left >= -0.5 and top >= -0.5 and right <= width + 0.5 and bottom <= height + 0.5
        assert abs((right - left) / (bottom - top) - 16 / 9) < 0.01
        assert max(right - left - width, bottom - top - height) > -1, "fills one side"
        assert page.evaluate("[document.body.scrollWidth, document.body.scrollHeight]") == [
            width,
            height,
        ]
        assert page.evaluate(CLIPPED) == []
        screenshot(page, f"bigscreen-{width}x{height}")
        watched.assert_clean()
    finally:
        ctx.close()


def test_big_screen_text_is_legible_and_has_boards_and_a_ticker(
    browser: Any, live_url: str
) -> None:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        watched = open_page(ctx, live_url, "/bigscreen?lang=zh-CN")
        page = watched.page
        assert page.evaluate(SMALLEST_FONT) >= 16
        for board in ("#board-districts", "#board-categories", "#board-business"):
            assert page.locator(f"{board} li").count() >= 3, board
        ticker = page.inner_text("#ticker")
        # Other tests acknowledge and resolve alerts: whichever are open are in the ticker.
        open_now = (
            api(live_url).get(f"{live_url}/api/cockpit/alerts/open?lang=zh-CN&limit=20").json()
        )
        assert open_now["items"], "the test data keeps at least one alert open"
        for alert in open_now["items"]:
            assert f"{alert['title']} — {alert['summary']}" in ticker
        watched.assert_clean()
    finally:
        ctx.close()
