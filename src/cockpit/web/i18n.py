"""Two languages from one catalogue (``labels.yaml``), and money shown the way each reads it.

Money is int fen everywhere; only here does it become 亿元/万元 (zh-CN) or
billion/million yuan (en).

    >>> money(151_300_000_000_000, "zh-CN")
    '15,130.0亿元'
    >>> money(151_300_000_000_000, "en")
    '1,513.0 billion yuan'
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from cockpit.datafiles import validate_text

Lang = Literal["zh-CN", "en"]
LANGS: tuple[Lang, ...] = ("zh-CN", "en")
LANG_COOKIE = "cockpit_lang"

FEN_PER_YUAN = 100
YI = 100_000_000  # 亿
WAN = 10_000  # 万
BILLION = 1_000_000_000
MILLION = 1_000_000


class LabelText(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    zh: str = Field(alias="zh-CN", min_length=1)
    en: str = Field(min_length=1)


class Catalogue(RootModel[dict[str, LabelText]]):
    """Every label of the cockpit: key → zh-CN and en text."""


@cache
def catalogue() -> dict[str, LabelText]:
    """The label catalogue, validated (a missing language names the file's line)."""
    text = resources.files("cockpit.web").joinpath("labels.yaml").read_text("utf-8")
    return validate_text(text, Catalogue, "cockpit/web/labels.yaml").root


def pick_lang(*candidates: str | None, default: str = "zh-CN") -> Lang:
    """The first supported language among ``candidates`` (query, cookie, ...), else default."""
    for value in (*candidates, default):
        if value in LANGS:
            return value
        if value and value.lower().startswith("en"):
            return "en"
        if value and value.lower().startswith("zh"):
            return "zh-CN"
    return "zh-CN"


def label(key: str, lang: Lang) -> str:
    """The text of ``key`` in ``lang``; an unknown key is a programming error."""
    entry = catalogue()[key]
    return entry.en if lang == "en" else entry.zh


def labels(lang: Lang) -> dict[str, str]:
    """All labels in ``lang``, for the pages' scripts."""
    return {key: (v.en if lang == "en" else v.zh) for key, v in catalogue().items()}


def money_unit(max_fen: float, lang: Lang) -> tuple[float, str]:
    """The divisor (fen → unit) and unit name that suit values up to ``max_fen``."""
    yuan = abs(max_fen) / FEN_PER_YUAN
    if lang == "en":
        if yuan >= BILLION:
            return FEN_PER_YUAN * BILLION, "billion yuan"
        if yuan >= MILLION:
            return FEN_PER_YUAN * MILLION, "million yuan"
        return FEN_PER_YUAN, "yuan"
    if yuan >= YI:
        return FEN_PER_YUAN * YI, "亿元"
    if yuan >= WAN:
        return FEN_PER_YUAN * WAN, "万元"
    return FEN_PER_YUAN, "元"


def money(fen: float | None, lang: Lang, *, digits: int = 1) -> str:
    """``fen`` as text in the unit that suits it: 15,130.0亿元 / 1,513.0 billion yuan."""
    if fen is None:
        return "—"
    divisor, unit = money_unit(fen, lang)
    sep = " " if lang == "en" else ""
    return f"{fen / divisor:,.{digits}f}{sep}{unit}"


def pct(value: float | None, *, digits: int = 1, signed: bool = False) -> str:
    """A percentage as text (``value`` already in %)."""
    if value is None:
        return "—"
    return f"{value:+.{digits}f}%" if signed else f"{value:.{digits}f}%"


def name_of(item: object, lang: Lang) -> str:
    """The localised name of a reference item (anything with name_zh and name_en)."""
    return str(getattr(item, "name_en" if lang == "en" else "name_zh"))
