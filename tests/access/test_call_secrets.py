"""Calls keep their secrets: bids and score sheets for the owner unit and seated reviewers,
until the award publishes them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cockpit.db import upgrade
from cockpit.scenarios import sample, walkthrough
from cockpit.web.auth import create_api_key
from tests.access.helpers import sign_in_as

PRICE = 123_456_789


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    upgrade()
    data = sample.sample_data()
    ahead = date.today() + timedelta(days=365)
    data.scenarios = [n.model_copy(update={"deadline": ahead}) for n in data.scenarios]
    sample.load_sample(data=data)
    with TestClient(create_app()) as c:
        yield c


def key(role: str, name: str) -> dict[str, str]:
    return {"X-API-Key": create_api_key(role=role, name=name).token}


@pytest.fixture
def open_call(client: TestClient) -> dict[str, dict[str, str]]:
    """Call C9 drafted by one unit, a bid from F25, reviewer R1 seated (R2 not)."""
    keys = {
        "owner": key("unit", "南岸区城市管理局"), "other_unit": key("unit", "江北区商务委"),
        "operator": key("operator", "平台运营"), "f25": key("firm", "F25"),
        "f23": key("firm", "F23"), "r1": key("reviewer", "R1"), "r2": key("reviewer", "R2"),
    }  # fmt: skip
    post = client.post
    assert post("/api/scenarios/calls", json={"scenario_id": "S29", "call_id": "C9"},
                headers=keys["owner"]).status_code == 201  # fmt: skip
    for step in ("publish", "open"):
        assert post(
            f"/api/scenarios/calls/C9/steps/{step}", json={}, headers=keys["owner"]
        ).is_success
    bid = {"proposal_zh": "桥梁健康监测实施方案，含传感器布设。", "price_fen": PRICE}
    assert post("/api/scenarios/calls/C9/applications", json=bid, headers=keys["f25"]).is_success
    for reviewer in ("R1", "R2"):
        seat = {"reviewer_id": reviewer, "name": f"专家{reviewer}"}
        post("/api/scenarios/calls/C9/panel", json=seat, headers=keys["operator"])
    return keys


def test_before_the_award_only_insiders_read_bids(
    client: TestClient, open_call: dict[str, dict[str, str]]
) -> None:
    timeline = "/api/scenarios/calls/C9/timeline"
    proposals = "/api/scenarios/calls/C9/applications"
    for insider in ("owner", "r1"):
        assert str(PRICE) in client.get(timeline, headers=open_call[insider]).text
        assert client.get(proposals, headers=open_call[insider]).json()["count"] == 1
    for outsider in ("other_unit", "f23", "operator"):
        body = client.get(timeline, headers=open_call[outsider]).json()
        assert str(PRICE) not in str(body)
        applied = next(e for e in body["data"] if e["action"] == "apply")
        assert applied["detail"] == {"withheld": "until the award"}
        assert client.get(proposals, headers=open_call[outsider]).status_code == 403
    sign_in_as(client, "auditor")  # reads everything, changes nothing
    assert str(PRICE) in client.get(timeline).text


def test_a_reviewer_not_seated_on_the_call_reads_no_bids(
    client: TestClient, open_call: dict[str, dict[str, str]]
) -> None:
    client.post(
        "/api/scenarios/calls/C9/conflicts",
        json={"reason": "former employer", "reviewer_id": "R2"},
        headers=open_call["operator"],
    )
    # R2 is seated too; an unseated reviewer key is refused.
    stranger = key("reviewer", "R9")
    assert str(PRICE) not in client.get("/api/scenarios/calls/C9/timeline", headers=stranger).text
    answer = client.get("/api/scenarios/calls/C9/applications", headers=stranger)
    assert answer.status_code == 403 and answer.json()["code"] == "call_secret"


def test_after_the_award_everyone_reads_the_score_sheets(client: TestClient) -> None:
    walkthrough.run_sample_call()
    sign_in_as(client, "leader")
    timeline = client.get(f"/api/scenarios/calls/{walkthrough.CALL_ID}/timeline").json()
    scored = [e for e in timeline["data"] if e["action"] == "score"]
    assert scored and all("withheld" not in e["detail"] for e in scored)
