"""The declared data contracts of every feed, read from ``contracts.yaml``.

A contract lists a source's fields (type, required, range, code list) and the headers each
may arrive under; ``map_headers`` turns a file's header row into canonical fields, and
``recognise_source`` tells a file's source from its name or its header row.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cockpit.datafiles import validate_text

FieldType = Literal[
    "string",
    "code",
    "district",
    "region",
    "category",
    "timestamp",
    "date",
    "month",
    "period",
    "money",
    "bool",
    "float",
    "list",
    "personal",
]
Unit = Literal["fen", "yuan", "wan", "yi"]
SOURCES = ("transactions", "merchants", "official-stats", "trade-enterprises", "trade-orders")

# Default reason code of a value that does not fit its field's type.
DEFAULT_REASONS: dict[str, str] = {
    "string": "missing_required",
    "code": "unknown_code",
    "district": "unknown_district",
    "region": "unknown_district",
    "category": "unknown_category",
    "timestamp": "unparseable_date",
    "date": "unparseable_date",
    "month": "unparseable_date",
    "period": "unparseable_date",
    "money": "bad_amount",
    "bool": "bad_value",
    "float": "bad_value",
    "list": "bad_value",
    "personal": "bad_value",
}


class FieldSpec(BaseModel):
    """One field of a contract."""

    model_config = ConfigDict(extra="forbid")
    name: str
    type: FieldType
    required: bool = False
    codes: str | None = None
    reason: str | None = None
    min: int | float | str | None = None
    max: int | float | str | None = None
    default: str | None = None
    default_from: str | None = None
    aliases: dict[str, Unit | None] = Field(default_factory=dict)

    @field_validator("aliases", mode="before")
    @classmethod
    def _list_means_no_unit(cls, value: object) -> object:
        if isinstance(value, list):
            return {str(alias): None for alias in value}
        return value

    @model_validator(mode="after")
    def _codes_for_code_fields(self) -> FieldSpec:
        if self.type == "code" and not self.codes:
            raise ValueError(f"field {self.name}: a code field names its code list")
        return self

    @property
    def bad_reason(self) -> str:
        """The reason code of a value of this field that cannot be used."""
        return self.reason or DEFAULT_REASONS[self.type]


class Contract(BaseModel):
    """The declared schema of one source."""

    model_config = ConfigDict(extra="forbid")
    version: str
    table: str
    kind: Literal["partitioned", "append", "history"]
    key: list[str]
    file_patterns: list[str]
    fields: list[FieldSpec]

    def field(self, name: str) -> FieldSpec:
        """The field called ``name``."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


class Contracts(BaseModel):
    """Every source's contract, versioned together."""

    model_config = ConfigDict(extra="forbid")
    version: str
    sources: dict[str, Contract]

    @model_validator(mode="after")
    def _every_source_declared(self) -> Contracts:
        missing = set(SOURCES) - set(self.sources)
        if missing:
            raise ValueError(f"contracts missing for {sorted(missing)}")
        return self


@cache
def contracts() -> Contracts:
    """The contracts shipped with Commerce Cockpit."""
    import yaml
    from pydantic import ValidationError

    text = resources.files("cockpit.ingest").joinpath("contracts.yaml").read_text("utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return Contracts.model_validate(yaml.load(text, Loader=loader))
    except (ValidationError, yaml.YAMLError):
        # Parse again, slowly, for an error that names the line and the field.
        return validate_text(text, Contracts, "cockpit/ingest/contracts.yaml")


def contract(source: str) -> Contract:
    """The contract of ``source`` (one of ``SOURCES``)."""
    try:
        return contracts().sources[source]
    except KeyError:
        raise ValueError(
            f"unknown source {source!r}; expected one of {', '.join(SOURCES)}"
        ) from None


_SPACE = re.compile(r"\s+")


def normalise_header(header: str) -> str:
    """A header as compared with aliases: NFKC (full-width brackets), no spaces, lower case."""
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "")
    return _SPACE.sub("", text).lower()


class HeaderMap(BaseModel):
    """Which column of a file holds each field, and in what unit."""

    columns: dict[str, str]
    units: dict[str, Unit | None]
    unknown: list[str]
    missing_required: list[str]


def map_headers(source_contract: Contract, headers: list[str]) -> HeaderMap:
    """Map a file's headers onto the contract's fields through the alias table."""
    by_alias: dict[str, tuple[str, Unit | None]] = {}
    for spec in source_contract.fields:
        for alias, unit in spec.aliases.items():
            by_alias[normalise_header(alias)] = (spec.name, unit)
        by_alias.setdefault(normalise_header(spec.name), (spec.name, None))
    columns: dict[str, str] = {}
    units: dict[str, Unit | None] = {}
    unknown: list[str] = []
    for header in headers:
        hit = by_alias.get(normalise_header(header))
        if hit is None or hit[0] in columns:
            unknown.append(header)
            continue
        columns[hit[0]] = header
        units[hit[0]] = hit[1]
    missing = [
        f.name
        for f in source_contract.fields
        if f.required and f.name not in columns and f.default is None and f.default_from is None
    ]
    return HeaderMap(columns=columns, units=units, unknown=unknown, missing_required=missing)


def source_from_name(filename: str) -> str | None:
    """The source whose file pattern matches ``filename`` (case-insensitive), if exactly one."""
    name = filename.lower()
    hits = [
        source
        for source, c in contracts().sources.items()
        if any(fnmatch.fnmatch(name, p.lower() + "*") for p in c.file_patterns)
    ]
    return hits[0] if len(hits) == 1 else None


def source_from_headers(headers: list[str]) -> str | None:
    """The source whose contract the header row fits best, if it has every required field."""
    best: tuple[int, str] | None = None
    for source, c in contracts().sources.items():
        mapped = map_headers(c, headers)
        if mapped.missing_required:
            continue
        score = len(mapped.columns) - len(mapped.unknown)
        if best is None or score > best[0]:
            best = (score, source)
    return best[1] if best else None
