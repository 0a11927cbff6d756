"""industry: firm registry, versions, designations, carriers, chain links, candidates

Revision ID: ind_0001
Revises:
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ind_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("industry",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ind_candidates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("region_zh", sa.String(length=100), nullable=False),
        sa.Column("chain_id", sa.String(length=30), nullable=False),
        sa.Column("node_id", sa.String(length=60), nullable=False),
        sa.Column("revenue_fen", sa.BigInteger(), nullable=True),
        sa.Column("designations", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ind_candidates")),
        sa.UniqueConstraint(
            "credit_code", "chain_id", "node_id", name=op.f("uq_ind_candidates_credit_code")
        ),
    )
    op.create_index(
        op.f("ix_ind_candidates_credit_code"), "ind_candidates", ["credit_code"], unique=False
    )
    op.create_index(op.f("ix_ind_candidates_node_id"), "ind_candidates", ["node_id"], unique=False)
    op.create_table(
        "ind_carriers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("chain_id", sa.String(length=30), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("operator_code", sa.String(length=18), nullable=True),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column("designated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ind_carriers")),
        sa.UniqueConstraint("kind", "name_zh", name=op.f("uq_ind_carriers_kind")),
    )
    op.create_index(op.f("ix_ind_carriers_chain_id"), "ind_carriers", ["chain_id"], unique=False)
    op.create_index(op.f("ix_ind_carriers_kind"), "ind_carriers", ["kind"], unique=False)
    op.create_table(
        "ind_designations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ind_designations")),
        sa.UniqueConstraint(
            "credit_code",
            "kind",
            "level",
            "granted_on",
            name=op.f("uq_ind_designations_credit_code"),
        ),
    )
    op.create_index(
        op.f("ix_ind_designations_credit_code"), "ind_designations", ["credit_code"], unique=False
    )
    op.create_index(op.f("ix_ind_designations_kind"), "ind_designations", ["kind"], unique=False)
    op.create_table(
        "ind_firm_refs",
        sa.Column("room", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.String(length=64), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.PrimaryKeyConstraint("room", "ref_id", name=op.f("pk_ind_firm_refs")),
    )
    op.create_index(
        op.f("ix_ind_firm_refs_credit_code"), "ind_firm_refs", ["credit_code"], unique=False
    )
    op.create_table(
        "ind_firm_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("source_file", sa.String(length=300), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ind_firm_versions")),
        sa.UniqueConstraint(
            "credit_code", "version", name=op.f("uq_ind_firm_versions_credit_code")
        ),
    )
    op.create_index(
        op.f("ix_ind_firm_versions_credit_code"), "ind_firm_versions", ["credit_code"], unique=False
    )
    op.create_table(
        "ind_firms",
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("park", sa.String(length=200), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("size", sa.String(length=10), nullable=True),
        sa.Column("revenue_fen", sa.BigInteger(), nullable=True),
        sa.Column("revenue_year", sa.Integer(), nullable=True),
        sa.Column("market_value_fen", sa.BigInteger(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("credit_code", name=op.f("pk_ind_firms")),
    )
    op.create_index(
        op.f("ix_ind_firms_district_code"), "ind_firms", ["district_code"], unique=False
    )
    op.create_table(
        "ind_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("chain_id", sa.String(length=30), nullable=False),
        sa.Column("node_id", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("evidence_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ind_links")),
        sa.UniqueConstraint(
            "credit_code", "chain_id", "node_id", name=op.f("uq_ind_links_credit_code")
        ),
    )
    op.create_index(op.f("ix_ind_links_chain_id"), "ind_links", ["chain_id"], unique=False)
    op.create_index(op.f("ix_ind_links_credit_code"), "ind_links", ["credit_code"], unique=False)
    op.create_index(op.f("ix_ind_links_node_id"), "ind_links", ["node_id"], unique=False)
    op.create_table(
        "ind_rejects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("load_id", sa.String(length=40), nullable=False),
        sa.Column("list_kind", sa.String(length=20), nullable=False),
        sa.Column("source_file", sa.String(length=300), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ind_rejects")),
    )
    op.create_index(op.f("ix_ind_rejects_load_id"), "ind_rejects", ["load_id"], unique=False)
    op.create_index(op.f("ix_ind_rejects_reason"), "ind_rejects", ["reason"], unique=False)


def downgrade() -> None:
    for table in (
        "ind_rejects",
        "ind_firm_refs",
        "ind_candidates",
        "ind_links",
        "ind_carriers",
        "ind_designations",
        "ind_firm_versions",
        "ind_firms",
    ):
        op.drop_table(table)
