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

Key lookups are cached in the process for ``CACHE_SECONDS`` so a burst of claims does not read
the key table on every request; revoking in this process clears the cache.
"""

# No ``from __future__ import annotations``: FastAPI must see the real objects in the
# annotations of ``Permit.__call__``.

import hashlib
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.security import APIKeyHeader
from sqlalchemy import DateTime, Engine, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from cockpit.access import Forbidden, NotSignedIn, policy
from cockpit.access import Principal as Principal  # re-exported: routes import it from here
from cockpit.access.policy import PUBLIC
from cockpit.db import Base, get_engine, session_scope


def _key_roles() -> dict[str, str]:
    return {
        r.name: f"{r.label_en} / {r.label_zh}" for r in policy().roles.values() if "key" in r.kinds
    }


ROLES: dict[str, str] = _key_roles()
TOKEN_PREFIX = "ck_"
CACHE_SECONDS = 30.0


class ApiKey(Base):
    """One API key: the SHA-256 of its token, its role and a name saying whose it is."""

    __tablename__ = "web_api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so people can tell keys apart without the secret.
    token_hint: Mapped[str] = mapped_column(String(12))
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class NewKey:
    """A key just made: ``token`` is shown this once and never stored."""

    token: str
    principal: Principal


class UnknownRoleError(ValueError):
    """A role that is not one of ``ROLES``."""


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_role(role: str) -> str:
    """Return ``role`` if it is known, else raise ``UnknownRoleError`` listing the roles."""
    if role not in ROLES:
        raise UnknownRoleError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return role


def create_api_key(*, role: str, name: str, engine: Engine | None = None) -> NewKey:
    """Make a key for ``role``; return its token (shown once) and principal."""
    check_role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        token_sha256=hash_token(token),
        token_hint=token[:10],
        role=role,
        name=name,
        created_at=datetime.now(UTC),
    )
    with session_scope(engine) as session:
        session.add(row)
        session.flush()
        principal = Principal(kind="key", id=row.id, role=role, name=name)
    return NewKey(token=token, principal=principal)


def revoke_api_key(*, key_id: int, engine: Engine | None = None) -> bool:
    """Revoke a key; True if it existed and was live. Takes effect within ``CACHE_SECONDS``."""
    with session_scope(engine) as session:
        result = session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        changed = bool(getattr(result, "rowcount", 0))
    _cache.clear()
    return changed


def list_api_keys(*, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every key without its secret: id, hint, role, name, created and revoked times."""
    with session_scope(engine) as session:
        rows = session.scalars(select(ApiKey).order_by(ApiKey.id)).all()
        return [
            {
                "id": r.id,
                "hint": r.token_hint,
                "role": r.role,
                "name": r.name,
                "created_at": r.created_at.isoformat(),
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
            }
            for r in rows
        ]


_cache: dict[tuple[str, str], tuple[float, Principal | None]] = {}
_cache_lock = threading.Lock()


_MISS = Principal(kind="key", id=-1, role="", name="")


_db_names: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _db_name(engine: Engine) -> str:
    """``str(engine.url)``, worked out once per engine (rendering a URL is not free)."""
    name = _db_names.get(engine)
    if name is None:
        name = _db_names[engine] = str(engine.url)
    return name


def cached_principal(token: str, *, engine: Engine | None = None) -> Principal | None:
    """The cached answer for ``token`` (a principal or None), or ``_MISS`` when not cached."""
    engine = engine or get_engine()
    with _cache_lock:
        hit = _cache.get((_db_name(engine), hash_token(token)))
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    return _MISS


def authenticate(token: str, *, engine: Engine | None = None) -> Principal | None:
    """The principal of a live key with this token, or None."""
    engine = engine or get_engine()
    digest = hash_token(token)
    cache_key = (_db_name(engine), digest)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(cache_key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    with session_scope(engine) as session:
        row = session.scalars(
            select(ApiKey).where(ApiKey.token_sha256 == digest, ApiKey.revoked_at.is_(None))
        ).first()
        found = Principal(kind="key", id=row.id, role=row.role, name=row.name) if row else None
    with _cache_lock:
        _cache[cache_key] = (now, found)
    return found


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
    # A cached key answers on the event loop; only a miss reads the database, in a thread.
    from fastapi.concurrency import run_in_threadpool

    principal = cached_principal(token)
    if principal is _MISS:
        principal = await run_in_threadpool(authenticate, token)
    if principal is None:
        raise NotSignedIn("unknown or revoked API key", field="X-API-Key", code="bad_key")
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
    from fastapi.concurrency import run_in_threadpool

    from cockpit.access import session_principal

    info = await run_in_threadpool(session_principal, token)
    if info is None:
        raise NotSignedIn("the session has ended; sign in again", code="session_ended")
    request.state.csrf_token = info.csrf_token
    if request.method not in SAFE_METHODS:
        await _check_csrf(request, info.csrf_token)
    return info.principal


async def caller(request: Any) -> Principal:
    """The principal of a request: its API key, else its session cookie; ``NotSignedIn``."""
    token = _bearer(request.headers)
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

    It answers the ``Principal``: from an API key (cached, as the claim burst needs) or from
    a session cookie (read on every request, so signing out or disabling works at once; a
    state-changing call must carry the session's CSRF token). No principal: 401 (pages
    redirect to the sign-in page); a role without the permission: 403. ``public`` admits
    everyone. The dependency is also the OpenAPI security scheme (``X-API-Key``).
    """

    def __init__(self, permission: str) -> None:
        if permission not in policy().permissions:
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
    """Add ``cockpit apikeys create|list|revoke`` to the Typer ``app``."""
    import json

    import typer

    group = typer.Typer(help="API keys of the HTTP API (stored hashed, one role each).")
    app.add_typer(group, name="apikeys")

    @group.command("create")
    def create_cmd(
        role: str = typer.Option(..., help=f"One of: {', '.join(ROLES)}."),
        name: str = typer.Option(..., help="Whose key this is, e.g. the merchant's name."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Make a key; its token is printed once and cannot be shown again."""
        from cockpit.db import upgrade

        try:
            check_role(role)
        except UnknownRoleError as exc:
            raise typer.BadParameter(str(exc), param_hint="--role") from exc
        upgrade()
        new = create_api_key(role=role, name=name)
        p = new.principal
        if json_out:
            out = {"id": p.key_id, "role": p.role, "name": p.name, "token": new.token}
            typer.echo(json.dumps(out, ensure_ascii=False))
        else:
            typer.echo(f"key {p.key_id} ({p.role}, {p.name}): {new.token}")
            typer.echo("Keep it now: only its hash is stored.")

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
            typer.echo(f"{k['id']:>5}  {k['hint']}…  {k['role']:<13} {state:<8} {k['name']}")

    @group.command("revoke")
    def revoke_cmd(key_id: int = typer.Argument(..., help="The key's id.")) -> None:
        """Revoke a key."""
        from cockpit.db import upgrade

        upgrade()
        if not revoke_api_key(key_id=key_id):
            raise typer.BadParameter(f"no live key {key_id}")
        typer.echo(f"key {key_id} revoked")
