"""programmes: four eyes (``prog_proposals``): a disbursement's maker and its checker.

Revision ID: prog_0005
Revises: prog_0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "prog_0005"
down_revision = "prog_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prog_proposals",
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("maker", sa.String(length=200), nullable=False),
        sa.Column("made_at", sa.String(length=32), nullable=False),
        sa.Column("checker", sa.String(length=200), nullable=True),
        sa.Column("checked_at", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("action", "subject", name=op.f("pk_prog_proposals")),
    )
    op.create_index(op.f("ix_prog_proposals_programme_id"), "prog_proposals", ["programme_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_prog_proposals_programme_id"), table_name="prog_proposals")
    op.drop_table("prog_proposals")
