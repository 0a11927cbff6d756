"""The chain page as a person uses it: real server, Debian's Chromium, network cut off.
Clicking a node of the drawn tree lists that node's firms."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, SIGN_IN, sign_in_page, user_in, watch
from tests.web.server import served

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Where ECharts laid out a tree node, in page pixels (the test clicks there like a person).
NODE_POSITION = """([sel, nodeId]) => {
  const el = document.querySelector(sel);
  const data = echarts.getInstanceByDom(el).getModel().getSeriesByIndex(0).getData();
  for (let i = 0; i < data.count(); i++) {
    const item = data.getRawDataItem(i);
    if (item && item.id === nodeId) {
      const [x, y] = data.getItemGraphicEl(i).transformCoordToGlobal(0, 0);
      const box = el.getBoundingClientRect();
      return { x: box.left + x, y: box.top + y };
    }
  }
  return null;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for this module only: a Playwright left running for the whole session keeps an
    event loop set in the main thread, and later tests' asyncio.run() would refuse to start."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def served_registry(
    tmp_path_factory: pytest.TempPathFactory, loaded_template: Path
) -> Iterator[str]:
    home = tmp_path_factory.mktemp("industry-web") / "home"
    home.mkdir()
    shutil.copyfile(loaded_template, home / "cockpit.sqlite")
    analyst = user_in(home, "analyst")
    with served(home) as url:
        SIGN_IN[url] = analyst
        yield url


def test_clicking_a_gap_node_lists_its_firms(
    served_registry: str, browser_context: Any, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    node = truth["gap_nodes"]["metaverse"]["small_only"][0]
    watched = watch(browser_context, served_registry)
    page = watched.page
    page.goto(served_registry + "/industry?chain=metaverse")
    if "/login" in page.url:
        sign_in_page(page, SIGN_IN[served_registry])
    page.wait_for_selector("#chain-tree[data-state=drawn]", timeout=15_000)
    page.wait_for_selector("#firm-map[data-state=drawn]", timeout=15_000)
    where = page.evaluate(NODE_POSITION, ["#chain-tree", node])
    assert where is not None, "the node is not drawn"
    page.mouse.click(where["x"], where["y"])
    page.wait_for_selector("#node-firms[data-state=loaded]", timeout=10_000)
    assert page.get_attribute("#node-firms", "data-node") == node
    rows = page.locator("#node-firm-table tbody tr")
    assert rows.count() >= 1
    assert page.locator("#node-firms h3").first.inner_text().endswith("缺失")
    gap_rows = page.locator("#gaps tbody tr")
    expected = truth["gap_nodes"]["metaverse"]
    assert gap_rows.count() == len(expected["empty"]) + len(expected["small_only"])
    assert page.get_attribute("#gaps-download", "href") == "/api/industry/gaps.xlsx?chain=metaverse"
    watched.assert_clean()
