"""programmes: the ledger's value time (``prog_ledger.value_at``) beside its booking time.

``at`` stays the booking time (when the row was written); ``value_at`` is when the money moved
in business terms — the operation's own time (claim, payment, expiry, disbursement), which a
simulated or back-dated operation passes as ``now=`` — as ISO-8601 in Asia/Shanghai
(``2025-05-01T10:00:00.000000+08:00``). Existing rows get their booking time, written that
way; the value time enters a row's hash only when it differs from the booking time
(``ledger.hashed_value``), so their hashes still hold.

On PostgreSQL ``prog_claim_batch`` takes each claim's value time (``p_value_ats``) and writes
it, hashing it by the same rule (``NULLIF`` against the booking time: ``concat_ws`` leaves
a NULL out); the previous signature is dropped first, so no stale overload remains.

Revision ID: prog_0003
Revises: prog_0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "prog_0003"
down_revision = "prog_0002"
branch_labels = None
depends_on = None

# The booking time (``2025-05-01T02:00:00.000000Z``) as a value time, in each dialect's SQL;
# the same text ``ledger.booking_as_value`` gives in Python.
BACKFILL = {
    "sqlite": (
        "UPDATE prog_ledger SET value_at = strftime('%Y-%m-%dT%H:%M:%S', substr(at, 1, 19), "
        "'+8 hours') || substr(at, 20, 7) || '+08:00'"
    ),
    "postgresql": (
        "UPDATE prog_ledger SET value_at = to_char(CAST(at AS timestamptz) AT TIME ZONE "
        "'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+08:00'"
    ),
}

OLD_SIGNATURE = (
    "prog_claim_batch(text, bigint, integer, integer, text, "
    "text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], "
    "integer[], text[], text[], text[], text[], bigint[], bigint[])"
)
NEW_SIGNATURE = (
    "prog_claim_batch(text, bigint, integer, integer, text, text[], "
    "text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], "
    "integer[], text[], text[], text[], text[], bigint[], bigint[])"
)

FUNCTION = r"""
CREATE OR REPLACE FUNCTION prog_claim_batch(
    p_chain text, p_amount bigint, p_pid integer, p_rid integer, p_at text, p_value_ats text[],
    p_valid_untils text[], p_refs text[], p_idems text[], p_digests text[], p_persons text[],
    p_accounts text[], p_phones text[], p_cards text[], p_devices text[], p_claim_ats text[],
    p_slot_starts integer[], p_scopes text[], p_kinds text[], p_values text[],
    p_vids text[], p_faces bigint[], p_thresholds bigint[]
) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    n integer := cardinality(p_refs);
    k integer := cardinality(p_faces);
    outcome text[] := array_fill('empty'::text, ARRAY[n]);
    booked_value text := to_char(CAST(p_at AS timestamptz) AT TIME ZONE 'Asia/Shanghai',
        'YYYY-MM-DD"T"HH24:MI:SS.US') || '+08:00';
    r record;
BEGIN
    FOR i IN 1..n LOOP
        BEGIN
            UPDATE prog_chains SET seq = seq + 1, balance_fen = balance_fen - p_amount,
                prev_hash = head_hash,
                head_hash = encode(sha256(convert_to(concat_ws(chr(31), head_hash, chain_id,
                    (seq + 1)::text, p_at, 'claim', account, 'holder:' || p_persons[i],
                    p_amount::text, p_pid::text, '', p_refs[i],
                    NULLIF(p_value_ats[i], booked_value)), 'UTF8')), 'hex')
            WHERE chain_id = p_chain AND balance_fen >= p_amount
            RETURNING seq, prev_hash, head_hash, account INTO r;
            IF NOT FOUND THEN
                EXIT;
            END IF;
            INSERT INTO prog_ledger (chain_id, seq, at, value_at, op, debit, credit, amount_fen,
                programme_id, voucher_id, ref, prev_hash, hash)
            VALUES (p_chain, r.seq, p_at, p_value_ats[i], 'claim', r.account,
                'holder:' || p_persons[i], p_amount, p_pid, NULL, p_refs[i], r.prev_hash,
                r.head_hash);
            INSERT INTO prog_identity_slots (scope, kind, value, slot, ref)
            SELECT p_scopes[j], p_kinds[j], p_values[j], 1, p_refs[i]
            FROM generate_series(p_slot_starts[i], p_slot_starts[i + 1] - 1) AS j;
            INSERT INTO prog_claims (id, idem_key, request_sha256, programme_id, round_id,
                person, account, phone, card, device, at)
            VALUES (p_refs[i], p_idems[i], p_digests[i], p_pid, p_rid, p_persons[i],
                p_accounts[i], p_phones[i], p_cards[i], p_devices[i], p_claim_ats[i]);
            INSERT INTO prog_vouchers (id, claim_id, programme_id, round_id, holder, face_fen,
                threshold_fen, valid_until, status)
            SELECT p_vids[(i - 1) * k + j], p_refs[i], p_pid, p_rid, p_persons[i],
                p_faces[j], p_thresholds[j], p_valid_untils[i], 'active'
            FROM generate_series(1, k) AS j;
            outcome[i] := 'granted';
        EXCEPTION
            WHEN unique_violation THEN outcome[i] := 'taken';
            WHEN deadlock_detected THEN outcome[i] := 'retry';
        END;
    END LOOP;
    RETURN outcome;
END
$$
"""


def _previous_function() -> str:
    """prog_0002's ``prog_claim_batch``, read from that revision's file (Alembic loads
    revisions by path: the folder is no package)."""
    spec = importlib.util.spec_from_file_location(
        "prog_0002_claim_batch", Path(__file__).with_name("prog_0002_claim_batch.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.FUNCTION)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("prog_ledger", sa.Column("value_at", sa.String(length=32), nullable=True))
    op.execute(BACKFILL["postgresql" if dialect == "postgresql" else "sqlite"])
    with op.batch_alter_table("prog_ledger") as batch:
        batch.alter_column("value_at", existing_type=sa.String(length=32), nullable=False)
    if dialect == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {OLD_SIGNATURE}")
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {NEW_SIGNATURE}")
        op.execute(_previous_function())
    with op.batch_alter_table("prog_ledger") as batch:
        batch.drop_column("value_at")
