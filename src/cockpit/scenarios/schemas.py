"""What goes in and what comes out of the scenarios room (separate from the tables)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cockpit import reference
from cockpit.scenarios.vocab import check_capabilities, check_sector, check_tags


def _district(code: str) -> str:
    try:
        return reference.current_district_code(str(code))
    except reference.ReferenceError as exc:
        raise ValueError(str(exc)) from exc


class _Tagged(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("capabilities", check_fields=False)
    @classmethod
    def _known_capabilities(cls, value: list[str]) -> list[str]:
        return check_capabilities(value)

    @field_validator("sector", check_fields=False)
    @classmethod
    def _known_sector(cls, value: str) -> str:
        return check_sector(value)

    @field_validator("district_code", check_fields=False)
    @classmethod
    def _known_district(cls, value: str) -> str:
        return _district(value)


class ScenarioIn(_Tagged):
    """A scenario need as a unit publishes it (Chinese required, English optional)."""

    id: str | None = Field(None, max_length=40)
    title_zh: str = Field(min_length=2, max_length=200)
    title_en: str | None = None
    description_zh: str = Field(min_length=10)
    description_en: str | None = None
    sector: str
    district_code: str
    budget_min_fen: int = Field(ge=0)
    budget_max_fen: int = Field(ge=0)
    deadline: date
    contact_unit_zh: str = Field(min_length=2)
    contact_unit_en: str | None = None
    capabilities: list[str] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)

    @field_validator("tags")
    @classmethod
    def _known_tags(cls, value: list[str]) -> list[str]:
        return check_tags(value)

    @model_validator(mode="after")
    def _budget_in_order(self) -> ScenarioIn:
        if self.budget_min_fen > self.budget_max_fen:
            raise ValueError("budget_min_fen is above budget_max_fen")
        return self


class ScenarioOut(ScenarioIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    id: str
    status: str
    created_at: datetime


class FirmIn(_Tagged):
    id: str | None = Field(None, max_length=40)
    name_zh: str = Field(min_length=2)
    name_en: str | None = None
    district_code: str
    profile_zh: str = ""
    profile_en: str | None = None
    capabilities: list[str] = Field(default_factory=list)


class FirmOut(FirmIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    id: str
    created_at: datetime


class SolutionIn(_Tagged):
    id: str | None = Field(None, max_length=40)
    firm_id: str
    kind: str = Field("solution", pattern="^(solution|product)$")
    title_zh: str = Field(min_length=2)
    title_en: str | None = None
    description_zh: str = Field(min_length=10)
    description_en: str | None = None
    sector: str
    capabilities: list[str] = Field(min_length=1)
    references: list[str] = Field(default_factory=list)


class SolutionOut(SolutionIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    id: str
    created_at: datetime


class Criterion(BaseModel):
    """A declared review criterion; the weights of a call add up to 100."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str | None = None
    weight: int = Field(gt=0, le=100)


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion(code="technical", name_zh="技术方案", name_en="Technical approach", weight=40),
    Criterion(code="capability", name_zh="团队与业绩", name_en="Team and track record", weight=25),
    Criterion(code="feasibility", name_zh="实施可行性", name_en="Feasibility", weight=20),
    Criterion(code="price", name_zh="报价合理性", name_en="Price", weight=15),
)


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    scenario_id: str
    title_zh: str
    title_en: str | None
    state: str
    criteria: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    award_application_id: str | None
    award_value_fen: int | None
    award_explanation: dict[str, Any] | None
    contract_value_fen: int | None
    contract_signed_at: datetime | None
    delivery_summary: str | None
    acceptance_result: str | None


class ApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    call_id: str
    firm_id: str
    solution_id: str | None
    proposal_zh: str
    proposal_en: str | None
    price_fen: int
    submitted_at: datetime


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    subject_type: str
    subject_id: str
    at: datetime
    role: str
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    detail: dict[str, Any]
    hash: str
