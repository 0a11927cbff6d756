"""Security headers on every answer, no inline script on any page, an access log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cockpit.db import ensure_schema
from tests.access.helpers import sign_in_as
from tests.web.lakedata import write_lake

PAGES = ("/", "/districts", "/categories", "/plans", "/alerts", "/programmes", "/scenarios",
         "/data", "/data/quarantine", "/bigscreen", "/login")  # fmt: skip


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    write_lake(cockpit_home)
    ensure_schema()
    with TestClient(create_app()) as c:
        sign_in_as(c, "programme_officer")
        yield c


def script_src(headers: object) -> str:
    csp = str(headers["content-security-policy"])  # type: ignore[index]
    return next(p for p in csp.split(";") if p.strip().startswith("script-src"))


def test_every_page_has_the_headers_and_no_inline_script(client: TestClient) -> None:
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        assert "'unsafe-inline'" not in script_src(page.headers)
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "same-origin"
        assert page.headers["x-content-type-options"] == "nosniff"
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page.text)
        assert inline == [], f"{path} has inline script"
    assert "strict-transport-security" not in client.get("/").headers  # plain HTTP here


def test_api_answers_and_refusals_carry_them_too(client: TestClient) -> None:
    for answer in (client.get("/api/cockpit/periods"), client.get("/api/cockpit/kpis?period=x")):
        assert "content-security-policy" in answer.headers


def test_hsts_is_sent_behind_tls(cockpit_home: Path) -> None:
    from cockpit.web.app import create_app

    ensure_schema()
    with TestClient(create_app(), base_url="https://testserver") as c:
        assert c.get("/login").headers["strict-transport-security"].startswith("max-age=")


def test_swagger_ui_runs_its_one_inline_script_by_hash(client: TestClient) -> None:
    docs = client.get("/docs")
    allowed = script_src(docs.headers)
    assert "'sha256-" in allowed and "'unsafe-inline'" not in allowed


def test_every_request_is_logged_with_its_caller(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="cockpit.web.access"):
        client.get("/api/cockpit/periods")
    line = next(r.getMessage() for r in caplog.records if "/api/cockpit/periods" in r.getMessage())
    assert " user:programme-officer-" in line and " GET /api/cockpit/periods 200 " in line
