"""programmes: appeals against refused claims, claw-backs and refused applications.

Revision ID: prog_0007
Revises: prog_0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "prog_0007"
down_revision = "prog_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prog_appeals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.Column("appellant", sa.String(length=80), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("lodged_at", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.String(length=32), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.String(length=32), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("effect", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prog_appeals")),
        sa.UniqueConstraint(
            "subject_kind", "subject_id", name=op.f("uq_prog_appeals_subject_kind")
        ),
    )
    op.create_index(op.f("ix_prog_appeals_programme_id"), "prog_appeals", ["programme_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_prog_appeals_programme_id"), table_name="prog_appeals")
    op.drop_table("prog_appeals")
