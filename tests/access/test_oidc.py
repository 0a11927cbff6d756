"""Sign-in through the city's identity provider, against a real OpenID Connect provider.

The provider is the npm package ``oidc-provider`` run by Node.js on a loopback port
(``tests/access/oidc_provider.mjs``); the cockpit is the relying party under test. The browser
is httpx: it follows the provider's redirects and posts its sign-in and consent forms.
No skip: without Node.js or the package (``npm ci``) these tests fail.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import queue
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import httpx2
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cockpit import access
from cockpit.access import audit, oidc
from cockpit.config import reset_settings
from cockpit.db import ensure_schema
from tests.access.helpers import make_user

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "access" / "oidc_provider.mjs"
CLIENT_ID = "commerce-cockpit"
CLIENT_SECRET = secrets.token_urlsafe(32)
CALLBACK = "http://testserver/login/oidc/callback"
PASSWORD = "correct horse battery staple"
ACCOUNTS = {
    "alice": {"password": PASSWORD, "claims": {"name": "Alice", "email": "alice@city.example"}},
    "mallory": {"password": PASSWORD, "claims": {"name": "Mallory"}},
    "dora": {"password": PASSWORD, "claims": {"name": "Dora"}},
    "oscar": {"password": PASSWORD, "claims": {"name": "Oscar", "cockpit_role": "yuzhong"}},
    "root": {"password": PASSWORD, "claims": {"name": "Root"}},
}
ROLE_MAP = """\
claim: cockpit_role
values:
  yuzhong: {role: district_official, districts: ["500103"]}
  city-analysts: {role: analyst}
