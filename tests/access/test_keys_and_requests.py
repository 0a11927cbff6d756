"""API keys (HMAC, owner, scopes, expiry, rotation) and the gate before the body is read."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from starlette.types import Message, Scope
from typer.testing import CliRunner

from cockpit.access import keys
from cockpit.access.keys import ApiKey, create_api_key, revoke_api_key, rotate_api_key
from cockpit.db import ensure_schema, get_engine, session_scope
from cockpit.web.guard import FAILURES_ALLOWED

QUARANTINE = "/api/cockpit/data/quarantine/rows"
PROGRAMMES = "/api/programmes"


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    ensure_schema()
    with TestClient(create_app()) as c:
        yield c


def key(role: str = "operator", name: str = "ops", **kw: Any) -> dict[str, str]:
    return {"X-API-Key": create_api_key(role=role, name=name, **kw).token}


def test_key_is_stored_as_an_hmac_under_the_server_key(client: TestClient) -> None:
    new = create_api_key(role="merchant", name="M000001", owner="渝中区 商户A")
    with session_scope() as s:
        row = s.scalars(select(ApiKey)).one()
        assert row.digest_kind == "hmac" and row.owner == "渝中区 商户A"
        assert row.token_sha256 != hashlib.sha256(new.token.encode()).hexdigest()
        assert row.expires_at is not None


def test_a_key_made_before_hmac_still_works_and_is_rehashed(client: TestClient) -> None:
    new = create_api_key(role="operator", name="ops")
    legacy = hashlib.sha256(new.token.encode()).hexdigest()
    with session_scope() as s:
        s.execute(update(ApiKey).values(token_sha256=legacy, digest_kind="sha256"))
    assert client.get(QUARANTINE, headers={"X-API-Key": new.token}).status_code == 200
    with get_engine().connect() as conn:
        kind = conn.execute(text("SELECT digest_kind FROM web_api_keys")).scalar_one()
    assert kind == "hmac"


def test_revoking_or_rotating_acts_on_the_very_next_request(client: TestClient) -> None:
    first = create_api_key(role="operator", name="ops")
    headers = {"X-API-Key": first.token}
    assert client.get(QUARANTINE, headers=headers).status_code == 200
    rotated = rotate_api_key(key_id=first.principal.id)
    refused = client.get(QUARANTINE, headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "bad_key"
    assert rotated.principal.name == "ops"
    assert client.get(QUARANTINE, headers={"X-API-Key": rotated.token}).status_code == 200
    assert revoke_api_key(key_id=rotated.principal.id)
    assert client.get(QUARANTINE, headers={"X-API-Key": rotated.token}).status_code == 401


def test_an_expired_key_is_refused(client: TestClient) -> None:
    new = create_api_key(role="operator", name="ops", days=1)
    with session_scope() as s:
        past = datetime.now(UTC) - timedelta(seconds=1)
        s.execute(update(ApiKey).values(expires_at=past))
    assert client.get(QUARANTINE, headers={"X-API-Key": new.token}).status_code == 401


def test_a_key_limited_to_some_scopes_can_do_only_those(client: TestClient) -> None:
    reader = key("operator", "ops", scopes=["programmes.read"])
    assert client.get(PROGRAMMES, headers=reader).status_code == 200
    assert client.get(QUARANTINE, headers=reader).status_code == 403
    with pytest.raises(keys.KeyError_, match="cannot be given"):
        create_api_key(role="merchant", name="M1", scopes=["users.admin"])


def test_registry_keys_are_named_by_their_registry_id(client: TestClient) -> None:
    with pytest.raises(keys.KeyError_) as err:
        create_api_key(role="merchant", name="Shop 42; DROP TABLE")
    assert err.value.field == "name"
    assert create_api_key(role="firm", name="91500000MA5U000001").principal.name


def test_unknown_keys_are_remembered_in_a_bounded_cache(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = keys._UnknownTokens(size=5, seconds=60)
    monkeypatch.setattr(keys, "unknown_tokens", small)
    for n in range(12):
        assert keys.authenticate(f"ck_random{n}") is None
    assert len(small) == 5


def test_a_body_over_the_routes_cap_is_refused_before_it_is_read(client: TestClient) -> None:
    big = b'{"x": "' + b"a" * (9 * 1024) + b'"}'
    answer = client.post(
        "/api/programmes/redemptions", content=big, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413 and answer.json()["code"] == "too_large"


def test_a_streamed_body_past_the_cap_is_cut_off(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"idempotency_key": "'
        for _ in range(100):
            yield b"a" * 1024
        yield b'"}'

    answer = client.post(
        "/api/programmes/redemptions", content=chunks(), headers={**key("merchant", "M1")}
    )
    assert answer.status_code == 413 and answer.json()["field"] == ""


def test_a_bad_key_is_refused_before_a_byte_of_the_body_is_read(cockpit_home: Path) -> None:
    from cockpit.web.app import create_app

    ensure_schema()
    app = create_app()
    read: list[bytes] = []
    sent: list[Message] = []

    async def receive() -> Message:
        read.append(b"body")
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http", "method": "POST", "path": "/api/alerts/1/ack", "raw_path": b"",
        "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
        "headers": [(b"x-api-key", b"ck_wrong"), (b"content-type", b"application/json")],
        "client": ("10.0.0.9", 5000), "server": ("testserver", 80),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 401 and read == []


def test_an_address_trying_random_keys_is_locked_out(client: TestClient) -> None:
    good = key()
    for n in range(FAILURES_ALLOWED):
        assert client.get(QUARANTINE, headers={"X-API-Key": f"ck_guess{n}"}).status_code == 401
    locked = client.get(QUARANTINE, headers=good)
    assert locked.status_code == 429 and locked.json()["code"] == "locked"
    assert int(locked.headers["retry-after"]) > 0


def test_too_many_requests_a_minute_get_429(
    cockpit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cockpit.config import reset_settings
    from cockpit.web.app import create_app

    monkeypatch.setenv("COCKPIT_RATE_LIMIT", "5")
    reset_settings()
    ensure_schema()
    with TestClient(create_app()) as c:
        headers = key()
        codes = [c.get(PROGRAMMES, headers=headers).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_a_claimant_app_has_its_roles_own_limit(
    cockpit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claimant app speaks for many people: its role's rate_per_minute, not the default."""
    from cockpit.access import policy
    from cockpit.config import reset_settings
    from cockpit.web.app import create_app

    assert (policy().roles["claimant_app"].rate_per_minute or 0) > 100_000
    monkeypatch.setenv("COCKPIT_RATE_LIMIT", "5")
    reset_settings()
    ensure_schema()
    with TestClient(create_app()) as c:
        app_key = key("claimant_app", "claims-app")
        codes = [c.get(PROGRAMMES, headers=app_key).status_code for _ in range(8)]
        assert codes == [200] * 8
        operator = key()
        codes = [c.get(PROGRAMMES, headers=operator).status_code for _ in range(7)]
        assert codes[5:] == [429, 429]


