"""What a plan file says: targets (metric, baseline, target, unit, source) and a task checklist."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cockpit import reference

Unit = Literal["yuan", "percent", "count"]
TaskStatus = Literal["not_started", "in_progress", "done"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """Where a plan or a target comes from: a document under plans/data/seeds/ and its clause."""

    document: str
    clause: str


class Metric(Strict):
    """How the actual value is found: an indicator, a registry count, or manual entries."""

    kind: Literal["indicator", "registry", "manual"]
    indicator: str | None = None
    region: str | None = None
    registry: Literal["scenarios", "cases", "products", "industry"] | None = None
    filters: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Metric:
        if self.kind == "indicator" and not self.indicator:
            raise ValueError("an indicator metric names its indicator")
        if self.kind == "registry" and not self.registry:
            raise ValueError(
                "a registry metric names its registry (scenarios, cases, products, industry)"
            )
        if self.registry == "industry":
            _check_industry_measure(self.filters)
        if self.region not in (None, reference.CITY_CODE):
            reference.current_district_code(self.region)
        return self


def _check_industry_measure(filters: dict[str, str]) -> None:
    from cockpit.industry import MEASURES

    name = filters.get("measure")
    if name not in MEASURES:
        raise ValueError(f"an industry metric names a measure: one of {', '.join(MEASURES)}")
    unknown = set(filters) - {"measure", "chain"}
    if unknown:
        raise ValueError(f"industry metrics take measure and chain only, not {sorted(unknown)}")


class Baseline(Strict):
    value: float
    year: int
    implied: bool = False


class TargetValue(Strict):
    """The goal: a value by a year, optionally with the yearly growth rate the plan names."""

    value: float
    year: int
    growth_rate: float | None = None
    upper: float | None = None


class Target(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name_zh: str
    name_en: str
    metric: Metric
    unit: Unit
    baseline: Baseline | None = None
    target: TargetValue
    trajectory: Literal["compound", "linear"] | None = None
    headline: bool = False
    source: Source

    @model_validator(mode="after")
    def _baseline_before_target(self) -> Target:
        if self.baseline is not None and self.baseline.year >= self.target.year:
            raise ValueError("the baseline year must come before the target year")
        return self

    @property
    def trajectory_kind(self) -> Literal["compound", "linear"]:
        """Compound for money and rates, linear for counts, unless the file says otherwise."""
        if self.trajectory:
            return self.trajectory
        return "linear" if self.unit == "count" else "compound"


class Task(Strict):
    number: int
    name_zh: str
    name_en: str
    responsible: str
    evidence: str
    status: TaskStatus


class Plan(Strict):
    """One action plan: its targets and, for plans of tasks, its checklist."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name_zh: str
    name_en: str
    issuer_zh: str
    issuer_en: str
    region: str
    start_year: int
    end_year: int
    source: Source
    targets: list[Target] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_and_within_period(self) -> Plan:
        ids = [t.id for t in self.targets]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"target ids must be unique: {duplicated}")
        if self.start_year > self.end_year:
            raise ValueError("start_year comes after end_year")
        return self

    @field_validator("region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        if region != reference.CITY_CODE:
            return reference.current_district_code(region)
        return region
