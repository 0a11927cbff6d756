"""access: API keys get an owner, scopes, an expiry, rotation and HMAC digests.

Revision ID: access_0002
Revises: access_0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "access_0002"
down_revision = "access_0001"
branch_labels = None
depends_on = "web_0001"


def upgrade() -> None:
    with op.batch_alter_table("web_api_keys") as batch:
        # Keys made before this revision keep their plain SHA-256 until first used.
        batch.add_column(
            sa.Column("digest_kind", sa.String(8), nullable=False, server_default="sha256")
        )
        batch.add_column(sa.Column("owner", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("scopes", sa.String(1000), nullable=False, server_default=""))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("rotated_from", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_api_keys") as batch:
        for column in ("rotated_from", "expires_at", "scopes", "owner", "digest_kind"):
            batch.drop_column(column)
