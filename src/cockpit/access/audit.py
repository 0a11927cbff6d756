"""The audit trail: append-only, hash-chained, keyed with ``COCKPIT_AUDIT_SECRET``.

Each entry says who (principal), when (UTC), from where (address), what (action, target) and,
for changes, before and after. Its ``hash`` is the HMAC-SHA-256, under a key the database never
holds, of the previous entry's hash and the entry itself: an insider who edits, deletes or
inserts a row cannot make ``verify`` pass again without the key. Triggers refuse UPDATE and
DELETE on the table as a first line; the chain is what proves it.

Request-driven entries (writes, exports, reads of row-level data) are queued and appended in
batches by one writer thread (gathered for a tenth of a second, stored without the ORM and by
``COPY`` on PostgreSQL), so a burst of claims does not wait on the chain; ``flush()`` writes
what is queued (the app calls it at shutdown). Account and key changes and sign-ins
are appended at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, Integer, String, Text, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from cockpit.access.principal import Principal
from cockpit.config import get_settings
from cockpit.db import Base, get_engine, session_scope

GENESIS = "0" * 64
log = logging.getLogger(__name__)
ACTIONS = (
    "signin", "signin_failed", "signout", "write", "export", "read_rows",
    "user_created", "user_disabled", "password_reset", "user_linked", "key_created",
    "key_revoked",
)  # fmt: skip


class AuditRow(Base):
    """One entry of the trail."""

    __tablename__ = "access_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))  # kind:name, e.g. user:li.si, key:M000001
    role: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(400))
    detail: Mapped[str] = mapped_column(Text)  # JSON: status, before, after, ...
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's last hash, one row: updating it serialises appends on every database."""

    __tablename__ = "access_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class Entry:
    """What happened, before it is chained."""

    action: str
    target: str
    actor: str = "anonymous"
    role: str = ""
    address: str = ""
    detail: dict[str, Any] | None = None
    at: datetime | None = None


def entry_for(principal: Principal | None, action: str, target: str, **kw: Any) -> Entry:
    """An entry signed by ``principal`` (or anonymous), timed now unless ``at`` is given (a
    queued entry keeps the time of its request, not of its batch)."""
    kw.setdefault("at", datetime.now(UTC))
    if principal is None or principal.kind == "anonymous":
        return Entry(action=action, target=target, **kw)
    actor = f"{principal.kind}:{principal.name}"
    return Entry(action=action, target=target, actor=actor, role=principal.role, **kw)


def _secret() -> bytes:
    return get_settings().audit_secret.get_secret_value().encode("utf-8")


def _canonical(
    at: datetime, actor: str, role: str, address: str, action: str, target: str, detail: str
) -> bytes:
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    fields = [at.isoformat(), actor, role, address, action, target, detail]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def chain_hash(prev_hash: str, row: AuditRow) -> str:
    """HMAC-SHA-256 of the previous hash and the entry, under the audit key."""
    text = _canonical(row.at, row.actor, row.role, row.address, row.action, row.target, row.detail)
    return hmac.new(_secret(), prev_hash.encode() + text, hashlib.sha256).hexdigest()


# Locks the head's row and reads it in one statement: concurrent appenders queue here.
_TAKE_HEAD = (
    update(AuditHead)
    .where(AuditHead.id == 1)
    .values(last_hash=AuditHead.last_hash)
    .returning(AuditHead.last_hash)
)


def _take_head(conn: Connection) -> str:
    found = conn.execute(_TAKE_HEAD).scalar()
    if found is None:
        conn.execute(insert(AuditHead).values(id=1, last_hash=GENESIS))
        found = conn.execute(_TAKE_HEAD).scalar_one()
    return str(found)


_COLUMNS = ("at", "actor", "role", "address", "action", "target", "detail", "prev_hash", "hash")
_COPY = f"COPY access_audit ({', '.join(_COLUMNS)}) FROM STDIN"


