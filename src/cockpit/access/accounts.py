"""Local accounts: argon2id password hashes, password rules, lockout, sign-in sessions.

A session is a random cookie value; the database keeps its SHA-256 (the value is 256 random
bits, so no salt is needed) and a CSRF token the pages echo on every state-changing call.
Sessions are read from the database on every request: ending one or disabling an account
takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from cockpit import reference
from cockpit.access import aioread, audit
from cockpit.access.errors import DomainError
from cockpit.access.models import SessionRow, UserRow
from cockpit.access.policy import policy
from cockpit.access.principal import Principal
from cockpit.db import get_engine, session_scope

MIN_PASSWORD = 12
MAX_PASSWORD = 256
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the user name is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(DomainError):
    """A refused account operation; ``field`` names the input at fault."""

    status = 422
    code = "invalid"


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie value (shown to the browser once) and its CSRF token."""

    token: str
    csrf_token: str
    principal: Principal


@dataclass(frozen=True)
class SessionInfo:
    """A live session's principal and CSRF token."""

    principal: Principal
    csrf_token: str


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; every time stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_password(password: str, *, username: str) -> None:
    """Refuse a password that is short, overlong, built on the user name or too repetitive."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password needs at least {MIN_PASSWORD} characters", field="password")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password may have at most {MAX_PASSWORD} characters", field="password")
    if username and username.lower() in password.lower():
        raise AccountError("password must not contain the user name", field="password")
    if len(set(password)) < 6:
        raise AccountError("password needs at least 6 different characters", field="password")


def check_username(username: str) -> str:
    """The user name, lower-cased; 3–64 of a–z, 0–9, '.', '_', '-'."""
    name = username.strip().lower()
    if not 3 <= len(name) <= 64 or not set(name) <= USERNAME_CHARS:
        raise AccountError(
            "user name: 3 to 64 characters of a-z, 0-9, '.', '_' or '-'", field="username"
        )
    return name


def check_districts(role: str, districts: list[str]) -> str:
    """The comma-joined current codes; a district official needs at least one."""
    codes = []
    for code in districts:
        try:
            codes.append(reference.current_district_code(code.strip()))
        except reference.ReferenceError as exc:
            raise AccountError(str(exc), field="districts") from exc
    if policy().role(role).scope == "districts" and not codes:
        raise AccountError(f"a {role} needs at least one district", field="districts")
    return ",".join(sorted(set(codes)))


def create_user(
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    districts: list[str] | None = None,
    engine: Engine | None = None,
    by: Principal | None = None,
    address: str = "",
) -> Principal:
    """Add an account; refuses unknown roles, key-only roles, weak passwords, taken names.
    The audit trail records who made it (``by``) and from where."""
    name = check_username(username)
    if role not in policy().roles_of_kind("user"):
        roles = ", ".join(policy().roles_of_kind("user"))
        raise AccountError(f"role {role!r} is not a role for people; roles: {roles}", field="role")
    check_password(password, username=name)
    codes = check_districts(role, districts or [])
    with session_scope(engine) as session:
        if session.scalar(select(UserRow.id).where(UserRow.username == name)) is not None:
            raise AccountError(
                f"user {name!r} exists", field="username", code="conflict", status=409
            )
        row = UserRow(
            username=name,
            display_name=display_name or name,
            role=role,
            districts=codes,
            password_hash=_hasher.hash(password),
            failed_signins=0,
            created_at=_now(),
        )
        session.add(row)
        session.flush()
        made = _principal(row)
    after = {"role": role, "districts": codes, "display_name": display_name or name}
    _audit(by, "user_created", name, address, {"after": after}, engine)
    return made


def _audit(
    by: Principal | None,
    action: str,
    target: str,
    address: str,
    detail: Mapping[str, object],
    engine: Engine | None,
) -> None:
    entry = audit.entry_for(by, action, target, address=address, detail=dict(detail))
    audit.record(entry, engine=engine)


def _principal(row: UserRow) -> Principal:
    codes = frozenset(c for c in row.districts.split(",") if c)
    return Principal(kind="user", id=row.id, role=row.role, name=row.username, districts=codes)


def _user(session: Session, username: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
    if row is None:
        raise AccountError(f"no user {username!r}", field="username", code="not_found", status=404)
    return row


def disable_user(
    *, username: str, engine: Engine | None = None, by: Principal | None = None, address: str = ""
) -> None:
    """Disable an account and end its sessions at once."""
    with session_scope(engine) as session:
        row = _user(session, username)
        before = {"disabled": row.disabled_at is not None}
        row.disabled_at = row.disabled_at or _now()
        session.execute(
            update(SessionRow)
            .where(SessionRow.user_id == row.id, SessionRow.ended_at.is_(None))
            .values(ended_at=_now())
        )
    detail = {"before": before, "after": {"disabled": True}}
    _audit(by, "user_disabled", username, address, detail, engine)


def reset_password(
    *,
    username: str,
    password: str,
    engine: Engine | None = None,
    by: Principal | None = None,
    address: str = "",
) -> None:
    """Set a new password, lift a lockout, end the account's sessions."""
    with session_scope(engine) as session:
        row = _user(session, username)
        check_password(password, username=row.username)
        row.password_hash = _hasher.hash(password)
        row.failed_signins = 0
        row.locked_until = None
        session.execute(
            update(SessionRow)
            .where(SessionRow.user_id == row.id, SessionRow.ended_at.is_(None))
            .values(ended_at=_now())
        )
    _audit(by, "password_reset", username, address, {}, engine)


