"""programmes: every step of an application and of an appeal on the ledger.

Submissions, refusals by a rule, rejections, four-eyes proposals, reopenings, appeals lodged
and decided become ledger entries that move no money (amount 0, ``steps``). The ledger's
amount check allows 0 for those kinds only; money entries stay strictly positive.

Applications, proposals and appeals recorded before this revision get their steps booked
now, from the records as they stand (booking time: now; value time: the step's own time), so
``cockpit ledger verify`` can hold every record to its steps from this upgrade on.

Revision ID: prog_0008
Revises: prog_0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "prog_0008"
down_revision = "prog_0007"
branch_labels = None
depends_on = None

# Frozen here: a later step kind needs its own revision.
AMOUNT_CHECK = (
    "amount_fen > 0 OR (amount_fen = 0 AND op IN "
    "('submit', 'refuse', 'reject', 'propose', 'reopen', 'lodge', 'decide'))"
)


def _at(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def _backfill(bind: sa.Connection) -> None:
    from cockpit.programmes import steps
    from cockpit.programmes.ledger import ChainBusyError

    apps = bind.execute(
        sa.text("SELECT * FROM prog_applications ORDER BY submitted_at, id")
    ).mappings()
    try:
        for a in list(apps):
            steps.application_step(bind, a["id"], "submit", now=_at(a["submitted_at"]))
            if a["status"] != "rejected":
                continue
            refusal = json.loads(a["decision_json"]).get("refusal") or {}
            rule = refusal.get("rule") if a["reviewer"] == "rules" else None
            steps.application_step(
                bind, a["id"], "refuse" if rule else "reject", now=_at(a["reviewed_at"]), rule=rule
            )
        proposals = bind.execute(
            sa.text(
                "SELECT action, subject, made_at FROM prog_proposals "
                "WHERE action IN ('approve', 'disburse', 'appeal') ORDER BY made_at, subject"
            )
        ).all()
        for action, subject, made_at in proposals:
            steps.proposal_step(bind, action=action, subject=subject, now=_at(made_at))
        appeals = bind.execute(
            sa.text("SELECT id, stage, lodged_at, decided_at FROM prog_appeals ORDER BY lodged_at")
        ).all()
        for aid, stage, lodged_at, decided_at in appeals:
            steps.appeal_step(bind, aid, "lodge", now=_at(lodged_at))
            if stage in ("upheld", "dismissed"):
                steps.appeal_step(bind, aid, "decide", now=_at(decided_at))
    except ChainBusyError as exc:
        raise RuntimeError(
            f"{exc}: a programme's chain is missing; run `cockpit ledger verify` and "
            "investigate before upgrading"
        ) from None


def upgrade() -> None:
    with op.batch_alter_table("prog_ledger") as batch:
        batch.drop_constraint(op.f("ck_prog_ledger_positive"), type_="check")
        batch.create_check_constraint(op.f("ck_prog_ledger_amount"), AMOUNT_CHECK)
    _backfill(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("steps booked on the ledger cannot be taken off it")
