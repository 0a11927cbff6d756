"""The tamper-evident ledger: append-only double-entry movements on keyed hash chains.

Every movement of money is one row: ``debit`` account → ``credit`` account, an amount, and the
hash of the row before it on its chain. Each row's hash is an **HMAC-SHA256 under
``COCKPIT_LEDGER_KEY``**, a key held outside the database: someone who can edit the database
but does not hold the key cannot write a row (or recompute a chain) that verifies. Rows may
carry ``doc``, the SHA-256 of the record they were booked for (a redemption's bill, an
application's facts and decision, a programme's rules), so the record is covered too.

Chains are split so that bursts do not queue on one row: each round's budget is cut into
``parts`` budget rows, each the head of its own chain; a programme's budget and its operations
(redemptions, refunds, expiry) have their own chains.

Accounts are named ``kind:id``: ``treasury:<programme>`` (the funding source),
``budget:<programme>``, ``round:<round>.<part>``, ``holder:<person>``, ``merchant:<id>``,
``firm:<applicant>`` and ``paid:<applicant>`` (money that left the system).

Each row has two times, as in any bank ledger: ``at``, the **booking time** (when the row
was written, wall clock, UTC like the room's other stamps), and ``value_at``, the **value
time** (when the money moved in business terms: the operation's own time — a claim's,
a payment's, an expiry's, a disbursement's — which simulations and back-dated operations set
with ``now=``), ISO-8601 in Asia/Shanghai (``2025-05-01T10:00:03.000000+08:00``). The value
time enters the entry's hash whenever it differs from the booking time; rows written before
value times existed carry their booking time as value time and keep their original hash.

``verify(engine)`` recomputes every hash, every sequence number and every balance, and names
the first entry that was changed, removed or inserted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text

from cockpit.config import get_settings
from cockpit.format import SHANGHAI
from cockpit.programmes.models import ChainRow, LedgerRow, VoucherRow

GENESIS = "0" * 64
# Accounts that may go below zero: money comes from the treasury and leaves to payees.
SOURCE_OR_SINK = ("treasury:", "paid:", "sales:", "loss:")


def now_iso() -> str:
    """The current time as the ISO-8601 UTC string every table stores."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso(moment: datetime) -> str:
    """A timezone-aware datetime as the stored UTC string."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def value_iso(moment: datetime) -> str:
    """A timezone-aware datetime as a stored value time: ISO-8601 in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="microseconds")


def booking_as_value(at: str) -> str | None:
    """The booking time ``at`` (stored UTC form) written as a value time; None if unreadable."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None
    return value_iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def hashed_value(at: str, value_at: str) -> str | None:
    """The value time as it enters the hash: None (left out) when it is the booking time.

    So entries written before value times existed (backfilled with their booking time) keep
    their hash, and any change to a value time — to another time, or to the booking time —
    changes the hash that ``verify`` recomputes.
    """
    return None if value_at == booking_as_value(at) else value_at


def ledger_key() -> bytes:
    """The key every entry's hash is made with (``COCKPIT_LEDGER_KEY``)."""
    return get_settings().ledger_key.get_secret_value().encode("utf-8")


@lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)