def list_users(*, engine: Engine | None = None) -> list[dict[str, object]]:
    """Every account without its hash."""
    with session_scope(engine) as session:
        rows = session.scalars(select(UserRow).order_by(UserRow.username)).all()
        return [
            {
                "username": r.username,
                "display_name": r.display_name,
                "role": r.role,
                "districts": [c for c in r.districts.split(",") if c],
                "disabled": r.disabled_at is not None,
                "oidc_subject": r.oidc_subject,
                "locked": r.locked_until is not None and _aware(r.locked_until) > _now(),
                "created_at": _aware(r.created_at).isoformat(),
            }
            for r in rows
        ]


class SignInRefused(AccountError):
    """Wrong user name or password, a locked or disabled account: one message for all."""

    status = 401


def _verify(row: UserRow | None, password: str) -> bool:
    try:
        return (
            _hasher.verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def sign_in(
    *, username: str, password: str, engine: Engine | None = None, address: str = ""
) -> SignedIn:
    """Check the password and open a session; lock the account after repeated failures.
    Both outcomes go to the audit trail, with the address they came from."""
    name = username.strip().lower()[:64]
    with session_scope(engine) as session:
        # The refusal is raised after the block: its failure count must be committed.
        refusal, signed = _try_sign_in(session, name, password)
    if refusal is not None:
        failed = audit.Entry(
            "signin_failed", name, actor=f"user:{name}", address=address,
            detail={"reason": refusal.code},
        )  # fmt: skip
        audit.record(failed, engine=engine)
        raise refusal
    assert signed is not None
    _audit(signed.principal, "signin", name, address, {}, engine)
    return signed


def _try_sign_in(
    session: Session, username: str, password: str
) -> tuple[SignInRefused | None, SignedIn | None]:
    now = _now()
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    locked = row is not None and row.locked_until is not None and _aware(row.locked_until) > now
    good = _verify(row, password[:MAX_PASSWORD])
    if row is not None and not locked and not good:
        row.failed_signins += 1
        if row.failed_signins >= MAX_FAILURES:
            row.locked_until, row.failed_signins = now + LOCKOUT, 0
    if row is None or locked or not good or row.disabled_at is not None:
        code = "locked" if locked else "signin_refused"
        message = "wrong user name or password, or the account is locked"
        return SignInRefused(message, code=code), None
    row.failed_signins, row.locked_until = 0, None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    return None, open_session(session, row)


def open_session(session: Session, row: UserRow) -> SignedIn:
    """A new session of the account ``row`` (whose credentials the caller has checked)."""
    now = _now()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        SessionRow(
            token_sha256=hash_session(token),
            user_id=row.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return SignedIn(token=token, csrf_token=csrf, principal=_principal(row))


def unusable_password_hash() -> str:
    """The argon2id hash of a random secret nobody holds: an account made by the identity
    provider signs in there only, until an admin sets a password."""
    return _hasher.hash(secrets.token_urlsafe(32))


def link_subject(
    *,
    username: str,
    subject: str | None,
    engine: Engine | None = None,
    by: Principal | None = None,
    address: str = "",
) -> None:
    """Link an account to a subject of the identity provider (``None``: unlink)."""
    subject = subject.strip() if subject else None
    if subject is not None and not 1 <= len(subject) <= 255:
        raise AccountError("subject: 1 to 255 characters", field="subject")
    with session_scope(engine) as session:
        row = _user(session, username)
        if subject is not None:
            taken = session.scalar(
                select(UserRow.username).where(
                    UserRow.oidc_subject == subject, UserRow.id != row.id
                )
            )
            if taken is not None:
                raise AccountError(
                    f"subject {subject!r} is linked to {taken!r}",
                    field="subject", code="conflict", status=409,
                )  # fmt: skip
        before = {"oidc_subject": row.oidc_subject}
        row.oidc_subject = subject
    detail = {"before": before, "after": {"oidc_subject": subject}}
    _audit(by, "user_linked", username, address, detail, engine)


# A browser sends its cookie with every chart: the digest of a cookie seen a moment ago is
# looked up rather than computed again (bounded, least recently used first out).
@lru_cache(maxsize=4096)
def hash_session(token: str) -> str:
    """The SHA-256 (hex) under which a session cookie is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_SESSION_QUERY = (
    select(
        SessionRow.csrf_token,
        SessionRow.expires_at,
        UserRow.id,
        UserRow.username,
        UserRow.role,
        UserRow.districts,
        UserRow.disabled_at,
    )
    .join(UserRow, UserRow.id == SessionRow.user_id)
    .where(SessionRow.token_sha256 == bindparam("digest"), SessionRow.ended_at.is_(None))
)


def session_principal(token: str, *, engine: Engine | None = None) -> SessionInfo | None:
    """The live session of this cookie value with its user, or None (ended, expired, disabled).

    One indexed query on a pooled connection, on every request (no ORM session: this runs
    before every page and chart), so ending a session or an account acts at once.
    """
    with (engine or get_engine()).connect() as conn:
        row = conn.execute(_SESSION_QUERY, {"digest": hash_session(token)}).first()
    if row is None or row.disabled_at is not None:
        return None
    if _aware(row.expires_at) <= _now():
        return None
    codes = frozenset(c for c in row.districts.split(",") if c)
    who = Principal(kind="user", id=row.id, role=row.role, name=row.username, districts=codes)
    return SessionInfo(principal=who, csrf_token=row.csrf_token)


# The same read for ``session_principal_async``: the digest first, one or many.
_SESSION_SQL = (
    "SELECT s.token_sha256, s.csrf_token, s.expires_at, u.id, u.username, u.role, "
    "u.districts, u.disabled_at FROM access_sessions s JOIN access_users u ON u.id = s.user_id "
    "WHERE s.ended_at IS NULL AND s.token_sha256 "
)
_GROUPED_SESSION_SQL = _SESSION_SQL + "= ANY(%s)"
_SQLITE_SESSION_SQL = _SESSION_SQL + "= ?"


async def session_principal_async(
    token: str, *, engine: Engine | None = None
) -> SessionInfo | None:
    """``session_principal`` for the request's check, on the event loop: grouped with the
    requests of the moment on PostgreSQL, read on the loop on SQLite (``aioread``); still
    read on every request, so signing out and disabling act on the next one."""
    engine = engine or get_engine()
    digest = hash_session(token)
    conninfo = aioread.conninfo_of(engine)
    if conninfo is not None:
        row = (await aioread.reader(conninfo, _GROUPED_SESSION_SQL).read((digest,))).get(digest)
    else:
        rows = aioread.sqlite_rows(engine, _SQLITE_SESSION_SQL, (digest,))
        if rows is None:
            return await run_in_threadpool(session_principal, token, engine=engine)
        row = rows[0] if rows else None
    if row is None:
        return None
    _, csrf, expires, user_id, username, role, districts, disabled = row
    ends = _stored_moment(expires) if isinstance(expires, str) else _aware(expires)
    if disabled is not None or ends <= _now():
        return None
    return _session_info(csrf, user_id, username, role, districts)


# SQLite's stored text of a session's expiry, parsed once for the rows read again and again.
@lru_cache(maxsize=4096)
def _stored_moment(text: str) -> datetime:
    return _aware(datetime.fromisoformat(text))


@lru_cache(maxsize=4096)
def _session_info(csrf: str, user_id: int, username: str, role: str, districts: str) -> SessionInfo:
    # The same row read again gives the same (immutable) answer: made once, not per request.
    codes = frozenset(c for c in districts.split(",") if c)
    who = Principal(kind="user", id=user_id, role=role, name=username, districts=codes)
    return SessionInfo(principal=who, csrf_token=csrf)


def _moment(value: object) -> datetime:
    """A time as the drivers give it: a datetime (psycopg) or SQLite's stored text."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def end_session(token: str, *, engine: Engine | None = None) -> None:
    """Sign out: the session stops working at once."""
    with session_scope(engine) as session:
        session.execute(
            update(SessionRow)
            .where(SessionRow.token_sha256 == hash_session(token), SessionRow.ended_at.is_(None))
            .values(ended_at=_now())
        )
