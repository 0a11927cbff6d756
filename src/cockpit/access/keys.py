"""API keys: HMAC-hashed with a server key, each with an owner, a role, scopes and an expiry.

A key is a random token shown once, when it is made. The database keeps the HMAC-SHA-256 of
the token under ``COCKPIT_KEY_SECRET`` (keys made before that, stored as a plain SHA-256,
still work and are re-hashed on their first use). The key's ``name`` is the registry id it
acts for (a merchant id, a credit code, a reviewer id); ``owner`` says who answers for it.

Every request reads the key's row: revoking, rotating or expiring takes effect on the next
request, in every process. On PostgreSQL the request gate reads it from the event loop,
grouped with the other requests of the moment (``authenticate_async``, ``aioread``). Only
*unknown* tokens are remembered, in a bounded cache, so a flood of random keys does not reach
the database.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Engine, Integer, String, bindparam, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column
from starlette.concurrency import run_in_threadpool

from cockpit.access import aioread, audit
from cockpit.access.errors import DomainError, NotFound
from cockpit.access.policy import policy
from cockpit.access.principal import Principal
from cockpit.config import get_settings
from cockpit.db import Base, get_engine, session_scope

TOKEN_PREFIX = "ck_"
DEFAULT_DAYS = 365
UNKNOWN_CACHE_SIZE = 10_000
UNKNOWN_CACHE_SECONDS = 30.0
# A registry id: a merchant id, an 18-character credit code, a reviewer id.
REGISTRY_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")


class ApiKey(Base):
    """One API key: the digest of its token, its role, registry id, owner, scopes, expiry."""

    __tablename__ = "web_api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The HMAC-SHA-256 of the token ("hmac"), or its SHA-256 for keys made before ("sha256").
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    digest_kind: Mapped[str] = mapped_column(String(8), default="hmac")
    # The first characters of the token, so people can tell keys apart without the secret.
    token_hint: Mapped[str] = mapped_column(String(12))
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200), default="")
    # Comma-separated permissions, a subset of the role's; '' = all of the role's.
    scopes: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rotated_from: Mapped[int | None] = mapped_column(Integer, nullable=True)


class KeyError_(DomainError):
    """A key that cannot be made as asked (role, name, scopes, expiry)."""

    status = 422
    code = "invalid"


class UnknownRoleError(KeyError_, ValueError):
    """A role that API keys cannot hold."""


@dataclass(frozen=True)
class NewKey:
    """A key just made: ``token`` is shown this once and never stored."""

    token: str
    principal: Principal
    expires_at: datetime | None


def key_roles() -> dict[str, str]:
    """Roles an API key may hold, with their labels."""
    return {
        r.name: f"{r.label_en} / {r.label_zh}" for r in policy().roles.values() if "key" in r.kinds
    }


def check_role(role: str) -> str:
    """Return ``role`` if keys may hold it, else raise ``UnknownRoleError`` listing them."""
    if role not in key_roles():
        roles = ", ".join(key_roles())
        raise UnknownRoleError(f"unknown role {role!r}; roles: {roles}", field="role")
    return role


def check_name(role: str, name: str) -> str:
    """The key's name: a registry id for registry principals, else short printable text."""
    text = name.strip()
    if policy().role(role).scope == "registry" and not REGISTRY_ID.fullmatch(text):
        raise KeyError_(
            f"a {role} key is named by its registry id (letters, digits, '.', '_', '-'; "
            f"up to 64): {name!r}",
            field="name",
        )
    if not 1 <= len(text) <= 200 or not text.isprintable():
        raise KeyError_("a key's name is 1 to 200 printable characters", field="name")
    return text


def check_scopes(role: str, scopes: list[str]) -> str:
    """Comma-joined scopes, each a permission the role holds."""
    held = policy().role(role).permissions
    if bad := [s for s in scopes if s not in held]:
        raise KeyError_(f"a {role} key cannot be given {bad[0]!r}", field="scopes")
    return ",".join(sorted(set(scopes)))


def _secret() -> bytes:
    return get_settings().key_secret.get_secret_value().encode("utf-8")


def hash_token(token: str) -> str:
    """The HMAC-SHA-256 (hex) under which a token is stored."""
    return hmac.new(_secret(), token.encode("utf-8"), hashlib.sha256).hexdigest()


