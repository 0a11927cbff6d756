"""Accounts and sign-in: argon2id hashes, password rules, lockout, sessions, CSRF, admin page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from cockpit import access
from cockpit.access.accounts import MAX_FAILURES
from cockpit.access.models import UserRow
from cockpit.db import ensure_schema, session_scope
from tests.access.helpers import LOGIN_CSRF, make_user, sign_in, sign_in_as


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    ensure_schema()
    with TestClient(create_app()) as c:
        yield c


def test_password_is_stored_as_an_argon2id_hash_only(cockpit_home: Path) -> None:
    ensure_schema()
    name, password = make_user("analyst")
    with session_scope() as s:
        stored = s.scalar(select(UserRow.password_hash).where(UserRow.username == name))
    assert stored is not None and stored.startswith("$argon2id$")
    assert password not in stored


@pytest.mark.parametrize(
    ("password", "field_text"),
    [
        ("short1!", "12 characters"),
        ("aaaaaaaaaaaaaaaa", "6 different"),
        ("zhang.san-2025-pass", "user name"),
        ("x" * 300, "at most"),
    ],
)
def test_weak_passwords_are_refused_naming_the_rule(
    cockpit_home: Path, password: str, field_text: str
) -> None:
    ensure_schema()
    with pytest.raises(access.AccountError) as err:
        access.create_user(username="zhang.san", password=password, role="analyst")
    assert err.value.field == "password" and field_text in err.value.message


def test_a_district_official_needs_a_real_district(cockpit_home: Path) -> None:
    ensure_schema()
    with pytest.raises(access.AccountError, match="at least one district"):
        access.create_user(
            username="li.si", password="a-long-pass-phrase", role="district_official"
        )
    with pytest.raises(access.AccountError) as err:
        access.create_user(
            username="li.si",
            password="a-long-pass-phrase",
            role="district_official",
            districts=["999999"],
        )
    assert err.value.field == "districts"


def test_key_roles_are_not_roles_for_people(cockpit_home: Path) -> None:
    ensure_schema()
    with pytest.raises(access.AccountError, match="not a role for people"):
        access.create_user(username="shop", password="a-long-pass-phrase", role="merchant")


def test_repeated_failures_lock_the_account_until_reset(cockpit_home: Path) -> None:
    ensure_schema()
    name, password = make_user("analyst")
    for _ in range(MAX_FAILURES):
        with pytest.raises(access.SignInRefused):
            access.sign_in(username=name, password="wrong-password-here")
    with pytest.raises(access.SignInRefused) as err:
        access.sign_in(username=name, password=password)  # right password, but locked
    assert err.value.code == "locked"
    access.reset_password(username=name, password="a-brand-new-phrase")
    assert access.sign_in(username=name, password="a-brand-new-phrase").principal.name == name


def test_unknown_user_and_wrong_password_get_the_same_answer(cockpit_home: Path) -> None:
    ensure_schema()
    name, _ = make_user("analyst")
    with pytest.raises(access.SignInRefused) as unknown:
        access.sign_in(username="nobody", password="whatever-password")
    with pytest.raises(access.SignInRefused) as wrong:
        access.sign_in(username=name, password="whatever-password")
    assert unknown.value.message == wrong.value.message


def test_pages_redirect_to_sign_in_and_the_api_answers_401(client: TestClient) -> None:
    page = client.get("/districts?district=500103", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/districts%3Fdistrict%3D500103"
    api = client.get("/api/cockpit/kpis")
    assert api.status_code == 401
    assert api.json()["code"] == "not_signed_in" and set(api.json()) == {
        "code",
        "message",
        "message_zh",
        "field",
    }


def test_session_cookie_is_httponly_strict_and_secure_over_tls(cockpit_home: Path) -> None:
    from cockpit.web.app import create_app

    ensure_schema()
    name, password = make_user("leader")
    with TestClient(create_app(), base_url="https://testserver") as c:
        token = LOGIN_CSRF.search(c.get("/login").text)
        assert token
        answer = c.post(
            "/login",
            data={"username": name, "password": password, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
    cookie = answer.headers["set-cookie"].lower()
    assert "cockpit_session=" in cookie
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie


def test_sign_in_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    name, password = make_user("leader")
    client.get("/login")
    answer = client.post("/login", data={"username": name, "password": password})
    assert answer.status_code == 403 and answer.json()["code"] == "csrf"


def test_state_changing_call_from_a_session_needs_the_csrf_token(client: TestClient) -> None:
    sign_in_as(client, "programme_officer")
    body = {"value": 1.0, "as_of": "2025-06-30", "source": "bureau"}
    path = "/api/plans/nope/targets/nope/figures"
    without = client.post(path, json=body, headers={"X-CSRF-Token": ""})
    assert without.status_code == 403 and without.json()["code"] == "csrf"
    with_token = client.post(path, json=body)  # the helper set the header: passes CSRF
    assert with_token.status_code == 404


def test_signing_out_or_disabling_ends_the_session_at_once(client: TestClient) -> None:
    name = sign_in_as(client, "analyst")
    assert client.get("/api/cockpit/periods").status_code == 200
    access.disable_user(username=name)
    assert client.get("/api/cockpit/periods").status_code == 401
    other = sign_in_as(client, "analyst")
    assert client.post("/logout", follow_redirects=False).status_code == 303
    assert client.get("/api/cockpit/periods").status_code == 401
    assert other != name


def test_a_changed_account_or_an_expired_session_acts_on_the_next_request(
    client: TestClient,
) -> None:
    """What a request is answered with comes from the rows read for it, never from an
    earlier request's: a role changed in the database, then an expiry passed."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from cockpit.access.models import SessionRow

    name = sign_in_as(client, "analyst")
    assert client.get("/api/access/me").json()["role"] == "analyst"
    with session_scope() as session:
        session.execute(update(UserRow).where(UserRow.username == name).values(role="auditor"))
    assert client.get("/api/access/me").json()["role"] == "auditor"
    past = datetime.now(UTC) - timedelta(seconds=1)
    with session_scope() as session:
        session.execute(update(SessionRow).values(expires_at=past))
    assert client.get("/api/cockpit/periods").status_code == 401


