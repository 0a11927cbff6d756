"""The claim as one PostgreSQL statement: take a pack, chain the ledger, record it all.

A data-modifying CTE does, in one round trip, what the portable path does in six: the
conditional UPDATE on one budget row (which also computes the new ledger hash in SQL, with
``sha256``, from the row's previous head, and keeps that previous head in ``prev_hash``), and
the inserts of the ledger entry, the identity slots, the claim and its vouchers — each of
them selecting from the UPDATE, so that nothing is written when the budget row is empty.
Unique keys still refuse a second claim by the same person or idempotency key; the hash is
the same keyed hash as ``ledger.entry_hash`` computes, so ``ledger.verify`` checks it like any
other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from cockpit.programmes.ledger import hashed_value, ledger_key, sql_pads

# ``value_h`` is the value time as it enters the hash (``ledger.hashed_value``): NULL, which
# ``concat_ws`` leaves out, when it is the booking time.
# The HMAC is ``sha256(opad || sha256(ipad || message))`` with the ledger key's pads, sent as
# parameters of the statement (never stored: see docs/programmes.md on the ledger key).
HASH_SQL = (
    "encode(sha256(CAST(%(opad)s AS bytea) || sha256(CAST(%(ipad)s AS bytea) || "
    "convert_to(concat_ws(chr(31), head_hash, chain_id, (seq + 1)::text, "
    "CAST(%(at)s AS text), 'claim', account, CAST(%(credit)s AS text), CAST(%(amount_s)s AS text), "
    "CAST(%(pid_s)s AS text), '', CAST(%(ref)s AS text), CAST(%(value_h)s AS text)), 'UTF8'))), "
    "'hex')"
)

# In psycopg's own parameter style, so the sync path (through SQLAlchemy's
# ``exec_driver_sql``) and the async path (``aioclaim``, psycopg directly) send the same text,
# which PostgreSQL then runs as one prepared statement per connection. Lists travel as arrays.
CLAIM_SQL = f"""WITH upd AS (
UPDATE prog_chains SET seq = seq + 1, balance_fen = balance_fen - CAST(%(amount)s AS bigint),
 prev_hash = head_hash, head_hash = {HASH_SQL}
WHERE chain_id = CAST(%(chain)s AS text) AND balance_fen >= CAST(%(amount)s AS bigint)
RETURNING chain_id, seq, prev_hash, head_hash, account
), led AS (
INSERT INTO prog_ledger (chain_id, seq, at, value_at, op, debit, credit, amount_fen,
 programme_id, voucher_id, ref, prev_hash, hash)
SELECT chain_id, seq, CAST(%(at)s AS text), CAST(%(value_at)s AS text), 'claim', account,
 CAST(%(credit)s AS text),
 CAST(%(amount)s AS bigint), CAST(%(pid)s AS integer), NULL, CAST(%(ref)s AS text), prev_hash,
 head_hash
FROM upd
), sl AS (
INSERT INTO prog_identity_slots (scope, kind, value, slot, ref)
SELECT x.scope, x.kind, x.value, x.slot, CAST(%(ref)s AS text) FROM upd,
 unnest(CAST(%(scopes)s AS text[]), CAST(%(kinds)s AS text[]), CAST(%(values)s AS text[]),
        CAST(%(slots)s AS integer[])) AS x(scope, kind, value, slot)
), cl AS (
INSERT INTO prog_claims (id, idem_key, request_sha256, programme_id, round_id, person, account,
 phone, card, device, at)
SELECT CAST(%(ref)s AS text), CAST(%(idem)s AS text), CAST(%(digest)s AS text),
 CAST(%(pid)s AS integer), CAST(%(rid)s AS integer), CAST(%(person)s AS text),
 CAST(%(account)s AS text), CAST(%(phone)s AS text),
 CAST(%(card)s AS text), CAST(%(device)s AS text), CAST(%(claim_at)s AS text) FROM upd
)
INSERT INTO prog_vouchers (id, claim_id, programme_id, round_id, holder, face_fen,
 threshold_fen, valid_until, status)
SELECT x.id, CAST(%(ref)s AS text), CAST(%(pid)s AS integer), CAST(%(rid)s AS integer),
 CAST(%(person)s AS text), x.face, x.threshold, CAST(%(valid_until)s AS text), 'active' FROM upd,
 unnest(CAST(%(vids)s AS text[]), CAST(%(faces)s AS bigint[]), CAST(%(thresholds)s AS bigint[]))
 AS x(id, face, threshold)"""


def claim_params(
    *,
    chain: str,
    credit: str,
    amount: int,
    programme_id: int,
    at: str,
    value_at: str,
    ref: str,
    slots: list[dict[str, Any]],
    claim: dict[str, Any],
    vouchers: list[dict[str, Any]],
) -> dict[str, Any]:
    """The parameters of ``CLAIM_SQL`` for one claim on budget row ``chain``.

    ``at`` is the booking time (``ledger.iso``), ``value_at`` the claim's (``ledger.value_iso``).
    """
    ipad, opad = sql_pads(ledger_key())
    return {
        "ipad": ipad,
        "opad": opad,
        "amount": amount,
        "amount_s": str(amount),
        "chain": chain,
        "at": at,
        "value_at": value_at,
        "value_h": hashed_value(at, value_at),
        "credit": credit,
        "pid": programme_id,
        "pid_s": str(programme_id),
        "ref": ref,
        "scopes": [s["scope"] for s in slots],
        "kinds": [s["kind"] for s in slots],
        "values": [s["value"] for s in slots],
        "slots": [s["slot"] for s in slots],
        "idem": claim["idem_key"],
        "digest": claim["request_sha256"],
        "rid": claim["round_id"],
        "person": claim["person"],
        "account": claim["account"],
        "phone": claim["phone"],
        "card": claim["card"],
        "device": claim["device"],
        "claim_at": claim["at"],
        "valid_until": vouchers[0]["valid_until"],
        "vids": [v["id"] for v in vouchers],
        "faces": [v["face_fen"] for v in vouchers],
        "thresholds": [v["threshold_fen"] for v in vouchers],
    }


def try_part(conn: Connection, **claim: Any) -> bool:
    """Claim from budget row ``claim["chain"]``; False when that row cannot fund a pack.

    Takes the keyword arguments of ``claim_params``.
    """
    return bool(conn.exec_driver_sql(CLAIM_SQL, claim_params(**claim)).rowcount)