def _legacy_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _principal(row: ApiKey) -> Principal:
    scopes = frozenset(s for s in row.scopes.split(",") if s) or None
    return Principal(kind="key", id=row.id, role=row.role, name=row.name, scopes=scopes)


def create_api_key(
    *,
    role: str,
    name: str,
    owner: str = "",
    scopes: list[str] | None = None,
    days: int | None = DEFAULT_DAYS,
    engine: Engine | None = None,
    rotated_from: int | None = None,
    by: Principal | None = None,
) -> NewKey:
    """Make a key; return its token (shown once), principal and expiry (audited)."""
    check_role(role)
    text = check_name(role, name)
    scope_text = check_scopes(role, scopes or [])
    if days is not None and not 1 <= days <= 3650:
        raise KeyError_("a key lives 1 to 3650 days", field="days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    row = ApiKey(
        token_sha256=hash_token(token),
        digest_kind="hmac",
        token_hint=token[:10],
        role=role,
        name=text,
        owner=owner.strip()[:200] or text,
        scopes=scope_text,
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
        rotated_from=rotated_from,
    )
    with session_scope(engine) as session:
        session.add(row)
        session.flush()
        new = NewKey(token=token, principal=_principal(row), expires_at=row.expires_at)
    after = {"id": new.principal.id, "role": role, "name": text, "scopes": scope_text,
             "hint": row.token_hint, "rotated_from": rotated_from}  # fmt: skip
    audit.record(audit.entry_for(by, "key_created", f"key:{new.principal.id}",
                                 detail={"after": after}), engine=engine)  # fmt: skip
    return new


def revoke_api_key(
    *, key_id: int, engine: Engine | None = None, by: Principal | None = None
) -> bool:
    """Revoke a key; True if it existed and was live. Takes effect on the next request."""
    with session_scope(engine) as session:
        result = session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=_now())
        )
        changed = bool(getattr(result, "rowcount", 0))
    if changed:
        entry = audit.entry_for(by, "key_revoked", f"key:{key_id}", detail={"after": "revoked"})
        audit.record(entry, engine=engine)
    return changed


def rotate_api_key(
    *, key_id: int, days: int | None = DEFAULT_DAYS, engine: Engine | None = None
) -> NewKey:
    """A new key with the old one's role, name, owner and scopes; the old one is revoked."""
    with session_scope(engine) as session:
        old = session.get(ApiKey, key_id)
        if old is None or old.revoked_at is not None:
            raise NotFound(f"no live key {key_id}", field="key_id")
        role, name, owner = old.role, old.name, old.owner
        scopes = [s for s in old.scopes.split(",") if s]
    new = create_api_key(
        role=role, name=name, owner=owner, scopes=scopes, days=days, engine=engine,
        rotated_from=key_id,
    )  # fmt: skip
    revoke_api_key(key_id=key_id, engine=engine)
    return new


