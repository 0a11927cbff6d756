"""The case library, the excellent-product catalogue, and the counts plans read."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cockpit.scenarios import catalogues, quality, sample
from cockpit.scenarios.vocab import NotAllowed, ScenarioError
from tests.scenarios.conftest import OPERATOR, UNIT


@pytest.mark.slow
def test_counts_by_sector_and_district_feed_the_plans(sample_engine: Engine) -> None:
    assert catalogues.count_scenarios(engine=sample_engine) == 42  # 30 sample + 12 labelled
    assert catalogues.count_scenarios(sector="sports", engine=sample_engine) == 5 + 2
    needs = [*sample.sample_data().scenarios, *(q.need for q in quality.labels().queries)]
    in_yuzhong = sum(1 for n in needs if n.district_code == "500103")
    assert catalogues.count_scenarios(district="500103", engine=sample_engine) == in_yuzhong == 6
    assert catalogues.count_cases(engine=sample_engine) == 1
    assert (
        catalogues.count_cases(sector="consumption", district="500103", engine=sample_engine) == 1
    )
    assert catalogues.count_cases(sector="industry", engine=sample_engine) == 0
    assert catalogues.count_cases(benchmark_only=True, engine=sample_engine) == 1
    assert catalogues.count_products(year=2026, engine=sample_engine) == 1
    by_sector = catalogues.counts_by("scenarios", "sector", engine=sample_engine)
    assert sum(by_sector.values()) == 42 and by_sector["city"] == 7


def test_counts_accept_retired_district_codes_and_refuse_unknown_sectors(
    sample_engine: Engine,
) -> None:
    assert catalogues.count_scenarios(district="500228", engine=sample_engine) == 0  # 梁平
    with pytest.raises(ScenarioError, match="unknown sector"):
        catalogues.count_cases(sector="metaverse", engine=sample_engine)


def test_only_accepted_calls_become_cases_and_only_once(
    engine: Engine, open_call: str, sample_engine: Engine
) -> None:
    with pytest.raises(ScenarioError, match="only accepted deliveries"):
        catalogues.promote_case(
            call_id=open_call, results_zh="尚未验收的项目", actor=OPERATOR, engine=engine
        )
    with pytest.raises(ScenarioError, match="already in the case library"):
        catalogues.promote_case(
            call_id="C-2026-001", results_zh="重复入库的案例", actor=OPERATOR, engine=sample_engine
        )
    with pytest.raises(NotAllowed):
        catalogues.promote_case(
            call_id=open_call, results_zh="需求单位自行入库", actor=UNIT, engine=engine
        )


def test_count_for_plans_reads_the_filters_plan_targets_declare(sample_engine: Engine) -> None:
    # yuzhong-commerce-2025-2027: registry scenarios, {sector: consumption, district: "500103"}
    count = catalogues.count_for_plans(
        registry="scenarios", sector="consumption", district="500103", engine=sample_engine
    )
    assert count == catalogues.count_scenarios(
        sector="consumption", district="500103", engine=sample_engine
    )
    assert count == 2  # S11 (sample) and Q03 (labelled); S12 is in 江北
    # chongqing-metaverse-2023-2025: registry cases, {tag: metaverse}
    assert catalogues.count_for_plans(registry="cases", tag="metaverse", engine=sample_engine) == 1
    assert catalogues.count_for_plans(registry="cases", tag="ai", engine=sample_engine) == 0
    tagged_ai = [n.id for n in sample.sample_data().scenarios if "ai" in n.tags]
    assert catalogues.count_scenarios(tag="ai", engine=sample_engine) == len(tagged_ai) == 7
    with pytest.raises(ScenarioError, match="do not apply to products"):
        catalogues.count_for_plans(registry="products", tag="ai", engine=sample_engine)
    with pytest.raises(ScenarioError, match="unknown tag"):
        catalogues.count_for_plans(registry="cases", tag="nft", engine=sample_engine)
