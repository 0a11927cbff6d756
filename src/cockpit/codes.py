"""One catalogue of the codes people see (statuses, reasons, event kinds, units), in two languages.

Rooms store codes (``off_track``, ``conflicting_duplicate``, ``seat_reviewer``); whatever
shows them to a person — pages, exports, generated sentences — asks here for the words.
Scenario capability tags are the scenarios room's own bilingual vocabulary; the web room adds
them (``cockpit.web.i18n.code_texts``), as this module sits below every room.

    >>> text("plan_status", "off_track", "zh-CN")
    '进度滞后'
    >>> text("unit", "count", "en")
    'items'
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, RootModel

from cockpit.datafiles import validate_text


class CodeText(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    zh: str = Field(alias="zh-CN", min_length=1)
    en: str = Field(min_length=1)


class Codes(RootModel[dict[str, dict[str, CodeText]]]):
    """kind → code → zh-CN and en words."""


@cache
def catalogue() -> dict[str, dict[str, CodeText]]:
    """The code catalogue, validated (a missing language names the file's line)."""
    raw = resources.files("cockpit").joinpath("codes.yaml").read_text("utf-8")
    return validate_text(raw, Codes, "cockpit/codes.yaml").root


def known(kind: str, code: str) -> bool:
    return code in catalogue().get(kind, {})


def text(kind: str, code: str, lang: str) -> str:
    """The words for ``code`` of ``kind`` in ``lang``; an unknown code shows as itself
    (never a 500 for a code a room adds later; the browser suite flags it as a leak)."""
    entry = catalogue().get(kind, {}).get(code)
    if entry is None:
        return code
    return entry.en if lang.lower().startswith("en") else entry.zh


def texts(lang: str) -> dict[str, dict[str, str]]:
    """Every kind's words in ``lang``, for the pages' scripts."""
    return {kind: {c: text(kind, c, lang) for c in codes} for kind, codes in catalogue().items()}
