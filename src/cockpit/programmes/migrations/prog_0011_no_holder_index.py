"""programmes: no index on a voucher's holder.

No statement looks vouchers up by holder (a person's claims are found by ``prog_claims.person``,
a voucher by its id, the ledger's holder balances by a scan of the active vouchers), yet every
granted claim wrote its five vouchers into that index: a fifth of the index entries a claim's
vouchers cost. A look-up by holder added later brings its index back with it.

Revision ID: prog_0011
Revises: prog_0010
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "prog_0011"
down_revision = "prog_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_prog_vouchers_holder", table_name="prog_vouchers")


def downgrade() -> None:
    op.create_index("ix_prog_vouchers_holder", "prog_vouchers", ["holder"], unique=False)
