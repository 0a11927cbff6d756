"""Action plans as data: every target of the source documents, tracked.

    >>> from cockpit.plans import load_plans
    >>> [p.id for p in load_plans().plans][:1]
    ['chongqing-ai-2023-2025']

``all_progress(session=...)`` assesses every target (actual, required trajectory, gap,
projection, probability, status); ``add_plan(path)`` adds a district's plan file;
``enter_figure(...)`` records a manual figure; ``write_workbook`` exports to Excel.

Names are imported on first use, so ``cockpit --help`` does not load SQLAlchemy or openpyxl.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.plans.export import write_workbook
    from cockpit.plans.library import add_plan, find_plan, load_plan, load_plans, shipped_plans
    from cockpit.plans.model import Plan, Target
    from cockpit.plans.progress import (
        Actual,
        Projection,
        TargetProgress,
        assess,
        decide_status,
        probability_of_reaching,
        projection_sentence,
        required_value,
    )
    from cockpit.plans.service import (
        PlanProgress,
        all_progress,
        enter_figure,
        headline_progress,
        take_snapshot,
    )

_WHERE = {
    "write_workbook": "export",
    "add_plan": "library",
    "find_plan": "library",
    "load_plan": "library",
    "load_plans": "library",
    "shipped_plans": "library",
    "Plan": "model",
    "Target": "model",
    "Actual": "progress",
    "Projection": "progress",
    "TargetProgress": "progress",
    "assess": "progress",
    "decide_status": "progress",
    "probability_of_reaching": "progress",
    "projection_sentence": "progress",
    "required_value": "progress",
    "PlanProgress": "service",
    "all_progress": "service",
    "enter_figure": "service",
    "headline_progress": "service",
    "take_snapshot": "service",
}
__all__ = [
    "Actual",
    "Plan",
    "PlanProgress",
    "Projection",
    "Target",
    "TargetProgress",
    "add_plan",
    "all_progress",
    "assess",
    "decide_status",
    "enter_figure",
    "find_plan",
    "headline_progress",
    "load_plan",
    "load_plans",
    "probability_of_reaching",
    "projection_sentence",
    "required_value",
    "shipped_plans",
    "take_snapshot",
    "write_workbook",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'cockpit.plans' has no attribute {name!r}")
    return getattr(importlib.import_module(f"cockpit.plans.{_WHERE[name]}"), name)
