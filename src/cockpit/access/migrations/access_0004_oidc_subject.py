"""access: an account may be linked to a subject of the city's identity provider (OIDC).

Revision ID: access_0004
Revises: access_0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "access_0004"
down_revision = "access_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_users") as batch:
        batch.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
        batch.create_unique_constraint("uq_access_users_oidc_subject", ["oidc_subject"])


def downgrade() -> None:
    with op.batch_alter_table("access_users") as batch:
        batch.drop_constraint("uq_access_users_oidc_subject", type_="unique")
        batch.drop_column("oidc_subject")
