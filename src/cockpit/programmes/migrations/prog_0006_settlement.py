"""programmes: settlement statements and the reconciliation error queue.

Revision ID: prog_0006
Revises: prog_0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "prog_0006"
down_revision = "prog_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prog_statements",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("settle_date", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_statements")),
    )
    op.create_index(op.f("ix_prog_statements_settle_date"), "prog_statements", ["settle_date"])
    op.create_table(
        "prog_recon_items",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("statement_id", sa.String(length=32), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("merchant_id", sa.String(length=80), nullable=True),
        sa.Column("order_id", sa.String(length=80), nullable=True),
        sa.Column("voucher_id", sa.String(length=40), nullable=True),
        sa.Column("ours_fen", sa.BigInteger(), nullable=True),
        sa.Column("theirs_fen", sa.BigInteger(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_recon_items")),
    )
    op.create_index(op.f("ix_prog_recon_items_statement_id"), "prog_recon_items", ["statement_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_prog_recon_items_statement_id"), table_name="prog_recon_items")
    op.drop_table("prog_recon_items")
    op.drop_index(op.f("ix_prog_statements_settle_date"), table_name="prog_statements")
    op.drop_table("prog_statements")
