"""Two languages from one catalogue (``labels.yaml``), and money shown the way each reads it.

Money and percentages are formatted by ``cockpit.format`` (one rule per locale for every
room); they are re-exported here for the pages.

    >>> money(151_300_000_000_000, "zh-CN")
    '15,130.0亿元'
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from cockpit import codes
from cockpit.datafiles import validate_text
from cockpit.format import SHANGHAI

# Re-exported for the pages: the formatters live in the lowest room that needs them.
from cockpit.format import money as money
from cockpit.format import money_unit as money_unit
from cockpit.format import pct as pct

Lang = Literal["zh-CN", "en"]
LANGS: tuple[Lang, ...] = ("zh-CN", "en")
LANG_COOKIE = "cockpit_lang"


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


def when(moment: object) -> str:
    """A stored moment (datetime or ISO text; with an offset, or naive Shanghai time) as
    Shanghai wall-clock time to the minute ('—' for none)."""
    if moment is None:
        return "—"
    found = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    if found.tzinfo is not None:
        found = found.astimezone(SHANGHAI)
    return found.strftime("%Y-%m-%d %H:%M")


def name_of(item: object, lang: Lang) -> str:
    """The localised name of a reference item (anything with name_zh and name_en)."""
    return str(getattr(item, "name_en" if lang == "en" else "name_zh"))


def code(kind: str, value: str, lang: Lang) -> str:
    """The words for a stored code (``plan_status``/``off_track``, ``capability``/...)."""
    if kind == "capability":
        return code_texts(lang)["capability"].get(value, value)
    return codes.text(kind, value, lang)


@cache
def code_texts(lang: Lang) -> dict[str, dict[str, str]]:
    """Every code's words in ``lang`` (the catalogue and the scenarios' capability tags)."""
    from cockpit.scenarios import capabilities

    found = codes.texts(lang)
    found["capability"] = {c.code: c.name_en if lang == "en" else c.name_zh for c in capabilities()}
    return found
