"""On PostgreSQL the gate reads keys grouped on the event loop: still no cache window."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from cockpit.access import aioread, audit
from cockpit.access.keys import (
    ApiKey,
    authenticate_async,
    create_api_key,
    revoke_api_key,
    rotate_api_key,
)
from cockpit.config import reset_settings
from cockpit.db import get_engine, session_scope, upgrade

pytestmark = pytest.mark.postgres
PROGRAMMES = "/api/programmes"


@pytest.fixture
def on_postgres(
    cockpit_home: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The configured database is the tests' PostgreSQL one (migrated)."""
    monkeypatch.setenv("COCKPIT_DB_URL", postgres_url)
    reset_settings()
    get_engine.cache_clear()
    upgrade(postgres_url)
    yield postgres_url
    get_engine().dispose()
    get_engine(postgres_url).dispose()  # the audit writer's
    reset_settings()
    get_engine.cache_clear()


@pytest.fixture
def client(on_postgres: str) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    with TestClient(create_app()) as c:
        yield c


def test_revoking_or_rotating_acts_on_the_very_next_request(client: TestClient) -> None:
    first = create_api_key(role="operator", name="ops-pg")
    headers = {"X-API-Key": first.token}
    for _ in range(3):
        assert client.get(PROGRAMMES, headers=headers).status_code == 200
    rotated = rotate_api_key(key_id=first.principal.id)
    refused = client.get(PROGRAMMES, headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "bad_key"
    assert client.get(PROGRAMMES, headers={"X-API-Key": rotated.token}).status_code == 200
    assert revoke_api_key(key_id=rotated.principal.id)
    assert client.get(PROGRAMMES, headers={"X-API-Key": rotated.token}).status_code == 401


def test_an_expired_key_is_refused_at_once(client: TestClient) -> None:
    new = create_api_key(role="operator", name="ops-expiring")
    headers = {"X-API-Key": new.token}
    assert client.get(PROGRAMMES, headers=headers).status_code == 200
    with session_scope() as s:
        s.execute(
            text("UPDATE web_api_keys SET expires_at = now() - interval '1 second' WHERE id = :i"),
            {"i": new.principal.id},
        )
    assert client.get(PROGRAMMES, headers=headers).status_code == 401


def test_a_key_made_before_hmac_still_works_and_is_rehashed(client: TestClient) -> None:
    new = create_api_key(role="operator", name="ops-legacy")
    legacy = hashlib.sha256(new.token.encode()).hexdigest()
    with session_scope() as s:
        s.execute(
            update(ApiKey)
            .where(ApiKey.id == new.principal.id)
            .values(token_sha256=legacy, digest_kind="sha256")
        )
    assert client.get(PROGRAMMES, headers={"X-API-Key": new.token}).status_code == 200
    with get_engine().connect() as conn:
        kind = conn.execute(
            text("SELECT digest_kind FROM web_api_keys WHERE id = :i"), {"i": new.principal.id}
        ).scalar_one()
    assert kind == "hmac"


def test_concurrent_requests_share_statements_and_each_sees_what_came_before(
    on_postgres: str,
) -> None:
    live = [create_api_key(role="claimant_app", name=f"app-{n}") for n in range(4)]
    gone = create_api_key(role="claimant_app", name="app-gone")
    assert revoke_api_key(key_id=gone.principal.id)
    tokens = [k.token for k in live] * 25 + [gone.token, "ck_never-made"]

    async def burst() -> tuple[list[object], int]:
        found = await asyncio.gather(*(authenticate_async(t) for t in tokens))
        return list(found), aioread.statements()

    found, statements = asyncio.run(burst())
    assert [p.name for p in found[:4]] == [f"app-{n}" for n in range(4)]  # type: ignore[attr-defined]
    assert found[-2:] == [None, None]
    # 102 requests, answered by a few statements (each request waits for the next one).
    assert statements <= 1 + aioread.CONNECTIONS * 2

    async def revoke_then_read() -> object:
        key = live[0]
        assert await authenticate_async(key.token) is not None
        await asyncio.to_thread(revoke_api_key, key_id=key.principal.id)
        return await authenticate_async(key.token)

    assert asyncio.run(revoke_then_read()) is None


def test_the_audit_writer_chains_a_burst_on_postgresql(on_postgres: str) -> None:
    before = audit.verify().checked
    for n in range(300):
        audit.writer.put(audit.Entry("write", f"POST /x/{n}", actor="key:app", role="claimant_app"))
    audit.writer.flush()
    verdict = audit.verify()
    assert verdict.ok and verdict.checked == before + 300
