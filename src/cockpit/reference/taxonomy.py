"""The digital-consumption taxonomy of the 2025 Guiding Opinions, as editable data."""

from __future__ import annotations

from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, model_validator

from cockpit.datafiles import validate_text

DIGITAL_TYPES = ("digital_products", "digital_services", "digital_content", "digital_channels")


class DigitalType(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name_zh: str
    name_en: str
    definition_en: str
    definition_zh: str


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by_category: dict[str, list[str]]
    by_merchant_tag: dict[str, list[str]]
    by_channel: dict[str, list[str]]


class Taxonomy(BaseModel):
    """Which categories, merchant tags and channels make a purchase digital, and of what type."""

    model_config = ConfigDict(extra="forbid")
    version: str
    types: list[DigitalType]
    rules: Rules

    @model_validator(mode="after")
    def _known_types_only(self) -> Taxonomy:
        codes = {t.code for t in self.types}
        if codes != set(DIGITAL_TYPES):
            raise ValueError(f"types must be exactly {', '.join(DIGITAL_TYPES)}")
        for table in (self.rules.by_category, self.rules.by_merchant_tag, self.rules.by_channel):
            for key, targets in table.items():
                unknown = set(targets) - codes
                if unknown:
                    raise ValueError(f"{key}: unknown digital type {sorted(unknown)}")
        return self

    def types_of(self, *, category: str, tags: list[str], channel: str) -> set[str]:
        """The digital types a purchase falls under (empty: not digital)."""
        found = set(self.rules.by_category.get(category, []))
        found.update(self.rules.by_channel.get(channel, []))
        for tag in tags:
            found.update(self.rules.by_merchant_tag.get(tag, []))
        return found


def parse_taxonomy(text: str, path: str = "digital_taxonomy.yaml") -> Taxonomy:
    """Validate a taxonomy file's text; mistakes raise DataFileError with the line."""
    return validate_text(text, Taxonomy, path)


@cache
def digital_taxonomy() -> Taxonomy:
    """The shipped taxonomy (``cockpit/reference/data/digital_taxonomy.yaml``)."""
    ref = resources.files("cockpit.reference").joinpath("data", "digital_taxonomy.yaml")
    return parse_taxonomy(ref.read_text("utf-8"))
