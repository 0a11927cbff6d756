"""Signing a test client in as a person of a role, through the real sign-in form."""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import Engine

LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(
    role: str, *, districts: list[str] | None = None, engine: Engine | None = None
) -> tuple[str, str]:
    """A new account of ``role``; returns (user name, password)."""
    from cockpit.access import create_user
    from cockpit.db import ensure_schema, upgrade

    if engine is None:
        ensure_schema()
    else:
        upgrade(engine.url.render_as_string(hide_password=False))
    username = f"{role.replace('_', '-')}-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(16)
    create_user(username=username, password=password, role=role, districts=districts, engine=engine)
    return username, password


def sign_in(client: Any, username: str, password: str) -> str:
    """Sign ``client`` (TestClient or httpx.Client) in; returns and sets the CSRF header."""
    page = client.get("/login")
    token = LOGIN_CSRF.search(page.text)
    assert token, page.text[:300]
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and "error" not in answer.headers["location"], answer.text
    csrf = str(client.get("/api/access/me").json()["csrf_token"])
    client.headers["X-CSRF-Token"] = csrf
    return csrf


def sign_in_as(
    client: Any, role: str, *, districts: list[str] | None = None, engine: Engine | None = None
) -> str:
    """Make an account of ``role`` and sign ``client`` in with it; returns the user name."""
    username, password = make_user(role, districts=districts, engine=engine)
    sign_in(client, username, password)
    return username
