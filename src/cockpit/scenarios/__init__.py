"""Application scenarios: scenario lists, open calls (揭榜挂帅), supply–demand matching,
the case library and excellent-product catalogue, and open data (OCDS, CSV, Excel).

Every service function takes keyword-only arguments, an optional ``engine`` (default: the
configured operational database) and owns its transaction; every change is an event in
the append-only, hash-chained ``scn_events`` table.

    registry   add_scenario / add_firm / add_solution, list_scenarios(sector=, district=, open_on=)
    calls      create_call(scenario_id=, actor=, criteria=) then
               advance(call_id=, step=publish|open|close|review|award|contract|deliver|accept|
               withdraw, actor=, text=, value_fen=); timeline(call_id) is the call's history
    panel      apply(...), add_reviewer, seat_reviewer, declare_conflict, score_application
    matching   match_solutions(scenario_id=) / match_firms(scenario_id=) /
               match_scenarios(firm_id=, open_on=)
    catalogues promote_case, add_to_catalogue, and the counts plans read:

        count_scenarios(sector=None, district=None, tag=None, status="published") -> int
        count_cases(sector=None, district=None, tag=None, benchmark_only=False) -> int
        count_products(sector=None, district=None, year=None) -> int
        count_for_plans(registry="scenarios"|"cases"|"products", **filters) -> int
        counts_by("scenarios"|"cases", "sector"|"district_code") -> {code: n}

    sectors: industry, culture_tourism, consumption, education, sports, city (seed 004);
    districts: GB/T 2260 codes (retired codes accepted); tags: metaverse, ai, blockchain.

    ocds       release_package(call_ids=None) -> dict; validate_package(pkg) -> [errors]
    exports    write_csv(path), write_excel(path)
    sample     load_sample() — 30 needs, 25 firms, 40 solutions; walkthrough.run_sample_call()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.scenarios.calls import advance, create_call, get_call, list_calls, timeline
    from cockpit.scenarios.catalogues import (
        CaseOut,
        CatalogueOut,
        add_to_catalogue,
        count_cases,
        count_for_plans,
        count_products,
        count_scenarios,
        counts_by,
        list_cases,
        list_catalogue,
        promote_case,
    )
    from cockpit.scenarios.exports import COLUMNS as CALL_COLUMNS
    from cockpit.scenarios.exports import call_rows
    from cockpit.scenarios.history import shanghai_now
    from cockpit.scenarios.matching import match_firms, match_scenarios, match_solutions
    from cockpit.scenarios.ocds import release_package, validate_package
    from cockpit.scenarios.panel import (
        add_reviewer,
        apply,
        declare_conflict,
        list_applications,
        score_application,
        seat_reviewer,
    )
    from cockpit.scenarios.registry import (
        add_firm,
        add_scenario,
        add_solution,
        get_firm,
        get_scenario,
        list_firms,
        list_scenarios,
        list_solutions,
    )
    from cockpit.scenarios.sample import sample_data
    from cockpit.scenarios.schemas import (
        ApplicationOut,
        CallOut,
        Criterion,
        FirmIn,
        FirmOut,
        ScenarioIn,
        ScenarioOut,
        SolutionIn,
        SolutionOut,
    )
    from cockpit.scenarios.secrecy import insiders, withhold
    from cockpit.scenarios.vocab import (
        SECTORS,
        STATE_LABELS,
        STEPS,
        TAGS,
        Actor,
        CallState,
        ConflictOfInterest,
        IllegalTransition,
        NotAllowed,
        NotFound,
        Role,
        ScenarioError,
        capabilities,
    )

# Imported on first use, so `cockpit --help` does not load SQLAlchemy and the models.
_HOME: dict[str, str] = {
    "sample_data": "cockpit.scenarios.sample",
    "CaseOut": "cockpit.scenarios.catalogues",
    "CatalogueOut": "cockpit.scenarios.catalogues",
    "call_rows": "cockpit.scenarios.exports",
    "shanghai_now": "cockpit.scenarios.history",
    "ApplicationOut": "cockpit.scenarios.schemas",
    "CallOut": "cockpit.scenarios.schemas",
    "Criterion": "cockpit.scenarios.schemas",
    "FirmIn": "cockpit.scenarios.schemas",
    "FirmOut": "cockpit.scenarios.schemas",
    "ScenarioIn": "cockpit.scenarios.schemas",
    "ScenarioOut": "cockpit.scenarios.schemas",
    "SolutionIn": "cockpit.scenarios.schemas",
    "SolutionOut": "cockpit.scenarios.schemas",
    "insiders": "cockpit.scenarios.secrecy",
    "withhold": "cockpit.scenarios.secrecy",
    "STATE_LABELS": "cockpit.scenarios.vocab",
    "STEPS": "cockpit.scenarios.vocab",
    "TAGS": "cockpit.scenarios.vocab",
    "capabilities": "cockpit.scenarios.vocab",
    "Actor": "cockpit.scenarios.vocab",
    "CallState": "cockpit.scenarios.vocab",
    "ConflictOfInterest": "cockpit.scenarios.vocab",
    "IllegalTransition": "cockpit.scenarios.vocab",
    "NotAllowed": "cockpit.scenarios.vocab",
    "NotFound": "cockpit.scenarios.vocab",
    "Role": "cockpit.scenarios.vocab",
    "SECTORS": "cockpit.scenarios.vocab",
    "ScenarioError": "cockpit.scenarios.vocab",
    "add_firm": "cockpit.scenarios.registry",
    "add_reviewer": "cockpit.scenarios.panel",
    "add_scenario": "cockpit.scenarios.registry",
    "add_solution": "cockpit.scenarios.registry",
    "add_to_catalogue": "cockpit.scenarios.catalogues",
    "advance": "cockpit.scenarios.calls",
    "apply": "cockpit.scenarios.panel",
    "count_cases": "cockpit.scenarios.catalogues",
    "count_for_plans": "cockpit.scenarios.catalogues",
    "count_products": "cockpit.scenarios.catalogues",
    "count_scenarios": "cockpit.scenarios.catalogues",
    "counts_by": "cockpit.scenarios.catalogues",
    "create_call": "cockpit.scenarios.calls",
    "declare_conflict": "cockpit.scenarios.panel",
    "get_call": "cockpit.scenarios.calls",
    "get_firm": "cockpit.scenarios.registry",
    "get_scenario": "cockpit.scenarios.registry",
    "list_applications": "cockpit.scenarios.panel",
    "list_calls": "cockpit.scenarios.calls",
    "list_cases": "cockpit.scenarios.catalogues",
    "list_catalogue": "cockpit.scenarios.catalogues",
    "list_firms": "cockpit.scenarios.registry",
    "list_scenarios": "cockpit.scenarios.registry",
    "list_solutions": "cockpit.scenarios.registry",
    "match_firms": "cockpit.scenarios.matching",
    "match_scenarios": "cockpit.scenarios.matching",
    "match_solutions": "cockpit.scenarios.matching",
    "promote_case": "cockpit.scenarios.catalogues",
    "release_package": "cockpit.scenarios.ocds",
    "score_application": "cockpit.scenarios.panel",
    "seat_reviewer": "cockpit.scenarios.panel",
    "timeline": "cockpit.scenarios.calls",
    "validate_package": "cockpit.scenarios.ocds",
}


def __getattr__(name: str) -> Any:
    if name == "CALL_COLUMNS":  # the open data's columns, named for the face
        return importlib.import_module("cockpit.scenarios.exports").COLUMNS
    if name not in _HOME:
        raise AttributeError(f"module 'cockpit.scenarios' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name]), name)


__all__ = [
    "CALL_COLUMNS",
    "SECTORS",
    "STATE_LABELS",
    "STEPS",
    "TAGS",
    "Actor",
    "ApplicationOut",
    "CallOut",
    "CallState",
    "CaseOut",
    "CatalogueOut",
    "ConflictOfInterest",
    "Criterion",
    "FirmIn",
    "FirmOut",
    "IllegalTransition",
    "NotAllowed",
    "NotFound",
    "Role",
    "ScenarioError",
    "ScenarioIn",
    "ScenarioOut",
    "SolutionIn",
    "SolutionOut",
    "add_firm",
    "add_reviewer",
    "add_scenario",
    "add_solution",
    "add_to_catalogue",
    "advance",
    "apply",
    "call_rows",
    "capabilities",
    "count_cases",
    "count_for_plans",
    "count_products",
    "count_scenarios",
    "counts_by",
    "create_call",
    "declare_conflict",
    "get_call",
    "get_firm",
    "get_scenario",
    "insiders",
    "list_applications",
    "list_calls",
    "list_cases",
    "list_catalogue",
    "list_firms",
    "list_scenarios",
    "list_solutions",
    "match_firms",
    "match_scenarios",
    "match_solutions",
    "promote_case",
    "release_package",
    "sample_data",
    "score_application",
    "seat_reviewer",
    "shanghai_now",
    "timeline",
    "validate_package",
    "withhold",
]
