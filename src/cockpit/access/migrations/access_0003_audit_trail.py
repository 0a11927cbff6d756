"""access: the audit trail (append-only, hash-chained) and its head.

Revision ID: access_0003
Revises: access_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "access_0003"
down_revision = "access_0002"
branch_labels = None
depends_on = None

SQLITE_GUARDS = [
    """CREATE TRIGGER access_audit_no_update BEFORE UPDATE ON access_audit
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER access_audit_no_delete BEFORE DELETE ON access_audit
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
]
POSTGRES_GUARDS = [
    """CREATE FUNCTION access_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER access_audit_append_only BEFORE UPDATE OR DELETE ON access_audit
       FOR EACH ROW EXECUTE FUNCTION access_audit_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "access_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("target", sa.String(400), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_audit"),
        sa.UniqueConstraint("hash", name="uq_access_audit_hash"),
    )
    op.create_index("ix_access_audit_at", "access_audit", ["at"])
    op.create_table(
        "access_audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_audit_head"),
    )
    dialect = op.get_bind().dialect.name
    for statement in POSTGRES_GUARDS if dialect == "postgresql" else SQLITE_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER access_audit_append_only ON access_audit")
        op.execute("DROP FUNCTION access_audit_append_only()")
    op.drop_table("access_audit_head")
    op.drop_index("ix_access_audit_at", "access_audit")
    op.drop_table("access_audit")
