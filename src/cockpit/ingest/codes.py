"""Code lists a contract refers to, each as a map from every accepted spelling to the code.

Spellings are matched in lower case: the code itself, its Chinese and its English name.
Districts also accept retired GB/T 2260 codes, which map to the current ones.
"""

from __future__ import annotations

from functools import cache

from cockpit import reference

MEASURES = {
    "retail_sales": ("零售额", "社会消费品零售总额", "当月零售额"),
    "retail_sales_ytd": ("累计零售额", "社会消费品零售总额累计", "1-n月累计"),
}


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
        for code, names in MEASURES.items():
            out |= _spellings(code, *names)
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
