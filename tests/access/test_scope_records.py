"""District scope beyond the lake: alerts naming a firm, anti-fraud flags, subsidy applications.

A district official reads those of their own districts (filtered in ``cockpit.access.scope``,
never refused wholesale); city-wide readers read them all; aggregates stay for everyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cockpit.db import ensure_schema
from cockpit.web.auth import create_api_key
from tests.access.helpers import sign_in_as
from tests.access.records import PARTIES, VOUCHERS, Seeded, seed_records
from tests.web.lakedata import write_lake

YUZHONG, JIANGBEI = "500103", "500105"


@pytest.fixture
def seeded(cockpit_home: Path) -> Iterator[Seeded]:
    write_lake(cockpit_home)
    ensure_schema()
    yield seed_records()


def as_user(role: str, districts: list[str] | None = None) -> TestClient:
    from cockpit.web.app import create_app

    client = TestClient(create_app())
    sign_in_as(client, role, districts=districts)
    return client


def test_an_official_reads_alerts_about_firms_of_their_district_only(seeded: Seeded) -> None:
    official = as_user("district_official", [YUZHONG])
    own, foreign = PARTIES[YUZHONG], PARTIES[JIANGBEI]
    for path in ("/api/alerts", "/api/cockpit/alerts/open?limit=50", "/alerts?lang=en"):
        body = official.get(path).text
        assert own[1] in body and foreign[1] not in body and foreign[0] not in body, path
        assert "retail sales fell" in body.lower() or "零售额" in body, path  # the aggregate
    assert official.get(f"/api/alerts/{seeded.alerts[YUZHONG]}").status_code == 200
    hidden = official.get(f"/api/alerts/{seeded.alerts[JIANGBEI]}")
    assert hidden.status_code == 404 and foreign[1] not in hidden.text
    leader = as_user("leader").get("/api/alerts").text
    assert own[1] in leader and foreign[1] in leader


def test_a_firm_key_reads_no_other_firms_alerts(seeded: Seeded) -> None:
    from cockpit.web.app import create_app

    client = TestClient(create_app())
    client.headers["X-API-Key"] = create_api_key(role="firm", name="91500000MA5U000A1A").token
    body = client.get("/api/alerts").text
    assert all(p[1] not in body for p in PARTIES.values())
    assert "Yuzhong retail sales fell" in body


def test_an_official_reads_flags_of_their_districts_merchants_only(seeded: Seeded) -> None:
    official = as_user("district_official", [JIANGBEI])
    flags = official.get(f"/api/programmes/{VOUCHERS}/flags")
    assert flags.status_code == 200
    subjects = " ".join(f["subject"] for f in flags.json()["data"])
    assert PARTIES[JIANGBEI][2] in subjects and PARTIES[YUZHONG][2] not in subjects
    assert {f["district_code"] for f in flags.json()["data"]} == {JIANGBEI}
    page = official.get(f"/programmes?programme={VOUCHERS}").text
    assert PARTIES[JIANGBEI][2] in page and PARTIES[YUZHONG][2] not in page
    auditor = as_user("auditor").get(f"/api/programmes/{VOUCHERS}/flags").text
    assert PARTIES[JIANGBEI][2] in auditor and PARTIES[YUZHONG][2] in auditor
    # A leader may not read flags at all: the programmes page has no flags table. (The
    # leader reads the city's redemptions, merchant ids included: records.read, city-wide.)
    leader_page = as_user("leader").get(f"/programmes?programme={VOUCHERS}").text
    assert 'id="flags"' in official.get(f"/programmes?programme={VOUCHERS}").text
    assert 'id="flags"' not in leader_page


def test_an_official_reads_applications_of_their_district_only(seeded: Seeded) -> None:
    official = as_user("district_official", [YUZHONG])
    own = official.get(f"/api/programmes/applications/{seeded.applications[YUZHONG]}")
    assert own.status_code == 200 and own.json()["applicant"] == PARTIES[YUZHONG][3]
    other = official.get(f"/api/programmes/applications/{seeded.applications[JIANGBEI]}")
    assert other.status_code == 404 and PARTIES[JIANGBEI][3] not in other.text
    auditor = as_user("auditor")
    for district in (YUZHONG, JIANGBEI):
        path = f"/api/programmes/applications/{seeded.applications[district]}"
        assert auditor.get(path).status_code == 200