"""


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running oidc-provider with one client and the test accounts; its issuer URL."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed for the OpenID Connect tests (scripts/setup.sh --test)")
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the npm package oidc-provider is missing: run `npm ci`")
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [CALLBACK],
        "accounts": ACCOUNTS,
    }
    env = {**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)}
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with log.open("w") as errors:
        proc = subprocess.Popen(
            [node, str(SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors,
            text=True,
        )  # fmt: skip
    assert proc.stdout is not None
    out = proc.stdout
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(out.readline()), daemon=True).start()
    try:
        try:
            first = lines.get(timeout=30)
        except queue.Empty:
            pytest.fail("oidc-provider did not start in 30 s")
        if not first:
            pytest.fail(f"oidc-provider failed: {log.read_text()}")
        yield str(json.loads(first)["issuer"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        out.close()


@pytest.fixture
def configure(issuer: str, cockpit_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Point the cockpit at the provider (optionally with a role map)."""

    def apply(*, role_map: bool = False) -> None:
        monkeypatch.setenv("COCKPIT_OIDC_ISSUER", issuer)
        monkeypatch.setenv("COCKPIT_OIDC_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("COCKPIT_OIDC_CLIENT_SECRET", CLIENT_SECRET)
        monkeypatch.setenv("COCKPIT_OIDC_REDIRECT_URL", CALLBACK)
        monkeypatch.setenv("COCKPIT_OIDC_NAME", "Chongqing ID")
        if role_map:
            path = cockpit_home.parent / "oidc-roles.yaml"
            path.write_text(ROLE_MAP, encoding="utf-8")
            monkeypatch.setenv("COCKPIT_OIDC_ROLE_MAP", str(path))
        reset_settings()

    apply()
    oidc.forget_provider()
    yield apply
    oidc.forget_provider()
    reset_settings()


@pytest.fixture
def client(configure: Any) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    ensure_schema()
    with TestClient(create_app()) as c:
        yield c


def linked_user(role: str, subject: str) -> str:
    name, _ = make_user(role)
    access.link_subject(username=name, subject=subject)
    return name


def through_provider(client: TestClient, login: str, next_url: str = "/") -> str:
    """Start at the cockpit, sign in and consent at the provider; the callback URL it sends
    the browser back to (not yet followed)."""
    start = client.get("/login/oidc", params={"next": next_url}, follow_redirects=False)
    assert start.status_code == 303, start.text
    url = start.headers["location"]
    with httpx.Client(follow_redirects=False, timeout=15) as browser:
        answer = browser.get(url)
        for _ in range(20):
            if answer.is_redirect:
                url = urljoin(str(answer.url), answer.headers["location"])
                if url.startswith("http://testserver/"):
                    return url
                answer = browser.get(url)
            elif 'id="login"' in answer.text:
                action = f"/interaction/{str(answer.url).rstrip('/').rsplit('/', 1)[-1]}/login"
                data = {"login": login, "password": ACCOUNTS[login]["password"]}
                answer = browser.post(urljoin(str(answer.url), action), data=data)
            elif 'id="consent"' in answer.text:
                action = f"/interaction/{str(answer.url).rstrip('/').rsplit('/', 1)[-1]}/confirm"
                answer = browser.post(urljoin(str(answer.url), action))
            else:
                raise AssertionError(
                    f"unexpected provider page: {answer.status_code} {answer.text}"
                )
    raise AssertionError("the provider never sent the browser back")


def come_back(client: TestClient, callback_url: str) -> httpx2.Response:
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def last(action: str) -> dict[str, Any]:
    audit.writer.flush()
    found = audit.search(action=action, limit=1)
    assert found, f"no {action} in the audit trail"
    return found[0]


def refused_with(answer: httpx2.Response, client: TestClient, reason: str) -> None:
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?error=1")
    assert "cockpit_session" not in answer.cookies
    assert client.get("/api/access/me").status_code == 401
    entry = last("signin_failed")
    detail = entry["detail"] if isinstance(entry["detail"], dict) else json.loads(entry["detail"])
    assert detail["via"] == "oidc" and detail["reason"] == reason, detail


def test_sign_in_page_offers_the_provider_only_when_configured(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = client.get("/login?lang=en")
    assert 'id="signin-oidc"' in page.text and "Sign in with Chongqing ID" in page.text
    monkeypatch.delenv("COCKPIT_OIDC_ISSUER")
    reset_settings()
    assert 'id="signin-oidc"' not in client.get("/login").text
    assert client.get("/login/oidc", follow_redirects=False).status_code == 404


def test_the_authorization_request_carries_state_nonce_and_pkce(client: TestClient) -> None:
    start = client.get("/login/oidc", follow_redirects=False)
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert "openid" in query["scope"][0].split()
    flow = start.headers["set-cookie"]
    assert "HttpOnly" in flow and "samesite=lax" in flow.lower()


def test_full_sign_in_through_the_provider_opens_a_session_and_is_audited(
    client: TestClient,
) -> None:
    name = linked_user("analyst", "alice")
    back = through_provider(client, "alice", next_url="/districts")
    flow_cookie = client.cookies.get(oidc.FLOW_COOKIE) or ""
    answer = come_back(client, back)
    assert answer.status_code == 200 and 'url=/districts"' in answer.text
    assert "cockpit_session" in answer.cookies
    me = client.get("/api/access/me").json()
    assert me["name"] == name and me["role"] == "analyst" and me["kind"] == "user"
    entry = last("signin")
    assert entry["actor"] == f"user:{name}" and entry["target"] == name
    detail = entry["detail"] if isinstance(entry["detail"], dict) else json.loads(entry["detail"])
    assert detail == {"via": "oidc", "issuer": oidc.configured().issuer, "subject": "alice"}  # type: ignore[union-attr]
    assert audit.verify().ok
    # The same code, state and flow cookie a second time: the provider refuses the code.
    replay = TestClient(client.app)
    replay.cookies.set(oidc.FLOW_COOKIE, flow_cookie, path="/login/oidc/callback")
    refused_with(come_back(replay, back), replay, "oidc_token")


def test_a_wrong_state_is_refused(client: TestClient) -> None:
    linked_user("analyst", "alice")
    back = through_provider(client, "alice")
    forged = back.replace("state=", "state=x", 1)
    refused_with(come_back(client, forged), client, "oidc_state")


def test_a_callback_without_the_flow_cookie_is_refused(client: TestClient) -> None:
    linked_user("analyst", "alice")
    back = through_provider(client, "alice")
    client.cookies.delete(oidc.FLOW_COOKIE, path="/login/oidc/callback")
    refused_with(come_back(client, back), client, "oidc_flow")


def test_a_tampered_id_token_is_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    linked_user("analyst", "alice")
    linked_user("admin", "root")
    fetch = OAuth2Client.fetch_token

    def tampered(self: OAuth2Client, *args: Any, **kwargs: Any) -> Any:
        token = fetch(self, *args, **kwargs)
        head, body, signature = token["id_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        claims["sub"] = "root"  # alice tries to come back as the admin
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        token["id_token"] = f"{head}.{body}.{signature}"
        return token

    monkeypatch.setattr(OAuth2Client, "fetch_token", tampered)
    refused_with(come_back(client, through_provider(client, "alice")), client, "oidc_id_token")


def test_an_id_token_for_another_client_or_out_of_date_is_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    linked_user("analyst", "alice")
    seen: dict[str, Any] = {}
    fetch = OAuth2Client.fetch_token

    def keep(self: OAuth2Client, *args: Any, **kwargs: Any) -> Any:
        seen.update(fetch(self, *args, **kwargs))
        return seen

    monkeypatch.setattr(OAuth2Client, "fetch_token", keep)
    back = through_provider(client, "alice")
    flow = oidc.open_flow(client.cookies.get(oidc.FLOW_COOKIE) or "")
    assert come_back(client, back).status_code == 200
    config = oidc.configured()
    assert config is not None
    good = oidc.verify_id_token(config, seen["id_token"], nonce=flow["nonce"])
    assert good["sub"] == "alice" and good["aud"] == CLIENT_ID
    with pytest.raises(oidc.OidcRefused, match="aud"):
        other = dataclasses.replace(config, client_id="another-app")
        oidc.verify_id_token(other, seen["id_token"], nonce=flow["nonce"])
    with pytest.raises(oidc.OidcRefused, match="nonce"):
        oidc.verify_id_token(config, seen["id_token"], nonce="replayed")
    later = int(good["exp"]) + oidc.LEEWAY + 1
    monkeypatch.setattr(oidc, "_now", lambda: later)
    with pytest.raises(oidc.OidcRefused, match="exp"):
        oidc.verify_id_token(config, seen["id_token"], nonce=flow["nonce"])


def test_an_unknown_subject_is_refused(client: TestClient) -> None:
    linked_user("analyst", "alice")
    refused_with(come_back(client, through_provider(client, "mallory")), client, "oidc_unknown")
    assert not any(u["oidc_subject"] == "mallory" for u in access.list_users())


def test_a_disabled_local_account_is_refused(client: TestClient) -> None:
    name = linked_user("leader", "dora")
    access.disable_user(username=name)
    refused_with(come_back(client, through_provider(client, "dora")), client, "oidc_disabled")


def test_a_role_map_makes_accounts_for_mapped_claims_only(
    client: TestClient, configure: Any
) -> None:
    configure(role_map=True)
    answer = come_back(client, through_provider(client, "oscar"))
    assert answer.status_code == 200
    me = client.get("/api/access/me").json()
    assert me["name"] == oidc.provisioned_username("oscar")
    assert me["role"] == "district_official" and me["districts"] == ["500103"]
    made = last("user_created")
    assert made["target"] == me["name"] and made["actor"].startswith("oidc:")
    # A second sign-in finds the same account; someone the map does not name is refused.
    client.cookies.clear()
    assert come_back(client, through_provider(client, "oscar")).status_code == 200
    assert sum(u["oidc_subject"] == "oscar" for u in access.list_users()) == 1
    client.cookies.clear()
    refused_with(come_back(client, through_provider(client, "mallory")), client, "oidc_unknown")


def test_users_link_verb_links_and_refuses_a_subject_taken(client: TestClient) -> None:
    from cockpit.cli import app

    first, _ = make_user("analyst")
    second, _ = make_user("analyst")
    runner = CliRunner()
    done = runner.invoke(app, ["users", "link", first, "--subject", "alice"])
    assert done.exit_code == 0, done.output
    taken = runner.invoke(app, ["users", "link", second, "--subject", "alice"])
    assert taken.exit_code != 0 and "linked to" in taken.output
    assert last("user_linked")["target"] == first
    assert runner.invoke(app, ["users", "link", first, "--unlink"]).exit_code == 0
