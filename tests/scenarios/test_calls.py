"""The 揭榜挂帅 lifecycle: legal steps, refused steps, signers, and kept history."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from cockpit.scenarios import calls, panel
from cockpit.scenarios.schemas import Criterion
from cockpit.scenarios.vocab import (
    IllegalTransition,
    NotAllowed,
    ScenarioError,
)
from tests.scenarios.conftest import DEADLINE, OPERATOR, T0, UNIT, firm, reviewer

SHEET_HIGH = {"technical": 90, "capability": 80, "feasibility": 85, "price": 70}
SHEET_LOW = {"technical": 60, "capability": 70, "feasibility": 65, "price": 90}


def apply_all(engine: Engine, call_id: str) -> dict[str, str]:
    out = {}
    for i, key in enumerate(("F1", "F2")):
        app = panel.apply(
            call_id=call_id,
            firm_id=key,
            proposal_zh=f"{key}的数字人导购实施方案，三个月上线。",
            price_fen=60_000_000 + i,
            actor=firm(key),
            solution_id=f"{key}-sol",
            engine=engine,
            at=T0 + timedelta(days=1, hours=i),
        )
        out[key] = app.id
    return out


def score_all(engine: Engine, call_id: str, apps: dict[str, str]) -> None:
    for rev in ("R1", "R2"):
        for key, sheet in (("F1", SHEET_HIGH), ("F2", SHEET_LOW)):
            panel.score_application(
                call_id=call_id,
                application_id=apps[key],
                reviewer_id=rev,
                sheet=sheet,
                actor=reviewer(rev),
                engine=engine,
            )


def run_to_awarded(engine: Engine, call_id: str) -> dict[str, str]:
    apps = apply_all(engine, call_id)
    calls.advance(call_id=call_id, step="close", actor=UNIT, engine=engine)
    score_all(engine, call_id, apps)
    calls.advance(call_id=call_id, step="review", actor=OPERATOR, engine=engine)
    calls.advance(call_id=call_id, step="award", actor=OPERATOR, engine=engine)
    return apps


def test_call_runs_from_draft_to_accepted_with_each_step_dated_and_signed(
    engine: Engine, open_call: str
) -> None:
    apps = run_to_awarded(engine, open_call)
    calls.advance(call_id=open_call, step="contract", actor=UNIT, engine=engine)
    calls.advance(
        call_id=open_call,
        step="deliver",
        actor=firm("F1"),
        engine=engine,
        text="完成3个商场12台数字人导购终端部署",
    )
    done = calls.advance(
        call_id=open_call,
        step="accept",
        actor=UNIT,
        engine=engine,
        text="验收合格，日均服务顾客2300人次",
    )
    assert done.state == "accepted"
    assert done.award_application_id == apps["F1"]
    assert done.contract_value_fen == 60_000_000
    steps = [e for e in calls.timeline(open_call, engine=engine) if e.to_state]
    assert [e.to_state for e in steps] == [
        "draft",
        "published",
        "applications_open",
        "closed",
        "reviewed",
        "awarded",
        "contracted",
        "delivered",
        "accepted",
    ]
    assert all(e.at is not None and e.role and e.actor for e in steps)
    assert {e.role for e in steps} == {"unit", "operator", "firm"}
    assert calls.verify_timeline(open_call, engine=engine) == []


def test_step_out_of_order_is_refused_naming_the_state_and_the_possible_steps(
    engine: Engine, open_call: str
) -> None:
    with pytest.raises(IllegalTransition, match=r"applications_open.*cannot award.*close"):
        calls.advance(call_id=open_call, step="award", actor=OPERATOR, engine=engine)
    with pytest.raises(IllegalTransition, match="cannot publish"):
        calls.advance(call_id=open_call, step="publish", actor=UNIT, engine=engine)
    assert calls.get_call(open_call, engine=engine).state == "applications_open"


def test_step_signed_by_the_wrong_role_is_refused(engine: Engine, open_call: str) -> None:
    with pytest.raises(NotAllowed, match="operator or unit, not a firm"):
        calls.advance(call_id=open_call, step="close", actor=firm("F1"), engine=engine)
    apply_all(engine, open_call)
    calls.advance(call_id=open_call, step="close", actor=UNIT, engine=engine)
    with pytest.raises(NotAllowed, match="must be signed by a operator"):
        calls.advance(call_id=open_call, step="review", actor=UNIT, engine=engine)


def test_only_the_awarded_firm_can_declare_delivery(engine: Engine, open_call: str) -> None:
    run_to_awarded(engine, open_call)
    calls.advance(call_id=open_call, step="contract", actor=UNIT, engine=engine)
    with pytest.raises(NotAllowed, match="only the awarded firm"):
        calls.advance(
            call_id=open_call, step="deliver", actor=firm("F2"), engine=engine, text="我们也交付了"
        )


def test_withdrawn_call_is_final_and_signed_calls_cannot_be_withdrawn(
    engine: Engine, open_call: str
) -> None:
    with pytest.raises(ScenarioError, match="needs a reason"):
        calls.advance(call_id=open_call, step="withdraw", actor=UNIT, engine=engine, text=" ")
    gone = calls.advance(
        call_id=open_call, step="withdraw", actor=UNIT, engine=engine, text="需求单位预算调整"
    )
    assert gone.state == "withdrawn"
    with pytest.raises(IllegalTransition, match="none \\(final state\\)"):
        calls.advance(call_id=open_call, step="open", actor=UNIT, engine=engine)


def test_contracted_call_cannot_be_withdrawn(engine: Engine, open_call: str) -> None:
    run_to_awarded(engine, open_call)
    calls.advance(call_id=open_call, step="contract", actor=UNIT, engine=engine)
    with pytest.raises(IllegalTransition, match=r"contracted.*cannot withdraw"):
        calls.advance(call_id=open_call, step="withdraw", actor=UNIT, engine=engine, text="x")


def test_applications_are_refused_when_closed_over_budget_or_repeated(
    engine: Engine, open_call: str
) -> None:
    with pytest.raises(ScenarioError, match="outside the budget"):
        panel.apply(
            call_id=open_call,
            firm_id="F1",
            proposal_zh="数字人导购方案，含三年运维。",
            price_fen=90_000_000,
            actor=firm("F1"),
            engine=engine,
        )
    with pytest.raises(NotAllowed, match="on behalf of F1"):
        panel.apply(
            call_id=open_call,
            firm_id="F1",
            proposal_zh="数字人导购方案，含三年运维。",
            price_fen=1,
            actor=firm("F2"),
            engine=engine,
        )
    apply_all(engine, open_call)
    with pytest.raises(ScenarioError, match="already applied"):
        panel.apply(
            call_id=open_call,
            firm_id="F1",
            proposal_zh="再次提交的数字人导购方案。",
            price_fen=1,
            actor=firm("F1"),
            engine=engine,
        )
    calls.advance(call_id=open_call, step="close", actor=UNIT, engine=engine)
    with pytest.raises(IllegalTransition, match="takes no applications"):
        panel.apply(
            call_id=open_call,
            firm_id="F3",
            proposal_zh="迟到的数字人导购方案提交。",
            price_fen=1,
            actor=firm("F3"),
            engine=engine,
        )


def test_applications_after_the_needs_deadline_are_refused(engine: Engine, open_call: str) -> None:
    late = datetime.combine(DEADLINE + timedelta(days=1), datetime.min.time())
    with pytest.raises(IllegalTransition, match=f"deadline of S1 was {DEADLINE}"):
        panel.apply(
            call_id=open_call,
            firm_id="F1",
            proposal_zh="截止后提交的数字人导购方案。",
            price_fen=1,
            actor=firm("F1"),
            engine=engine,
            at=late,
        )


def test_criteria_weights_must_add_up_to_100(engine: Engine, open_call: str) -> None:
    bad = [
        Criterion(code="a", name_zh="甲", weight=60),
        Criterion(code="b", name_zh="乙", weight=30),
    ]
    with pytest.raises(ScenarioError, match="add up to 100, not 90"):
        calls.create_call(scenario_id="S1", actor=UNIT, criteria=bad, engine=engine)


def test_review_is_refused_until_every_eligible_reviewer_has_scored(
    engine: Engine, open_call: str
) -> None:
    apps = apply_all(engine, open_call)
    calls.advance(call_id=open_call, step="close", actor=UNIT, engine=engine)
    panel.score_application(
        call_id=open_call,
        application_id=apps["F1"],
        reviewer_id="R1",
        sheet=SHEET_HIGH,
        actor=reviewer("R1"),
        engine=engine,
    )
    with pytest.raises(ScenarioError, match="not scored by R2"):
        calls.advance(call_id=open_call, step="review", actor=OPERATOR, engine=engine)


def test_score_sheet_must_cover_every_declared_criterion_within_0_to_100(
    engine: Engine, open_call: str
) -> None:
    apps = apply_all(engine, open_call)
    calls.advance(call_id=open_call, step="close", actor=UNIT, engine=engine)
    for sheet in ({"technical": 90}, {**SHEET_HIGH, "price": 101}):
        with pytest.raises(ScenarioError):
            panel.score_application(
                call_id=open_call,
                application_id=apps["F1"],
                reviewer_id="R1",
                sheet=sheet,
                actor=reviewer("R1"),
                engine=engine,
            )


def test_events_table_refuses_update_and_delete(engine: Engine, open_call: str) -> None:
    with engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE scn_events SET actor = 'someone else'"))
    with engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("DELETE FROM scn_events"))
    assert len(calls.timeline(open_call, engine=engine)) >= 3


def test_edited_history_breaks_the_hash_chain(engine: Engine, open_call: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER scn_events_no_update"))
        conn.execute(text("UPDATE scn_events SET actor = '冒名' WHERE action = 'publish'"))
    broken = calls.verify_timeline(open_call, engine=engine)
    publish = [e.id for e in calls.timeline(open_call, engine=engine) if e.action == "publish"]
    assert broken == publish
