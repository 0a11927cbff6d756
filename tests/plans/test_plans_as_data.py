"""The shipped plans say what the source documents say, and broken files are refused by line."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from cockpit.datafiles import DataFileError
from cockpit.plans import add_plan, find_plan, load_plans, shipped_plans

# The public policy texts the plans cite ship inside the package, beside the plans.
PLAN_DATA = resources.files("cockpit.plans").joinpath("data")


def _targets(plan_id: str) -> dict[str, tuple[float, int]]:
    return {t.id: (t.target.value, t.target.year) for t in find_plan(plan_id).targets}


def test_yuzhong_plan_targets_match_seed_000() -> None:
    targets = _targets("yuzhong-commerce-2025-2027")
    assert targets["retail_sales"] == (200e9, 2027)
    assert targets["wholesale_retail_sales"] == (600e9, 2027)
    assert targets["commerce_value_added_share"] == (22, 2027)
    assert targets["digital_consumption_scenarios"] == (15, 2027)
    rates = {t.id: t.target.growth_rate for t in find_plan("yuzhong-commerce-2025-2027").targets}
    assert rates["retail_sales"] == 0.05
    assert rates["wholesale_retail_sales"] == 0.125


def test_metaverse_plan_targets_match_seed_004() -> None:
    assert _targets("chongqing-metaverse-2023-2025") == {
        "industry_scale": (100e9, 2025),
        "head_firms": (10, 2025),
        "specialised_firms": (20, 2025),
        "innovation_platforms": (3, 2025),
        "typical_scenarios": (15, 2025),
        "industrial_parks": (2, 2025),
    }


def test_ai_plan_targets_match_seed_001() -> None:
    assert _targets("chongqing-ai-2023-2025") == {
        "benchmark_scenes": (10, 2025),
        "ai_products": (100, 2025),
        "leading_firms": (10, 2025),
        "ai_firms": (100, 2025),
        "related_firms": (1000, 2025),
        "clusters": (3, 2025),
    }


def test_guiding_opinions_are_a_checklist_of_14_tasks() -> None:
    plan = find_plan("digital-consumption-opinions-2025")
    assert [t.number for t in plan.tasks] == list(range(1, 15))
    assert all(t.responsible and t.evidence for t in plan.tasks)


def test_every_target_names_a_source_document_that_exists() -> None:
    for plan in shipped_plans():
        for target in plan.targets:
            assert PLAN_DATA.joinpath(target.source.document).is_file(), (plan.id, target.id)
            assert target.source.clause


def test_every_quoted_chinese_clause_is_in_its_document() -> None:
    plan = find_plan("chongqing-metaverse-2023-2025")
    text = PLAN_DATA.joinpath("seeds", "004_18c1ad741040fc43.txt").read_text("utf-8")
    for target in plan.targets:
        quoted = target.source.clause.split("：")[-1]
        assert quoted in text, target.id


BROKEN = """\
id: district-plan
name_zh: 某区计划
name_en: A district plan
issuer_zh: 某区
issuer_en: A district
region: "500105"
start_year: 2025
end_year: 2027
source: {document: local, clause: "1"}
targets:
  - id: retail
    name_zh: 零售额
    name_en: Retail
    metric: {kind: indicator}
    unit: yuan
    target: {value: 1e9, year: 2027}
    source: {document: local, clause: "2"}
"""


def test_a_broken_plan_is_refused_with_its_line_and_changes_nothing(
    cockpit_home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "district.yaml"
    path.write_text(BROKEN, "utf-8")
    with pytest.raises(DataFileError) as err:
        add_plan(path)
    assert err.value.line == 14
    assert "indicator" in str(err.value)
    assert not (cockpit_home / "plans").exists()
    assert [p.id for p in load_plans().plans] == [p.id for p in shipped_plans()]


def test_a_district_adds_its_own_plan(cockpit_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "district.yaml"
    path.write_text(BROKEN.replace("{kind: indicator}", "{kind: manual}"), "utf-8")
    plan = add_plan(path)
    assert plan.id in {p.id for p in load_plans().plans}
    with pytest.raises(ValueError, match="exists already"):
        add_plan(path)


def test_a_bad_district_code_is_reported_on_the_region_line(tmp_path: Path) -> None:
    from cockpit.plans import load_plan

    path = tmp_path / "p.yaml"
    path.write_text(BROKEN.replace('"500105"', '"510104"'), "utf-8")
    with pytest.raises(DataFileError) as err:
        load_plan(path)
    assert any("510104" in p.message for p in err.value.problems)
