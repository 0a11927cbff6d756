"""alerts: alerts, their history, notification deliveries

Revision ID: a1e7_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a1e7_0001"
down_revision = None
branch_labels = ("alerts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(300), nullable=False),
        sa.Column("rule_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(250), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("summary_zh", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("first_fired_at", sa.DateTime(), nullable=False),
        sa.Column("last_fired_at", sa.DateTime(), nullable=False),
        sa.Column("fire_count", sa.Integer(), nullable=False),
        sa.Column("notified_severity", sa.String(20), nullable=True),
        sa.Column("acknowledged_by", sa.String(100), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_comment", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts_alert")),
    )
    op.create_index(op.f("ix_alerts_alert_dedupe_key"), "alerts_alert", ["dedupe_key"])
    op.create_index(op.f("ix_alerts_alert_rule_id"), "alerts_alert", ["rule_id"])
    op.create_index(op.f("ix_alerts_alert_status"), "alerts_alert", ["status"])
    op.create_table(
        "alerts_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts_alert.id"], name=op.f("fk_alerts_event_alert_id_alerts_alert")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts_event")),
    )
    op.create_index(op.f("ix_alerts_event_alert_id"), "alerts_event", ["alert_id"])
    op.create_table(
        "alerts_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts_alert.id"],
            name=op.f("fk_alerts_delivery_alert_id_alerts_alert"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts_delivery")),
    )
    op.create_index(op.f("ix_alerts_delivery_alert_id"), "alerts_delivery", ["alert_id"])


def downgrade() -> None:
    op.drop_table("alerts_delivery")
    op.drop_table("alerts_event")
    op.drop_table("alerts_alert")