def test_idempotency_keys_belong_to_their_caller(client: TestClient) -> None:
    from cockpit.programmes import vouchers
    from tests.programmes.helpers import resident_id, voucher_programme

    vouchers.install_programme(programme=voucher_programme("idem-test", packs=5))
    vouchers.open_round(programme_code="idem-test", no=1, parts=1)
    path = "/api/programmes/idem-test/rounds/1/claims"
    app_a, app_b = key("claimant_app", "app-a"), key("claimant_app", "app-b")
    first = client.post(
        path,
        json={"idempotency_key": "same-key-1", "id_number": resident_id(1)},
        headers=app_a,
    )
    other = client.post(
        path,
        json={"idempotency_key": "same-key-1", "id_number": resident_id(2)},
        headers=app_b,
    )
    again = client.post(
        path,
        json={"idempotency_key": "same-key-1", "id_number": resident_id(1)},
        headers=app_a,
    )
    assert first.status_code == other.status_code == 201, (first.text, other.text)
    assert (
        other.json()["replayed"] is False and other.json()["claim_id"] != first.json()["claim_id"]
    )
    assert again.json()["replayed"] is True


def test_cli_creates_rotates_and_lists_keys(cockpit_home: Path) -> None:
    import json

    from cockpit.cli import app

    runner = CliRunner()
    made = runner.invoke(
        app, ["apikeys", "create", "--role", "merchant", "--name", "M000042",
              "--owner", "渝中区商务委", "--scope", "programmes.spend", "--days", "30", "--json"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    out = json.loads(made.output)
    assert out["scopes"] == ["programmes.spend"] and out["expires_at"]
    rotated = runner.invoke(app, ["apikeys", "rotate", str(out["id"]), "--json"])
    assert rotated.exit_code == 0 and json.loads(rotated.output)["token"] != out["token"]
    listed = json.loads(runner.invoke(app, ["apikeys", "list", "--json"]).output)
    assert [k["revoked_at"] is None for k in listed["data"]] == [False, True]
    bad = runner.invoke(app, ["apikeys", "create", "--role", "merchant", "--name", "a b"])
    assert bad.exit_code == 2 and "registry id" in bad.output


def test_a_lockout_ends_and_the_address_is_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit.web import guard

    limiter = guard.Limiter(per_minute=10)
    assert limiter.locked_for("10.0.0.1") == 0.0
    for _ in range(FAILURES_ALLOWED):
        limiter.fail("10.0.0.1")
    assert limiter.locked_for("10.0.0.1") > 0 and limiter.locked_for("10.0.0.2") == 0.0
    later = time.monotonic() + guard.LOCKOUT_SECONDS + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert limiter.locked_for("10.0.0.1") == 0.0
    assert not limiter._locked  # nothing left to look up on the next request


def test_the_gate_reads_the_first_of_each_header_as_starlette_does() -> None:
    from starlette.datastructures import Headers

    from cockpit.web.guard import read_credentials

    raw = [
        (b"cookie", b"a=1"),
        (b"x-api-key", b"k-second"),
        (b"authorization", b"Basic abc"),
        (b"cookie", b"b=2"),
        (b"content-length", b"12"),
        (b"content-length", b"99"),
    ]
    sent = read_credentials({"headers": raw})
    headers = Headers(raw=raw)
    assert sent.cookie == headers["cookie"] and sent.length == headers["content-length"]
    assert sent.token == "k-second"  # not a bearer token: the X-API-Key header
    bearer = read_credentials({"headers": [(b"authorization", b"bearer  tok ")]})
    assert bearer.token == "tok"


def test_a_route_keeps_its_own_security_header() -> None:
    from cockpit.web.guard import CSP, with_security_headers

    own = [(b"Content-Security-Policy", b"default-src 'none'"), (b"content-type", b"text/plain")]
    headers = with_security_headers(own, https=True)
    names = [name.lower() for name, _ in headers]
    assert names.count(b"content-security-policy") == 1
    assert (b"content-security-policy", CSP.encode()) not in headers
    assert b"strict-transport-security" in names and b"x-frame-options" in names
    plain = dict(with_security_headers([], https=False))
    assert plain[b"content-security-policy"] == CSP.encode()
    assert b"strict-transport-security" not in plain


@pytest.mark.parametrize("path", ["/api/programmes/consents", "/api/programmes/P1/rounds/1/claims"])
def test_a_client_that_leaves_before_its_body_is_no_server_error(
    client: TestClient, path: str
) -> None:
    """A connection closed while the body is awaited: a 400 in the one shape, no traceback."""
    app = client.app
    token = key("claimant_app", "claims-app")["X-API-Key"]
    scope: Scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        "headers": [(b"content-type", b"application/json"), (b"x-api-key", token.encode())],
    }  # fmt: skip
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 400
    assert b"client_disconnected" in sent[1]["body"]


def test_made_up_session_cookies_lock_the_address_out(client: TestClient) -> None:
    """Each new cookie would be a rate-limit bucket of its own: one naming no live session
    counts towards the address's lockout like a bad key."""
    good = key()
    for n in range(FAILURES_ALLOWED):
        client.cookies.set("cockpit_session", f"guess-{n}")
        answer = client.get(QUARANTINE)
        assert answer.status_code == 401 and answer.json()["code"] == "session_ended"
    client.cookies.clear()
    locked = client.get(QUARANTINE, headers=good)
    assert locked.status_code == 429 and locked.json()["code"] == "locked"


def test_one_stale_cookie_counts_once_however_many_charts_ask(client: TestClient) -> None:
    """A page whose session ended asks for every chart with the same cookie: one failure."""
    good = key()
    client.cookies.set("cockpit_session", "ended-long-ago")
    for _ in range(3 * FAILURES_ALLOWED):
        assert client.get(QUARANTINE).status_code == 401
    client.cookies.clear()
    assert client.get(QUARANTINE, headers=good).status_code == 200


def test_the_failures_counted_once_are_remembered_within_a_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cockpit.web import guard

    monkeypatch.setattr(guard, "MAX_COUNTED", 3)
    limiter = guard.Limiter(per_minute=10)
    for n in range(10):
        limiter.fail_once("10.0.0.1", f"cookie-{n}")
    assert len(limiter._counted) == 3
    assert limiter.locked_for("10.0.0.1") == 0.0  # ten failures: under the lockout's twenty
