"""Matching quality on the labelled set, and the ranking's structure."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from cockpit.scenarios import matching, quality
from cockpit.scenarios.vocab import NotFound


def test_labelled_set_has_at_least_60_pairs_over_known_solutions() -> None:
    labels = quality.labels()
    assert labels.pairs() >= 60
    known = {f"P{i:02d}" for i in range(1, 41)}
    assert set().union(*labels.needs.values(), *(q.relevant for q in labels.queries)) <= known


@pytest.mark.slow
def test_matching_reaches_mrr_target_on_the_labelled_set(sample_engine: Engine) -> None:
    result = quality.evaluate(quality.labels(), engine=sample_engine)
    assert result["needs"] == 42
    assert result["mrr"] >= 0.8
    assert result["precision_at_5"] >= 0.9 * result["precision_at_5_ceiling"]


@pytest.mark.slow
def test_fresh_needs_not_in_the_sample_also_reach_the_target(sample_engine: Engine) -> None:
    result = quality.evaluate(quality.labels(), engine=sample_engine, group="fresh")
    assert result["mrr"] >= 0.8


def test_match_explains_each_part_of_the_score(sample_engine: Engine) -> None:
    top = matching.match_solutions(scenario_id="S01", engine=sample_engine, limit=3)
    assert top[0].id == "P01"
    assert top[0].parts["capability"] == 1.0 and top[0].parts["sector"] == 1.0
    assert top[0].shared_capabilities == [
        "digital_twin",
        "iot_sensing",
        "modeling_3d",
        "simulation",
    ]
    assert [m.score for m in top] == sorted((m.score for m in top), reverse=True)


def test_firms_rank_for_a_need_and_open_needs_rank_for_a_firm(sample_engine: Engine) -> None:
    firms = matching.match_firms(scenario_id="S28", engine=sample_engine, limit=3)
    assert firms[0].id == "F25"  # 水安孪生: urban-flooding twin, in 万州 like the need
    needs = matching.match_scenarios(firm_id="F22", engine=sample_engine, open_on=date(2027, 1, 1))
    assert needs[0].id == "S24"  # 青训动捕 → youth-football motion capture


def test_needs_past_their_deadline_are_not_offered_to_firms(sample_engine: Engine) -> None:
    later = matching.match_scenarios(
        firm_id="F22", engine=sample_engine, open_on=date(2027, 5, 1), limit=None
    )
    assert "S24" not in {m.id for m in later}  # its deadline is 2027-04-30


def test_tokenizer_segments_chinese_and_drops_noise() -> None:
    tokens = matching.tokenize("构建焊装车间的数字孪生，支持VR培训！")
    assert "数字孪生" in tokens and "孪生" in tokens and "vr" in tokens
    assert "的" not in tokens and "，" not in tokens and "支持" not in tokens


def test_matching_an_unknown_scenario_is_a_clear_error(sample_engine: Engine) -> None:
    with pytest.raises(NotFound, match="no scenario 'S99'"):
        matching.match_solutions(scenario_id="S99", engine=sample_engine)
