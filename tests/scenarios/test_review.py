"""Conflicts of interest stop a reviewer scoring; ties are broken by the stated rule."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from cockpit.scenarios import calls, panel, review
from cockpit.scenarios.schemas import DEFAULT_CRITERIA
from cockpit.scenarios.vocab import ConflictOfInterest, NotAllowed
from tests.scenarios.conftest import OPERATOR, T0, UNIT, firm, reviewer

EVEN = {"technical": 80, "capability": 80, "feasibility": 80, "price": 80}


def apply_two(engine: Engine, call_id: str) -> dict[str, str]:
    apps = {}
    for i, key in enumerate(("F1", "F2")):
        apps[key] = panel.apply(
            call_id=call_id,
            firm_id=key,
            proposal_zh=f"{key}提交的数字人导购实施方案。",
            price_fen=70_000_000,
            actor=firm(key),
            engine=engine,
            at=T0 + timedelta(hours=i),
        ).id
    calls.advance(call_id=call_id, step="close", actor=UNIT, engine=engine)
    return apps


def score(engine: Engine, call_id: str, app: str, rev: str, sheet: dict[str, int]) -> None:
    panel.score_application(
        call_id=call_id,
        application_id=app,
        reviewer_id=rev,
        sheet=sheet,
        actor=reviewer(rev),
        engine=engine,
    )


def test_reviewer_with_a_declared_conflict_cannot_score_that_firm(
    engine: Engine, open_call: str
) -> None:
    apps = apply_two(engine, open_call)
    panel.declare_conflict(
        call_id=open_call,
        reviewer_id="R1",
        firm_id="F1",
        reason="曾任F1技术顾问",
        actor=reviewer("R1"),
        engine=engine,
    )
    with pytest.raises(ConflictOfInterest, match="曾任F1技术顾问"):
        score(engine, open_call, apps["F1"], "R1", EVEN)
    score(engine, open_call, apps["F2"], "R1", EVEN)  # other firms stay open to R1


def test_call_wide_conflict_blocks_every_application(engine: Engine, open_call: str) -> None:
    apps = apply_two(engine, open_call)
    panel.declare_conflict(
        call_id=open_call,
        reviewer_id="R2",
        reason="需求单位在职人员",
        actor=OPERATOR,
        engine=engine,
    )
    for app in apps.values():
        with pytest.raises(ConflictOfInterest):
            score(engine, open_call, app, "R2", EVEN)


def test_conflict_declared_after_scoring_withdraws_those_scores(
    engine: Engine, open_call: str
) -> None:
    apps = apply_two(engine, open_call)
    for rev in ("R1", "R2"):
        score(engine, open_call, apps["F1"], rev, {**EVEN, "technical": 100 if rev == "R1" else 60})
        score(engine, open_call, apps["F2"], rev, EVEN)
    withdrawn = panel.declare_conflict(
        call_id=open_call,
        reviewer_id="R1",
        firm_id="F1",
        reason="与F1法定代表人为亲属",
        actor=reviewer("R1"),
        engine=engine,
    )
    assert withdrawn == 4  # R1's four criterion scores of F1
    calls.advance(call_id=open_call, step="review", actor=OPERATOR, engine=engine)
    awarded = calls.advance(call_id=open_call, step="award", actor=OPERATOR, engine=engine)
    assert awarded.award_explanation is not None
    table = {row["firm_id"]: row for row in awarded.award_explanation["ranking"]}
    assert table["F1"]["reviewers"] == 1 and table["F1"]["total"] == 72.0  # R2's 60/80/80/80
    assert awarded.award_application_id == apps["F2"]
    actions = [e.action for e in calls.timeline(open_call, engine=engine)]
    assert "declare_conflict" in actions


def test_reviewer_cannot_declare_someone_elses_conflict_or_score_off_the_panel(
    engine: Engine, open_call: str
) -> None:
    apps = apply_two(engine, open_call)
    with pytest.raises(NotAllowed):
        panel.declare_conflict(
            call_id=open_call, reviewer_id="R2", reason="x", actor=reviewer("R1"), engine=engine
        )
    panel.add_reviewer(reviewer_id="R9", name="编外专家", actor=OPERATOR, engine=engine)
    with pytest.raises(NotAllowed, match="no seat"):
        score(engine, open_call, apps["F1"], "R9", EVEN)


def test_equal_totals_are_split_by_the_heaviest_criterion_and_explained(
    engine: Engine, open_call: str
) -> None:
    apps = apply_two(engine, open_call)
    # Both total 80.00; F2 is stronger on 技术方案 (weight 40), F1 on price (weight 15).
    f1 = {"technical": 77, "capability": 80, "feasibility": 80, "price": 88}
    f2 = {"technical": 83, "capability": 80, "feasibility": 80, "price": 72}
    for rev in ("R1", "R2"):
        score(engine, open_call, apps["F1"], rev, f1)
        score(engine, open_call, apps["F2"], rev, f2)
    calls.advance(call_id=open_call, step="review", actor=OPERATOR, engine=engine)
    awarded = calls.advance(call_id=open_call, step="award", actor=OPERATOR, engine=engine)
    why = awarded.award_explanation
    assert why is not None
    assert awarded.award_application_id == apps["F2"]
    assert why["tied_on_total"] == [apps["F2"], apps["F1"]]
    assert why["decided_by"]["rule"] == "criterion:technical"
    assert "技术方案" in why["decided_by"]["zh"]
    assert why["rule"] == review.TIE_BREAK_RULE


def test_full_tie_goes_to_the_lower_price_then_the_earlier_submission() -> None:
    t = datetime(2025, 3, 2, 10, 0)
    entries = [
        review.Entry("a", "F1", 500, t + timedelta(hours=1)),
        review.Entry("b", "F2", 400, t + timedelta(hours=2)),
        review.Entry("c", "F3", 400, t),
    ]
    scores = {(e.application_id, "R1"): EVEN for e in entries}
    ranking = review.rank(entries, list(DEFAULT_CRITERIA), scores)
    assert [r.entry.application_id for r in ranking] == ["c", "b", "a"]
    assert review.explain(ranking, list(DEFAULT_CRITERIA))["decided_by"]["rule"] == "submitted_at"
    ranking = review.rank(entries[:2], list(DEFAULT_CRITERIA), scores)
    assert review.explain(ranking, list(DEFAULT_CRITERIA))["decided_by"]["rule"] == "price"


def test_ranking_is_exact_so_near_ties_are_not_rounded_together() -> None:
    t = datetime(2025, 3, 2, 10, 0)
    entries = [review.Entry("a", "F1", 1, t), review.Entry("b", "F2", 1, t)]
    # Three reviewers: a totals 80 + 1/300 points, b exactly 80.
    scores = {
        ("a", "R1"): {**EVEN, "technical": 81},
        ("a", "R2"): EVEN,
        ("a", "R3"): EVEN,
        ("b", "R1"): EVEN,
        ("b", "R2"): EVEN,
        ("b", "R3"): EVEN,
    }
    ranking = review.rank(entries, list(DEFAULT_CRITERIA), scores)
    assert ranking[0].entry.application_id == "a"
    assert review.explain(ranking, list(DEFAULT_CRITERIA))["decided_by"]["rule"] == "total"
