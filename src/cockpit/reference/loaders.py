"""Read the reference data files shipped in ``cockpit/reference/data``.

Each CSV starts with a ``# source: ...`` line naming where it comes from and when it
was checked; YAML files carry the same as their first comment.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

CITY_CODE = "500000"
CITY_NAME_ZH = "重庆市"
CITY_NAME_EN = "Chongqing"


class ReferenceError(ValueError):
    """A reference file is malformed, or a code is not in it."""


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str
    type: str
    type_zh: str


@dataclass(frozen=True)
class BusinessDistrict:
    code: str
    name_zh: str
    name_en: str
    district_code: str
    tier: str


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    kind: str
    in_bulletin: bool
    valid_from_year: int
    valid_to_year: int | None
    order: int

    def valid_in(self, year: int) -> bool:
        """Whether NBS published this category in ``year``."""
        return self.valid_from_year <= year and (
            self.valid_to_year is None or year <= self.valid_to_year
        )


@dataclass(frozen=True)
class Code:
    """An entry of a small code list (channel, payment method, payer segment)."""

    code: str
    name_zh: str
    name_en: str
    online: bool = False


def _text(name: str) -> str:
    return resources.files("cockpit.reference").joinpath("data", name).read_text("utf-8")


def source_of(name: str) -> str:
    """The ``source:`` line of a reference file: where its content comes from and when."""
    lines = _text(name).splitlines()
    if not lines or not lines[0].startswith("# source:"):
        raise ReferenceError(f"{name}: line 1 must name the source ('# source: ...')")
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line.lstrip("#").strip())
    return " ".join(header).removeprefix("source:").strip()


def read_rows(name: str) -> list[dict[str, str]]:
    """Rows of a reference CSV as dicts, the source line skipped."""
    lines = [line for line in _text(name).splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def read_yaml(name: str) -> Any:
    """A reference YAML file, parsed."""
    return yaml.safe_load(_text(name))


@cache
def districts() -> tuple[District, ...]:
    """The 38 county-level divisions of Chongqing, in GB/T 2260 order."""
    return tuple(District(**row) for row in read_rows("districts.csv"))


@cache
def _district_index() -> dict[str, District]:
    return {d.code: d for d in districts()}


@cache
def district_renames() -> dict[str, str]:
    """Old GB/T 2260 codes still found in data, mapped to the current code."""
    return {row["old_code"]: row["new_code"] for row in read_rows("district_renames.csv")}


def current_district_code(code: str) -> str:
    """The current code for ``code``, accepting retired codes (500228 梁平县 → 500155)."""
    code = code.strip()
    code = district_renames().get(code, code)
    if code not in _district_index():
        raise ReferenceError(f"{code!r} is not a GB/T 2260 district code of Chongqing")
    return code


def district(code: str) -> District:
    """The district of ``code`` (old codes accepted)."""
    return _district_index()[current_district_code(code)]


@cache
def business_districts() -> tuple[BusinessDistrict, ...]:
    """The main business districts (商圈), each with its district."""
    return tuple(BusinessDistrict(**row) for row in read_rows("business_districts.csv"))


@cache
def categories() -> tuple[Category, ...]:
    """Every retail category NBS has published, goods then catering."""
    out = []
    for row in read_rows("categories.csv"):
        out.append(
            Category(
                code=row["code"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                kind=row["kind"],
                in_bulletin=row["in_bulletin"] == "true",
                valid_from_year=int(row["valid_from_year"]),
                valid_to_year=int(row["valid_to_year"]) if row["valid_to_year"] else None,
                order=int(row["order"]),
            )
        )
    return tuple(out)


def categories_in(year: int, *, bulletin_only: bool = False) -> tuple[Category, ...]:
    """The categories of ``year``'s table (``bulletin_only``: the bulletin's own list)."""
    return tuple(
        c for c in categories() if c.valid_in(year) and (c.in_bulletin or not bulletin_only)
    )


def category(code: str) -> Category:
    """The category of ``code``."""
    for c in categories():
        if c.code == code:
            return c
    raise ReferenceError(f"{code!r} is not a retail category code")


def _codes(key: str) -> tuple[Code, ...]:
    return tuple(Code(**entry) for entry in read_yaml("codes.yaml")[key])


@cache
def channels() -> tuple[Code, ...]:
    """Sales channels; ``online`` marks those NBS counts as online retail."""
    return _codes("channels")


@cache
def payment_methods() -> tuple[Code, ...]:
    """Payment methods, e-CNY and foreign cards among them."""
    return _codes("payment_methods")


@cache
def payer_segments() -> tuple[Code, ...]:
    """Who pays: residents, out-of-town visitors, foreign visitors."""
    return _codes("payer_segments")
