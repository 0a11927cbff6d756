"""Who is calling: API keys (hashed, one role each) and session cookies, checked by ``Permit``.

Every route declares the permission it needs (``cockpit/access/policy.yaml`` says which roles
hold it)::

    from cockpit.web.auth import Principal, permit

    Claimant = Annotated[Principal, Depends(permit("programmes.claim"))]

    @router.post("/claims")
    def claim(body: ClaimIn, who: Claimant) -> ClaimOut: ...

or, when the handler does not need the principal, ``dependencies=[allow("cockpit.read")]``.

API clients send a key as ``Authorization: Bearer <token>`` or ``X-API-Key: <token>``; people
sign in at ``/login`` and get a session cookie. No principal: 401; a role without the
permission: 403. Key roles are the policy's roles of kind ``key`` (merchant, firm,
claimant_app, reviewer, operator, unit). Make keys with
``cockpit apikeys create --role merchant --name M000042 [--json]``.

Every request with a key reads its row (``cockpit.access.keys``): revoking, rotating or expiring
a key takes effect on the next request. Only unknown tokens are cached, in a bounded cache.
"""

# No ``from __future__ import annotations``: FastAPI must see the real objects in the
# annotations of ``Permit.__call__``.

import secrets
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from cockpit import access
from cockpit.access import (
    PUBLIC,
    Forbidden,
    NotSignedIn,
    key_roles,
    session_principal_async,
)

# Re-exported: the rooms' routes and tests import the key functions from here.
from cockpit.access import (
    TOKEN_PREFIX as TOKEN_PREFIX,
)
from cockpit.access import (
    ApiKey as ApiKey,
)
from cockpit.access import (
    NewKey as NewKey,
)
from cockpit.access import Principal as Principal  # re-exported: routes import it from here
from cockpit.access import (
    UnknownRoleError as UnknownRoleError,
)
from cockpit.access import (
    authenticate as authenticate,
)
from cockpit.access import (
    check_role as check_role,
)
from cockpit.access import (
    create_api_key as create_api_key,
)
from cockpit.access import (
    hash_token as hash_token,
)
from cockpit.access import (
    list_api_keys as list_api_keys,
)
from cockpit.access import (
    revoke_api_key as revoke_api_key,
)
from cockpit.access import (
    rotate_api_key as rotate_api_key,
)

ROLES: dict[str, str] = key_roles()


SESSION_COOKIE = "cockpit_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANONYMOUS = Principal(kind="anonymous", id=0, role="", name="")


def _bearer(headers: Any) -> str:
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    bearer = credentials.strip() if scheme.lower() == "bearer" else ""
    return bearer or headers.get("x-api-key") or ""


async def _key_principal(token: str) -> Principal:
    # Only for apps without the gate, which checks the key before the body is read.
    principal = await run_in_threadpool(authenticate, token)
    if principal is None:
        raise NotSignedIn("unknown, expired or revoked API key", field="X-API-Key", code="bad_key")
    return principal


