"""Sign-in through the city's identity provider: OpenID Connect, authorization code flow.

The cockpit is the relying party (Authlib's OAuth 2 client, joserfc for the ID token):

1. ``begin`` sends the browser to the provider's authorization endpoint with a fresh
   ``state``, ``nonce`` and PKCE ``code_verifier`` (S256); the three ride back in a short-lived
   cookie, HMAC-signed under a key derived from ``COCKPIT_KEY_SECRET``, HttpOnly.
2. ``finish`` (the callback) refuses a callback whose ``state`` is not the cookie's, redeems
   the code with the verifier at the token endpoint, checks the ID token's signature against
   the provider's JWKS (only asymmetric algorithms the provider announces), its issuer,
   audience (our client id), expiry, issue time and nonce; then finds the account.

Which account: the one linked to the token's subject (``cockpit users link NAME --subject
SUB``). A subject linked to no account is refused, unless ``COCKPIT_OIDC_ROLE_MAP`` names a
YAML file that maps a claim's value to a role (and districts): then an account is made for it,
named ``oidc-<hash of the subject>`` with a password nobody knows. Never by user name or e-mail
alone: an identity provider's user name is not proof of owning the local account of that name.
A disabled account is refused like a wrong password. Every sign-in and every refusal is in the
audit trail (``signin``/``signin_failed``, ``detail.via = "oidc"``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cockpit.access import audit
from cockpit.access.accounts import (
    AccountError,
    SignedIn,
    SignInRefused,
    check_districts,
    open_session,
    unusable_password_hash,
)
from cockpit.access.models import UserRow
from cockpit.access.policy import policy
from cockpit.config import Settings, get_settings
from cockpit.db import session_scope

FLOW_COOKIE = "cockpit_oidc_flow"
FLOW_LIFETIME = 600  # seconds between leaving for the provider and coming back
METADATA_TTL = 3600.0
LEEWAY = 60  # seconds of clock difference allowed on exp/iat
HTTP_TIMEOUT = 10.0
# Asymmetric signatures only: "none" and HMAC under the client secret are refused.
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


def _now() -> float:
    return time.time()


class OidcRefused(SignInRefused):
    """A sign-in through the identity provider refused; ``code`` says why (for the trail)."""

    code = "oidc_refused"


@dataclass(frozen=True)
class RoleRule:
    """Accounts made for a claim value: their role and districts."""

    role: str
    districts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleMap:
    """``COCKPIT_OIDC_ROLE_MAP``: which claim to read, and what each of its values grants."""

    claim: str
    values: dict[str, RoleRule] = field(default_factory=dict)

    def rule_for(self, claims: dict[str, Any]) -> tuple[str, RoleRule] | None:
        """The first value of the map (in file order) the claim carries, and its rule."""
        carried = claims.get(self.claim)
        held = {carried} if isinstance(carried, str) else set(carried or [])
        for value, rule in self.values.items():
            if value in held:
                return value, rule
        return None


def load_role_map(path: Path) -> RoleMap:
    """Read and check a role map; an unknown role or district is refused naming the value.

    ::

        claim: cockpit_role            # a claim of the ID token or the userinfo answer
        values:
          city-analysts: {role: analyst}
          yuzhong-officials: {role: district_official, districts: ["500103"]}
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("claim"), str):
        raise ValueError(f"{path}: needs 'claim: <name>' and 'values: {{value: {{role: ...}}}}'")
    rules: dict[str, RoleRule] = {}
    people = policy().roles_of_kind("user")
    for value, spec in (data.get("values") or {}).items():
        role = spec.get("role") if isinstance(spec, dict) else None
        if role not in people:
            raise ValueError(f"{path}: value {value!r}: role {role!r} is not one of {people}")
        try:
            codes = check_districts(role, [str(c) for c in spec.get("districts") or []])
        except AccountError as exc:
            raise ValueError(f"{path}: value {value!r}: {exc.message}") from exc
        rules[str(value)] = RoleRule(role, tuple(c for c in codes.split(",") if c))
    return RoleMap(claim=data["claim"], values=rules)


