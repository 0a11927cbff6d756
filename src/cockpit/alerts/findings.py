"""What a detector reports: one ``Finding`` per condition that holds now.

A finding names its rule and its subject (a series, a source, a merchant, an enterprise);
``rule_id:subject`` is the dedupe key that makes repeated firings update one alert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cockpit import reference
from cockpit.format import money

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
REGION_COLUMNS = ("region_code", "district_code")


@dataclass(frozen=True)
class Finding:
    """A condition that holds, with the evidence that shows it."""

    rule_id: str
    kind: str
    severity: str
    subject: str
    period: str
    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        """Same rule, same subject: the same alert."""
        return f"{self.rule_id}:{self.subject}"


def month_index(period: str) -> int | None:
    """``YYYY-MM`` as a month count (so months subtract); None for other periods."""
    match = MONTH.match(period)
    if match is None:
        return None
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_name(index: int) -> str:
    """The ``YYYY-MM`` of a month count."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def subject_key(dims: dict[str, str]) -> str:
    """A stable text key of a series' dimension values (sorted by column)."""
    return "|".join(f"{k}={v}" for k, v in sorted(dims.items())) or "all"


def _name(column: str, code: str, lang: str) -> str:
    if not code:
        return "全部" if lang == "zh" else "total"
    try:
        if column in REGION_COLUMNS:
            if code == reference.CITY_CODE:
                return reference.CITY_NAME_ZH if lang == "zh" else reference.CITY_NAME_EN
            d = reference.district(code)
            return d.name_zh if lang == "zh" else d.name_en
        if column == "category_code":
            c = reference.category(code)
            return c.name_zh if lang == "zh" else c.name_en
    except reference.ReferenceError:
        pass
    return code


def describe(dims: dict[str, str], lang: str) -> str:
    """Readable names of a series' dimension values (district and category names)."""
    if not dims:
        return "全市" if lang == "zh" else "the city"
    return " · ".join(_name(col, val, lang) for col, val in sorted(dims.items()))


def fmt_pct(value: float) -> str:
    """A percentage with a sign, one decimal."""
    return f"{value:+.1f}%"


def fmt_yuan(fen: float, lang: str = "zh") -> str:
    """Fen as order reports read it: 万元 in Chinese, the English unit that suits it."""
    return money(fen, "zh", unit="万元") if lang == "zh" else money(fen, "en")
