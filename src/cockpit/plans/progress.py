"""Are we on track? Trajectories, projections, probabilities and status of one target.

Pure functions over numbers; ``cockpit.plans.metrics`` finds the numbers. Money is handled
in fen: a target written in yuan is multiplied by 100 on the way in.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from cockpit.plans.model import Target

Status = Literal["on_track", "at_risk", "off_track", "achieved", "no_data"]

# With a projection: the probability of reaching the target decides.
ON_TRACK_PROBABILITY = 0.7
OFF_TRACK_PROBABILITY = 0.3
# Without one: the actual as a share of where the trajectory says it should be.
AT_RISK_SHARE = 0.9


@dataclass(frozen=True)
class Actual:
    """The latest measured value of a target's metric (in fen for money)."""

    value: float
    year: int
    as_of: date
    source: str


@dataclass(frozen=True)
class Projection:
    """The value expected at the target year, as a normal distribution."""

    mean: float
    sd: float
    method: str
    #: Simulated values at the target year, where the projection comes from paths: the
    #: probability of reaching a level is then their share at or above it.
    draws: tuple[float, ...] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class TargetProgress:
    plan_id: str
    target_id: str
    name_zh: str
    name_en: str
    unit: str
    target_value: float
    target_year: int
    baseline_value: float | None
    baseline_year: int | None
    actual: float | None
    actual_year: int | None
    actual_source: str | None
    required_now: float | None
    gap: float | None
    projected: float | None
    projection_method: str | None
    probability: float | None
    status: Status
    trajectory: list[dict[str, float]]
    no_data_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def internal(value: float, unit: str) -> float:
    """A plan-file value in the unit computations use (fen for yuan)."""
    return value * 100 if unit == "yuan" else value


def required_value(
    *, kind: str, baseline: float, baseline_year: int, target: float, target_year: int, year: int
) -> float:
    """Where the trajectory from baseline to target stands in ``year``.

    Compound: a constant yearly growth rate; linear: equal yearly steps.
    """
    share = (year - baseline_year) / (target_year - baseline_year)
    if kind == "compound" and baseline > 0 and target > 0:
        return float(baseline * (target / baseline) ** share)
    return float(baseline + (target - baseline) * share)


def target_level(target: Target) -> float:
    """The level to reach, in internal units (fen for money)."""
    return internal(target.target.value, target.unit)


def trajectory(target: Target) -> list[dict[str, float]]:
    """The required value for every year from baseline to target year."""
    if target.baseline is None:
        return []
    base = internal(target.baseline.value, target.unit)
    level = target_level(target)
    return [
        {
            "year": year,
            "required": required_value(
                kind=target.trajectory_kind,
                baseline=base,
                baseline_year=target.baseline.year,
                target=level,
                target_year=target.target.year,
                year=year,
            ),
        }
        for year in range(target.baseline.year, target.target.year + 1)
    ]


def probability_of_reaching(level: float, projection: Projection) -> float:
    """P(value at the target year ≥ level): the share of the projection's simulated draws
    at or above it, or under its normal distribution where it has no draws."""
    if projection.draws:
        return sum(1 for v in projection.draws if v >= level) / len(projection.draws)
    if projection.sd <= 0:
        return 1.0 if projection.mean >= level else 0.0
    z = (level - projection.mean) / projection.sd
    return 0.5 * math.erfc(z / math.sqrt(2))


def decide_status(
    *,
    level: float,
    target_year: int,
    actual: Actual | None,
    required_now: float | None,
    probability: float | None,
) -> Status:
    """The status by the rules of docs/plans.md, in order."""
    if actual is None:
        return "no_data"
    if actual.value >= level:
        return "achieved"
    if actual.year >= target_year:
        return "off_track"
    if probability is not None:
        if probability >= ON_TRACK_PROBABILITY:
            return "on_track"
        return "at_risk" if probability >= OFF_TRACK_PROBABILITY else "off_track"
    if required_now is None or required_now <= 0:
        return "at_risk"
    share = actual.value / required_now
    if share >= 1:
        return "on_track"
    return "at_risk" if share >= AT_RISK_SHARE else "off_track"


def why_no_data(plan_id: str, target: Target) -> str:
    """What is missing for a target that has no actual, and where it would come from."""
    metric = target.metric
    if metric.kind == "manual":
        return (
            "no figure entered: no room counts this target yet; record the published figure "
            f"with `cockpit plans record {plan_id} {target.id} VALUE --as-of ... --source ... "
            "--by ...`"
        )
    if metric.kind == "indicator":
        return (
            f"no complete year of the official series {metric.indicator!r} for region "
            f"{metric.region or 'the city'} in the lake: ingest the statistics bureau's figures"
        )
    if metric.registry == "industry":
        return "the firm registry is empty: load the office lists with `cockpit industry load`"
    return f"the {metric.registry} registry has nothing to count yet"


def assess(
    plan_id: str, target: Target, actual: Actual | None, projection: Projection | None
) -> TargetProgress:
    """Everything the cockpit shows for one target."""
    level = target_level(target)
    path = trajectory(target)
    required_now = None
    if actual is not None and path:
        by_year = {int(p["year"]): p["required"] for p in path}
        required_now = by_year.get(actual.year)
    probability = probability_of_reaching(level, projection) if projection else None
    status = decide_status(
        level=level,
        target_year=target.target.year,
        actual=actual,
        required_now=required_now,
        probability=probability,
    )
    return TargetProgress(
        plan_id=plan_id,
        target_id=target.id,
        name_zh=target.name_zh,
        name_en=target.name_en,
        unit="fen" if target.unit == "yuan" else target.unit,
        target_value=level,
        target_year=target.target.year,
        baseline_value=internal(target.baseline.value, target.unit) if target.baseline else None,
        baseline_year=target.baseline.year if target.baseline else None,
        actual=actual.value if actual else None,
        actual_year=actual.year if actual else None,
        actual_source=actual.source if actual else None,
        required_now=required_now,
        gap=(level - actual.value) if actual else None,
        projected=projection.mean if projection else None,
        projection_method=projection.method if projection else None,
        probability=probability,
        status=status,
        trajectory=path,
        no_data_reason=why_no_data(plan_id, target) if status == "no_data" else None,
    )


def projection_sentence(progress: TargetProgress, lang: str = "en") -> str:
    """ "projected 1,890亿, 5.5 % short, P = 8 %": the numbers of the projection, in words
    that agree with them (short below the target, above it otherwise)."""
    if progress.projected is None or not progress.target_value:
        return ""
    gap = (progress.projected / progress.target_value - 1) * 100
    value = _amount(progress.projected, progress.unit, lang)
    p = "" if progress.probability is None else f"P = {progress.probability * 100:.0f} %"
    if lang == "zh":
        side = f"低于目标 {abs(gap):.1f}%" if gap < 0 else f"高于目标 {gap:.1f}%"
        return f"预计 {value}，{side}" + (f"，{p}" if p else "")
    p = f", {p}" if p else ""
    side = f"{abs(gap):.1f} % short" if gap < 0 else f"{gap:.1f} % above target"
    return f"projected {value}, {side}{p}"


def _amount(value: float, unit: str, lang: str) -> str:
    if unit == "fen":
        yi = value / 1e10
        return f"{yi:,.0f}亿" if lang == "zh" else f"{yi / 10:,.1f} billion yuan"
    if unit == "percent":
        return f"{value:.1f} %"
    return f"{value:,.0f}"
