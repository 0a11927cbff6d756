"""Bounded money: whatever a caller sends to a money route, the answer is 2xx or 4xx, and the
programme's reports still answer afterwards (no SUM overflows, no 500).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.config import reset_settings
from cockpit.db import get_engine, upgrade
from cockpit.programmes import spending, vouchers
from cockpit.programmes.rules import shipped
from cockpit.web.app import install_error_handlers
from cockpit.web.auth import create_api_key
from cockpit.web.routes import programmes as routes
from tests.live import live_server
from tests.programmes.helpers import car_facts, resident_id, voucher_programme

CODE = "bounded-vouchers"
SUBSIDIES = ("chongqing-car-2023", "metaverse-rent-subsidy", "metaverse-carrier-subsidy")
_keys = itertools.count(1)
FIRM = "91350100M000100Y43"


@dataclass
class Api:
    http: httpx.Client
    keys: dict[str, str]
    voucher_id: str
    consent: str

    def post(self, role: str, path: str, body: Any) -> httpx.Response:
        # Sent as written, NaN and Infinity included (Python's json writes them).
        return self.http.post(
            path,
            content=json.dumps(body, allow_nan=True),
            headers={"X-API-Key": self.keys[role], "Content-Type": "application/json"},
        )

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path, headers={"X-API-Key": self.keys["operator"]})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    mp = pytest.MonkeyPatch()
    mp.setenv("COCKPIT_HOME", str(tmp_path_factory.mktemp("home")))
    mp.delenv("COCKPIT_DB_URL", raising=False)
    reset_settings()
    get_engine.cache_clear()
    upgrade()
    vouchers.install_programme(programme=voucher_programme(CODE, packs=50, total=1))
    for name in SUBSIDIES:
        vouchers.install_programme(programme=shipped(name))
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
            ("firm", FIRM),
        )
    }
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(routes.router)
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        holder = resident_id(1)
        got = http.post(
            f"/api/programmes/{CODE}/rounds/1/claims",
            json={"idempotency_key": "bounded-claim-1", "id_number": holder},
            headers={"X-API-Key": keys["claimant_app"]},
        )
        assert got.status_code == 201, got.text
        voucher_id = got.json()["vouchers"][-1]["voucher_id"]
        consent = http.post(
            "/api/programmes/consents",
            json={"id_number": holder, "voucher_id": voucher_id},
            headers={"X-API-Key": keys["claimant_app"]},
        )
        yield Api(http, keys, voucher_id, consent.json()["consent"])
    mp.undo()
    reset_settings()
    get_engine.cache_clear()


def numbers() -> st.SearchStrategy[Any]:
    """What a caller may put where a number belongs."""
    return st.one_of(
        st.integers(-(2**70), 2**70),
        st.sampled_from([9223372036854775807, 2**63, 10**12, 10**12 + 1, 1e20, 2e12, 1e9, 0, -1]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=6),
        st.none(),
        st.booleans(),
    )


def key() -> str:
    return f"bounded-{next(_keys):08d}"


@st.composite
def requests(draw: st.DrawFn, api: Api) -> tuple[str, str, Any]:
    """One call to a money route: (role, path, body)."""
    route = draw(
        st.sampled_from(
            [
                "claim",
                "redeem",
                "refund",
                "car",
                "rent",
                "carrier",
                "review",
                "disburse",
                "consent",
                "appeal",
                "claw-back",
            ]
        )
    )
    if route == "claw-back":
        aid = draw(st.text(alphabet="abcdef0123456789", max_size=17))
        body = {"amount_fen": draw(numbers()), "reason": draw(st.text(max_size=5))}
        return "operator", f"/api/programmes/applications/a{aid}/claw-back", body
    if route == "disburse":
        aid = draw(st.text(alphabet="abcdef0123456789", max_size=17))
        return (
            "operator",
            f"/api/programmes/applications/a{aid}/disburse",
            {"idempotency_key": key()},
        )
    if route == "consent":
        body = {
            "id_number": draw(st.one_of(st.text(max_size=20), numbers())),
            "voucher_id": draw(st.one_of(st.just(api.voucher_id), st.text(max_size=41))),
        }
        return "claimant_app", "/api/programmes/consents", body
    if route == "appeal":
        refund = draw(st.text(alphabet="abcdef0123456789", max_size=17))
        return (
            "merchant",
            f"/api/programmes/refunds/f{refund}/appeals",
            {"grounds": draw(st.text())},
        )
    if route == "claim":
        no = draw(st.one_of(st.just(1), numbers()))
        body = {"idempotency_key": key(), "id_number": draw(st.one_of(st.text(), numbers()))}
        return (
            "claimant_app",
            f"/api/programmes/{CODE}/rounds/{quote(str(no), safe='')}/claims",
            body,
        )
    if route == "redeem":
        body = {
            "idempotency_key": key(),
            "voucher_id": api.voucher_id,
            "merchant_id": "m-food",
            "txn_id": key(),
            "bill_fen": draw(numbers()),
            "consent": api.consent,
        }
        return "merchant", "/api/programmes/redemptions", body
    if route == "refund":
        body = {
            "idempotency_key": key(),
            "merchant_id": "m-food",
            "txn_id": draw(st.text(max_size=8)),
            "amount_fen": draw(numbers()),
        }
        return "merchant", "/api/programmes/refunds", body
    if route == "review":
        body = {"idempotency_key": key(), "decision": draw(st.sampled_from(["approve", "x"]))}
        aid = draw(st.text(alphabet="abcdef0123456789", max_size=17))
        return "reviewer", f"/api/programmes/applications/a{aid}/review", body
    facts: dict[str, Any] = {
        "car": car_facts(draw(numbers()), key()),
        "rent": {
            "firm_class": "A",
            "area_m2": draw(numbers()),
            "rent_yuan_per_m2_month": draw(numbers()),
            "months": draw(numbers()),
        },
        "carrier": {"area_m2": draw(numbers()), "years": draw(numbers())},
    }[route]
    code = {"car": SUBSIDIES[0], "rent": SUBSIDIES[1], "carrier": SUBSIDIES[2]}[route]
    body = {
        "idempotency_key": key(),
        "applicant_kind": "credit_code",
        "applicant": FIRM,
        "facts": facts,
    }
    return "firm", f"/api/programmes/{code}/applications", body


@pytest.mark.slow
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_every_money_route_answers_2xx_or_4xx(api: Api, data: st.DataObject) -> None:
    role, path, body = data.draw(requests(api))
    got = api.post(role, path, body)
    assert got.status_code < 500, (path, body, got.text)


def test_reports_answer_after_the_largest_amounts(api: Api) -> None:
    # A voucher of its own (the property test may have spent the shared one).
    holder = resident_id(2)
    got = api.post(
        "claimant_app",
        f"/api/programmes/{CODE}/rounds/1/claims",
        {"idempotency_key": key(), "id_number": holder},
    )
    voucher_id = got.json()["vouchers"][-1]["voucher_id"]
    consent = api.post(
        "claimant_app", "/api/programmes/consents", {"id_number": holder, "voucher_id": voucher_id}
    ).json()["consent"]
    bill = {
        "idempotency_key": key(),
        "voucher_id": voucher_id,
        "merchant_id": "m-food",
        "txn_id": "max-bill",
        "consent": consent,
    }
    for fen in (9223372036854775807, 10**12 + 1):
        assert (
            api.post(
                "merchant", "/api/programmes/redemptions", {**bill, "bill_fen": fen}
            ).status_code
            == 422
        )
    over_cap = api.post("merchant", "/api/programmes/redemptions", {**bill, "bill_fen": 10**12})
    assert over_cap.status_code == 422 and "cap" in over_cap.json()["message"]
    for rent in (1e20, 2e12, 1e9, "NaN", float("inf")):
        answer = api.post(
            "firm",
            f"/api/programmes/{SUBSIDIES[1]}/applications",
            {
                "idempotency_key": key(),
                "applicant_kind": "credit_code",
                "applicant": FIRM,
                "facts": {
                    "firm_class": "A",
                    "area_m2": 100,
                    "rent_yuan_per_m2_month": rent,
                    "months": 12,
                },
            },
        )
        assert answer.status_code == 422, (rent, answer.text)
    assert api.get("/api/programmes").status_code == 200
    for code in (CODE, *SUBSIDIES):
        assert api.get(f"/api/programmes/{code}").status_code == 200
    assert api.get("/api/programmes/ledger/verify").json()["ok"] is True