@dataclass(frozen=True)
class OidcConfig:
    """The relying party's settings (``COCKPIT_OIDC_*``)."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_url: str
    name: str
    scopes: str
    role_map: Path | None

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        if not settings.oidc_issuer:
            return None
        return cls(
            issuer=settings.oidc_issuer.rstrip("/"),
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            redirect_url=settings.oidc_redirect_url,
            name=settings.oidc_name or urlsplit(settings.oidc_issuer).hostname or "OIDC",
            scopes=settings.oidc_scopes,
            role_map=settings.oidc_role_map,
        )


def configured() -> OidcConfig | None:
    """The identity provider's settings, or None when sign-in through one is off."""
    return OidcConfig.from_settings(get_settings())


# --- the provider's metadata and keys, cached per issuer ------------------------------------

_lock = threading.Lock()
_metadata: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks: dict[str, tuple[float, dict[str, Any]]] = {}


def _get_json(url: str) -> dict[str, Any]:
    try:
        answer = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
        answer.raise_for_status()
        data = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcRefused(
            f"the identity provider did not answer at {url}", code="oidc_unavailable"
        ) from exc
    if not isinstance(data, dict):
        raise OidcRefused(f"{url} is not a JSON object", code="oidc_unavailable")
    return data


def metadata(config: OidcConfig, *, force: bool = False) -> dict[str, Any]:
    """The provider's discovery document; its ``issuer`` must be the configured one."""
    with _lock:
        cached = _metadata.get(config.issuer)
    if cached and not force and time.monotonic() - cached[0] < METADATA_TTL:
        return cached[1]
    data = _get_json(config.issuer + "/.well-known/openid-configuration")
    if str(data.get("issuer", "")).rstrip("/") != config.issuer:
        raise OidcRefused(
            f"the discovery document names issuer {data.get('issuer')!r}, not {config.issuer!r}",
            code="oidc_issuer",
        )
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(data.get(key), str):
            raise OidcRefused(f"the discovery document has no {key}", code="oidc_unavailable")
    with _lock:
        _metadata[config.issuer] = (time.monotonic(), data)
    return data


def _key_set(config: OidcConfig, *, force: bool = False) -> KeySet:
    with _lock:
        cached = _jwks.get(config.issuer)
    if cached is None or force or time.monotonic() - cached[0] >= METADATA_TTL:
        data = _get_json(str(metadata(config)["jwks_uri"]))
        with _lock:
            _jwks[config.issuer] = cached = (time.monotonic(), data)
    try:
        return KeySet.import_key_set(cached[1])  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise OidcRefused("the provider's JWKS cannot be read", code="oidc_unavailable") from exc


def forget_provider() -> None:
    """Drop cached discovery documents and keys (the next sign-in fetches them again)."""
    with _lock:
        _metadata.clear()
        _jwks.clear()


# --- the flow cookie -------------------------------------------------------------------------


