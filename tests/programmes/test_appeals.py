"""Appeals over HTTP: against a claw-back, a refused application and a refused claim; stages,
deadlines, four-eyes decisions and their effect on the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from cockpit.db import get_engine, upgrade
from cockpit.programmes import appeals, audit, spending, vouchers
from cockpit.programmes.rules import shipped
from cockpit.programmes.tx import NotAllowed, pseudonym_of
from cockpit.programmes.tx import NotFound as ProgrammeNotFound
from cockpit.web.app import install_error_handlers
from cockpit.web.auth import create_api_key
from cockpit.web.programme_api import _round_id
from cockpit.web.routes import programmes as routes
from tests.live import live_server
from tests.programmes.helpers import car_facts, resident_id, voucher_programme
from tests.programmes.test_api import Api

CODE = "appeal-vouchers"
CAR = "chongqing-car-2023"
FIRM = "91350100M000100Y43"


@pytest.fixture
def api(cockpit_home: Path) -> Iterator[Api]:
    upgrade()
    vouchers.install_programme(programme=voucher_programme(CODE, packs=4, rounds=2))
    vouchers.install_programme(programme=shipped(CAR))
    vouchers.open_round(programme_code=CODE, no=1, parts=1)
    spending.enrol_merchants(
        programme_code=CODE,
        merchants=[{"merchant_id": "m1", "category_code": "RS01", "district_code": "500103"}],
    )
    keys = {
        label: create_api_key(role=role, name=name).token
        for label, role, name in (
            ("app", "claimant_app", "app"),
            ("m1", "merchant", "m1"),
            ("m2", "merchant", "m2"),
            ("firm", "firm", FIRM),
            ("li", "reviewer", "Officer Li"),
            ("wang", "reviewer", "Officer Wang"),
        )
    }
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(routes.router)
    with live_server(app) as base, httpx.Client(base_url=base) as http:
        yield Api(http, keys)


def _decide(api: Api, appeal_id: str, outcome: str) -> httpx.Response:
    assert api.post("li", f"/api/programmes/appeals/{appeal_id}/take-up", {}).status_code == 200
    body = {"outcome": outcome, "reason": "the file shows it"}
    proposed = api.post("li", f"/api/programmes/appeals/{appeal_id}/decide", body)
    assert proposed.json()["awaiting_check"], proposed.text
    same = api.post("li", f"/api/programmes/appeals/{appeal_id}/decide", body)
    assert same.status_code == 403 and same.json()["code"] == "four_eyes"
    return api.post("wang", f"/api/programmes/appeals/{appeal_id}/decide", body)


def test_a_clawback_upheld_on_appeal_returns_the_money_on_the_ledger(api: Api) -> None:
    holder = resident_id(1)
    claim = api.post(
        "app",
        f"/api/programmes/{CODE}/rounds/1/claims",
        {"idempotency_key": "claim-0001", "id_number": holder},
    ).json()
    five = next(v for v in claim["vouchers"] if v["face_fen"] == 500)["voucher_id"]
    token = api.post(
        "app", "/api/programmes/consents", {"id_number": holder, "voucher_id": five}
    ).json()["consent"]
    paid = api.post(
        "m1",
        "/api/programmes/redemptions",
        {
            "idempotency_key": "pay-0001",
            "voucher_id": five,
            "merchant_id": "m1",
            "txn_id": "T1",
            "bill_fen": 3000,
            "consent": token,
        },
    )
    assert paid.status_code == 201, paid.text
    refund = api.post(
        "m1",
        "/api/programmes/refunds",
        {"idempotency_key": "ref-0001", "merchant_id": "m1", "txn_id": "T1", "amount_fen": 2800},
    ).json()
    assert refund["outcome"] == "clawed_back" and refund["voucher_fen"] == 300
    path = f"/api/programmes/refunds/{refund['refund_id']}/appeals"
    assert api.post("m2", path, {"grounds": "not mine"}).status_code == 403
    lodged = api.post("m1", path, {"grounds": "the customer returned only part"})
    assert lodged.status_code == 201, lodged.text
    appeal = lodged.json()
    assert appeal["stage"] == "lodged" and appeal["entry_id"] is not None
    assert api.post("m1", path, {"grounds": "again"}).status_code == 409
    decided = _decide(api, appeal["id"], "upheld")
    assert decided.json()["stage"] == "upheld" and "300 fen returned" in decided.json()["effect"]
    with get_engine().connect() as conn:
        entry = conn.execute(
            text("SELECT amount_fen, credit FROM prog_ledger WHERE op = 'appeal' AND ref = :a"),
            {"a": appeal["id"]},
        ).one()
    assert tuple(entry) == (300, "merchant:m1")
    assert audit.verify(get_engine()).ok


def test_a_refused_application_upheld_goes_back_to_review(api: Api) -> None:
    applied = api.post(
        "firm",
        f"/api/programmes/{CAR}/applications",
        {
            "idempotency_key": "apply-0001",
            "applicant_kind": "credit_code",
            "applicant": FIRM,
            "facts": car_facts(159800, "INV-1"),
        },
    ).json()
    aid = applied["application_id"]
    rejected = api.post(
        "li",
        f"/api/programmes/applications/{aid}/review",
        {"idempotency_key": "rev-0001", "decision": "reject", "reason": "invoice unreadable"},
    )
    assert rejected.json()["status"] == "rejected"
    lodged = api.post(
        "firm", f"/api/programmes/applications/{aid}/appeals", {"grounds": "here is a clear copy"}
    )
    assert lodged.status_code == 201, lodged.text
    decided = _decide(api, lodged.json()["id"], "upheld")
    assert decided.json()["stage"] == "upheld"
    again = api.post(
        "li",
        f"/api/programmes/applications/{aid}/review",
        {"idempotency_key": "rev-0002", "decision": "approve"},
    )
    assert again.json()["status"] == "submitted" and again.json()["awaiting_check"]


def test_a_refused_claim_is_appealed_by_the_person_and_dismissed(api: Api) -> None:
    path = f"/api/programmes/{CODE}/rounds/1/claims"
    first = {"idempotency_key": "claim-0101", "id_number": resident_id(2), "phone": "13800000002"}
    assert api.post("app", path, first).status_code == 201
    second = {"idempotency_key": "claim-0102", "id_number": resident_id(3), "phone": "13800000002"}
    assert api.post("app", path, second).status_code == 409
    appeal_path = f"/api/programmes/{CODE}/rounds/1/appeals"
    no_refusal = api.post("app", appeal_path, {"grounds": "x", "id_number": resident_id(4)})
    assert no_refusal.status_code == 404
    lodged = api.post("app", appeal_path, {"grounds": "my own phone", "id_number": resident_id(3)})
    assert lodged.status_code == 201, lodged.text
    decided = _decide(api, lodged.json()["id"], "dismissed")
    assert decided.json()["stage"] == "dismissed"
    listed = api.http.get("/api/programmes/appeals/all", headers={"X-API-Key": api.keys["li"]})
    assert listed.json()["count"] == 1


def test_deadlines_to_lodge_and_to_decide(api: Api) -> None:
    path = f"/api/programmes/{CODE}/rounds/1/claims"
    for n, person in enumerate((5, 6)):
        api.post(
            "app",
            path,
            {
                "idempotency_key": f"claim-02{n}0",
                "id_number": resident_id(person),
                "phone": "13800000009",
            },
        )
    rid = _round_id(CODE, 1)
    refusal = appeals.refusal_of(rid, pseudonym_of(resident_id(6)))
    late = datetime.now().astimezone() + timedelta(days=31)
    with pytest.raises(NotAllowed, match="closed"):
        appeals.lodge(
            subject_kind="refused_claim",
            subject_id=refusal,
            appellant=pseudonym_of(resident_id(6)),
            grounds="late",
            now=late,
        )
    appeals.lodge(
        subject_kind="refused_claim",
        subject_id=refusal,
        appellant=pseudonym_of(resident_id(6)),
        grounds="in time",
    )
    assert appeals.overdue() == []
    assert len(appeals.overdue(now=datetime.now().astimezone() + timedelta(days=16))) == 1


def test_cli_lists_appeals(api: Api) -> None:
    from typer.testing import CliRunner

    from cockpit.cli import app

    test_a_refused_claim_is_appealed_by_the_person_and_dismissed(api)
    import json

    got = CliRunner().invoke(app, ["programmes", "appeals", "--json"])
    assert got.exit_code == 0 and json.loads(got.output)["data"][0]["stage"] == "dismissed"
    overdue = CliRunner().invoke(app, ["programmes", "appeals", "--overdue", "--json"])
    assert json.loads(overdue.output)["count"] == 0


@pytest.mark.parametrize("subject_id", ["²", "٣", "99999999999999999999", "-1", ""])
@pytest.mark.parametrize("kind", ["refused_claim", "clawback"])
def test_a_subject_that_is_no_row_id_is_not_found(api: Api, kind: str, subject_id: str) -> None:
    with pytest.raises(ProgrammeNotFound):
        appeals.lodge(subject_kind=kind, subject_id=subject_id, appellant="x", grounds="g")