@lru_cache(maxsize=4)
def sql_pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer padded keys, for SQL that computes the same HMAC with
    ``sha256(opad || sha256(ipad || message))`` (PostgreSQL's claim statements)."""
    block = hashlib.sha256(key).digest() if len(key) > 64 else key
    block = block.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def entry_fields(
    *,
    prev_hash: str,
    chain_id: str,
    seq: int,
    at: str,
    value_at: str,
    op: str,
    debit: str,
    credit: str,
    amount_fen: int,
    programme_id: int,
    voucher_id: str | None,
    ref: str,
    doc: str | None = None,
) -> bytes:
    """The message an entry's hash authenticates: every field, unit-separated.

    The value time comes after the fields, only when it differs from the booking time
    (``hashed_value``), as PostgreSQL's ``concat_ws`` leaves out a NULL; then the record's
    digest, when the entry has one (``doc=``…).
    """
    fields = [
        prev_hash,
        chain_id,
        str(seq),
        at,
        op,
        debit,
        credit,
        str(amount_fen),
        str(programme_id),
        voucher_id or "",
        ref,
    ]
    value = hashed_value(at, value_at)
    if value is not None:
        fields.append(value)
    if doc is not None:
        fields.append(f"doc={doc}")
    return "\x1f".join(fields).encode("utf-8")


# The columns of a stored entry its hash covers, besides ``prev_hash``.
HASHED_COLUMNS = (
    "chain_id",
    "seq",
    "at",
    "value_at",
    "op",
    "debit",
    "credit",
    "amount_fen",
    "programme_id",
    "voucher_id",
    "ref",
    "doc",
)


def hashed_fields(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The fields of a stored entry (a row's mapping) that ``entry_hash`` takes, less
    ``prev_hash``: recompute a stored entry's hash with
    ``entry_hash(prev_hash=…, **hashed_fields(row))``."""
    return {name: row[name] for name in HASHED_COLUMNS}


def entry_hash(*, key: bytes | None = None, **fields: Any) -> str:
    """HMAC-SHA256 under the ledger key of ``entry_fields(**fields)``."""
    mac = _keyed(key if key is not None else ledger_key()).copy()
    mac.update(entry_fields(**fields))
    return mac.hexdigest()


def legacy_entry_hash(**fields: Any) -> str:
    """The plain SHA-256 entries had before the ledger was keyed (migration prog_0004)."""
    return hashlib.sha256(entry_fields(**fields)).hexdigest()


def record_doc(record: dict[str, Any]) -> str:
    """SHA-256 of a record's canonical JSON: what an entry's ``doc`` says it was booked for."""
    blob = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Move:
    """A movement to append: debit → credit, amount, and what it is about."""

    op: str
    debit: str
    credit: str
    amount_fen: int
    ref: str
    voucher_id: str | None = None
    doc: str | None = None  # ``record_doc`` of the record booked, when there is one


def chained_rows(
    *,
    chain_id: str,
    seq_after: int,
    prev_hash: str,
    programme_id: int,
    moves: list[Move],
    at: str,
    value_at: str,
) -> tuple[list[dict[str, Any]], str]:
    """The ledger rows for ``moves`` following (``seq_after``, ``prev_hash``) on a chain.

    ``at`` is the booking time (stored UTC form), ``value_at`` the value time (``value_iso``).
    """
    rows: list[dict[str, Any]] = []
    for i, move in enumerate(moves, start=1):
        seq = seq_after + i
        digest = entry_hash(
            prev_hash=prev_hash,
            chain_id=chain_id,
            seq=seq,
            at=at,
            value_at=value_at,
            op=move.op,
            debit=move.debit,
            credit=move.credit,
            amount_fen=move.amount_fen,
            programme_id=programme_id,
            voucher_id=move.voucher_id,
            ref=move.ref,
            doc=move.doc,
        )
        rows.append(
            {
                "chain_id": chain_id,
                "seq": seq,
                "at": at,
                "value_at": value_at,
                "op": move.op,
                "debit": move.debit,
                "credit": move.credit,
                "amount_fen": move.amount_fen,
                "programme_id": programme_id,
                "voucher_id": move.voucher_id,
                "ref": move.ref,
                "doc": move.doc,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    return rows, prev_hash


class ChainBusyError(RuntimeError):
    """A conditional update on a chain head found no row (unknown chain or no balance)."""


def append(
    conn: Connection,
    *,
    chain_id: str,
    programme_id: int,
    moves: list[Move],
    balance_delta: int = 0,
    value_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Append ``moves`` to a chain inside the caller's transaction.

    ``value_at`` is the operation's time (the value time of the movements); without it, the
    booking time (now).

    The chain head is advanced by a conditional UPDATE, which locks it until commit: appends to
    one chain are serialised and its balance never goes below zero. Raises
    ``ChainBusyError`` when the balance would go negative.
    """
    head = conn.execute(
        text(
            "UPDATE prog_chains SET seq = seq + :n, "
            "balance_fen = CASE WHEN balance_fen IS NULL THEN NULL ELSE balance_fen + :d END "
            "WHERE chain_id = :c AND (balance_fen IS NULL OR balance_fen + :d >= 0) "
            "RETURNING seq, head_hash"
        ),
        {"n": len(moves), "d": balance_delta, "c": chain_id},
    ).first()
    if head is None:
        raise ChainBusyError(f"chain {chain_id}: unknown, or balance would go below zero")
    return finish_append(
        conn,
        chain_id=chain_id,
        programme_id=programme_id,
        moves=moves,
        new_seq=int(head[0]),
        prev_hash=str(head[1]),
        value_at=value_at,
    )


def finish_append(
    conn: Connection,
    *,
    chain_id: str,
    programme_id: int,
    moves: list[Move],
    new_seq: int,
    prev_hash: str,
    value_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Insert the rows after the head was advanced to ``new_seq`` and set its new hash.

    Booked now; valued at ``value_at`` (default: the booking time).
    """
    booked = datetime.now(UTC)
    rows, last = chained_rows(
        chain_id=chain_id,
        seq_after=new_seq - len(moves),
        prev_hash=prev_hash,
        programme_id=programme_id,
        moves=moves,
        at=iso(booked),
        value_at=value_iso(value_at or booked),
    )
    conn.execute(insert(LedgerRow), rows)
    conn.execute(
        text("UPDATE prog_chains SET head_hash = :h, prev_hash = :p WHERE chain_id = :c"),
        {"h": last, "p": rows[-1]["prev_hash"], "c": chain_id},
    )
    return rows


def credit_balance(conn: Connection, *, chain_id: str, amount_fen: int) -> None:
    """Add to the balance of a budget chain credited by a movement on another chain."""
    conn.execute(
        text("UPDATE prog_chains SET balance_fen = balance_fen + :a WHERE chain_id = :c"),
        {"a": amount_fen, "c": chain_id},
    )


@dataclass
class Problem:
    """The first thing wrong found by ``verify``."""

    kind: str  # tampered, missing, inserted, broken_link, head_mismatch, balance, negative
    chain_id: str
    seq: int | None
    entry_id: int | None
    message: str


@dataclass
class Report:
    """What ``verify`` found: entries and chains checked, and every problem (first first)."""

    entries: int = 0
    chains: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "chains": self.chains,
            "first_problem": self.problems[0].__dict__ if self.problems else None,
            "problems": [p.__dict__ for p in self.problems[:50]],
        }


def _check_chain(rows: list[Any], head: Any, report: Report, key: bytes) -> None:
    prev, expected_seq = GENESIS, 1
    for r in rows:
        where = dict(chain_id=r.chain_id, seq=r.seq, entry_id=r.id)
        if r.seq > expected_seq:
            report.problems.append(
                Problem(
                    "missing",
                    **where,
                    message=(
                        f"entries {expected_seq}..{r.seq - 1} of chain {r.chain_id} are missing"
                    ),
                )
            )
        elif r.seq < expected_seq:
            report.problems.append(Problem("inserted", **where, message="sequence goes back"))
        if r.prev_hash != prev:
            report.problems.append(
                Problem(
                    "broken_link",
                    **where,
                    message=(f"entry {r.id} does not point to the hash of the entry before it"),
                )
            )
        recomputed = entry_hash(key=key, prev_hash=r.prev_hash, **hashed_fields(r._mapping))
        if recomputed != r.hash:
            report.problems.append(
                Problem(
                    "tampered",
                    **where,
                    message=(
                        f"entry {r.id} (chain {r.chain_id}, seq {r.seq}) was changed or forged: "
                        "its keyed hash does not match its content"
                    ),
                )
            )
        prev, expected_seq = r.hash, r.seq + 1
    if head.seq != expected_seq - 1 or head.head_hash != prev:
        report.problems.append(
            Problem(
                "head_mismatch",
                head.chain_id,
                head.seq,
                None,
                (
                    f"chain {head.chain_id} head says seq {head.seq}, entries end at "
                    f"{expected_seq - 1}: the last entries were removed or the head was changed"
                ),
            )
        )


def _check_balances(conn: Connection, report: Report) -> None:
    balances: dict[str, int] = defaultdict(int)
    for r in conn.execute(select(LedgerRow).order_by(LedgerRow.at, LedgerRow.id)):
        balances[r.debit] -= r.amount_fen
        balances[r.credit] += r.amount_fen
        for account in (r.debit, r.credit):
            if balances[account] < 0 and not account.startswith(SOURCE_OR_SINK):
                report.problems.append(
                    Problem(
                        "negative",
                        r.chain_id,
                        r.seq,
                        r.id,
                        f"account {account} goes below zero at entry {r.id}",
                    )
                )
                balances[account] = 0  # report once per account
    for head in conn.execute(select(ChainRow).where(ChainRow.account.is_not(None))):
        if head.balance_fen != balances.get(head.account, 0):
            report.problems.append(
                Problem(
                    "balance",
                    head.chain_id,
                    None,
                    None,
                    (
                        f"{head.account} holds {head.balance_fen} fen but its entries add up to "
                        f"{balances.get(head.account, 0)}"
                    ),
                )
            )
    held: dict[str, int] = defaultdict(int)
    for holder, face in conn.execute(
        select(VoucherRow.holder, VoucherRow.face_fen).where(VoucherRow.status == "active")
    ):
        held[f"holder:{holder}"] += face
    accounts = {a for a in balances if a.startswith("holder:")} | set(held)
    for account in sorted(accounts):
        if held.get(account, 0) != balances.get(account, 0):
            report.problems.append(
                Problem(
                    "balance",
                    "",
                    None,
                    None,
                    (
                        f"{account}: active vouchers worth {held.get(account, 0)} fen but the "
                        f"ledger gives {balances.get(account, 0)}"
                    ),
                )
            )


def verify(engine: Engine) -> Report:
    """Recompute every chain and balance; the report lists problems, first found first."""
    report = Report()
    key = ledger_key()
    with engine.connect() as conn:
        heads = {h.chain_id: h for h in conn.execute(select(ChainRow))}
        by_chain: dict[str, list[Any]] = defaultdict(list)
        for r in conn.execute(select(LedgerRow).order_by(LedgerRow.chain_id, LedgerRow.seq)):
            by_chain[r.chain_id].append(r)
            report.entries += 1
        for chain_id in sorted(set(heads) | set(by_chain)):
            if chain_id not in heads:
                report.problems.append(
                    Problem(
                        "inserted", chain_id, None, None, f"entries on unknown chain {chain_id}"
                    )
                )
                continue
            _check_chain(by_chain.get(chain_id, []), heads[chain_id], report, key)
        report.chains = len(heads)
        _check_balances(conn, report)
    return report
