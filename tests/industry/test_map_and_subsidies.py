"""The investment map and gap list of the sample, the 招商 export, and subsidy eligibility."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import Engine

from cockpit.industry import chain_map, gap_list, subsidy_eligibility
from cockpit.industry.atlas import CandidateBrief, NodeView
from cockpit.industry.exports import TARGET_HEADER, target_list_rows, workbook_bytes

DAY = dt.date(2026, 11, 30)


def test_the_gap_list_is_the_nodes_the_ground_truth_leaves_empty_or_small(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    got: dict[str, set[str]] = {}
    for view in gap_list(on=DAY, engine=loaded):
        got.setdefault(view.chain_id, set()).add(view.node_id)
    expected = {
        chain: set(g["empty"]) | set(g["small_only"]) for chain, g in truth["gap_nodes"].items()
    }
    assert got == {c: n for c, n in expected.items() if n}


def test_empty_nodes_have_no_confirmed_firm_and_candidates_from_outside(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    views = {v.node_id: v for v in chain_map("metaverse", on=DAY, engine=loaded)}
    for node in truth["gap_nodes"]["metaverse"]["empty"]:
        assert views[node].confirmed == []
        assert len(views[node].candidates) == 2
        assert all(not c.credit_code.startswith("91500") for c in views[node].candidates)
    small = views[truth["gap_nodes"]["metaverse"]["small_only"][0]]
    assert small.confirmed and all(f.size in ("small", "micro") for f in small.confirmed)
    strong = [v for v in views.values() if v.coverage == "strong"]
    assert strong and all(len(v.confirmed) >= 3 for v in strong)


def test_rejected_links_are_not_shown_and_uncertain_ones_do_not_fill_a_node(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    empty = truth["gap_nodes"]["metaverse"]["empty"]
    views = {v.node_id: v for v in chain_map("metaverse", on=DAY, engine=loaded)}
    assert all(views[n].coverage == "gap" for n in empty)
    assert sum(len(views[n].uncertain) for n in empty) >= len(empty)
    assert all(f.status != "rejected" for v in views.values() for f in v.uncertain + v.confirmed)


def test_the_target_list_guards_cells_against_formulas() -> None:
    view = NodeView("metaverse", "s", "关键技术", "Key", "n", "数字人", "Digital", "gap")
    view.candidates = [
        CandidateBrief(
            "91350100M000100Y43", '=HYPERLINK("http://x","a")', "北京市", 100, [], "-1+1"
        ),
        CandidateBrief("914403001922038216", "@SUM(A1)", "+深圳", None, ["\t=1"], "来源"),
    ]
    body = workbook_bytes("招商目标", TARGET_HEADER, target_list_rows([view]))
    ws = load_workbook(BytesIO(body)).active
    assert ws is not None
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://x","a")' in texts and "'@SUM(A1)" in texts
    assert "'-1+1" in texts and "'+深圳" in texts and "'\t=1" in texts


def test_a_new_metaverse_firm_in_a_park_may_receive_the_rent_subsidy(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    code = truth["eligibility"]["rent_eligible"]
    facts = {"firm_class": "A", "area_m2": 300, "rent_yuan_per_m2_month": 60, "months": 12}
    verdict = subsidy_eligibility(
        kind="rent_subsidy", applicant=code, facts=facts, on=DAY, engine=loaded
    )
    assert verdict is not None and verdict.eligible
    assert verdict.facts["firm_class"] == "C"  # from the registry, not what was declared
    assert any("park" in en for en, _ in verdict.lines)


def test_an_old_firm_is_refused_the_rent_subsidy_with_its_age(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    code = truth["eligibility"]["rent_too_old"]
    verdict = subsidy_eligibility(
        kind="rent_subsidy", applicant=code, facts={}, on=DAY, engine=loaded
    )
    assert verdict is not None and not verdict.eligible
    assert "not new" in verdict.lines[-1][0] and "非新注册企业" in verdict.lines[-1][1]


def test_an_applicant_outside_the_registry_is_refused(loaded: Engine) -> None:
    for applicant in ("91350100M000100Y43", "not-a-code", "applicant-9999"):
        verdict = subsidy_eligibility(
            kind="carrier_subsidy", applicant=applicant, facts={}, on=DAY, engine=loaded
        )
        assert verdict is not None and not verdict.eligible
        assert "not a firm of the registry" in verdict.lines[0][0]


def test_a_programmes_id_linked_to_the_registry_is_the_firm(loaded: Engine) -> None:
    facts = {"firm_class": "B", "area_m2": 100, "rent_yuan_per_m2_month": 50, "months": 6}
    verdict = subsidy_eligibility(
        kind="rent_subsidy", applicant="applicant-0001", facts=facts, on=DAY, engine=loaded
    )
    assert verdict is not None and verdict.eligible


def test_the_carrier_area_and_years_are_held_to_the_registry(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    operator = truth["eligibility"]["carrier_operator"]
    verdict = subsidy_eligibility(
        kind="carrier_subsidy",
        applicant=operator,
        facts={"area_m2": 5000, "years": 3},
        on=DAY,
        engine=loaded,
    )
    assert verdict is not None and verdict.eligible
    assert float(verdict.facts["area_m2"]) == truth["eligibility"]["carrier_area_m2"]
    assert verdict.facts["years"] == 2  # designated in January 2025


def test_other_programme_kinds_are_not_the_registrys_to_decide(loaded: Engine) -> None:
    verdict = subsidy_eligibility(
        kind="purchase_subsidy", applicant="x", facts={}, on=DAY, engine=loaded
    )
    assert verdict is None


def test_programmes_apply_records_the_registrys_reasons(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    from cockpit.programmes.rules import shipped
    from cockpit.programmes.subsidies import apply
    from cockpit.programmes.vouchers import install_programme

    _, truth = city
    when = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    install_programme(programme=shipped("metaverse-rent-subsidy"), engine=loaded, now=when)
    facts = {"firm_class": "A", "area_m2": 300, "rent_yuan_per_m2_month": 60, "months": 12}
    ok = apply(
        programme_code="metaverse-rent-subsidy",
        idem_key="k1",
        applicant=truth["eligibility"]["rent_eligible"],
        facts=facts,
        engine=loaded,
        now=when,
    )
    assert ok["decision"]["eligible"] and ok["amount_fen"] == 300 * 60 * 12 * 50  # class C: 50 %
    refused = apply(
        programme_code="metaverse-rent-subsidy",
        idem_key="k2",
        applicant=truth["eligibility"]["rent_too_old"],
        facts=facts,
        engine=loaded,
        now=when,
    )
    assert not refused["decision"]["eligible"] and refused["amount_fen"] == 0
    assert "not new" in refused["decision"]["lines"][-1]["en"]


def test_the_subsidy_rules_are_data_an_official_can_change(
    loaded: Engine, city: tuple[Path, dict[str, Any]], monkeypatch: Any
) -> None:
    from cockpit.industry import eligibility

    _, truth = city
    code = truth["eligibility"]["rent_too_old"]
    rules = eligibility.subsidy_rules()
    assert rules.rent_subsidy.new_firm_years == 3
    longer = rules.model_copy(
        update={"rent_subsidy": rules.rent_subsidy.model_copy(update={"new_firm_years": 50})}
    )
    monkeypatch.setattr(eligibility, "subsidy_rules", lambda: longer)
    verdict = subsidy_eligibility(
        kind="rent_subsidy", applicant=code, facts={}, on=DAY, engine=loaded
    )
    assert verdict is not None
    assert not any("not new" in en for en, _ in verdict.lines)


def test_a_mistake_in_the_subsidy_rules_names_its_line() -> None:
    import pytest

    from cockpit.datafiles import DataFileError, validate_text
    from cockpit.industry.eligibility import RULES_FILE, SubsidyRules, subsidy_rules

    subsidy_rules.cache_clear()
    assert subsidy_rules().rent_subsidy.otherwise == "C"
    text = (
        "rent_subsidy:\n  chain: metaverse\n  designation: metaverse_firm\n"
        "  new_firm_years: 3\n  classes:\n    - {class: A, designations: [chain_boss]}\n"
        "  otherwise: C\ncarrier_subsidy:\n  chain: metaverse\n  carrier_kinds: [park]\n"
    )
    with pytest.raises(DataFileError) as caught:
        validate_text(text, SubsidyRules, RULES_FILE)
    assert "chain_boss" in str(caught.value) and caught.value.line in (1, 2, 3, 4, 5, 6, 7)
    with pytest.raises(DataFileError) as caught:
        validate_text(text.replace("new_firm_years: 3", "new_firm_years: -1"), SubsidyRules)
    assert caught.value.line == 4 and "new_firm_years" in str(caught.value)
