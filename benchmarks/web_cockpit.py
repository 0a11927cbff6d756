"""Cockpit speed: p95 latency of every chart endpoint, and full-draw time of every page.

    .venv/bin/python benchmarks/web_cockpit.py [--scale medium] [--home DIR] [--json]

Issue 9's measure: the sample city at ~10M transactions (``--scale medium``, 9.6M payments
at seed 7), every chart's API at p95 ≤ 100 ms, every page fully drawn in ≤ 1.5 s.

The home (``--home``, default ``/tmp/cockpit-bench-<scale>-<seed>``) is reused when its
indicators were built; otherwise the script runs ``cockpit demo --scale <scale> --seed <seed>
--no-serve`` into it first (sample city, ingest, indicators, forecasts, plans, alerts,
programmes, scenarios), timed and reported as ``prepare_s``. ``--rebuild`` forces that.
``--synthetic`` measures the test suite's tables instead (tests/web/lakedata.py: 36 months
× 38 districts × 19 categories with forecasts, ingests, quarantine and the Order + List,
plus the rooms of tests/web/roomdata.py), in seconds.

``--authorisation`` (or ``--authorisation-only``) adds issue 25's measure: what sign-in, the
permission check and the request gate add to each chart's latency. A second server runs the
same app with them taken out (``open_app``: no ``Guard`` middleware, every route's ``Permit``
replaced by a fixed analyst), and each endpoint is asked of both servers in turn, request by
request, so both see the same load; scope (the analyst's, the whole city) applies in both.
Both clients send the same request, session cookie included (as a header: httpx's cookie jar
cost its client 0.2–0.4 ms a request against the served app, which no server check causes), and
both servers send the production security headers (not authorisation; about 16 µs of parsing
in the client).

The app runs as ``cockpit serve`` on loopback; pages are drawn by Debian's Chromium
(headless, through Playwright) with every other host blocked. A page counts as fully
drawn when every chart on it has been drawn and painted (``body[data-ready-at]``,
milliseconds after navigation start).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
# This file is named like the package: put the repository root first, not benchmarks/.
sys.path[0] = str(ROOT)

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.web.lakedata import write_lake  # noqa: E402
from tests.web.server import served  # noqa: E402

TARGET_P95_MS = 100.0
TARGET_DRAW_MS = 1500.0
# Every chart and list the pages fetch (the district, category and programme chosen as a
# person would); the district × category breakdown is the district page's.
ENDPOINTS = [
    "/api/cockpit/kpis",
    "/api/cockpit/kpis?district=500103",
    "/api/cockpit/district-growth",
    "/api/cockpit/trend",
    "/api/cockpit/trend?district=500105",
    "/api/cockpit/categories",
    "/api/cockpit/categories?district=500103",
    "/api/cockpit/business-districts?district=500103",
    "/api/cockpit/digital-structure",
    "/api/cockpit/alerts/order-list",
    "/api/cockpit/alerts/open",
    "/api/cockpit/plans/gauges",
    "/api/cockpit/plans/trajectory",
    "/api/cockpit/programmes/budgets",
    "/api/cockpit/programmes/burndown",
    "/api/cockpit/scenarios/sectors",
    "/api/cockpit/scenarios/list",
    "/api/cockpit/data/ingests",
    "/api/cockpit/data/freshness",
    "/api/cockpit/data/quarantine",
]
PAGES = ["/", "/districts?district=500103", "/categories", "/plans", "/alerts", "/programmes"]
PAGES += ["/scenarios", "/data", "/bigscreen"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def is_built(home: Path) -> bool:
    """Whether ``home`` has built indicators (then it is measured as it is)."""
    folder = home / "lake" / "indicator_values"
    return folder.is_dir() and next(folder.rglob("*.parquet"), None) is not None


def prepare(home: Path, *, scale: str, seed: int) -> float:
    """``cockpit demo --no-serve`` into ``home``: the sample city, ingested and built."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COCKPIT_HOME": str(home)}
    env.pop("COCKPIT_DB_URL", None)
    cmd = [sys.executable, "-c", "from cockpit.cli import app; app()", "demo"]
    cmd += ["--scale", scale, "--seed", str(seed), "--no-serve"]
    print(f"preparing {home}: {' '.join(cmd[3:])} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=sys.stderr)
    return round(time.perf_counter() - start, 1)


def table_rows(home: Path, table: str) -> int | None:
    """Rows of lake table ``table`` (from the Parquet footers), None if it is not there."""
    import duckdb

    folder = home / "lake" / table
    if not folder.is_dir() or next(folder.rglob("*.parquet"), None) is None:
        return None
    glob = str(folder / "**" / "*.parquet").replace("'", "''")
    con = duckdb.connect()
    try:
        found = con.execute(
            f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = false, "
            "union_by_name = true)"
        ).fetchone()
    finally:
        con.close()
    return int(found[0]) if found else 0


def signed_in(home: Path, base: str) -> dict[str, str]:
    """The session cookie of an analyst signed in through the sign-in form: every chart is
    measured with its authorisation and scope checks, as people use it."""
    from tests.access.helpers import sign_in
    from tests.web.conftest import user_in

    name, password = user_in(home, "analyst")
    with httpx.Client(base_url=base, timeout=60) as client:
        sign_in(client, name, password)
        return {"cockpit_session": str(client.cookies.get("cockpit_session"))}


def time_endpoints(base: str, n: int, cookies: dict[str, str]) -> list[dict[str, Any]]:
    """Milliseconds per request, over one keep-alive connection; the first (cold: it loads
    the built tables into memory) is reported apart."""
    out = []
    with httpx.Client(base_url=base, timeout=120, cookies=cookies) as client:
        for path in ENDPOINTS:
            start = time.perf_counter()
            first = client.get(path)
            first.raise_for_status()
            cold = (time.perf_counter() - start) * 1000
            times = []
            for _ in range(n):
                start = time.perf_counter()
                client.get(path).raise_for_status()
                times.append((time.perf_counter() - start) * 1000)
            out.append(
                {
                    "endpoint": path,
                    "available": bool(first.json().get("available", True)),
                    "first_ms": round(cold, 1),
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(percentile(times, 0.95), 1),
                    "n": n,
                }
            )
    return out


def open_app() -> Any:
    """The cockpit's app without authorisation, for the baseline only: no request gate (but
    the gate's security headers on every answer, which are not authorisation), and every
    route's permission check answering a fixed analyst (city scope) at once, as if the
    session had been looked up for free. Never served outside this benchmark's process.

    The route's ``Permit`` objects change class, rather than being replaced through
    ``dependency_overrides``, which would make FastAPI rebuild each dependency on every
    request and slow the baseline down."""
    from cockpit.web import auth
    from cockpit.web.app import create_app
    from cockpit.web.guard import Guard, with_security_headers

    analyst = auth.Principal(kind="user", id=0, role="analyst", name="benchmark")

    class Open(auth.Permit):
        async def __call__(self, request: auth.Request) -> auth.Principal:
            request.state.principal = analyst
            request.state.permission = self.permission
            return analyst

    class SecurityHeaders:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            async def sending(message: Any) -> None:
                if message["type"] == "http.response.start":
                    headers = message.get("headers", [])
                    message["headers"] = with_security_headers(headers, https=False)
                await send(message)

            await self.app(scope, receive, sending if scope["type"] == "http" else send)

    app = create_app()
    app.user_middleware = [m for m in app.user_middleware if m.cls is not Guard]
    app.add_middleware(SecurityHeaders)
    for dependency in auth._permits.values():
        dependency.__class__ = Open
    return app


@contextmanager
def served_open(home: Path) -> Iterator[str]:
    """``open_app`` over ``home`` in a uvicorn process on a free loopback port."""
    from tests.web.server import free_port

    port = free_port()
    env = {**os.environ, "COCKPIT_HOME": str(home)}
    env.pop("COCKPIT_DB_URL", None)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--serve-open", str(port)]
    proc = subprocess.Popen(cmd, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError("the baseline server exited")
            try:
                if httpx.get(f"{url}/api/cockpit/periods", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the baseline server did not answer within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` and its threads (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pid(port: int) -> int:
    """The process of ours serving on ``port`` (its command line names the port)."""
    for task in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in task.read_text().split():
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if str(port).encode() in args:
                return int(pid)
    raise RuntimeError(f"no server of ours on port {port}")


def time_authorisation(
    base: str, cookies: dict[str, str], open_base: str, n: int
) -> dict[str, Any]:
    """Each endpoint asked of the app with authorisation and of ``open_app``, alternately
    (the order swapped every request), the same request over one keep-alive connection each
    (``cookies`` sent as a header to both; only the first server reads it); with the CPU
    each server spent on them, which the neighbours' load disturbs far less than latency."""
    rows = []
    pids = [server_pid(int(b.rsplit(":", 1)[1])) for b in (base, open_base)]
    same = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    with (
        httpx.Client(base_url=base, timeout=120, headers=same) as signed,
        httpx.Client(base_url=open_base, timeout=120, headers=same) as bare,
    ):
        for path in ENDPOINTS:
            with_auth: list[float] = []
            without: list[float] = []
            for client in (signed, bare):  # cold answers, not counted
                client.get(path).raise_for_status()
            cpu = [cpu_seconds(pid) for pid in pids]
            for i in range(n):
                pair = [(signed, with_auth), (bare, without)]
                for client, times in pair if i % 2 else pair[::-1]:
                    start = time.perf_counter()
                    client.get(path).raise_for_status()
                    times.append((time.perf_counter() - start) * 1000)
            cpu = [(cpu_seconds(pid) - c) / n * 1000 for pid, c in zip(pids, cpu, strict=True)]
            p95, p95_open = percentile(with_auth, 0.95), percentile(without, 0.95)
            rows.append(
                {
                    "endpoint": path,
                    "cpu_ms": round(cpu[0], 3),
                    "cpu_ms_without": round(cpu[1], 3),
                    "p50_ms": round(statistics.median(with_auth), 2),
                    "p50_ms_without": round(statistics.median(without), 2),
                    "p95_ms": round(p95, 2),
                    "p95_ms_without": round(p95_open, 2),
                    "p95_added": round(p95 / p95_open - 1, 3),
                    "n": n,
                }
            )
    added = [r["p95_added"] for r in rows]
    sum_with = sum(r["p95_ms"] for r in rows)
    sum_without = sum(r["p95_ms_without"] for r in rows)
    cpu_with = sum(r["cpu_ms"] for r in rows) / len(rows)
    cpu_without = sum(r["cpu_ms_without"] for r in rows) / len(rows)
    return {
        "endpoints": rows,
        # Server CPU per chart request, averaged over the endpoints (10 ms clock ticks: read
        # it over all endpoints, not one by one).
        "cpu_ms_per_request": round(cpu_with, 3),
        "cpu_ms_per_request_without": round(cpu_without, 3),
        "cpu_added": round(cpu_with / cpu_without - 1, 3) if cpu_without else None,
        "p95_added_median": round(statistics.median(added), 3),
        # Every chart's p95 together: what a page of charts waits for, with and without.
        "p95_added_all_charts": round(sum_with / sum_without - 1, 3),
        "p50_added_ms_median": round(
            statistics.median(r["p50_ms"] - r["p50_ms_without"] for r in rows), 2
        ),
        "target_met": sum_with / sum_without - 1 <= 0.10,
    }


# What each endpoint is asked when every request must be new: the filters it reads.
VARIED = {
    "/api/cockpit/kpis": ("period", "district", "category"),
    "/api/cockpit/trend": ("district", "category"),
    "/api/cockpit/district-growth": ("period", "category"),
    "/api/cockpit/categories": ("period", "district"),
    "/api/cockpit/business-districts": ("period", "district"),
}


def time_uncached(base: str, n: int, cookies: dict[str, str]) -> list[dict[str, Any]]:
    """Milliseconds per request when every request asks something not asked before (for
    kpis and trend, a district × category pair not asked before), so no remembered answer
    serves it: the computing cost."""
    from cockpit import reference

    out = []
    with httpx.Client(base_url=base, timeout=120, cookies=cookies) as client:
        periods = client.get("/api/cockpit/periods").json()["data"]
        cats = client.get("/api/cockpit/categories").json()
        categories = [i["code"] for i in cats.get("items", [])]
        districts = [d.code for d in reference.districts()]
        if not periods or not categories:
            return out
        for k, (path, keys) in enumerate(VARIED.items()):
            seen: set[tuple[str, ...]] = set()
            times = []
            for i in range(len(periods) * len(districts) * len(categories)):
                j = i + k * n  # each endpoint starts where the one before stopped: all cold
                ask = {
                    "period": periods[-1 - j % len(periods)],
                    "district": districts[j % len(districts)],
                    "category": categories[j // len(districts) % len(categories)],
                }
                params = {k: ask[k] for k in keys}
                if tuple(params.values()) in seen:
                    continue
                seen.add(tuple(params.values()))
                params["lang"] = "en" if i % 2 else "zh-CN"
                start = time.perf_counter()
                client.get(path, params=params).raise_for_status()
                times.append((time.perf_counter() - start) * 1000)
                if len(times) == n:
                    break
            out.append(
                {
                    "endpoint": path,
                    "asks": "+".join(keys),
                    "p50_ms": round(statistics.median(times), 1) if times else None,
                    "p95_ms": round(percentile(times, 0.95), 1) if times else None,
                    "n": len(times),
                }
            )
    return out


def time_pages(base: str, draws: int, cookies: dict[str, str]) -> list[dict[str, Any]]:
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
            context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
            page = context.new_page()
            page.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith(base) else r.abort(),
            )
            times = []
            for i in range(draws + 1):
                page.goto(base + path)
                page.wait_for_function(
                    # A function, not a string: the pages' CSP forbids eval().
                    "() => document.body && document.body.dataset.readyAt",
                    timeout=60_000,
                )
                if i:  # the first load fills the browser cache, as a returning user has
                    times.append(float(page.get_attribute("body", "data-ready-at") or "nan"))
            states = page.eval_on_selector_all(
                "[data-chart], [data-list]", "els => els.map(e => e.dataset.state)"
            )
            context.close()
            out.append(
                {
                    "page": path,
                    "median_ms": round(statistics.median(times)),
                    "max_ms": round(max(times)),
                    "n": draws,
                    "drawn": states.count("drawn"),
                    "no_data": states.count("nodata"),
                    "errors": states.count("error"),
                }
            )
        browser.close()
    return out


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """The slowest figures against issue 9's targets."""
    p95 = max(e["p95_ms"] for e in result["endpoints"])
    fresh = [e["p95_ms"] for e in result["uncached"] if e["p95_ms"] is not None]
    draw = max((p["max_ms"] for p in result["pages"]), default=0)
    return {
        "api_p95_ms_worst": p95,
        "api_p95_ms_worst_uncached": max(fresh) if fresh else None,
        "api_first_ms_worst": max(e["first_ms"] for e in result["endpoints"]),
        "page_draw_ms_worst": draw,
        "api_target_met": p95 <= TARGET_P95_MS and max(fresh or [0]) <= TARGET_P95_MS,
        "page_target_met": draw <= TARGET_DRAW_MS,
        "charts_not_drawn": sum(p["no_data"] + p["errors"] for p in result["pages"]),
    }


def report(result: dict[str, Any]) -> str:
    """The figures as text tables."""
    lines = [
        f"machine: {result['machine']}",
        f"home: {result['home']} ({result['data']})",
        "",
        f"{'endpoint':<52} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}",
    ]
    for e in result["endpoints"]:
        flag = "" if e["available"] else "  (no data)"
        lines.append(
            f"{e['endpoint']:<52} {e['first_ms']:>9} {e['p50_ms']:>8} {e['p95_ms']:>8}{flag}"
        )
    lines += ["", f"{'every request new (uncached)':<52} {'':>9} {'p50 ms':>8} {'p95 ms':>8}"]
    for e in result["uncached"]:
        name = f"{e['endpoint']} ({e['asks']})"
        lines.append(f"{name:<52} {'':>9} {e['p50_ms']!s:>8} {e['p95_ms']!s:>8}")
    lines += ["", f"{'page':<52} {'median ms':>9} {'max ms':>8} {'drawn':>8}"]
    for p in result["pages"]:
        extra = f"  ({p['no_data']} no data, {p['errors']} errors)" if p["no_data"] else ""
        lines.append(f"{p['page']:<52} {p['median_ms']:>9} {p['max_ms']:>8} {p['drawn']:>8}{extra}")
    auth = result.get("authorisation")
    if auth:
        lines += [
            "",
            f"{'with / without authorisation':<52} {'p50 ms':>13} {'p95 ms':>13} {'p95 +':>6}",
        ]
        for e in auth["endpoints"]:
            lines.append(
                f"{e['endpoint']:<52} {e['p50_ms']:>6}/{e['p50_ms_without']:<6} "
                f"{e['p95_ms']:>6}/{e['p95_ms_without']:<6} {e['p95_added']:>+6.0%}"
            )
        lines.append(
            f"authorisation adds {auth['p95_added_all_charts']:+.1%} to the charts' p95 "
            f"(sum over endpoints; median per endpoint {auth['p95_added_median']:+.1%}, "
            f"median p50 {auth['p50_added_ms_median']:+} ms; target +10%) "
            f"{'MET' if auth['target_met'] else 'NOT MET'}"
        )
        lines.append(
            f"server CPU per chart request: {auth['cpu_ms_per_request']} ms with, "
            f"{auth['cpu_ms_per_request_without']} ms without authorisation "
            f"({auth['cpu_added']:+.1%})"
        )
    if not result["endpoints"]:
        return "\n".join(lines)
    s = result["summary"]
    lines += [
        "",
        f"chart API p95, slowest endpoint: {s['api_p95_ms_worst']} ms "
        f"(uncached {s['api_p95_ms_worst_uncached']} ms; target {TARGET_P95_MS:.0f} ms) "
        f"{'MET' if s['api_target_met'] else 'NOT MET'}",
        f"page fully drawn, slowest load: {s['page_draw_ms_worst']} ms "
        f"(target {TARGET_DRAW_MS:.0f} ms) {'MET' if s['page_target_met'] else 'NOT MET'}",
    ]
    return "\n".join(lines)


def describe(home: Path) -> str:
    tx = table_rows(home, "transactions")
    ind = table_rows(home, "indicator_values")
    parts = [f"{tx:,} transactions" if tx is not None else "no transactions table"]
    parts.append(f"{ind:,} indicator rows" if ind is not None else "no indicators")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--scale", default="medium", help="sample-city scale to build (medium: ~10M payments)"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the sample city")
    parser.add_argument(
        "--home", type=Path, help="COCKPIT_HOME to measure (built first unless it is)"
    )
    parser.add_argument("--rebuild", action="store_true", help="run cockpit demo even if built")
    parser.add_argument(
        "--synthetic", action="store_true", help="the test suite's tables, not a sample city"
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--draws", type=int, default=5, help="page loads per page")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--no-pages", action="store_true", help="measure the API only")
    parser.add_argument(
        "--authorisation",
        action="store_true",
        help="also compare every chart with and without authorisation (issue 25)",
    )
    parser.add_argument("--authorisation-only", action="store_true", help="only that comparison")
    parser.add_argument("--serve-open", type=int, help=argparse.SUPPRESS)  # open_app's server
    args = parser.parse_args()
    if args.serve_open:  # as ``cockpit serve`` runs the app in development mode
        import uvicorn

        uvicorn.run(
            open_app(), host="127.0.0.1", port=args.serve_open, log_level="warning",
            proxy_headers=False,
        )  # fmt: skip
        return
    only_auth = args.authorisation_only
    prepared = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.synthetic:
            from tests.web.roomdata import fill_rooms

            home = args.home or Path(tmp)
            write_lake(home)
            fill_rooms(home)
            data = "tests/web/lakedata.py tables"
        else:
            home = args.home or Path(tempfile.gettempdir()) / (
                f"cockpit-bench-{args.scale}-{args.seed}"
            )
            if args.rebuild and home.exists():
                shutil.rmtree(home)
            if args.rebuild or not is_built(home):
                prepared = prepare(home, scale=args.scale, seed=args.seed)
            data = describe(home)
        with served(home) as base:
            cookies = signed_in(home, base)
            result: dict[str, Any] = {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}",
                "home": str(home),
                "data": data,
                "prepare_s": prepared,
                "endpoints": [] if only_auth else time_endpoints(base, args.requests, cookies),
                "uncached": [] if only_auth else time_uncached(base, args.requests, cookies),
                "pages": [],
            }
            if args.authorisation or only_auth:
                with served_open(home) as open_base:
                    result["authorisation"] = time_authorisation(
                        base, cookies, open_base, args.requests
                    )
            if not (args.no_pages or only_auth):
                result["pages"] = time_pages(base, args.draws, cookies)
            result["load_average_at_end"] = round(os.getloadavg()[0], 1)
    if result["endpoints"]:
        result["summary"] = summary(result)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(report(result))


if __name__ == "__main__":
    main()
