"""API keys: hashed at rest, one role each, enforced by ``permit``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import text
from typer.testing import CliRunner

from cockpit.db import get_engine, upgrade
from cockpit.web import auth
from cockpit.web.app import install_error_handlers
from cockpit.web.auth import Principal, create_api_key, permit, revoke_api_key
from tests.live import live_server


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/who")
    def who(
        p: Annotated[Principal, Depends(permit("programmes.spend"))],
    ) -> dict[str, str]:
        return {"role": p.role, "name": p.name}

    return app


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[httpx.Client]:
    upgrade()
    with live_server(_app()) as base, httpx.Client(base_url=base) as http:
        yield http


def test_key_is_stored_only_as_its_hmac(client: httpx.Client) -> None:
    new = create_api_key(role="merchant", name="Shop-42")
    with get_engine().connect() as conn:
        stored = conn.execute(text("SELECT token_sha256 FROM web_api_keys")).scalar_one()
        dump = json.dumps(
            [list(r) for r in conn.execute(text("SELECT * FROM web_api_keys"))], default=str
        )
    assert stored == auth.hash_token(new.token)
    assert new.token not in dump


def test_allowed_role_passes_with_bearer_or_header(client: httpx.Client) -> None:
    token = create_api_key(role="merchant", name="Shop-42").token
    by_bearer = client.get("/api/who", headers={"Authorization": f"Bearer {token}"})
    by_header = client.get("/api/who", headers={"X-API-Key": token})
    assert by_bearer.json() == {"role": "merchant", "name": "Shop-42"}
    assert by_header.status_code == 200


def test_missing_or_unknown_key_is_401_and_other_role_403(client: httpx.Client) -> None:
    reviewer = create_api_key(role="reviewer", name="R").token
    assert client.get("/api/who").status_code == 401
    assert client.get("/api/who", headers={"X-API-Key": "ck_nonsense"}).status_code == 401
    denied = client.get("/api/who", headers={"X-API-Key": reviewer})
    assert denied.status_code == 403
    assert "reviewer" in denied.json()["message"]


def test_revoked_key_is_refused(client: httpx.Client) -> None:
    new = create_api_key(role="merchant", name="Ops")
    assert client.get("/api/who", headers={"X-API-Key": new.token}).status_code == 200
    assert revoke_api_key(key_id=new.principal.key_id)
    assert client.get("/api/who", headers={"X-API-Key": new.token}).status_code == 401


def test_unknown_role_and_permission_are_rejected() -> None:
    with pytest.raises(auth.UnknownRoleError, match="roles: "):
        auth.check_role("admin")
    with pytest.raises(ValueError, match="unknown permission"):
        permit("everything")


def test_cli_creates_key_and_prints_token_once_as_json(cockpit_home: Path) -> None:
    from cockpit.cli import app

    result = CliRunner().invoke(
        app, ["apikeys", "create", "--role", "firm", "--name", "ACME", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["role"] == "firm" and out["token"].startswith("ck_")
    assert auth.authenticate(out["token"]) == Principal("key", out["id"], "firm", "ACME")
    bad = CliRunner().invoke(app, ["apikeys", "create", "--role", "boss", "--name", "X"])
    assert bad.exit_code != 0
