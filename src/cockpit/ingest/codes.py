"""Code lists a contract refers to, each as a map from every accepted spelling to the code.

Spellings are matched in lower case: the code itself, its Chinese and its English name.
Districts also accept retired GB/T 2260 codes, which map to the current ones.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, model_validator

from cockpit import reference
from cockpit.datafiles import validate_text


class Measure(BaseModel):
    """An official measure, the bureau's names for it and its cumulative counterpart."""

    model_config = ConfigDict(extra="forbid")
    name_zh: str
    name_en: str
    cumulative: str
    aliases: list[str]


class Measures(BaseModel):
    """The alias table of official measures (``measures.yaml``)."""

    model_config = ConfigDict(extra="forbid")
    measures: dict[str, Measure]
    not_aliases: list[str] = []

    @model_validator(mode="after")
    def _names_mean_one_measure(self) -> Measures:
        seen: dict[str, str] = {}
        for code, measure in self.measures.items():
            if measure.cumulative not in self.measures:
                raise ValueError(f"{code}: cumulative {measure.cumulative!r} is not a measure")
            for name in (code, *measure.aliases):
                key = fold(name)
                if seen.setdefault(key, code) != code:
                    raise ValueError(f"{name!r} names both {seen[key]} and {code}")
                if key in {fold(n) for n in self.not_aliases}:
                    raise ValueError(f"{name!r} is listed as not an alias")
        return self


def fold(name: str) -> str:
    """A name as matched: NFKC (full-width brackets), without spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).lower()


@cache
def measures() -> Measures:
    """The official measures and the bureau's names for them."""
    text = resources.files("cockpit.ingest").joinpath("measures.yaml").read_text("utf-8")
    return validate_text(text, Measures, "cockpit/ingest/measures.yaml")


@cache
def cumulative_measures() -> dict[str, str]:
    """Each measure's cumulative counterpart."""
    return {code: m.cumulative for code, m in measures().measures.items()}


def _spellings(code: str, *names: str) -> dict[str, str]:
    return {spelling.lower(): code for spelling in (code, *names) if spelling}


@cache
def code_map(name: str) -> dict[str, str]:
    """Every accepted spelling of the codes of list ``name``, mapped to the code."""
    out: dict[str, str] = {}
    if name in ("channels", "payment_methods", "payer_segments"):
        entries = getattr(reference, name)()
        for entry in entries:
            out |= _spellings(entry.code, entry.name_zh, entry.name_en)
    elif name == "business_districts":
        for bd in reference.business_districts():
            out |= _spellings(bd.code, bd.name_zh, bd.name_en)
    elif name == "measures":
        for code, measure in measures().measures.items():
            # Cleaned text has full-width brackets folded and outer spaces trimmed; inner
            # spaces are matched too.
            for spelling in (code, *measure.aliases):
                out[spelling.lower()] = code
                out[fold(spelling)] = code
    elif name == "categories":
        for c in reference.categories():
            out |= _spellings(c.code, c.name_zh)
    elif name in ("districts", "regions"):
        out = {d.code: d.code for d in reference.districts()}
        out |= reference.district_renames()
        if name == "regions":
            out[reference.CITY_CODE] = reference.CITY_CODE
    else:
        raise KeyError(f"no code list {name!r}")
    return out
