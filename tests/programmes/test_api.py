"""The programmes HTTP API over real HTTP (uvicorn on loopback): roles, 4xx, idempotency."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from cockpit.db import get_engine, upgrade
from cockpit.programmes import spending, vouchers
from cockpit.programmes.rules import shipped
from cockpit.web.app import install_error_handlers
from cockpit.web.auth import create_api_key
from cockpit.web.routes import programmes as routes
from tests.live import live_server
from tests.programmes.helpers import car_facts, resident_id, voucher_programme

CODE = "api-vouchers"


@dataclass
class Api:
    http: httpx.Client
    keys: dict[str, str]

    def post(self, role: str, path: str, body: Mapping[str, object]) -> httpx.Response:
        return self.http.post(path, json=body, headers={"X-API-Key": self.keys[role]})

    def get(self, role: str, path: str) -> httpx.Response:
        return self.http.get(path, headers={"X-API-Key": self.keys[role]})


@pytest.fixture
def api(cockpit_home: Path) -> Iterator[Api]:
    upgrade()
    vouchers.install_programme(programme=voucher_programme(CODE, packs=5))
    vouchers.install_programme(programme=shipped("chongqing-car-2023"))
    vouchers.open_round(programme_code=CODE, no=1, parts=2)
    spending.enrol_merchants(
        programme_code=CODE,
        merchants=[{"merchant_id": "m-food", "category_code": "RS01", "district_code": "500103"}],
    )
    keys = {
        role: create_api_key(role=role, name=name).token
        for role, name in (
            ("claimant_app", "app"),
            ("merchant", "m-food"),
            ("reviewer", "Officer Li"),
            ("operator", "ops"),
        )
    }
    keys["other_merchant"] = create_api_key(role="merchant", name="m-other").token
    keys["checker"] = create_api_key(role="reviewer", name="Officer Wang").token
    keys["operator2"] = create_api_key(role="operator", name="ops-2").token
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(routes.router)
    with live_server(app) as base, httpx.Client(base_url=base) as http:
        yield Api(http, keys)


def _claim(api: Api, key: str, id_number: str, phone: str) -> httpx.Response:
    return api.post(
        "claimant_app",
        f"/api/programmes/{CODE}/rounds/1/claims",
        {"idempotency_key": key, "id_number": id_number, "phone": phone, "device": f"d-{phone}"},
    )


def _consent(api: Api, holder: str, voucher_id: str) -> str:
    got = api.post(
        "claimant_app",
        "/api/programmes/consents",
        {"id_number": holder, "voucher_id": voucher_id},
    )
    assert got.status_code == 201, got.text
    return str(got.json()["consent"])


def test_claim_then_retry_then_same_person_again(api: Api) -> None:
    first = _claim(api, "key-00001", resident_id(1), "13800000001")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["holder"].startswith("ps:") and len(body["vouchers"]) == 5
    again = _claim(api, "key-00001", resident_id(1), "13800000001")
    assert again.json()["claim_id"] == body["claim_id"] and again.json()["replayed"]
    same_phone = _claim(api, "key-00002", resident_id(2), "13800000001")
    assert same_phone.status_code == 409
    assert same_phone.json()["code"] == "limit_reached"
    with get_engine().connect() as conn:
        stored = " ".join(
            str(v) for row in conn.execute(text("SELECT * FROM prog_claims")) for v in row
        )
    assert resident_id(1) not in stored and "13800000001" not in stored


def test_wrong_role_missing_key_and_bad_body_change_nothing(api: Api) -> None:
    path = f"/api/programmes/{CODE}/rounds/1/claims"
    ok_body = {"idempotency_key": "key-00009", "id_number": resident_id(9)}
    assert api.post("merchant", path, ok_body).status_code == 403
    assert api.http.post(path, json=ok_body).status_code == 401
    bad = api.post("claimant_app", path, {"idempotency_key": "short", "id_number": "x"})
    assert bad.status_code == 422
    assert (
        api.post("claimant_app", f"/api/programmes/{CODE}/rounds/7/claims", ok_body).status_code
        == 404
    )
    with get_engine().connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM prog_claims")).scalar_one() == 0


def test_redeem_by_the_merchant_named_on_the_key_spends_the_voucher_first(api: Api) -> None:
    claim = _claim(api, "key-00003", resident_id(3), "13800000003").json()
    twenty = next(v for v in claim["vouchers"] if v["face_fen"] == 2000)
    body = {
        "idempotency_key": "pay-00001",
        "voucher_id": twenty["voucher_id"],
        "merchant_id": "m-food",
        "txn_id": "T1",
        "bill_fen": 7000,
        "consent": _consent(api, resident_id(3), twenty["voucher_id"]),
    }
    under = api.post("merchant", "/api/programmes/redemptions", body)
    assert under.status_code == 422 and "threshold" in under.json()["message"]
    assert (
        api.post(
            "other_merchant", "/api/programmes/redemptions", {**body, "bill_fen": 9000}
        ).status_code
        == 403
    )
    paid = api.post("merchant", "/api/programmes/redemptions", {**body, "bill_fen": 9000})
    assert paid.status_code == 201, paid.text
    assert (paid.json()["voucher_fen"], paid.json()["own_fen"]) == (2000, 7000)
    refund = api.post(
        "merchant",
        "/api/programmes/refunds",
        {
            "idempotency_key": "ref-00001",
            "merchant_id": "m-food",
            "txn_id": "T1",
            "amount_fen": 1000,
        },
    )
    assert refund.json()["outcome"] == "own_only"
    status = api.get("operator", f"/api/programmes/{CODE}").json()
    assert status["redeemed_voucher_fen"] == 2000 and status["rounds"][0]["packs_claimed"] == 1
    assert api.get("operator", "/api/programmes/ledger/verify").json()["ok"] is True


def test_car_subsidy_apply_review_disburse_once(api: Api) -> None:
    applied = api.post(
        "claimant_app",
        "/api/programmes/chongqing-car-2023/applications",
        {
            "idempotency_key": "app-00001",
            "applicant": resident_id(10, born="19800101"),
            "facts": car_facts(159800, "INV-1"),
        },
    )
    assert applied.status_code == 201, applied.text
    app = applied.json()
    assert app["amount_fen"] == 200_000 and "100,000" in app["decision"]["lines"][0]["en"]
    aid = app["application_id"]
    no_reason = api.post(
        "reviewer",
        f"/api/programmes/applications/{aid}/review",
        {"idempotency_key": "rev-00001", "decision": "reject"},
    )
    assert no_reason.status_code == 422
    approve = {"idempotency_key": "rev-00002", "decision": "approve"}
    proposed = api.post("reviewer", f"/api/programmes/applications/{aid}/review", approve)
    assert proposed.json()["status"] == "submitted"
    assert "awaiting another officer" in proposed.json()["awaiting_check"]
    again = {**approve, "idempotency_key": "rev-00003"}
    same = api.post("reviewer", f"/api/programmes/applications/{aid}/review", again)
    assert same.status_code == 403 and same.json()["code"] == "four_eyes"
    approved = api.post("checker", f"/api/programmes/applications/{aid}/review", approve)
    assert approved.json()["status"] == "approved" and approved.json()["reviewer"] == "Officer Wang"
    pay = {"idempotency_key": "dis-00001"}
    asked = api.post("operator", f"/api/programmes/applications/{aid}/disburse", pay)
    assert asked.json()["status"] == "approved" and asked.json()["awaiting_check"]
    first = api.post("operator2", f"/api/programmes/applications/{aid}/disburse", pay)
    retry = api.post("operator2", f"/api/programmes/applications/{aid}/disburse", pay)
    assert first.json() == retry.json() and first.json()["status"] == "disbursed"
    twice = api.post(
        "operator", f"/api/programmes/applications/{aid}/disburse", {"idempotency_key": "dis-00002"}
    )
    assert twice.status_code == 409
    bad_facts = api.post(
        "claimant_app",
        "/api/programmes/chongqing-car-2023/applications",
        {
            "idempotency_key": "app-00002",
            "applicant": resident_id(11, born="19800101"),
            "facts": {"price": 1},
        },
    )
    assert bad_facts.status_code == 422 and "price_yuan" in bad_facts.json()["message"]
    bad_vin = api.post(
        "claimant_app",
        "/api/programmes/chongqing-car-2023/applications",
        {
            "idempotency_key": "app-00003",
            "applicant": resident_id(11, born="19800101"),
            "facts": car_facts(159800, "INV-3", item_id="LFV00000000000000"),
        },
    )
    assert bad_vin.status_code == 422 and "item_id" in bad_vin.json()["message"]
    late = api.post(
        "claimant_app",
        "/api/programmes/chongqing-car-2023/applications",
        {
            "idempotency_key": "app-00004",
            "applicant": resident_id(11, born="19800101"),
            "facts": car_facts(159800, "INV-4", purchase_date="2024-02-01"),
        },
    )
    refused = late.json()
    assert late.status_code == 201 and refused["status"] == "rejected"
    assert refused["decision"]["refusal"]["rule"] == "purchase_window"
    assert "活动期" in refused["decision"]["refusal"]["zh"]


def test_openapi_documents_every_operation(api: Api) -> None:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(routes.router)
    paths = app.openapi()["paths"]
    for path in (
        "/api/programmes/{code}/rounds/{no}/claims",
        "/api/programmes/redemptions",
        "/api/programmes/{code}/applications",
        "/api/programmes/applications/{application_id}/review",
        "/api/programmes/applications/{application_id}/disburse",
        "/api/programmes/{code}",
    ):
        assert path in paths
