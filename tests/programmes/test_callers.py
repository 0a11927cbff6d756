"""Callers act only for themselves: their own idempotency keys, their own firm, the holder's
consent for a redemption.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cockpit.db import upgrade
from cockpit.programmes import consent, spending, vouchers
from cockpit.programmes.rules import shipped
from cockpit.web.app import install_error_handlers
from cockpit.web.auth import create_api_key
from cockpit.web.routes import programmes as routes
from tests.live import live_server
from tests.programmes.helpers import car_facts, resident_id, voucher_programme
from tests.programmes.test_api import Api

CODE = "caller-vouchers"
CAR = "chongqing-car-2023"
FIRM_A = "91350100M000100Y43"
FIRM_B = "91500103MA5U00000D"  # another valid credit code (GB 32100 check)


@pytest.fixture
def api(cockpit_home: Path) -> Iterator[Api]:
    upgrade()
    vouchers.install_programme(programme=voucher_programme(CODE, packs=10))
    vouchers.install_programme(programme=shipped(CAR))
    vouchers.open_round(programme_code=CODE, no=1, parts=2)
    spending.enrol_merchants(
        programme_code=CODE,
        merchants=[
            {"merchant_id": m, "category_code": "RS01", "district_code": "500103"}
            for m in ("m-one", "m-two")
        ],
    )
    keys = {
        label: create_api_key(role=role, name=name).token
        for label, role, name in (
            ("app", "claimant_app", "app"),
            ("one", "merchant", "m-one"),
            ("two", "merchant", "m-two"),
            ("firm_a", "firm", FIRM_A),
            ("firm_b", "firm", FIRM_B),
        )
    }
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(routes.router)
    with live_server(app) as base, httpx.Client(base_url=base) as http:
        yield Api(http, keys)


def _pack(api: Api, n: int) -> list[str]:
    got = api.post(
        "app",
        f"/api/programmes/{CODE}/rounds/1/claims",
        {"idempotency_key": f"claim-{n:04d}", "id_number": resident_id(n)},
    )
    assert got.status_code == 201, got.text
    return [v["voucher_id"] for v in got.json()["vouchers"] if v["face_fen"] == 500]


def _consent(api: Api, n: int, voucher_id: str) -> httpx.Response:
    return api.post(
        "app", "/api/programmes/consents", {"id_number": resident_id(n), "voucher_id": voucher_id}
    )


def _pay(api: Api, merchant: str, key: str, voucher_id: str, token: str) -> httpx.Response:
    body = {
        "idempotency_key": key,
        "voucher_id": voucher_id,
        "merchant_id": {"one": "m-one", "two": "m-two"}[merchant],
        "txn_id": f"T-{voucher_id}",
        "bill_fen": 3000,
        "consent": token,
    }
    return api.post(merchant, "/api/programmes/redemptions", body)


def test_two_merchants_with_the_same_key_each_get_their_own_answer(api: Api) -> None:
    first, second = _pack(api, 1)[0], _pack(api, 2)[0]
    token = _consent(api, 1, first).json()["consent"]
    one = _pay(api, "one", "shared-key-1", first, token)
    two = _pay(api, "two", "shared-key-1", second, _consent(api, 2, second).json()["consent"])
    assert one.status_code == two.status_code == 201, (one.text, two.text)
    assert one.json()["redemption_id"] != two.json()["redemption_id"]
    again = _pay(api, "one", "shared-key-1", first, token)  # a retry, with the same token
    assert again.json()["replayed"] and again.json()["redemption_id"] == one.json()["redemption_id"]


def test_a_redemption_needs_the_holders_consent_for_that_voucher(api: Api) -> None:
    mine, other = _pack(api, 3)
    assert _consent(api, 4, mine).status_code == 404  # not theirs: no token
    token = _consent(api, 3, mine).json()["consent"]
    for bad, why in (
        (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "not issued"),
        ("garbage", "not issued"),
        ("", "not issued"),
    ):
        refused = _pay(api, "one", f"k-bad-{len(bad):04d}", mine, bad)
        assert refused.status_code == 403 and why in refused.json()["message"]
    elsewhere = _pay(api, "one", "k-other-0001", other, token)
    assert elsewhere.status_code == 403 and "another voucher" in elsewhere.text
    missing = api.post(
        "one",
        "/api/programmes/redemptions",
        {
            "idempotency_key": "k-none-0001",
            "voucher_id": mine,
            "merchant_id": "m-one",
            "txn_id": "T",
            "bill_fen": 3000,
        },
    )
    assert missing.status_code == 422
    assert _pay(api, "one", "k-good-0001", mine, token).status_code == 201


def test_an_expired_consent_is_refused(cockpit_home: Path) -> None:
    token = "x"
    with pytest.raises(consent.BadConsent):
        consent.check(token, voucher_id="v1")
    upgrade()
    vouchers.install_programme(programme=voucher_programme(CODE, packs=2))
    rid = vouchers.open_round(programme_code=CODE, no=1)
    got = vouchers.claim(
        round_id=rid, idem_key="k-0001", who=vouchers.Identity(person="ps:" + "1" * 32)
    )
    vid = got.vouchers[0]["voucher_id"]
    issued = consent.issue(voucher_id=vid, holder="ps:" + "1" * 32, now=1_000_000)
    with pytest.raises(consent.BadConsent, match="expired"):
        consent.check(issued["consent"], voucher_id=vid, now=1_000_000 + consent.LIFETIME)
    assert (
        consent.check(issued["consent"], voucher_id=vid, now=1_000_001).holder == "ps:" + "1" * 32
    )


def test_a_firm_applies_only_as_itself(api: Api) -> None:
    facts = car_facts(159800, "INV-9")
    path = f"/api/programmes/{CAR}/applications"
    body = {"idempotency_key": "apply-0001", "applicant_kind": "credit_code", "facts": facts}
    as_other = api.post("firm_a", path, {**body, "applicant": FIRM_B})
    assert as_other.status_code == 403 and as_other.json()["code"] == "not_yours"
    spelt = FIRM_A.lower()[:9] + " " + FIRM_A[9:]
    as_self = api.post("firm_a", path, {**body, "applicant": spelt})
    assert as_self.status_code == 201 and as_self.json()["applicant"] == FIRM_A
    # The same key from another firm is that firm's own first use, not a conflict.
    other = api.post("firm_b", path, {**body, "applicant": FIRM_B})
    assert (
        other.status_code == 201
        and other.json()["application_id"] != as_self.json()["application_id"]
    )
    person_as_firm = api.post("app", path, {**body, "applicant": FIRM_A})
    assert person_as_firm.status_code == 403
