"""The cockpit served for real (``cockpit serve`` in a subprocess) and Debian's Chromium.

No browser is ever downloaded: Playwright drives /usr/bin/chromium. Every request to a
host other than the app is aborted and recorded, so a page that needs the internet fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.access.helpers import make_user, sign_in
from tests.web.lakedata import write_lake
from tests.web.roomdata import fill_rooms
from tests.web.server import served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


# Base URL → (user name, password) of the person the browser signs in as there.
SIGN_IN: dict[str, tuple[str, str]] = {}
USERS: dict[str, tuple[str, str]] = {}
_API_CLIENTS: dict[str, httpx.Client] = {}


def api(base: str) -> httpx.Client:
    """An HTTP client signed in to the cockpit served at ``base`` as its test user (with the
    session's CSRF header), for tests that read or post to the API beside a browser."""
    if base not in _API_CLIENTS:
        client = httpx.Client(base_url=base, timeout=60)
        sign_in(client, *SIGN_IN[base])
        _API_CLIENTS[base] = client
    return _API_CLIENTS[base]


def user_in(home: Path, role: str) -> tuple[str, str]:
    """An account of ``role`` in ``home``'s database (migrated first)."""
    from cockpit.db import make_engine, upgrade

    url = f"sqlite:///{home / 'cockpit.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        return make_user(role, engine=engine)
    finally:
        engine.dispose()


def store_alerts(home: Path) -> None:
    """Two open alerts in ``home``'s database, through the alerts room."""
    from cockpit.alerts import Finding, record_findings
    from cockpit.db import make_engine, upgrade

    url = f"sqlite:///{home / 'cockpit.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    findings = [
        Finding(
            rule_id="district_yoy_below_zero",
            kind="threshold",
            severity=severity,
            subject=f"region_code={code}",
            period="2025-12",
            title_zh=f"{zh}零售额同比下降",
            title_en=f"Retail sales fell in {en}",
            summary_zh="同比 -3.2%",
            summary_en="YoY -3.2%",
            evidence={"yoy": -3.2},
        )
        for code, zh, en, severity in [
            ("500103", "渝中区", "Yuzhong", "critical"),
            ("500105", "江北区", "Jiangbei", "warning"),
        ]
    ]
    record_findings(findings=findings, engine=engine)
    engine.dispose()


@pytest.fixture(scope="session")
def web_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A COCKPIT_HOME with built tables (indicators, forecasts, ingests, quarantine, the
    Order + List), a voucher round, the scenario sample with one call, two open alerts."""
    home = tmp_path_factory.mktemp("web-home")
    write_lake(home)
    fill_rooms(home)
    store_alerts(home)
    USERS["officer"] = user_in(home, "programme_officer")
    USERS["leader"] = user_in(home, "leader")
    return home


@pytest.fixture(scope="session")
def live_url(web_home: Path) -> Iterator[str]:
    with served(web_home) as url:
        SIGN_IN[url] = USERS["officer"]
        yield url


@pytest.fixture(scope="session")
def empty_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The cockpit over a home where nothing has been ingested or built."""
    home = tmp_path_factory.mktemp("empty-home")
    user = user_in(home, "programme_officer")
    with served(home) as url:
        SIGN_IN[url] = user
        yield url


def sign_in_page(page: Any, user: tuple[str, str]) -> None:
    """Fill in the sign-in form the cockpit redirected ``page`` to, and submit it."""
    page.fill("#username", user[0])
    page.fill("#password", user[1])
    with page.expect_navigation():
        page.click("#signin-submit")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """A page with what went wrong on it: console errors, page errors, blocked requests."""

    page: Any
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.blocked == [], f"requests outside the app: {self.blocked}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.failed == [], f"failed requests: {self.failed}"


def watch(context: Any, base_url: str) -> Watched:
    """A new page in ``context`` that only reaches ``base_url``."""
    page = context.new_page()
    watched = Watched(page)

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            watched.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on(
        "response",
        lambda r: watched.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return watched


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
    yield ctx
    ctx.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
