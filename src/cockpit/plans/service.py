"""Plan progress as the cockpit, the CLI and the Excel export see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from cockpit.db import session_scope
from cockpit.plans.library import find_plan, load_plans
from cockpit.plans.metrics import find_numbers
from cockpit.plans.model import Plan, Target
from cockpit.plans.progress import TargetProgress, assess
from cockpit.plans.store import ProgressSnapshot, record_figure


@dataclass
class PlanProgress:
    plan: Plan
    targets: list[TargetProgress] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        p = self.plan
        return {
            "id": p.id,
            "name_zh": p.name_zh,
            "name_en": p.name_en,
            "region": p.region,
            "start_year": p.start_year,
            "end_year": p.end_year,
            "source": p.source.model_dump(),
            "targets": [t.to_dict() for t in self.targets],
            "tasks": [t.model_dump() for t in p.tasks],
        }


def _assess_target(session: Session, plan: Plan, target: Target) -> TargetProgress:
    actual, projection = find_numbers(session, plan, target)
    return assess(plan.id, target, actual, projection)


def plan_progress(session: Session, plan: Plan) -> PlanProgress:
    """Assess every target of one plan."""
    return PlanProgress(plan=plan, targets=[_assess_target(session, plan, t) for t in plan.targets])


def all_progress(*, session: Session) -> list[PlanProgress]:
    """Progress of every plan that loads (shipped and added)."""
    return [plan_progress(session, plan) for plan in load_plans().plans]


def take_snapshot(*, session: Session) -> list[PlanProgress]:
    """Compute progress and store it, so what was reported can be shown later."""
    progress = all_progress(session=session)
    for plan in progress:
        for target in plan.targets:
            session.add(
                ProgressSnapshot(
                    plan_id=plan.plan.id,
                    target_id=target.target_id,
                    status=target.status,
                    payload=target.to_dict(),
                )
            )
    return progress


def enter_figure(
    *,
    plan_id: str,
    target_id: str,
    value: float,
    as_of: date,
    source: str,
    entered_by: str,
) -> None:
    """Record a manual figure for a target of a known plan, in its own transaction."""
    plan = find_plan(plan_id)
    if target_id not in {t.id for t in plan.targets}:
        raise KeyError(f"plan {plan_id!r} has no target {target_id!r}")
    with session_scope() as session:
        record_figure(
            session,
            plan_id=plan_id,
            target_id=target_id,
            value=value,
            as_of=as_of,
            source=source,
            entered_by=entered_by,
        )


def headline_progress(*, session: Session) -> list[TargetProgress]:
    """The targets the cockpit's gauges show."""
    return [
        _assess_target(session, plan, target)
        for plan in load_plans().plans
        for target in plan.targets
        if target.headline
    ]
