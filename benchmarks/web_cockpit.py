"""Cockpit speed: p95 latency of every chart endpoint, and full-draw time of every page.

    .venv/bin/python benchmarks/web_cockpit.py [--home DIR] [--requests 200] [--draws 5]

``--home`` is a COCKPIT_HOME whose tables were built (for instance after
``cockpit demo --scale medium --no-serve``); without it, the benchmark writes the test
suite's built tables (tests/web/lakedata.py: 36 months × 38 districts × 19 categories,
with forecasts, ingests, quarantine and the Order + List) into a temporary home.
The cockpit reads built indicator tables only, so their size, not the number of
transactions behind them, is what the cockpit's speed depends on.

The app runs as ``cockpit serve`` on loopback; pages are drawn by Debian's Chromium
(headless, through Playwright) with every other host blocked. A page counts as fully
drawn when every chart on it has been drawn and painted (``body[data-ready-at]``,
milliseconds after navigation start). Targets (issue 9): p95 ≤ 100 ms, draw ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
# This file is named like the package: put the repository root first, not benchmarks/.
sys.path[0] = str(ROOT)

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.web.lakedata import write_lake  # noqa: E402
from tests.web.server import served  # noqa: E402

ENDPOINTS = [
    "/api/cockpit/kpis",
    "/api/cockpit/kpis?district=500103",
    "/api/cockpit/district-growth",
    "/api/cockpit/trend",
    "/api/cockpit/trend?district=500105",
    "/api/cockpit/categories",
    "/api/cockpit/digital-structure",
    "/api/cockpit/alerts/order-list",
    "/api/cockpit/alerts/open",
    "/api/cockpit/plans/gauges",
    "/api/cockpit/plans/trajectory",
    "/api/cockpit/programmes/budgets",
    "/api/cockpit/scenarios/sectors",
    "/api/cockpit/data/freshness",
    "/api/cockpit/data/quarantine",
]
PAGES = ["/", "/districts?district=500103", "/categories", "/plans", "/alerts", "/programmes"]
PAGES += ["/scenarios", "/data", "/bigscreen"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_endpoints(base: str, n: int) -> list[dict[str, Any]]:
    """Milliseconds per request, over one keep-alive connection; the first (cold: it loads
    the built tables into memory) is reported apart."""
    out = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for path in ENDPOINTS:
            start = time.perf_counter()
            client.get(path).raise_for_status()
            cold = (time.perf_counter() - start) * 1000
            times = []
            for _ in range(n):
                start = time.perf_counter()
                client.get(path).raise_for_status()
                times.append((time.perf_counter() - start) * 1000)
            out.append(
                {
                    "endpoint": path,
                    "first_ms": round(cold, 1),
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(percentile(times, 0.95), 1),
                    "n": n,
                }
            )
    return out


VARIED = [
    "/api/cockpit/kpis",
    "/api/cockpit/district-growth",
    "/api/cockpit/trend",
    "/api/cockpit/categories",
    "/api/cockpit/business-districts",
]


def time_uncached(base: str, n: int) -> list[dict[str, Any]]:
    """Milliseconds per request when every request asks something new (a period and a
    district not asked before), so no remembered answer serves it: the computing cost."""
    out = []
    with httpx.Client(base_url=base, timeout=60) as client:
        periods = client.get("/api/cockpit/periods").json()["data"]
        districts = ["", "500103", "500105", "500106", "500107", "500108", "500112"]
        asks = [(p, d) for d in districts for p in periods][:n]
        for path in VARIED:
            times = []
            for period, district in asks:
                cut = "" if path.endswith(("district-growth", "categories")) else district
                params = {"period": period, "district": cut, "lang": "en" if cut else "zh-CN"}
                start = time.perf_counter()
                client.get(path, params=params).raise_for_status()
                times.append((time.perf_counter() - start) * 1000)
            out.append(
                {
                    "endpoint": path,
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(percentile(times, 0.95), 1),
                    "n": len(times),
                }
            )
    return out


def time_pages(base: str, draws: int) -> list[dict[str, Any]]:
    """Milliseconds from navigation start until every chart of the page is painted."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in PAGES:
            wide = path.startswith("/bigscreen")
            context = browser.new_context(
                viewport={"width": 1920, "height": 1080} if wide else {"width": 1440, "height": 900}
            )
            page = context.new_page()
            page.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith(base) else r.abort(),
            )
            times = []
            for i in range(draws + 1):
                page.goto(base + path)
                page.wait_for_function("document.body && document.body.dataset.readyAt")
                if i:  # the first load fills the browser cache, as a returning user has
                    times.append(float(page.get_attribute("body", "data-ready-at") or "nan"))
            context.close()
            out.append(
                {
                    "page": path,
                    "median_ms": round(statistics.median(times)),
                    "max_ms": round(max(times)),
                    "n": draws,
                }
            )
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a COCKPIT_HOME with built tables")
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--draws", type=int, default=5, help="page loads per page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        if args.home is None:
            write_lake(home)
        with served(home) as base:
            result = {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}",
                "home": str(args.home or "tests/web/lakedata.py tables"),
                "endpoints": time_endpoints(base, args.requests),
                "uncached": time_uncached(base, args.requests),
                "pages": time_pages(base, args.draws),
            }
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
