"""Over HTTP: however a person spells their ID number, a round limited to one pack gives one."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from cockpit.db import get_engine, upgrade
from cockpit.programmes import vouchers
from cockpit.web.app import install_error_handlers
from cockpit.web.auth import create_api_key
from cockpit.web.routes import programmes as routes
from tests.live import live_server
from tests.programmes.helpers import resident_id, voucher_programme
from tests.test_identity import spell, styles

CODE = "one-identity"
_people = itertools.count(1)
_keys = itertools.count(1)


@pytest.fixture(scope="module")
def claimant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The claim API on loopback over a fresh SQLite home with a 400-pack round."""
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("home")
    mp.setenv("COCKPIT_HOME", str(home))
    mp.delenv("COCKPIT_DB_URL", raising=False)
    from cockpit.config import reset_settings

    reset_settings()
    get_engine.cache_clear()
    upgrade()
    vouchers.install_programme(programme=voucher_programme(CODE, packs=400, total=1))
    vouchers.open_round(programme_code=CODE, no=1, parts=2)
    key = create_api_key(role="claimant_app", name="app").token
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(routes.router)
    with live_server(app) as base, httpx.Client(base_url=base, headers={"X-API-Key": key}) as h:
        yield h
    mp.undo()
    reset_settings()
    get_engine.cache_clear()


def _claim(http: httpx.Client, id_number: str) -> httpx.Response:
    body = {"idempotency_key": f"one-id-{next(_keys):06d}", "id_number": id_number}
    return http.post(f"/api/programmes/{CODE}/rounds/1/claims", json=body)


@pytest.mark.slow
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(styles(), min_size=2, max_size=6))
def test_spellings_of_one_id_number_get_one_pack(
    claimant: httpx.Client, ways: list[tuple[int, list[tuple[bool, bool, int]]]]
) -> None:
    number = resident_id(next(_people) % 1000, born="19851231")
    tries = [number, *(spell(number, way) for way in ways)]
    answers = [_claim(claimant, spelt) for spelt in tries]
    assert [a.status_code for a in answers].count(201) == 1, [a.text for a in answers]
    assert all(a.status_code in (201, 409) for a in answers)
    assert {a.json()["code"] for a in answers if a.status_code == 409} <= {"limit_reached"}


def test_the_six_spellings_of_the_report_get_one_pack(claimant: httpx.Client) -> None:
    number = next(n for n in (resident_id(k, born="19700101") for k in range(100)) if n[-1] == "X")
    full = "".join(chr(ord(c) + 0xFEE0) for c in number)
    tries = [
        number,
        number.lower(),
        full,
        number[:6] + "\u200b" + number[6:],
        f"{number[:6]}-{number[6:14]}-{number[14:]}",
        number[:17] + chr(ord(number[17]) + 0xFEE0),
    ]
    codes = [_claim(claimant, t).status_code for t in tries]
    assert codes.count(201) == 1 and codes.count(409) == 5


def test_pseudonyms_and_invalid_numbers_are_refused_naming_the_field(
    claimant: httpx.Client,
) -> None:
    good = resident_id(5)
    wrong_check = good[:17] + ("1" if good[17] == "0" else "0")
    for bad in ("ps:" + "0" * 32, wrong_check):
        got = _claim(claimant, bad)
        assert got.status_code == 422, got.text
        assert got.json()["field"] == "body.id_number"
    phone = claimant.post(
        f"/api/programmes/{CODE}/rounds/1/claims",
        json={"idempotency_key": "one-id-phone-1", "id_number": resident_id(6), "phone": "12"},
    )
    assert phone.status_code == 422 and phone.json()["field"] == "body.phone"
    with get_engine().connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM prog_claims WHERE person LIKE 'ps:0000%'"))
        assert stored.scalar_one() == 0


def test_one_phone_spelt_two_ways_behind_two_id_numbers_is_one_person(
    claimant: httpx.Client,
) -> None:
    path = f"/api/programmes/{CODE}/rounds/1/claims"
    first = {
        "idempotency_key": "phone-way-1",
        "id_number": resident_id(901, born="19991231"),
        "phone": "13900139000",
    }
    second = {
        "idempotency_key": "phone-way-2",
        "id_number": resident_id(902, born="19991231"),
        "phone": "+86 139-0013-9000",
    }
    assert claimant.post(path, json=first).status_code == 201
    refused = claimant.post(path, json=second)
    assert refused.status_code == 409 and refused.json()["code"] == "limit_reached"
