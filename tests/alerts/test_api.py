"""The HTTP API the cockpit pages use: list, one alert, ack and resolve with an operator key,
and the Order + List."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cockpit.alerts.findings import Finding
from cockpit.alerts.lifecycle import record_findings
from tests.alerts.lakes import write_small_lake


def finding(subject: str, severity: str) -> Finding:
    return Finding(
        rule_id="r",
        kind="threshold",
        severity=severity,
        subject=subject,
        period="2025-06",
        title_zh="标题",
        title_en="Title",
        summary_zh="摘要",
        summary_en="Summary",
        evidence={"x": 1},
    )


@pytest.fixture
def client(db: Engine) -> TestClient:
    from cockpit.web.app import install_error_handlers
    from cockpit.web.auth import create_api_key
    from cockpit.web.routes.alerts import router

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    # Reads need a principal too: an operator system's key by default.
    reader = create_api_key(role="operator", name="reader").token
    return TestClient(app, headers={"X-API-Key": reader})


def key(role: str) -> dict[str, str]:
    from cockpit.web.auth import create_api_key

    return {"Authorization": f"Bearer {create_api_key(role=role, name=f'{role}-1').token}"}


def test_list_returns_data_and_count_filtered(client: TestClient, db: Engine) -> None:
    record_findings(findings=[finding("a", "info"), finding("b", "critical")], engine=db)
    body = client.get("/api/alerts").json()
    assert body["count"] == 2
    assert [a["severity"] for a in body["data"]] == ["critical", "info"]
    assert "dedupe_key" not in body["data"][0]  # internal fields stay inside
    only = client.get("/api/alerts", params={"severity": "info"}).json()
    assert [a["subject"] for a in only["data"]] == ["a"]
    assert client.get("/api/alerts", params={"status": "nonsense"}).status_code == 422


def test_ack_and_resolve_need_an_operator_key(client: TestClient, db: Engine) -> None:
    (alert_id,) = record_findings(findings=[finding("a", "warning")], engine=db).opened
    nobody = {"X-API-Key": ""}
    assert client.post(f"/api/alerts/{alert_id}/ack", json={}, headers=nobody).status_code == 401
    assert (
        client.post(f"/api/alerts/{alert_id}/ack", json={}, headers=key("merchant")).status_code
        == 403
    )
    operator = key("operator")
    acked = client.post(f"/api/alerts/{alert_id}/ack", json={"comment": "在查"}, headers=operator)
    assert acked.status_code == 200
    assert acked.json()["acknowledged_by"] == "operator-1"
    assert acked.json()["acknowledged_comment"] == "在查"
    done = client.post(
        f"/api/alerts/{alert_id}/resolve", json={"comment": "好了"}, headers=operator
    )
    assert done.json()["status"] == "resolved"
    again = client.post(f"/api/alerts/{alert_id}/ack", json={}, headers=operator)
    assert again.status_code == 409
    assert client.post("/api/alerts/999/resolve", json={}, headers=operator).status_code == 404
    assert client.get(f"/api/alerts/{alert_id}").json()["resolved_comment"] == "好了"


def test_orderlist_endpoint_lists_the_enterprises_with_trends(
    client: TestClient, cockpit_home: Path
) -> None:
    write_small_lake(cockpit_home)
    body = client.get("/api/alerts/orderlist", params={"months": 6}).json()
    assert body["count"] == 2
    e1 = next(r for r in body["data"] if r["enterprise_id"] == "E1")
    assert e1["last_month"] == "2025-06"
    assert len(e1["trend_new_orders_fen"]) == 6
    assert e1["warnings"][0]["rule_id"] == "orderlist-new-orders-drop"
