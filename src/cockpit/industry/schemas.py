"""The industry room's API schemas: what leaves the room (no internal columns)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore")


class FirmOut(Out):
    credit_code: str
    name_zh: str
    name_en: str | None = None
    district_code: str
    park: str | None = None
    founded_on: date | None = None
    size: str | None = None
    revenue_fen: int | None = None
    revenue_year: int | None = None
    employees: int | None = None
    designations: list[str]
    nodes: list[str]
    version: int


class FirmPage(BaseModel):
    data: list[FirmOut]
    count: int


class FirmBriefOut(Out):
    credit_code: str
    name_zh: str
    district_code: str
    size: str | None
    revenue_fen: int | None
    designations: list[str]
    status: str


class CandidateOut(Out):
    credit_code: str
    name_zh: str
    region_zh: str
    revenue_fen: int | None
    designations: list[str]
    source: str


class NodeOut(Out):
    chain_id: str
    segment_id: str
    segment_zh: str
    segment_en: str
    node_id: str
    node_zh: str
    node_en: str
    coverage: str
    revenue_fen: int
    confirmed: list[FirmBriefOut]
    uncertain: list[FirmBriefOut]
    candidates: list[CandidateOut]


class NodePage(BaseModel):
    data: list[NodeOut]
    count: int


class ChainOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    segments: int
    nodes: int


class ChainPage(BaseModel):
    data: list[ChainOut]
    count: int


class MeasureOut(BaseModel):
    measure: str
    chain: str | None
    value: int
    unit: str
    year: int
    definition_en: str
    definition_zh: str


class MeasurePage(BaseModel):
    data: list[MeasureOut]
    count: int


class VersionOut(BaseModel):
    version: int
    data: dict[str, object]
    source_file: str
    line: int
    recorded_at: datetime


class DesignationOut(BaseModel):
    kind: str
    level: str
    granted_on: date
    expires_on: date | None
    source: str


class ReferenceOut(BaseModel):
    room: str
    ref_id: str


class FirmHistoryOut(BaseModel):
    credit_code: str
    name_zh: str
    district_code: str
    version: int
    versions: list[VersionOut]
    designations: list[DesignationOut]
    references: list[ReferenceOut]


class RejectOut(BaseModel):
    load_id: str
    list: str
    file: str
    line: int
    field: str
    reason: str
    message: str
    loaded_at: datetime


class RejectPage(BaseModel):
    data: list[RejectOut]
    count: int
