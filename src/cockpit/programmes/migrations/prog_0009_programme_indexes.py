"""programmes: index vouchers and redemptions by programme.

A programme's status (the cockpit's budgets chart asks it for every programme) sums its
vouchers by status and its redemptions; with no index on ``programme_id`` each of those
scanned the whole table. ``(programme_id, status)`` serves the vouchers' filter and grouping,
``programme_id`` the redemptions' filter.

Revision ID: prog_0009
Revises: prog_0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "prog_0009"
down_revision = "prog_0008"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_prog_vouchers_programme_status", "prog_vouchers", ["programme_id", "status"]),
    ("ix_prog_redemptions_programme_id", "prog_redemptions", ["programme_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
