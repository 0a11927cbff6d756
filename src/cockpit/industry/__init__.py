"""Industry: the firm registry (统一社会信用代码), chains → segments → nodes, the 招商 map
and gap list, and the counts the plans read.

    creditcode  is_valid(code), validate(code) -> code, problem(code) -> reason | None
    registry    load_list(kind, path) for kind in firms, designations, carriers, links,
                candidates, refs (office lists with Chinese headers; refused rows kept);
                refused_rows(), firm_history(code) (every version, designations, other ids)
    chains      all_chains() -> {id: Chain}, get_chain(id), load_chain(path)
    atlas       chain_map(chain_id) -> [NodeView], gap_list(chain_id=None),
                node_firms(chain_id, node_id), list_firms(FirmFilter(...)),
                firms_by_district()
    measures    measure(name, chain=None, on=None) -> Figure; MEASURES (each defined once)
    identity    link_reference(room=, ref_id=, credit_code=), credit_code_of(room, ref_id)
    eligibility subsidy_eligibility(kind=, applicant=, facts=, on=) -> Verdict | None
    exports     workbook_bytes(...), target_list_rows(gaps), firm_rows(firms)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.industry.atlas import (
        FirmFilter,
        NodeView,
        chain_map,
        firms_by_district,
        gap_list,
        list_firms,
        node_firms,
    )
    from cockpit.industry.chains import Chain, all_chains, get_chain, load_chain
    from cockpit.industry.creditcode import (
        ALPHABET,
        InvalidCreditCode,
        is_valid,
        make_code,
        problem,
        validate,
    )
    from cockpit.industry.eligibility import Verdict, subsidy_eligibility
    from cockpit.industry.exports import (
        FIRM_HEADER,
        TARGET_HEADER,
        firm_rows,
        target_list_rows,
        workbook_bytes,
    )
    from cockpit.industry.identity import credit_code_of, link_reference, references_of
    from cockpit.industry.measures import MEASURES, Figure, count_for_plans, measure
    from cockpit.industry.registry import (
        LoadReport,
        firm_history,
        load_list,
        now_shanghai,
        refused_rows,
    )
    from cockpit.industry.schemas import (
        ChainOut,
        ChainPage,
        FirmHistoryOut,
        FirmPage,
        MeasureOut,
        MeasurePage,
        NodeOut,
        NodePage,
        RejectPage,
    )
    from cockpit.industry.vocab import IndustryError, NotFound
    from cockpit.industry.vocab import vocab as industry_vocab

_HOME: dict[str, str] = {
    "now_shanghai": "registry",
    "ALPHABET": "creditcode",
    "make_code": "creditcode",
    "FirmFilter": "atlas",
    "NodeView": "atlas",
    "chain_map": "atlas",
    "firms_by_district": "atlas",
    "gap_list": "atlas",
    "list_firms": "atlas",
    "node_firms": "atlas",
    "Chain": "chains",
    "all_chains": "chains",
    "get_chain": "chains",
    "load_chain": "chains",
    "InvalidCreditCode": "creditcode",
    "is_valid": "creditcode",
    "problem": "creditcode",
    "validate": "creditcode",
    "Verdict": "eligibility",
    "subsidy_eligibility": "eligibility",
    "credit_code_of": "identity",
    "link_reference": "identity",
    "references_of": "identity",
    "MEASURES": "measures",
    "Figure": "measures",
    "count_for_plans": "measures",
    "measure": "measures",
    "LoadReport": "registry",
    "load_list": "registry",
    "firm_history": "registry",
    "refused_rows": "registry",
    "IndustryError": "vocab",
    "NotFound": "vocab",
    "FIRM_HEADER": "exports",
    "TARGET_HEADER": "exports",
    "firm_rows": "exports",
    "target_list_rows": "exports",
    "workbook_bytes": "exports",
    "ChainOut": "schemas",
    "ChainPage": "schemas",
    "FirmHistoryOut": "schemas",
    "FirmPage": "schemas",
    "MeasureOut": "schemas",
    "MeasurePage": "schemas",
    "NodeOut": "schemas",
    "NodePage": "schemas",
    "RejectPage": "schemas",
}
# Face names that differ from the module's own (a face name never repeats a submodule's).
_ALIASES = {"industry_vocab": "vocab"}
__all__ = [
    "ALPHABET",
    "FIRM_HEADER",
    "MEASURES",
    "TARGET_HEADER",
    "Chain",
    "ChainOut",
    "ChainPage",
    "Figure",
    "FirmFilter",
    "FirmHistoryOut",
    "FirmPage",
    "IndustryError",
    "InvalidCreditCode",
    "LoadReport",
    "MeasureOut",
    "MeasurePage",
    "NodeOut",
    "NodePage",
    "NodeView",
    "NotFound",
    "RejectPage",
    "Verdict",
    "all_chains",
    "chain_map",
    "count_for_plans",
    "credit_code_of",
    "firm_history",
    "firm_rows",
    "firms_by_district",
    "gap_list",
    "get_chain",
    "industry_vocab",
    "is_valid",
    "link_reference",
    "list_firms",
    "load_chain",
    "load_list",
    "make_code",
    "measure",
    "node_firms",
    "now_shanghai",
    "problem",
    "references_of",
    "refused_rows",
    "subsidy_eligibility",
    "target_list_rows",
    "validate",
    "workbook_bytes",
]


def __getattr__(name: str) -> Any:
    if name in _ALIASES:
        return getattr(importlib.import_module("cockpit.industry.vocab"), _ALIASES[name])
    if name not in _HOME:
        raise AttributeError(f"module 'cockpit.industry' has no attribute {name!r}")
    return getattr(importlib.import_module(f"cockpit.industry.{_HOME[name]}"), name)
