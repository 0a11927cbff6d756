"""Find a target's numbers: the latest actual, and the projection at its deadline.

Manual figures come from the operational database; registry counts from the scenarios room;
indicator values and their forecasts from the tables ``cockpit build`` and ``cockpit forecast``
write into the lake (never from raw transactions).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cockpit.config import get_settings
from cockpit.plans.indicator_source import read_indicator_target
from cockpit.plans.model import Plan, Target
from cockpit.plans.progress import Actual, Projection, internal
from cockpit.plans.store import latest_figure


def manual_actual(session: Session, plan: Plan, target: Target) -> Actual | None:
    """The manual figure in force for the target, in internal units."""
    figure = latest_figure(session, plan_id=plan.id, target_id=target.id)
    if figure is None:
        return None
    return Actual(
        value=internal(figure.value, target.unit),
        year=figure.as_of.year,
        as_of=figure.as_of,
        source=f"manual: {figure.source} ({figure.entered_by})",
    )


def registry_count(target: Target) -> int:
    """A count from the scenarios room's registries, with the target's filters."""
    from cockpit.scenarios import count_for_plans

    assert target.metric.registry is not None
    filters: dict[str, Any] = dict(target.metric.filters)
    return count_for_plans(registry=target.metric.registry, **filters)


def industry_actual(target: Target) -> Actual | None:
    """The industry room's figure (a count, or fen for a scale), with the year it describes;
    None while no office list has been loaded (nothing counted is not a count of zero)."""
    from datetime import date

    from cockpit.industry import count_for_plans as industry_figure
    from cockpit.plans.store import now_shanghai

    filters = target.metric.filters
    figure = industry_figure(measure_name=filters["measure"], chain=filters.get("chain"))
    if figure is None:
        return None
    today = now_shanghai().date()
    return Actual(
        value=float(figure.value),
        year=figure.year,
        as_of=today if figure.year >= today.year else date(figure.year, 12, 31),
        source=figure.source,
    )


def registry_actual(target: Target) -> Actual | None:
    """The registry count as of today."""
    from cockpit.plans.store import now_shanghai

    if target.metric.registry == "industry":
        return industry_actual(target)
    count = registry_count(target)
    today = now_shanghai().date()
    return Actual(value=float(count), year=today.year, as_of=today, source="registry")


def indicator_numbers(target: Target) -> tuple[Actual | None, Projection | None]:
    """Actual and projection of an indicator target from the lake's built tables."""
    return read_indicator_target(target, get_settings().lake_dir)


def find_numbers(
    session: Session, plan: Plan, target: Target
) -> tuple[Actual | None, Projection | None]:
    """The actual (manual figures override nothing else) and projection of one target."""
    kind = target.metric.kind
    if kind == "manual":
        return manual_actual(session, plan, target), None
    if kind == "registry":
        # An official's figure stands in while the registry holds nothing yet.
        counted = registry_actual(target)
        if counted is None or counted.value == 0:
            return manual_actual(session, plan, target) or counted, None
        return counted, None
    actual, projection = indicator_numbers(target)
    return actual or manual_actual(session, plan, target), projection
