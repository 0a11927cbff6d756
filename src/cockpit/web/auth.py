"""API keys for the HTTP API: stored hashed, scoped to one role, checked by ``require_role``.

A key is a random token shown once, when it is made; the database keeps only its SHA-256.
Each key has one role:

========== ===================================================
role        who holds it
========== ===================================================
claimant_app  the app through which residents claim vouchers
merchant      a merchant's till or acquirer (redemptions, refunds)
reviewer      a programme officer reviewing subsidy applications
operator      programme operators (budgets, disbursement, status)
unit          a government unit publishing scenario calls
firm          a firm answering scenario calls
========== ===================================================

Use in a router (stable API, shared by every room)::

    from cockpit.web.auth import Principal, require_role

    @router.post("/claims")
    def claim(body: ClaimIn,
              who: Annotated[Principal, Depends(require_role("claimant_app"))]) -> ClaimOut:
        ...

Clients send the token as ``Authorization: Bearer <token>`` or ``X-API-Key: <token>``. A missing
or unknown key gets 401, a key of another role 403. Make keys with
``cockpit apikeys create --role merchant --name "Shop 42" [--json]`` or ``create_api_key(...)``.

Lookups are cached in the process for ``CACHE_SECONDS`` so a burst of claims does not read the
key table on every request; a revoked key stops working within that time.
"""

# No ``from __future__ import annotations``: FastAPI must see the real objects in the
# annotations of the dependency that ``require_role`` builds inside itself.

import hashlib
import secrets
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from cockpit.db import Base, get_engine, session_scope

ROLES: dict[str, str] = {
    "claimant_app": "app through which residents claim vouchers / 申领应用",
    "merchant": "merchant till or acquirer / 商户",
    "reviewer": "reviewer of subsidy applications / 审核员",
    "operator": "programme operator / 运营方",
    "unit": "government unit publishing scenario calls / 发榜单位",
    "firm": "firm answering scenario calls / 揭榜企业",
}
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
class Principal:
    """Who is calling: the key's id, role and name."""

    key_id: int
    role: str
    name: str


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
        principal = Principal(key_id=row.id, role=role, name=name)
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


_MISS = Principal(key_id=-1, role="", name="")


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
        found = Principal(key_id=row.id, role=row.role, name=row.name) if row else None
    with _cache_lock:
        _cache[cache_key] = (now, found)
    return found


def require_role(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency admitting keys of any of ``roles``; it returns the ``Principal``.

    401 when no key or an unknown/revoked key is sent, 403 when the key's role is not allowed.
    The dependency is itself the OpenAPI security scheme (``X-API-Key``; a bearer token is
    accepted too), so each request resolves one dependency, not three: it is on every call of
    the claim burst.
    """
    from fastapi import HTTPException, Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.security import APIKeyHeader

    allowed = tuple(check_role(r) for r in roles)
    if not allowed:
        raise ValueError("require_role needs at least one role")

    class KeyOfRole(APIKeyHeader):
        async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
            headers = request.headers
            scheme, _, credentials = headers.get("authorization", "").partition(" ")
            bearer = credentials.strip() if scheme.lower() == "bearer" else ""
            token = bearer or headers.get("x-api-key")
            if not token:
                raise HTTPException(
                    401,
                    "API key required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            # A cached key answers on the event loop; only a miss reads the database, in a
            # thread.
            principal = cached_principal(token)
            if principal is _MISS:
                principal = await run_in_threadpool(authenticate, token)
            if principal is None:
                raise HTTPException(401, "unknown or revoked API key")
            if principal.role not in allowed:
                raise HTTPException(
                    403, f"a {principal.role} key may not do this; allowed: {', '.join(allowed)}"
                )
            return principal

    return KeyOfRole(
        name="X-API-Key",
        scheme_name="APIKeyHeader",
        auto_error=False,
        description="API key: 'X-API-Key: <key>' or 'Authorization: Bearer <key>'",
    )


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