def _flow_key() -> bytes:
    secret = get_settings().key_secret.get_secret_value().encode("utf-8")
    return hmac.new(secret, b"cockpit oidc flow cookie", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal_flow(flow: dict[str, Any]) -> str:
    """The flow as a cookie value: JSON and its HMAC."""
    body = _b64(json.dumps(flow, separators=(",", ":")).encode("utf-8"))
    mac = hmac.new(_flow_key(), body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def open_flow(cookie: str) -> dict[str, Any]:
    """The flow of a cookie value; refused when forged, altered or older than 10 minutes."""
    body, _, mac = cookie.partition(".")
    try:
        good = hmac.compare_digest(
            _unb64(mac), hmac.new(_flow_key(), body.encode("ascii"), hashlib.sha256).digest()
        )
        flow = json.loads(_unb64(body)) if good else None
    except (ValueError, UnicodeError):
        flow = None
    if not isinstance(flow, dict) or time.time() - float(flow.get("at", 0)) > FLOW_LIFETIME:
        raise OidcRefused("the sign-in took too long or came back elsewhere", code="oidc_flow")
    return flow


# --- the relying party -----------------------------------------------------------------------


def _client(config: OidcConfig) -> OAuth2Client:
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret or None,
        scope=config.scopes,
        redirect_uri=config.redirect_url,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if config.client_secret else "none",
        timeout=HTTP_TIMEOUT,
    )


@dataclass(frozen=True)
class Started:
    """Where to send the browser, and the flow cookie to set."""

    url: str
    cookie: str


def begin(config: OidcConfig, next_url: str) -> Started:
    """The authorization request: fresh state, nonce and PKCE verifier (S256)."""
    meta = metadata(config)
    state, nonce, verifier = (
        secrets.token_urlsafe(32),
        secrets.token_urlsafe(32),
        generate_token(64),
    )
    with _client(config) as client:
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    flow = {"state": state, "nonce": nonce, "verifier": verifier, "next": next_url,
            "at": time.time()}  # fmt: skip
    return Started(url=url, cookie=seal_flow(flow))


def verify_id_token(
    config: OidcConfig, id_token: str, *, nonce: str, access_token: str | None = None
) -> dict[str, Any]:
    """The ID token's claims after checking its signature (the provider's JWKS), issuer,
    audience, expiry, issue time, nonce and, when present, ``at_hash``."""
    meta = metadata(config)
    announced = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in announced if a in ASYMMETRIC]
    try:
        try:
            token = jwt.decode(id_token, _key_set(config), algorithms=algorithms)
        except InvalidKeyIdError:  # the provider rotated its keys: fetch them once more
            token = jwt.decode(id_token, _key_set(config, force=True), algorithms=algorithms)
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": config.issuer},
            "aud": {"essential": True, "value": config.client_id},
        }
        params = {"nonce": nonce, "client_id": config.client_id, "access_token": access_token}
        claims = CodeIDToken(token.claims, token.header, options, params)
        claims.validate(now=int(_now()), leeway=LEEWAY)
    except (JoseError, ValueError, TypeError) as exc:
        reason = str(exc) or type(exc).__name__
        raise OidcRefused(f"the ID token was refused: {reason}", code="oidc_id_token") from exc
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise OidcRefused("the ID token names no subject", code="oidc_id_token")
    return dict(claims)


def _userinfo(client: OAuth2Client, meta: dict[str, Any], subject: str) -> dict[str, Any]:
    """Claims of the userinfo endpoint for the same subject (empty without the endpoint)."""
    endpoint = meta.get("userinfo_endpoint")
    if not isinstance(endpoint, str):
        return {}
    try:
        answer = client.get(endpoint)
        answer.raise_for_status()
        info = answer.json()
    except (httpx.HTTPError, ValueError):
        return {}
    # OpenID Connect Core 5.3.2: a userinfo answer for another subject must not be used.
    if not isinstance(info, dict) or info.get("sub") != subject:
        return {}
    return info


@dataclass(frozen=True)
class Outcome:
    """A finished sign-in: the session and the local path to go to."""

    signed: SignedIn
    next_url: str


