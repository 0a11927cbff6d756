"""programmes: prog_claim_batch(), many claims on one budget row in one transaction (PostgreSQL).

The API's group commit (``cockpit.programmes.aioclaim``) sends the claims that queued up
while its connections were busy as one call. Each claim runs in its own subtransaction,
exactly as the single-claim statement (``fastclaim.CLAIM_SQL``) would: the conditional UPDATE
of the budget row (which advances its hash chain, with the hash ``ledger.entry_hash``
computes), the ledger entry, the identity slots, the claim and its vouchers. A unique key
that says no (the person, or the idempotency key, already has a claim) rolls back that claim
alone; an empty row stops the batch. The answer is one word per claim: ``granted``,
``taken`` (a unique key refused it), ``retry`` (chosen as a deadlock's victim; nothing of it
was written) or ``empty`` (the row could not fund it). SQLite has no such function and no
group commit.

Revision ID: prog_0002
Revises: prog_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "prog_0002"
down_revision = "prog_0001"
branch_labels = None
depends_on = None

FUNCTION = r"""
CREATE OR REPLACE FUNCTION prog_claim_batch(
    p_chain text, p_amount bigint, p_pid integer, p_rid integer, p_at text,
    p_valid_untils text[], p_refs text[], p_idems text[], p_digests text[], p_persons text[],
    p_accounts text[], p_phones text[], p_cards text[], p_devices text[], p_claim_ats text[],
    p_slot_starts integer[], p_scopes text[], p_kinds text[], p_values text[],
    p_vids text[], p_faces bigint[], p_thresholds bigint[]
) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    n integer := cardinality(p_refs);
    k integer := cardinality(p_faces);
    outcome text[] := array_fill('empty'::text, ARRAY[n]);
    r record;
BEGIN
    FOR i IN 1..n LOOP
        BEGIN
            UPDATE prog_chains SET seq = seq + 1, balance_fen = balance_fen - p_amount,
                prev_hash = head_hash,
                head_hash = encode(sha256(convert_to(concat_ws(chr(31), head_hash, chain_id,
                    (seq + 1)::text, p_at, 'claim', account, 'holder:' || p_persons[i],
                    p_amount::text, p_pid::text, '', p_refs[i]), 'UTF8')), 'hex')
            WHERE chain_id = p_chain AND balance_fen >= p_amount
            RETURNING seq, prev_hash, head_hash, account INTO r;
            IF NOT FOUND THEN
                EXIT;
            END IF;
            INSERT INTO prog_ledger (chain_id, seq, at, op, debit, credit, amount_fen,
                programme_id, voucher_id, ref, prev_hash, hash)
            VALUES (p_chain, r.seq, p_at, 'claim', r.account, 'holder:' || p_persons[i],
                p_amount, p_pid, NULL, p_refs[i], r.prev_hash, r.head_hash);
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


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS prog_claim_batch(text, bigint, integer, integer, text, "
            "text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], "
            "integer[], text[], text[], text[], text[], bigint[], bigint[])"
        )