def test_a_role_without_the_permission_gets_403_in_the_one_shape(client: TestClient) -> None:
    sign_in_as(client, "leader")
    answer = client.post("/api/alerts/1/ack", json={})
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden" and "alerts.write" in answer.json()["message"]


def test_existing_api_keys_still_work(client: TestClient) -> None:
    from cockpit.web.auth import create_api_key

    merchant = create_api_key(role="merchant", name="M000001").token
    assert client.get("/api/programmes", headers={"X-API-Key": merchant}).status_code == 200
    refused = client.get("/api/cockpit/data/quarantine/rows", headers={"X-API-Key": merchant})
    assert refused.status_code == 403


def test_admin_page_creates_disables_and_resets_accounts(client: TestClient) -> None:
    csrf = sign_in_as(client, "admin")
    made = client.post(
        "/admin/users",
        data={
            "username": "wang.wu",
            "password": "a-long-pass-phrase",
            "role": "district_official",
            "districts": "500103",
            "csrf_token": csrf,
        },
    )
    assert made.status_code == 200 and 'data-user="wang.wu"' in made.text
    weak = client.post(
        "/admin/users",
        data={"username": "zhao.liu", "password": "short", "role": "analyst", "csrf_token": csrf},
    )
    assert "password" in weak.text and 'data-user="zhao.liu"' not in weak.text
    forged = client.post(
        "/admin/users/wang.wu/disable", data={"csrf_token": "forged"}, headers={"X-CSRF-Token": ""}
    )
    assert forged.status_code == 403
    client.post("/admin/users/wang.wu/disable", data={"csrf_token": csrf})
    assert next(u for u in access.list_users() if u["username"] == "wang.wu")["disabled"]


def test_admin_page_is_refused_to_an_analyst(client: TestClient) -> None:
    sign_in_as(client, "analyst")
    assert client.get("/admin/users").status_code == 403


def test_users_cli_creates_resets_and_disables(cockpit_home: Path) -> None:
    from cockpit.cli import app

    runner = CliRunner()
    made = runner.invoke(
        app,
        [
            "users",
            "create",
            "chen.qi",
            "--role",
            "district_official",
            "--district",
            "500103",
            "--password",
            "a-long-pass-phrase",
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["data"]["districts"] == ["500103"]
    weak = runner.invoke(app, ["users", "reset", "chen.qi", "--password", "short"])
    assert weak.exit_code == 2 and "12 characters" in weak.output
    assert runner.invoke(app, ["users", "disable", "chen.qi"]).exit_code == 0
    with pytest.raises(access.SignInRefused):
        access.sign_in(username="chen.qi", password="a-long-pass-phrase")


def test_demo_makes_one_account_per_role_that_signs_in(client: TestClient) -> None:
    from cockpit.access.commands import demo_users

    made = demo_users()
    assert {u["role"] for u in made} == set(access.policy().roles_of_kind("user"))
    official = next(u for u in made if u["role"] == "district_official")
    sign_in(client, official["username"], official["password"])
    assert client.get("/api/access/me").json()["districts"] == ["500103"]
