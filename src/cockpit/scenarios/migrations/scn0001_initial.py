"""Scenarios room: registry, calls, reviews, append-only events, cases and catalogue.

Revision ID: scn0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "scn0001"
down_revision = None
branch_labels = ("scenarios",)
depends_on = None

APPEND_ONLY = "scn_events is append-only: history is never updated or deleted"


def upgrade() -> None:
    op.create_table(
        "scn_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=True),
        sa.Column("to_state", sa.String(length=30), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_events")),
    )
    op.create_index(op.f("ix_scn_events_subject_id"), "scn_events", ["subject_id"], unique=False)
    op.create_table(
        "scn_firms",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("profile_zh", sa.Text(), nullable=False),
        sa.Column("profile_en", sa.Text(), nullable=True),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_firms")),
    )
    op.create_index(
        op.f("ix_scn_firms_district_code"), "scn_firms", ["district_code"], unique=False
    )
    op.create_table(
        "scn_reviewers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_reviewers")),
    )
    op.create_table(
        "scn_scenarios",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=True),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("sector", sa.String(length=30), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("budget_min_fen", sa.BigInteger(), nullable=False),
        sa.Column("budget_max_fen", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("contact_unit_zh", sa.String(length=200), nullable=False),
        sa.Column("contact_unit_en", sa.String(length=300), nullable=True),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_scenarios")),
    )
    op.create_index(
        op.f("ix_scn_scenarios_district_code"), "scn_scenarios", ["district_code"], unique=False
    )
    op.create_index(op.f("ix_scn_scenarios_sector"), "scn_scenarios", ["sector"], unique=False)
    op.create_table(
        "scn_calls",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("scenario_id", sa.String(length=40), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=True),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("award_application_id", sa.String(length=40), nullable=True),
        sa.Column("award_value_fen", sa.BigInteger(), nullable=True),
        sa.Column("award_explanation", sa.JSON(), nullable=True),
        sa.Column("contract_value_fen", sa.BigInteger(), nullable=True),
        sa.Column("contract_signed_at", sa.DateTime(), nullable=True),
        sa.Column("delivery_summary", sa.Text(), nullable=True),
        sa.Column("acceptance_result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scn_scenarios.id"],
            name=op.f("fk_scn_calls_scenario_id_scn_scenarios"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_calls")),
    )
    op.create_index(op.f("ix_scn_calls_scenario_id"), "scn_calls", ["scenario_id"], unique=False)
    op.create_index(op.f("ix_scn_calls_state"), "scn_calls", ["state"], unique=False)
    op.create_table(
        "scn_solutions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("firm_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=True),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("sector", sa.String(length=30), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["scn_firms.id"], name=op.f("fk_scn_solutions_firm_id_scn_firms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_solutions")),
    )
    op.create_index(op.f("ix_scn_solutions_firm_id"), "scn_solutions", ["firm_id"], unique=False)
    op.create_index(op.f("ix_scn_solutions_sector"), "scn_solutions", ["sector"], unique=False)
    op.create_table(
        "scn_applications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("call_id", sa.String(length=40), nullable=False),
        sa.Column("firm_id", sa.String(length=40), nullable=False),
        sa.Column("solution_id", sa.String(length=40), nullable=True),
        sa.Column("proposal_zh", sa.Text(), nullable=False),
        sa.Column("proposal_en", sa.Text(), nullable=True),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["scn_calls.id"], name=op.f("fk_scn_applications_call_id_scn_calls")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["scn_firms.id"], name=op.f("fk_scn_applications_firm_id_scn_firms")
        ),
        sa.ForeignKeyConstraint(
            ["solution_id"],
            ["scn_solutions.id"],
            name=op.f("fk_scn_applications_solution_id_scn_solutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_applications")),
        sa.UniqueConstraint("call_id", "firm_id", name=op.f("uq_scn_applications_call_id")),
    )
    op.create_index(
        op.f("ix_scn_applications_call_id"), "scn_applications", ["call_id"], unique=False
    )
    op.create_table(
        "scn_cases",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("call_id", sa.String(length=40), nullable=False),
        sa.Column("scenario_id", sa.String(length=40), nullable=False),
        sa.Column("firm_id", sa.String(length=40), nullable=False),
        sa.Column("solution_id", sa.String(length=40), nullable=True),
        sa.Column("sector", sa.String(length=30), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=True),
        sa.Column("results_zh", sa.Text(), nullable=False),
        sa.Column("results_en", sa.Text(), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("benchmark", sa.Boolean(), nullable=False),
        sa.Column("promoted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["scn_calls.id"], name=op.f("fk_scn_cases_call_id_scn_calls")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["scn_firms.id"], name=op.f("fk_scn_cases_firm_id_scn_firms")
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scn_scenarios.id"],
            name=op.f("fk_scn_cases_scenario_id_scn_scenarios"),
        ),
        sa.ForeignKeyConstraint(
            ["solution_id"],
            ["scn_solutions.id"],
            name=op.f("fk_scn_cases_solution_id_scn_solutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_cases")),
        sa.UniqueConstraint("call_id", name=op.f("uq_scn_cases_call_id")),
    )
    op.create_index(
        op.f("ix_scn_cases_district_code"), "scn_cases", ["district_code"], unique=False
    )
    op.create_index(op.f("ix_scn_cases_sector"), "scn_cases", ["sector"], unique=False)
    op.create_table(
        "scn_catalogue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("solution_id", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=True),
        sa.Column("listed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["solution_id"],
            ["scn_solutions.id"],
            name=op.f("fk_scn_catalogue_solution_id_scn_solutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_catalogue")),
        sa.UniqueConstraint("solution_id", "year", name=op.f("uq_scn_catalogue_solution_id")),
    )
    op.create_table(
        "scn_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=40), nullable=False),
        sa.Column("reviewer_id", sa.String(length=40), nullable=False),
        sa.Column("firm_id", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["scn_calls.id"], name=op.f("fk_scn_conflicts_call_id_scn_calls")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["scn_firms.id"], name=op.f("fk_scn_conflicts_firm_id_scn_firms")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["scn_reviewers.id"],
            name=op.f("fk_scn_conflicts_reviewer_id_scn_reviewers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_conflicts")),
    )
    op.create_index(op.f("ix_scn_conflicts_call_id"), "scn_conflicts", ["call_id"], unique=False)
    op.create_table(
        "scn_panel",
        sa.Column("call_id", sa.String(length=40), nullable=False),
        sa.Column("reviewer_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["scn_calls.id"], name=op.f("fk_scn_panel_call_id_scn_calls")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["scn_reviewers.id"],
            name=op.f("fk_scn_panel_reviewer_id_scn_reviewers"),
        ),
        sa.PrimaryKeyConstraint("call_id", "reviewer_id", name=op.f("pk_scn_panel")),
    )
    op.create_table(
        "scn_scores",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("reviewer_id", sa.String(length=40), nullable=False),
        sa.Column("criterion", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["scn_applications.id"],
            name=op.f("fk_scn_scores_application_id_scn_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["scn_reviewers.id"],
            name=op.f("fk_scn_scores_reviewer_id_scn_reviewers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scn_scores")),
        sa.UniqueConstraint(
            "application_id", "reviewer_id", "criterion", name=op.f("uq_scn_scores_application_id")
        ),
    )
    op.create_index(
        op.f("ix_scn_scores_application_id"), "scn_scores", ["application_id"], unique=False
    )
    _refuse_event_rewrites()


def _refuse_event_rewrites() -> None:
    # History must stay as written, whoever connects: the database itself refuses
    # UPDATE and DELETE on the events table, not only the service layer.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER scn_events_no_{verb.lower()} BEFORE {verb} ON scn_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION scn_events_refuse() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{APPEND_ONLY}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER scn_events_append_only BEFORE UPDATE OR DELETE ON scn_events "
            "FOR EACH ROW EXECUTE FUNCTION scn_events_refuse()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS scn_events_append_only ON scn_events")
        op.execute("DROP FUNCTION IF EXISTS scn_events_refuse()")
    op.drop_table("scn_scores")
    op.drop_table("scn_panel")
    op.drop_table("scn_conflicts")
    op.drop_table("scn_catalogue")
    op.drop_table("scn_cases")
    op.drop_table("scn_applications")
    op.drop_table("scn_solutions")
    op.drop_table("scn_calls")
    op.drop_table("scn_scenarios")
    op.drop_table("scn_reviewers")
    op.drop_table("scn_firms")
    op.drop_table("scn_events")