def list_api_keys(*, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every key without its secret."""
    with session_scope(engine) as session:
        rows = session.scalars(select(ApiKey).order_by(ApiKey.id)).all()
        return [
            {
                "id": r.id,
                "hint": r.token_hint,
                "role": r.role,
                "name": r.name,
                "owner": r.owner,
                "scopes": [s for s in r.scopes.split(",") if s],
                "created_at": r.created_at.isoformat(),
                "expires_at": (_aware(r.expires_at) or r.created_at).isoformat()
                if r.expires_at
                else None,
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
                "rotated_from": r.rotated_from,
            }
            for r in rows
        ]


class _UnknownTokens:
    """Digests of tokens that matched no key, remembered briefly; at most ``size`` of them."""

    def __init__(self, size: int, seconds: float) -> None:
        self.size, self.seconds = size, seconds
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, digest: str) -> bool:
        with self._lock:
            when = self._seen.get(digest)
            if when is None:
                return False
            if time.monotonic() - when > self.seconds:
                del self._seen[digest]
                return False
            return True

    def add(self, digest: str) -> None:
        with self._lock:
            self._seen[digest] = time.monotonic()
            self._seen.move_to_end(digest)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)

    def __len__(self) -> int:
        return len(self._seen)


unknown_tokens = _UnknownTokens(UNKNOWN_CACHE_SIZE, UNKNOWN_CACHE_SECONDS)


_KEY_QUERY = select(
    ApiKey.id, ApiKey.role, ApiKey.name, ApiKey.scopes, ApiKey.digest_kind,
    ApiKey.expires_at, ApiKey.revoked_at,
).where(
    or_(
        (ApiKey.token_sha256 == bindparam("digest")) & (ApiKey.digest_kind == "hmac"),
        (ApiKey.token_sha256 == bindparam("legacy")) & (ApiKey.digest_kind == "sha256"),
    )
)  # fmt: skip


def _digests(token: str) -> tuple[str, str] | None:
    """The token's HMAC and legacy SHA-256, or None when it cannot be a key (too long, or
    remembered as unknown)."""
    if len(token) > 200:
        return None
    digest = hash_token(token)
    if digest in unknown_tokens:
        return None
    return digest, _legacy_hash(token)


def _live(row: Any, digest: str, engine: Engine) -> Principal | None:
    """The principal of a key row found for a token, if it is live and unexpired."""
    expires = _aware(row.expires_at)
    if row.revoked_at is not None or (expires is not None and expires <= _now()):
        return None
    if row.digest_kind != "hmac":  # a key made before HMAC: stored anew under it
        with session_scope(engine) as session:
            session.execute(
                update(ApiKey)
                .where(ApiKey.id == row.id)
                .values(token_sha256=digest, digest_kind="hmac")
            )
    scopes = frozenset(s for s in row.scopes.split(",") if s) or None
    return Principal(kind="key", id=row.id, role=row.role, name=row.name, scopes=scopes)


def authenticate(token: str, *, engine: Engine | None = None) -> Principal | None:
    """The principal of a live, unexpired key with this token, or None.

    One indexed query on a pooled connection per request: it runs before every API call.
    """
    digests = _digests(token)
    if digests is None:
        return None
    digest, legacy = digests
    engine = engine or get_engine()
    with engine.connect() as conn:
        row = conn.execute(_KEY_QUERY, {"digest": digest, "legacy": legacy}).first()
    if row is None:
        unknown_tokens.add(digest)
        return None
    return _live(row, digest, engine)


# The key rows of some digests, for ``aioread``: the digest first.
_KEY_COLUMNS = "token_sha256, digest_kind, id, role, name, scopes, expires_at, revoked_at"
_GROUPED_SQL = f"SELECT {_KEY_COLUMNS} FROM web_api_keys WHERE token_sha256 = ANY(%s)"
_SQLITE_SQL = f"SELECT {_KEY_COLUMNS} FROM web_api_keys WHERE token_sha256 IN (?, ?)"


@dataclass(frozen=True)
class _KeyRow:
    digest_kind: str
    id: int
    role: str
    name: str
    scopes: str
    expires_at: datetime | None
    revoked_at: datetime | None


async def authenticate_async(token: str, *, engine: Engine | None = None) -> Principal | None:
    """``authenticate`` for the request gate, on the event loop.

    On PostgreSQL the key's row is read by a statement sent after this call, shared with the
    requests waiting at the same moment (``cockpit.access.aioread``); on SQLite it is read on
    the event loop. Either way revocation acts on the very next request, at a fraction of
    the cost of a thread and a pooled connection per request.
    """
    engine = engine or get_engine()
    digests = _digests(token)
    if digests is None:
        return None
    digest, legacy = digests
    conninfo = aioread.conninfo_of(engine)
    if conninfo is not None:
        found = await aioread.reader(conninfo, _GROUPED_SQL).read(digests)
    else:
        rows = aioread.sqlite_rows(engine, _SQLITE_SQL, digests)
        if rows is None:
            return await run_in_threadpool(authenticate, token, engine=engine)
        found = {row[0]: row for row in rows}
    row = found.get(digest)
    if row is None or row[1] != "hmac":
        row = found.get(legacy)
        if row is not None and row[1] != "sha256":
            row = None
    if row is None:
        unknown_tokens.add(digest)
        return None
    kind, key_id, role, name, scopes, expires, revoked = row[1:]
    key = _KeyRow(kind, key_id, role, name, scopes, _moment(expires), _moment(revoked))
    if key.digest_kind != "hmac":
        return await run_in_threadpool(_live, key, digest, engine)
    return _live(key, digest, engine)


def _moment(value: Any) -> datetime | None:
    """A time as the drivers give it: a datetime (psycopg) or SQLite's stored text."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