def append(entries: Iterable[Entry], *, engine: Engine | None = None) -> int:
    """Chain and store ``entries`` in one transaction; the number stored.

    No ORM: one statement locks and reads the head, one stores every row (``COPY`` on
    PostgreSQL), one moves the head — a burst of claims appends thousands a second.
    """
    items = list(entries)
    if not items:
        return 0
    key = _secret()
    with (engine or get_engine()).begin() as conn:
        prev = _take_head(conn)
        rows = []
        for e in items:
            at = e.at or datetime.now(UTC)
            detail = json.dumps(e.detail or {}, ensure_ascii=False, sort_keys=True)
            actor, role, address = e.actor[:200], e.role[:40], e.address[:64]
            target = e.target[:400]
            text = _canonical(at, actor, role, address, e.action, target, detail)
            digest = hmac.new(key, prev.encode() + text, hashlib.sha256).hexdigest()
            rows.append((at, actor, role, address, e.action, target, detail, prev, digest))
            prev = digest
        if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
            raw: Any = conn.connection.dbapi_connection
            with raw.cursor() as cur, cur.copy(_COPY) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            conn.execute(insert(AuditRow), [dict(zip(_COLUMNS, row, strict=True)) for row in rows])
        conn.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))
    return len(items)


def record(entry: Entry, *, engine: Engine | None = None) -> None:
    """Append one entry now."""
    append([entry], engine=engine)


@dataclass(frozen=True)
class Verdict:
    """What ``verify`` found: entries checked, and the first broken one (None: intact)."""

    checked: int
    broken_at: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "broken_at": self.broken_at,
                "reason": self.reason}  # fmt: skip


def verify(*, engine: Engine | None = None) -> Verdict:
    """Recompute the chain from the start: every link, every hash, and the head."""
    prev, n = GENESIS, 0
    with session_scope(engine) as session:
        for row in session.scalars(select(AuditRow).order_by(AuditRow.id)).yield_per(1000):
            n += 1
            if row.prev_hash != prev:
                return Verdict(n, row.id, "an entry before it was removed or inserted")
            if not hmac.compare_digest(chain_hash(prev, row), row.hash):
                return Verdict(n, row.id, "the entry was changed after it was written")
            prev = row.hash
        head = session.get(AuditHead, 1)
        if head is not None and head.last_hash != prev:
            return Verdict(n, -1, "the last entries were removed")
    return Verdict(n, None, "intact")


def search(
    *,
    actor: str = "",
    action: str = "",
    target: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
    engine: Engine | None = None,
) -> list[dict[str, Any]]:
    """Entries matching every filter given (actor and target by substring), newest first."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditRow.actor.contains(actor, autoescape=True))
    if action:
        query = query.where(AuditRow.action == action)
    if target:
        query = query.where(AuditRow.target.contains(target, autoescape=True))
    if since:
        query = query.where(AuditRow.at >= since)
    if until:
        query = query.where(AuditRow.at < until)
    with session_scope(engine) as session:
        return [_public(r) for r in session.scalars(query)]


def _public(row: AuditRow) -> dict[str, Any]:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return {
        "id": row.id, "at": at.isoformat(), "actor": row.actor, "role": row.role,
        "address": row.address, "action": row.action, "target": row.target,
        "detail": json.loads(row.detail), "hash": row.hash,
    }  # fmt: skip


class Writer:
    """Appends queued entries in batches from one thread (see the module's docstring)."""

    def __init__(self, batch: int = 1000, linger: float = 0.1) -> None:
        self.batch = batch
        # After the first entry, wait this long for more: a transaction costs the API about
        # as much CPU as fifty entries, so a burst's entries go in batches of hundreds.
        self.linger = linger
        self._queue: queue.Queue[tuple[Entry, str]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, entry: Entry) -> None:
        """Queue ``entry`` for the configured database."""
        self._queue.put((entry, get_settings().database_url))
        self._start()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit", daemon=True)
                self._thread.start()

    def _take(self, first: tuple[Entry, str]) -> list[tuple[Entry, str]]:
        taken = [first]
        while len(taken) < self.batch:
            try:
                taken.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return taken

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=5)
            except queue.Empty:
                return
            time.sleep(self.linger)
            taken = self._take(first)
            by_db: dict[str, list[Entry]] = {}
            for entry, url in taken:
                by_db.setdefault(url, []).append(entry)
            try:
                for url, entries in by_db.items():
                    append(entries, engine=get_engine(url))
            except Exception:
                log.exception("audit entries could not be stored: %d lost", len(taken))
            finally:
                for _ in taken:
                    self._queue.task_done()

    def flush(self) -> None:
        """Wait until every queued entry is stored."""
        if not self._queue.empty():
            self._start()
        self._queue.join()


writer = Writer()
