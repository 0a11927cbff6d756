"""The HTTP API over a real loopback server: open reads, role-keyed writes, clear refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cockpit.db import upgrade
from cockpit.scenarios import ocds, sample
from cockpit.web.app import install_error_handlers
from cockpit.web.auth import create_api_key
from cockpit.web.routes.scenarios import router
from tests.live import live_server


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[httpx.Client]:
    upgrade()
    # The API signs at the current time: keep the sample's deadlines ahead of it.
    data = sample.sample_data()
    ahead = date.today() + timedelta(days=365)
    data.scenarios = [n.model_copy(update={"deadline": ahead}) for n in data.scenarios]
    sample.load_sample(data=data)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    # Reads need a principal too: an analyst's view, through a unit system's key.
    reader = {"X-API-Key": create_api_key(role="unit", name="reader").token}
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30, headers=reader) as http:
        yield http


def key(role: str, name: str) -> dict[str, str]:
    return {"X-API-Key": create_api_key(role=role, name=name).token}


@pytest.mark.slow
def test_list_filters_and_matches_are_open_to_read(client: httpx.Client) -> None:
    listed = client.get("/api/scenarios", params={"sector": "city", "district": "500108"}).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == "S29"
    matches = client.get("/api/scenarios/S29/matches", params={"limit": 3}).json()
    assert matches["data"][0]["id"] == "P39" and "parts" in matches["data"][0]
    firms = client.get("/api/scenarios/S29/matches", params={"kind": "firms"}).json()
    assert firms["data"][0]["id"] == "F25"
    assert client.get("/api/scenarios/S99").json()["code"] == "not_found"
    vocab = client.get("/api/scenarios/vocab").json()
    assert {"code": "culture_tourism", "zh": "文旅元宇宙", "en": "Culture and tourism"} in vocab[
        "sectors"
    ]
    assert len(vocab["states"]) == 10 and len(vocab["capabilities"]) == 20


def test_a_call_runs_through_the_api_with_each_role_signing(client: httpx.Client) -> None:
    unit, op = key("unit", "南岸区城市管理局"), key("operator", "平台运营")
    f25, f23, r1 = key("firm", "F25"), key("firm", "F23"), key("reviewer", "R1")
    call = client.post(
        "/api/scenarios/calls", json={"scenario_id": "S29", "call_id": "C9"}, headers=unit
    )
    assert call.status_code == 201, call.text
    for step in ("publish", "open"):
        assert client.post(
            f"/api/scenarios/calls/C9/steps/{step}", json={}, headers=unit
        ).is_success
    apps = {}
    for firm_key, firm in ((f25, "F25"), (f23, "F23")):
        made = client.post(
            "/api/scenarios/calls/C9/applications",
            headers=firm_key,
            json={
                "proposal_zh": f"{firm}桥梁健康监测实施方案，含传感器布设。",
                "price_fen": 150_000_000,
            },
        )
        assert made.status_code == 201, made.text
        apps[firm] = made.json()["id"]
    client.post("/api/scenarios/calls/C9/steps/close", json={}, headers=unit)
    seat = client.post(
        "/api/scenarios/calls/C9/panel", headers=op, json={"reviewer_id": "R1", "name": "赵工"}
    )
    assert seat.status_code == 201
    for firm, tech in (("F25", 92), ("F23", 75)):
        sheet = {"technical": tech, "capability": 80, "feasibility": 80, "price": 80}
        scored = client.post(
            f"/api/scenarios/calls/C9/applications/{apps[firm]}/scores",
            json={"sheet": sheet},
            headers=r1,
        )
        assert scored.status_code == 201, scored.text
    client.post("/api/scenarios/calls/C9/steps/review", json={}, headers=op)
    awarded = client.post("/api/scenarios/calls/C9/steps/award", json={}, headers=op).json()
    assert awarded["award_application_id"] == apps["F25"]
    timeline = client.get("/api/scenarios/calls/C9/timeline").json()
    signed = {(e["action"], e["role"], e["actor"]) for e in timeline["data"]}
    assert ("publish", "unit", "南岸区城市管理局") in signed and (
        "award",
        "operator",
        "平台运营",
    ) in signed
    package = client.get("/api/scenarios/ocds").json()
    assert ocds.validate_package(package) == []
    assert package["releases"][0]["awards"][0]["suppliers"][0]["id"] == "F25"


def test_wrong_role_or_wrong_state_is_refused_clearly(client: httpx.Client) -> None:
    unit, firm = key("unit", "南岸区城市管理局"), key("firm", "F25")
    nobody = {"X-API-Key": ""}
    assert (
        client.post("/api/scenarios/calls", json={"scenario_id": "S29"}, headers=nobody).status_code
        == 401
    )
    assert (
        client.post("/api/scenarios/calls", json={"scenario_id": "S29"}, headers=firm).status_code
        == 403
    )
    call_id = client.post("/api/scenarios/calls", json={"scenario_id": "S29"}, headers=unit).json()[
        "id"
    ]
    late = client.post(f"/api/scenarios/calls/{call_id}/steps/award", json={}, headers=unit)
    assert late.status_code == 409
    assert "cannot award" in late.json()["message"]
    wrong = client.post(f"/api/scenarios/calls/{call_id}/steps/publish", json={}, headers=firm)
    assert wrong.status_code == 403 and wrong.json()["code"] == "not_allowed"
    bad = client.post(
        "/api/scenarios/calls",
        headers=unit,
        json={"scenario_id": "S29", "criteria": [{"code": "a", "name_zh": "甲", "weight": 50}]},
    )
    assert bad.status_code == 422 and "add up to 100" in bad.json()["message"]