def finish(
    config: OidcConfig,
    *,
    flow_cookie: str,
    params: dict[str, str],
    engine: Engine | None = None,
    address: str = "",
) -> Outcome:
    """Check the callback and the ID token, find (or make) the account, open a session.
    Refusals raise ``OidcRefused`` and are in the audit trail, as is the sign-in."""
    subject = ""
    try:
        flow = open_flow(flow_cookie)
        if params.get("error"):
            raise OidcRefused(
                f"the identity provider answered {params['error']!r}", code="oidc_denied"
            )
        if not hmac.compare_digest(params.get("state", "").encode(), flow["state"].encode()):
            raise OidcRefused("the sign-in's state does not match", code="oidc_state")
        if not params.get("code"):
            raise OidcRefused("the identity provider sent no code", code="oidc_denied")
        meta = metadata(config)
        with _client(config) as client:
            try:
                token = client.fetch_token(
                    meta["token_endpoint"],
                    grant_type="authorization_code",
                    code=params["code"],
                    code_verifier=flow["verifier"],
                )
            except Exception as exc:  # authlib raises OAuthError, httpx its own
                raise OidcRefused(
                    "the identity provider refused the code", code="oidc_token"
                ) from exc
            if not isinstance(token.get("id_token"), str):
                raise OidcRefused("the token answer holds no ID token", code="oidc_id_token")
            claims = verify_id_token(
                config,
                token["id_token"],
                nonce=flow["nonce"],
                access_token=token.get("access_token"),
            )
            subject = claims["sub"]
            claims = {**_userinfo(client, meta, subject), **claims}
        signed, made = _sign_in(config, claims, engine)
    except OidcRefused as refusal:
        failed = audit.Entry(
            "signin_failed", f"oidc:{subject}" if subject else "oidc", actor="anonymous",
            address=address, detail={"via": "oidc", "reason": refusal.code,
                                     "issuer": config.issuer, "subject": subject},
        )  # fmt: skip
        audit.record(failed, engine=engine)
        raise
    if made is not None:
        created = audit.Entry(
            "user_created", made["username"], actor=f"oidc:{config.issuer}", address=address,
            detail={"after": made},
        )  # fmt: skip
        audit.record(created, engine=engine)
    entry = audit.entry_for(
        signed.principal, "signin", signed.principal.name, address=address,
        detail={"via": "oidc", "issuer": config.issuer, "subject": subject},
    )  # fmt: skip
    audit.record(entry, engine=engine)
    return Outcome(signed=signed, next_url=str(flow.get("next") or "/"))


def provisioned_username(subject: str) -> str:
    """The user name of an account made for ``subject``: never one a person chose."""
    return "oidc-" + hashlib.sha256(subject.encode("utf-8")).hexdigest()[:16]


def _sign_in(
    config: OidcConfig, claims: dict[str, Any], engine: Engine | None
) -> tuple[SignedIn, dict[str, Any] | None]:
    """The session of the subject's account, and what was made when it was provisioned."""
    subject = str(claims["sub"])
    made = None
    with session_scope(engine) as session:
        row = session.scalar(select(UserRow).where(UserRow.oidc_subject == subject))
        if row is None:
            row, made = _provision(config, claims, session)
        if row.disabled_at is not None:
            raise OidcRefused("the account is disabled", code="oidc_disabled")
        return open_session(session, row), made


def _provision(
    config: OidcConfig, claims: dict[str, Any], session: Session
) -> tuple[UserRow, dict[str, Any]]:
    """An account for an unlinked subject when the role map grants it one; else refused."""
    subject = str(claims["sub"])
    role_map = load_role_map(config.role_map) if config.role_map else None
    matched = role_map.rule_for(claims) if role_map else None
    if role_map is None or matched is None:
        raise OidcRefused("no account is linked to this subject", code="oidc_unknown")
    value, rule = matched
    name = provisioned_username(subject)
    if session.scalar(select(UserRow.id).where(UserRow.username == name)) is not None:
        raise OidcRefused(f"account {name} exists but is not linked", code="oidc_unknown")
    shown = claims.get("name") or claims.get("preferred_username") or name
    row = UserRow(
        username=name,
        display_name=str(shown)[:200],
        role=rule.role,
        districts=",".join(rule.districts),
        password_hash=unusable_password_hash(),
        failed_signins=0,
        created_at=datetime.now(UTC),
        oidc_subject=subject,
    )
    session.add(row)
    session.flush()
    made = {"username": name, "role": rule.role, "districts": ",".join(rule.districts),
            "oidc_subject": subject, "claim": f"{role_map.claim}={value}"}  # fmt: skip
    return row, made
