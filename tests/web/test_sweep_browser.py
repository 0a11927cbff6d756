"""Every page, both languages, three screens, as people see them (one browser, many pages).

At 1366×768, 1920×1080 and 3840×2160: no console error, no request outside the app, no
horizontal overflow, no text drawn over other text (the boxes of the page's text, clipped
to what their containers show), and no raw key or code of the catalogues in the visible text.
Chart text is drawn on canvas, outside the DOM: it is read from each chart's scene through
ECharts (tests/web/charttext.js), its boxes checked for overlap and its words for raw codes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cockpit import codes
from cockpit.web import i18n
from tests.web.test_pages_browser import PAGES, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORTS = [(1366, 768), (1920, 1080), (3840, 2160)]
# Every page of the navigation, the chain page included (its tests live with the industry room).
SWEPT = [*PAGES, ("industry", "/industry")]

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"

# Pairs of text boxes that overlap (tests/web/overlaps.js).
OVERLAPS = (Path(__file__).parent / "overlaps.js").read_text("utf-8")
# The text every chart draws, and pairs of it that overlap (tests/web/charttext.js).
CHART_TEXT = (Path(__file__).parent / "charttext.js").read_text("utf-8")


def _raw_keys() -> re.Pattern[str]:
    """Catalogue keys and codes a person should never read (those with an underscore: plain
    words such as 'open' or 'draft' are also English)."""
    words = set(i18n.catalogue())
    words |= {c for kind in codes.catalogue().values() for c in kind}
    words = {w for w in words if "_" in w}
    return re.compile(
        r"(?<![\w/.=-])(" + "|".join(sorted(map(re.escape, words))) + r")(?![\w/.=-])"
    )


RAW = _raw_keys()
# Any snake_case word is a code that escaped its words (catalogued or not).
SNAKE = re.compile(r"(?<![\w/.=:-])([a-z]+(?:_[a-z]+)+)(?![\w/.=:-])")
# The visible text, less the cells that quote stored data as it is (file paths, raw rows,
# source ids, flag subjects), which are marked class="raw".
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  const quoted = '.raw, script, style, [hidden], .print-head, .print-only';
  copy.querySelectorAll(quoted).forEach((n) => n.remove());
  document.body.appendChild(copy); copy.style.position = 'absolute';
  const text = copy.innerText; copy.remove(); return text;
}"""


@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_page_reads_cleanly(
    browser: Any, live_url: str, lang: str, width: int, height: int
) -> None:
    ctx = browser.new_context(viewport={"width": width, "height": height})
    problems: list[str] = []
    charts_drawn: dict[str, int] = {}
    try:
        for name, path in SWEPT:
            sep = "&" if "?" in path else "?"
            watched = open_page(ctx, live_url, f"{path}{sep}lang={lang}")
            page = watched.page
            if (over := page.evaluate(OVERFLOW)) > 0:
                problems.append(f"{name}: {over}px wider than the screen")
            if hits := page.evaluate(OVERLAPS):
                problems.append(f"{name}: text over text {hits}")
            text = page.evaluate(VISIBLE_TEXT)
            if found := sorted(set(RAW.findall(text)) | set(SNAKE.findall(text))):
                problems.append(f"{name}: raw codes {found}")
            drawn = page.evaluate(CHART_TEXT)
            if drawn["hits"]:
                problems.append(f"{name}: chart text over chart text {drawn['hits']}")
            words = "\n".join(drawn["texts"])
            if found := sorted(set(RAW.findall(words)) | set(SNAKE.findall(words))):
                problems.append(f"{name}: raw codes in charts {found}")
            charts_drawn[name] = charts_drawn.get(name, 0) + len(drawn["texts"])
            problems += [f"{name}: {e}" for e in watched.errors + watched.blocked + watched.failed]
            page.close()
    finally:
        ctx.close()
    assert problems == []
    # the chart reader reads: the overview's charts draw axis labels, legends and titles
    assert charts_drawn["overview"] > 20, charts_drawn
