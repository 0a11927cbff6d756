"""plans: manual figures and progress snapshots

Revision ID: plans_0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "plans_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("plans",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_manual_figures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("target_id", sa.String(100), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("entered_by", sa.String(100), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_plan_manual_figures_plan_id", "plan_manual_figures", ["plan_id"])
    op.create_table(
        "plan_progress_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("target_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_plan_progress_snapshots_plan_id", "plan_progress_snapshots", ["plan_id"])


def downgrade() -> None:
    op.drop_table("plan_progress_snapshots")
    op.drop_table("plan_manual_figures")