async def _check_csrf(request: Any, expected: str) -> None:
    """A state-changing call from the browser must echo the session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # kept by Starlette: the route reads the same form
        sent = str(form.get(CSRF_FIELD, ""))
    if not secrets.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            "missing or wrong CSRF token; reload the page", code="csrf", field=CSRF_FIELD
        )


async def _session_principal(request: Any, token: str) -> Principal:
    info = await session_principal_async(token)
    if info is None:
        _count_stale_cookie(request, token)
        raise NotSignedIn("the session has ended; sign in again", code="session_ended")
    request.state.csrf_token = info.csrf_token
    if request.method not in SAFE_METHODS:
        await _check_csrf(request, info.csrf_token)
    return info.principal


def _count_stale_cookie(request: Any, token: str) -> None:
    # Each made-up cookie would otherwise be a rate-limit bucket of its own, and guessing
    # sessions free: a cookie that names no live session counts towards the address's
    # lockout like a bad key, once per cookie (a page's charts all carry the same stale one).
    limiter = getattr(request.app.state, "limiter", None)
    if limiter is not None and request.client is not None:
        limiter.fail_once(request.client.host, f"{hash(token):x}")  # keyed per process


async def caller(request: Any) -> Principal:
    """The principal of a request: its API key, else its session cookie; ``NotSignedIn``."""
    # The gate (``cockpit.web.guard``) has checked the key already; an app without it has not.
    state = request.scope.get("state", {})
    if state.get("key_principal") is not None:
        return state["key_principal"]  # type: ignore[no-any-return]
    token = "" if state.get("gate_read_key") else _bearer(request.headers)
    if token:
        return await _key_principal(token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return await _session_principal(request, cookie)
    raise NotSignedIn(
        "sign in, or send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
    )


class Permit(APIKeyHeader):
    """The dependency every route declares: the permission it needs (``policy.yaml``).

    It answers the ``Principal``: from an API key or a session cookie, each read on every
    request from the event loop (``cockpit.access.aioread``), so revoking, signing out or
    disabling works at once (a state-changing call must carry the session's CSRF token).
    No principal: 401 (pages redirect to the sign-in page); a role without the permission:
    403. ``public`` admits everyone. The dependency is also the OpenAPI security scheme
    (``X-API-Key``).
    """

    def __init__(self, permission: str) -> None:
        if permission not in access.policy().permissions:
            raise ValueError(f"unknown permission {permission!r}; see access/policy.yaml")
        super().__init__(
            name="X-API-Key",
            scheme_name="APIKeyHeader",
            auto_error=False,
            description="API key: 'X-API-Key: <key>' or 'Authorization: Bearer <key>'; "
            "or a session cookie from /login",
        )
        self.permission = permission

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        if self.permission == PUBLIC:
            return ANONYMOUS
        who = await caller(request)
        if not who.can(self.permission):
            raise Forbidden(
                f"a {who.role} may not do this (needs {self.permission})", code="forbidden"
            )
        request.state.principal = who
        request.state.permission = self.permission
        return who


_permits: dict[str, Permit] = {}


def permit(permission: str) -> Permit:
    """The ``Permit`` of ``permission`` (one object per permission, so routes share it)."""
    found = _permits.get(permission)
    if found is None:
        found = _permits[permission] = Permit(permission)
    return found


def allow(permission: str) -> Any:
    """``Depends(permit(permission))``, for a route's ``dependencies=[...]``."""
    from fastapi import Depends

    return Depends(permit(permission))


def route_permissions(dependant: Any) -> list[str]:
    """The permissions a route's dependencies declare (``Permit``s), searched depth-first."""
    found: list[str] = []
    for dep in dependant.dependencies:
        if isinstance(dep.call, Permit):
            found.append(dep.call.permission)
        found.extend(route_permissions(dep))
    return found


def register_cli(app: Any) -> None:
    """Add ``cockpit apikeys create|list|rotate|revoke`` to the Typer ``app``."""
    import json

    import typer

    from cockpit.access import DomainError

    group = typer.Typer(help="API keys of the HTTP API (HMAC-hashed, one role each, expiring).")
    app.add_typer(group, name="apikeys")

    def show(new: NewKey, json_out: bool) -> None:
        p = new.principal
        expires = new.expires_at.isoformat() if new.expires_at else None
        if json_out:
            out = {
                "id": p.key_id, "role": p.role, "name": p.name, "token": new.token,
                "scopes": sorted(p.scopes or []), "expires_at": expires,
            }  # fmt: skip
            typer.echo(json.dumps(out, ensure_ascii=False))
        else:
            typer.echo(f"key {p.key_id} ({p.role}, {p.name}, until {expires}): {new.token}")
            typer.echo("Keep it now: only its HMAC is stored.")

    @group.command("create")
    def create_cmd(
        role: str = typer.Option(..., help=f"One of: {', '.join(ROLES)}."),
        name: str = typer.Option(
            ..., help="The registry id it acts for: merchant id, credit code, reviewer id."
        ),
        owner: str = typer.Option("", help="Who answers for the key (a unit, a person)."),
        scope: list[str] = typer.Option(
            [], "--scope", help="Limit the key to this permission of its role (repeat)."
        ),
        days: int = typer.Option(365, help="Days until the key expires (1-3650)."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Make a key; its token is printed once and cannot be shown again."""
        from cockpit.db import upgrade

        upgrade()
        try:
            new = create_api_key(role=role, name=name, owner=owner, scopes=scope, days=days)
        except DomainError as exc:
            raise typer.BadParameter(exc.message, param_hint=f"--{exc.field}") from exc
        show(new, json_out)

    @group.command("list")
    def list_cmd(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """List keys (never their tokens)."""
        from cockpit.db import upgrade

        upgrade()
        keys = list_api_keys()
        if json_out:
            typer.echo(json.dumps({"data": keys, "count": len(keys)}, ensure_ascii=False))
            return
        for k in keys:
            state = "revoked" if k["revoked_at"] else "live"
            typer.echo(
                f"{k['id']:>5}  {k['hint']}…  {k['role']:<13} {state:<8} {k['name']}"
                f"  until {k['expires_at']}"
            )

    @group.command("rotate")
    def rotate_cmd(
        key_id: int = typer.Argument(..., help="The key's id."),
        days: int = typer.Option(365, help="Days until the new key expires."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Replace a key by a new one (same role, name, owner, scopes); the old one stops now."""
        from cockpit.db import upgrade

        upgrade()
        try:
            new = rotate_api_key(key_id=key_id, days=days)
        except DomainError as exc:
            raise typer.BadParameter(exc.message, param_hint="KEY_ID") from exc
        show(new, json_out)

    @group.command("revoke")
    def revoke_cmd(key_id: int = typer.Argument(..., help="The key's id.")) -> None:
        """Revoke a key; it stops working on the next request."""
        from cockpit.db import upgrade

        upgrade()
        if not revoke_api_key(key_id=key_id):
            raise typer.BadParameter(f"no live key {key_id}")
        typer.echo(f"key {key_id} revoked")
