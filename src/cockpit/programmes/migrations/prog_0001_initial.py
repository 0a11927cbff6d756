"""programmes: programmes, rounds, ledger chains and entries, claims, vouchers, redemptions,
refunds, lottery registrations, subsidy applications, idempotency records.

Revision ID: prog_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "prog_0001"
down_revision = None
branch_labels = ("programmes",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prog_applications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("applicant", sa.String(length=64), nullable=False),
        sa.Column("facts_json", sa.Text(), nullable=False),
        sa.Column("decision_json", sa.Text(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.String(length=32), nullable=False),
        sa.Column("reviewed_at", sa.String(length=32), nullable=True),
        sa.Column("disbursed_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_applications")),
    )
    op.create_index(
        op.f("ix_prog_applications_programme_id"),
        "prog_applications",
        ["programme_id"],
        unique=False,
    )
    op.create_table(
        "prog_claims",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("idem_key", sa.String(length=80), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("card", sa.String(length=64), nullable=True),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_claims")),
        sa.UniqueConstraint("idem_key", name=op.f("uq_prog_claims_idem_key")),
    )
    op.create_index(op.f("ix_prog_claims_person"), "prog_claims", ["person"], unique=False)
    op.create_index(op.f("ix_prog_claims_round_id"), "prog_claims", ["round_id"], unique=False)
    op.create_table(
        "prog_identity_slots",
        sa.Column("scope", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint(
            "scope", "kind", "value", "slot", name=op.f("pk_prog_identity_slots")
        ),
    )
    op.create_table(
        "prog_ledger",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("chain_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("debit", sa.String(length=80), nullable=False),
        sa.Column("credit", sa.String(length=80), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("voucher_id", sa.String(length=40), nullable=True),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_prog_ledger_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_ledger")),
        sa.UniqueConstraint("chain_id", "seq", name=op.f("uq_prog_ledger_chain_id")),
    )
    op.create_table(
        "prog_merchants",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("category_code", sa.String(length=8), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.PrimaryKeyConstraint("programme_id", "merchant_id", name=op.f("pk_prog_merchants")),
    )
    op.create_table(
        "prog_programmes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("rules_json", sa.Text(), nullable=False),
        sa.Column("rules_sha256", sa.String(length=64), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("installed_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_programmes")),
        sa.UniqueConstraint("code", name=op.f("uq_prog_programmes_code")),
    )
    op.create_table(
        "prog_redemptions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("idem_key", sa.String(length=80), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("voucher_id", sa.String(length=40), nullable=False),
        sa.Column("merchant_id", sa.String(length=64), nullable=False),
        sa.Column("txn_id", sa.String(length=80), nullable=False),
        sa.Column("payer", sa.String(length=64), nullable=False),
        sa.Column("card", sa.String(length=64), nullable=True),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("bill_fen", sa.BigInteger(), nullable=False),
        sa.Column("voucher_fen", sa.BigInteger(), nullable=False),
        sa.Column("own_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_own_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_voucher_fen", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_redemptions")),
        sa.UniqueConstraint("idem_key", name=op.f("uq_prog_redemptions_idem_key")),
        sa.UniqueConstraint("merchant_id", "txn_id", name=op.f("uq_prog_redemptions_merchant_id")),
        sa.UniqueConstraint("voucher_id", name=op.f("uq_prog_redemptions_voucher_id")),
    )
    op.create_index(
        op.f("ix_prog_redemptions_merchant_id"), "prog_redemptions", ["merchant_id"], unique=False
    )
    op.create_index(op.f("ix_prog_redemptions_payer"), "prog_redemptions", ["payer"], unique=False)
    op.create_table(
        "prog_refunds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("idem_key", sa.String(length=80), nullable=False),
        sa.Column("redemption_id", sa.String(length=40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("own_fen", sa.BigInteger(), nullable=False),
        sa.Column("voucher_fen", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_refunds")),
        sa.UniqueConstraint("idem_key", name=op.f("uq_prog_refunds_idem_key")),
    )
    op.create_index(
        op.f("ix_prog_refunds_redemption_id"), "prog_refunds", ["redemption_id"], unique=False
    )
    op.create_table(
        "prog_refusals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("card", sa.String(length=64), nullable=True),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_refusals")),
    )
    op.create_index(
        op.f("ix_prog_refusals_programme_id"), "prog_refusals", ["programme_id"], unique=False
    )
    op.create_table(
        "prog_registrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("card", sa.String(length=64), nullable=True),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("won", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_registrations")),
        sa.UniqueConstraint("round_id", "person", name=op.f("uq_prog_registrations_round_id")),
    )
    op.create_index(
        op.f("ix_prog_registrations_round_id"), "prog_registrations", ["round_id"], unique=False
    )
    op.create_table(
        "prog_requests",
        sa.Column("idem_key", sa.String(length=80), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("response_json", sa.Text(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("idem_key", name=op.f("pk_prog_requests")),
    )
    op.create_table(
        "prog_vouchers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("claim_id", sa.String(length=40), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("face_fen", sa.BigInteger(), nullable=False),
        sa.Column("threshold_fen", sa.BigInteger(), nullable=False),
        sa.Column("valid_until", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_vouchers")),
    )
    op.create_index(op.f("ix_prog_vouchers_claim_id"), "prog_vouchers", ["claim_id"], unique=False)
    op.create_index(op.f("ix_prog_vouchers_holder"), "prog_vouchers", ["holder"], unique=False)
    op.create_index(
        "ix_prog_vouchers_status_valid", "prog_vouchers", ["status", "valid_until"], unique=False
    )
    op.create_table(
        "prog_chains",
        sa.Column("chain_id", sa.String(length=40), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=True),
        sa.Column("balance_fen", sa.BigInteger(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "balance_fen IS NULL OR balance_fen >= 0", name=op.f("ck_prog_chains_balance")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["prog_programmes.id"],
            name=op.f("fk_prog_chains_programme_id_prog_programmes"),
        ),
        sa.PrimaryKeyConstraint("chain_id", name=op.f("pk_prog_chains")),
    )
    op.create_table(
        "prog_rounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.String(length=32), nullable=False),
        sa.Column("closes_at", sa.String(length=32), nullable=False),
        sa.Column("pack_value_fen", sa.BigInteger(), nullable=False),
        sa.Column("packs_total", sa.Integer(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seed_sha256", sa.String(length=64), nullable=True),
        sa.Column("seed", sa.String(length=128), nullable=True),
        sa.Column("drawn_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["prog_programmes.id"],
            name=op.f("fk_prog_rounds_programme_id_prog_programmes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_rounds")),
        sa.UniqueConstraint("programme_id", "no", name=op.f("uq_prog_rounds_programme_id")),
    )


def downgrade() -> None:
    op.drop_table("prog_rounds")
    op.drop_table("prog_chains")
    op.drop_index("ix_prog_vouchers_status_valid", table_name="prog_vouchers")
    op.drop_index(op.f("ix_prog_vouchers_holder"), table_name="prog_vouchers")
    op.drop_index(op.f("ix_prog_vouchers_claim_id"), table_name="prog_vouchers")
    op.drop_table("prog_vouchers")
    op.drop_table("prog_requests")
    op.drop_index(op.f("ix_prog_registrations_round_id"), table_name="prog_registrations")
    op.drop_table("prog_registrations")
    op.drop_index(op.f("ix_prog_refusals_programme_id"), table_name="prog_refusals")
    op.drop_table("prog_refusals")
    op.drop_index(op.f("ix_prog_refunds_redemption_id"), table_name="prog_refunds")
    op.drop_table("prog_refunds")
    op.drop_index(op.f("ix_prog_redemptions_payer"), table_name="prog_redemptions")
    op.drop_index(op.f("ix_prog_redemptions_merchant_id"), table_name="prog_redemptions")
    op.drop_table("prog_redemptions")
    op.drop_table("prog_programmes")
    op.drop_table("prog_merchants")
    op.drop_table("prog_ledger")
    op.drop_table("prog_identity_slots")
    op.drop_index(op.f("ix_prog_claims_round_id"), table_name="prog_claims")
    op.drop_index(op.f("ix_prog_claims_person"), table_name="prog_claims")
    op.drop_table("prog_claims")
    op.drop_index(op.f("ix_prog_applications_programme_id"), table_name="prog_applications")
    op.drop_table("prog_applications")
