"""Numbers, money and time as people read them, one rule per locale, for every room.

Also the one shape of every CLI verb's ``--json`` output (``json_text``).

Money is integer fen in storage and computation; only here does it become text: 亿元 / 万元 /
元 in Chinese, billion / million / thousand yuan / yuan in English, with one decimal in a
scaled unit and the fen shown in plain yuan. Time is Asia/Shanghai (``SHANGHAI``).

    >>> money(151_300_000_000_000, "zh-CN")
    '15,130.0亿元'
    >>> money(151_300_000_000_000, "en")
    '1,513.0 billion yuan'
    >>> money(52_000_000, "zh")
    '52.0万元'
    >>> money(1_234_500, "en")
    '12.3 thousand yuan'
    >>> money(12_345, "zh")
    '123.45元'
    >>> money(3_000_000_000, "zh", unit="亿元")
    '0.3亿元'
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

#: The product's time zone: every timestamp shown or stored naive is Shanghai wall-clock time.
SHANGHAI = ZoneInfo("Asia/Shanghai")

FEN_PER_YUAN = 100
YI = 100_000_000  # 亿
WAN = 10_000  # 万
BILLION = 1_000_000_000
MILLION = 1_000_000
THOUSAND = 1_000
#: Units by locale, largest first: (yuan per unit, name).
UNITS: dict[str, tuple[tuple[int, str], ...]] = {
    "zh": ((YI, "亿元"), (WAN, "万元"), (1, "元")),
    "en": (
        (BILLION, "billion yuan"),
        (MILLION, "million yuan"),
        (THOUSAND, "thousand yuan"),
        (1, "yuan"),
    ),
}
DIGITS = 1  # decimals in a scaled unit (亿元, million yuan, ...); plain yuan shows its fen


def locale(lang: str) -> str:
    """``en`` or ``zh`` (``zh-CN`` and any other Chinese tag read as ``zh``)."""
    return "en" if lang.lower().startswith("en") else "zh"


def money_unit(max_fen: float, lang: str) -> tuple[float, str]:
    """The divisor (fen → unit) and the unit's name that suit values up to ``max_fen``."""
    yuan = abs(max_fen) / FEN_PER_YUAN
    units = UNITS[locale(lang)]
    for size, name in units:
        if yuan >= size:
            return float(FEN_PER_YUAN * size), name
    return float(FEN_PER_YUAN), units[-1][1]


def money(fen: float | None, lang: str, *, digits: int = DIGITS, unit: str | None = None) -> str:
    """``fen`` as text in the unit that suits it (or in ``unit``, one of the locale's)."""
    if fen is None:
        return "—"
    divisor, name = money_unit(fen, lang) if unit is None else _unit(unit, lang)
    sep = " " if locale(lang) == "en" else ""
    if divisor == FEN_PER_YUAN and unit is None:
        return f"{yuan(int(fen))}{sep}{name}"
    return f"{fen / divisor:,.{digits}f}{sep}{name}"


def _unit(name: str, lang: str) -> tuple[float, str]:
    for size, known in UNITS[locale(lang)]:
        if known == name:
            return float(FEN_PER_YUAN * size), name
    raise ValueError(f"no money unit {name!r} in {locale(lang)}")


def yuan(fen: int) -> str:
    """Fen as exact yuan, grouped: 123456 → '1,234.56'.

    >>> yuan(-5)
    '-0.05'
    """
    return f"{Decimal(fen) / FEN_PER_YUAN:,.2f}"


def pct(value: float | None, *, digits: int = DIGITS, signed: bool = False) -> str:
    """A percentage as text (``value`` already in %).

    >>> pct(3.14159, signed=True)
    '+3.1%'
    """
    if value is None:
        return "—"
    return f"{value:+.{digits}f}%" if signed else f"{value:.{digits}f}%"


def envelope(data: Any, **also: Any) -> dict[str, Any]:
    """The one shape of ``--json`` output: ``{"data": ...}``, with ``count`` for a list, and
    any further top-level facts about the result (``also``).

    >>> envelope([{"id": 1}])
    {'data': [{'id': 1}], 'count': 1}
    >>> envelope({"path": "/tmp/x"})
    {'data': {'path': '/tmp/x'}}
    >>> envelope([], broken=["a.yaml"])
    {'data': [], 'count': 0, 'broken': ['a.yaml']}
    """
    if isinstance(data, list | tuple):
        return {"data": list(data), "count": len(data), **also}
    return {"data": data, **also}


def json_text(data: Any, **also: Any) -> str:
    """``data`` in the ``--json`` envelope, as JSON text (Chinese kept, dates as ISO text)."""
    return json.dumps(envelope(data, **also), ensure_ascii=False, indent=2, default=str)
