"""The Scenarios page: the scenario list with filters, a call's timeline, matching results.

Reads the scenarios room's Python API (``cockpit.scenarios``).
"""

from __future__ import annotations

from typing import Any

from cockpit import reference
from cockpit.web import i18n
from cockpit.web.i18n import Lang
from cockpit.web.rooms import _api, ensure_database, missing

HINT = "cockpit scenarios import"


def _sector_names(lang: Lang) -> dict[str, str]:
    try:
        from cockpit.scenarios import SECTORS
    except ImportError:
        return {}
    return {s.code: (s.name_en if lang == "en" else s.name_zh) for s in SECTORS}


def _district_name(code: str, lang: Lang) -> str:
    try:
        return i18n.name_of(reference.district(code), lang)
    except reference.ReferenceError:
        return code


def scenario_list(*, lang: Lang, sector: str = "", district: str = "") -> dict[str, Any]:
    """Scenario needs, filtered by sector and district."""
    list_scenarios = _api("scenarios", "list_scenarios")
    if list_scenarios is None:
        return missing(HINT)
    ensure_database()
    sectors = _sector_names(lang)
    en = lang == "en"

    def budget(low: int, high: int) -> str:
        # Both ends in the unit of the higher one, so a range reads as one kind of number.
        unit = i18n.money_unit(high, lang)[1]
        return f"{i18n.money(low, lang, unit=unit)} – {i18n.money(high, lang, unit=unit)}"

    items = [
        {
            "id": s.id,
            "title": (s.title_en or s.title_zh) if en else s.title_zh,
            "sector": sectors.get(s.sector, s.sector),
            "district": _district_name(s.district_code, lang),
            "budget": budget(s.budget_min_fen, s.budget_max_fen),
            "deadline": s.deadline.isoformat(),
            "status": i18n.code("scenario_status", s.status, lang),
        }
        for s in list_scenarios(sector=sector or None, district=district or None)
    ]
    return {"available": bool(items), "hint": HINT, "items": items, "sectors": sectors}


def scenario_detail(*, lang: Lang, scenario_id: str) -> dict[str, Any]:
    """One scenario's calls with their timelines, and the solutions that match it best."""
    apis = [_api("scenarios", n) for n in ("list_calls", "timeline", "match_solutions")]
    if any(a is None for a in apis) or not scenario_id:
        return missing(HINT)
    list_calls, timeline, match_solutions = apis
    from cockpit.scenarios import NotFound

    ensure_database()
    try:
        return _detail(list_calls, timeline, match_solutions, lang=lang, scenario_id=scenario_id)
    except NotFound:
        return missing(HINT)


def _detail(
    list_calls: Any, timeline: Any, match_solutions: Any, *, lang: Lang, scenario_id: str
) -> dict[str, Any]:
    en = lang == "en"
    calls = []
    for c in list_calls(scenario_id=scenario_id):
        events = [
            {
                "at": e.at.strftime("%Y-%m-%d %H:%M"),
                "action": i18n.code("event", e.action, lang),
                "from": i18n.code("scenario_status", e.from_state, lang) if e.from_state else "",
                "to": i18n.code("scenario_status", e.to_state, lang) if e.to_state else "",
                "actor": f"{e.actor} ({i18n.code('role', str(e.role), lang)})",
            }
            for e in timeline(c.id)
        ]
        title = (c.title_en or c.title_zh) if en else c.title_zh
        calls.append(
            {
                "id": c.id,
                "title": title,
                "state": i18n.code("scenario_status", str(c.state), lang),
                "events": events,
            }
        )
    matches = [
        {
            "id": m.id,
            "kind": m.kind,
            "title": m.title_zh,
            "score": round(m.score, 3),
            "firm": m.firm_id or "",
            "capabilities": ", ".join(
                i18n.code("capability", c, lang) for c in m.shared_capabilities
            ),
        }
        for m in match_solutions(scenario_id=scenario_id, limit=10)
    ]
    return {"available": True, "id": scenario_id, "calls": calls, "matches": matches}


def sector_counts(*, lang: Lang) -> dict[str, Any]:
    """Published scenario needs counted by sector, for the bar chart."""
    counts_by = _api("scenarios", "counts_by")
    if counts_by is None:
        return missing(HINT)
    ensure_database()
    sectors = _sector_names(lang)
    counts = counts_by("scenarios", "sector")
    if not counts:
        return missing(HINT)
    codes = [c for c in sectors if c in counts] + sorted(set(counts) - set(sectors))
    return {
        "available": True,
        "x": [sectors.get(c, c) for c in codes],
        "unit": "",
        "series": [
            {
                "label": i18n.label("nav_scenarios", lang),
                "type": "bar",
                "values": [counts[c] for c in codes],
            }
        ],
    }
