"""programmes: the keyed ledger (HMAC-SHA256 under ``COCKPIT_LEDGER_KEY``) and record digests.

Each ledger entry's hash becomes an HMAC under a key held outside the database, and entries
may carry ``doc``, the SHA-256 of the record they were booked for. Existing chains are first
checked under their old plain SHA-256 (a chain that no longer verifies is refused, never
laundered into a keyed one), then every entry is re-hashed with the key, in chain order, and
the heads moved to the new hashes.

On PostgreSQL ``prog_claim_batch`` takes the key's HMAC pads (``p_ipad``, ``p_opad``) and
hashes each claim's entry with them; prog_0003's signature is dropped first.

Revision ID: prog_0004
Revises: prog_0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "prog_0004"
down_revision = "prog_0003"
branch_labels = None
depends_on = None

OLD_SIGNATURE = (
    "prog_claim_batch(text, bigint, integer, integer, text, text[], "
    "text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], "
    "integer[], text[], text[], text[], text[], bigint[], bigint[])"
)
NEW_SIGNATURE = OLD_SIGNATURE[:-1] + ", bytea, bytea)"


def _previous() -> Any:
    spec = importlib.util.spec_from_file_location(
        "prog_0003_value_time", Path(__file__).with_name("prog_0003_value_time.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _keyed_function() -> str:
    """prog_0003's function with the HMAC in place of the plain SHA-256."""
    text = str(_previous().FUNCTION)
    text = text.replace(
        "p_vids text[], p_faces bigint[], p_thresholds bigint[]\n)",
        "p_vids text[], p_faces bigint[], p_thresholds bigint[], p_ipad bytea, p_opad bytea\n)",
    )
    plain = "head_hash = encode(sha256(convert_to(concat_ws("
    keyed = "head_hash = encode(sha256(p_opad || sha256(p_ipad || convert_to(concat_ws("
    assert plain in text
    text = text.replace(plain, keyed)
    text = text.replace(
        "NULLIF(p_value_ats[i], booked_value)), 'UTF8')), 'hex')",
        "NULLIF(p_value_ats[i], booked_value)), 'UTF8'))), 'hex')",
    )
    return text


def _rekey(bind: sa.Connection) -> None:
    from cockpit.programmes.ledger import (
        GENESIS,
        entry_hash,
        hashed_fields,
        ledger_key,
        legacy_entry_hash,
    )

    key = ledger_key()
    rows = bind.execute(sa.text("SELECT * FROM prog_ledger ORDER BY chain_id, seq")).mappings()
    chains: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        chains.setdefault(row["chain_id"], []).append(dict(row))
    for chain_id, entries in chains.items():
        old_prev = new_prev = GENESIS
        for e in entries:
            fields = hashed_fields(e)  # ``doc`` was just added: None, which adds nothing
            if (
                e["prev_hash"] != old_prev
                or legacy_entry_hash(prev_hash=old_prev, **fields) != e["hash"]
            ):
                raise RuntimeError(
                    f"ledger entry {e['id']} (chain {chain_id}, seq {e['seq']}) does not verify "
                    "under the old hash: run `cockpit ledger verify` and investigate before "
                    "upgrading; a tampered chain is not re-keyed"
                )
            digest = entry_hash(key=key, prev_hash=new_prev, **fields)
            bind.execute(
                sa.text("UPDATE prog_ledger SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": new_prev, "h": digest, "i": e["id"]},
            )
            old_prev, new_prev = e["hash"], digest
        bind.execute(
            sa.text("UPDATE prog_chains SET head_hash = :h WHERE chain_id = :c"),
            {"h": new_prev, "c": chain_id},
        )
    # The previous hash of each head, recomputed from the new entries.
    bind.execute(
        sa.text(
            "UPDATE prog_chains SET prev_hash = COALESCE((SELECT l.prev_hash FROM prog_ledger l "
            "WHERE l.chain_id = prog_chains.chain_id AND l.seq = prog_chains.seq), :g)"
        ),
        {"g": GENESIS},
    )


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("prog_ledger", sa.Column("doc", sa.String(length=64), nullable=True))
    _rekey(bind)
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {OLD_SIGNATURE}")
        op.execute(_keyed_function())


def downgrade() -> None:
    raise NotImplementedError("the ledger's keyed hashes cannot be turned back into plain ones")
