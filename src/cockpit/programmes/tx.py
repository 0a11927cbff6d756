"""One transaction per operation, idempotency keys, the room's errors and pseudonyms.

Every service function runs its whole operation in ``write_tx``: on SQLite it starts with
``BEGIN IMMEDIATE`` (writers queue on the busy timeout instead of failing when a read
snapshot goes stale); on PostgreSQL it is a plain transaction at READ COMMITTED, safe because
every limit is a conditional UPDATE or a unique key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from cockpit import identity
from cockpit.config import get_settings
from cockpit.db import get_engine
from cockpit.programmes.ledger import now_iso
from cockpit.programmes.models import RequestRow


class ProgrammeError(Exception):
    """An operation refused; ``status`` is the HTTP status the API answers with."""

    status = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ProgrammeError):
    status, code = 404, "not_found"


class Conflict(ProgrammeError):
    status, code = 409, "conflict"


class SoldOut(Conflict):
    code = "sold_out"


class LimitReached(Conflict):
    code = "limit_reached"


class IdempotencyMismatch(Conflict):
    code = "idempotency_mismatch"


class NotAllowed(ProgrammeError):
    status, code = 422, "not_allowed"


class Unavailable(ProgrammeError):
    """The database could not be reached or dropped the connection: retry with the same key."""

    status, code = 503, "unavailable"


def engine_or_default(engine: Engine | None) -> Engine:
    return engine or get_engine()


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction, committed at the end, rolled back on error."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise


def request_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a request's canonical JSON: a retry must send the same request."""
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def replay(conn: Connection, *, idem_key: str, op: str, digest: str) -> dict[str, Any] | None:
    """The stored answer to an earlier call with this key, or None if it is new."""
    row = conn.execute(select(RequestRow).where(RequestRow.idem_key == idem_key)).first()
    if row is None:
        return None
    if row.op != op or row.request_sha256 != digest:
        raise IdempotencyMismatch(
            f"idempotency key {idem_key!r} was already used for a different {row.op} request"
        )
    answer: dict[str, Any] = json.loads(row.response_json)
    return answer


def remember(
    conn: Connection, *, idem_key: str, op: str, digest: str, answer: dict[str, Any]
) -> None:
    """Store the answer to a keyed call in the same transaction as its effect."""
    conn.execute(
        insert(RequestRow),
        {
            "idem_key": idem_key,
            "op": op,
            "request_sha256": digest,
            "response_json": json.dumps(answer, ensure_ascii=False, default=str),
            "at": now_iso(),
        },
    )


@lru_cache(maxsize=4)
def _key_bytes(key: str) -> bytes:
    return key.encode("utf-8")


def pseudonym_of(canonical: str) -> str:
    """The keyed pseudonym of an identifier already in its canonical spelling."""
    key = _key_bytes(get_settings().pseudonym_key.get_secret_value())
    return identity.cached_pseudonym(key, canonical)


def pseudonymise(
    value: str | None, kind: str = "opaque", *, field: str = "identifier"
) -> str | None:
    """The keyed pseudonym (``cockpit.identity``) of a client's identifier of ``kind``.

    Normalised and validated first: ``cockpit.identity.Refused`` (a ``ValueError`` naming
    ``field``) when it is not a valid one of its kind or is already a pseudonym.
    """
    if value is None or value == "":
        return None
    key = _key_bytes(get_settings().pseudonym_key.get_secret_value())
    return identity.pseudonymise(value, kind, key=key, field=field)
