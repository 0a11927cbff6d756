"""Open calls (揭榜挂帅) and their lifecycle.

draft → published (发榜) → applications_open (揭榜) → closed → reviewed (评审) → awarded
→ contracted (签约/立项) → delivered (实施) → accepted (验收); or withdrawn before signing.
Each step is one transaction that checks the state, the signer's role and the step's own
conditions, then appends an event; anything else is refused with a message saying why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cockpit.db import session_scope
from cockpit.scenarios import history, panel, review
from cockpit.scenarios.models import Application, Call, ScenarioNeed
from cockpit.scenarios.panel import call_criteria, load_call
from cockpit.scenarios.registry import new_id
from cockpit.scenarios.schemas import DEFAULT_CRITERIA, CallOut, Criterion, EventOut
from cockpit.scenarios.vocab import (
    STATE_LABELS,
    STEPS,
    Actor,
    CallState,
    IllegalTransition,
    NotAllowed,
    NotFound,
    Role,
    ScenarioError,
)


def check_criteria(criteria: list[Criterion]) -> list[Criterion]:
    """Criteria with distinct codes whose weights add up to 100."""
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        raise ScenarioError(f"criterion codes must be distinct: {codes}")
    total = sum(c.weight for c in criteria)
    if total != 100:
        raise ScenarioError(f"criterion weights must add up to 100, not {total}")
    return criteria


def create_call(
    *,
    scenario_id: str,
    actor: Actor,
    criteria: list[Criterion] | None = None,
    call_id: str | None = None,
    engine: Engine | None = None,
    at: datetime | None = None,
) -> CallOut:
    """Draft a call for a scenario need, with its declared review criteria and weights."""
    if actor.role not in (Role.UNIT, Role.OPERATOR):
        raise NotAllowed(f"a {actor.role.value} cannot draft a call; a unit or operator can")
    chosen = check_criteria(list(criteria or DEFAULT_CRITERIA))
    when = history.as_shanghai(at)
    with session_scope(engine) as session:
        need = session.get(ScenarioNeed, scenario_id)
        if need is None:
            raise NotFound(f"no scenario {scenario_id!r}")
        key = call_id or new_id("call")
        if session.get(Call, key) is not None:
            raise ScenarioError(f"call {key!r} already exists")
        call = Call(
            id=key,
            scenario_id=scenario_id,
            title_zh=need.title_zh,
            title_en=need.title_en,
            state=CallState.DRAFT.value,
            criteria=[c.model_dump() for c in chosen],
            created_at=when,
            updated_at=when,
        )
        session.add(call)
        history.record(
            session,
            subject_type="call",
            subject_id=key,
            actor=actor,
            action="draft",
            at=when,
            to_state=CallState.DRAFT.value,
            detail={"scenario_id": scenario_id, "criteria": call.criteria},
        )
        return CallOut.model_validate(call)


def _refuse_illegal(call: Call, step_name: str, actor: Actor) -> CallState:
    step = STEPS[step_name]
    state = CallState(call.state)
    if state not in step.source:
        allowed = [s.name for s in STEPS.values() if state in s.source]
        zh, en = STATE_LABELS[state]
        raise IllegalTransition(
            f"call {call.id} is {state.value} ({zh}/{en}): cannot {step_name}; "
            f"possible steps now: {', '.join(allowed) or 'none (final state)'}"
        )
    if actor.role not in step.roles:
        roles = " or ".join(sorted(r.value for r in step.roles))
        raise NotAllowed(f"'{step_name}' must be signed by a {roles}, not a {actor.role.value}")
    return state


def _move(
    session: Session,
    call: Call,
    step_name: str,
    actor: Actor,
    when: datetime,
    detail: dict[str, Any],
) -> CallOut:
    source = CallState(call.state)
    target = STEPS[step_name].target
    call.state = target.value
    call.updated_at = when
    history.record(
        session,
        subject_type="call",
        subject_id=call.id,
        actor=actor,
        action=step_name,
        at=when,
        from_state=source.value,
        to_state=target.value,
        detail=detail,
    )
    return CallOut.model_validate(call)


def _prepare_review(session: Session, call: Call) -> dict[str, Any]:
    missing = panel.missing_scores(session, call)
    if missing:
        raise ScenarioError(f"review of {call.id} is incomplete: {'; '.join(missing)}")
    return {"applications": len(panel.applications_of(session, call.id))}


def _prepare_award(session: Session, call: Call) -> dict[str, Any]:
    criteria = call_criteria(call)
    ranking = review.rank(panel.entries(session, call.id), criteria, panel.scores(session, call))
    explanation = review.explain(ranking, criteria)
    winner = session.get(Application, explanation["winner"])
    assert winner is not None
    call.award_application_id = winner.id
    call.award_value_fen = winner.price_fen
    call.award_explanation = explanation
    return {
        "application_id": winner.id,
        "firm_id": winner.firm_id,
        "value_fen": winner.price_fen,
        "decided_by": explanation["decided_by"],
    }


def _prepare_contract(call: Call, when: datetime, value_fen: int | None) -> dict[str, Any]:
    value = call.award_value_fen if value_fen is None else value_fen
    if value is None or value <= 0:
        raise ScenarioError("a contract needs a positive value in fen")
    call.contract_value_fen = value
    call.contract_signed_at = when
    return {"value_fen": value}


def _prepare_delivery(session: Session, call: Call, actor: Actor, summary: str) -> dict[str, Any]:
    winner = session.get(Application, call.award_application_id or "")
    if winner is None or actor.name != winner.firm_id:
        raise NotAllowed(f"only the awarded firm may declare delivery of {call.id}")
    if not summary.strip():
        raise ScenarioError("a delivery needs a summary of what was delivered")
    call.delivery_summary = summary
    return {"summary": summary}


def _prepare(
    session: Session, call: Call, step_name: str, actor: Actor, when: datetime, **kw: Any
) -> dict[str, Any]:
    """The step's own conditions and effects, beyond state and role."""
    if step_name == "review":
        return _prepare_review(session, call)
    if step_name == "award":
        return _prepare_award(session, call)
    if step_name == "contract":
        return _prepare_contract(call, when, kw.get("value_fen"))
    if step_name == "deliver":
        return _prepare_delivery(session, call, actor, kw.get("text") or "")
    if step_name in ("accept", "withdraw"):
        text = (kw.get("text") or "").strip()
        if not text:
            what = "an acceptance conclusion" if step_name == "accept" else "a reason"
            raise ScenarioError(f"'{step_name}' needs {what}")
        if step_name == "accept":
            call.acceptance_result = text
        return {"text": text}
    return {}


def advance(
    *,
    call_id: str,
    step: str,
    actor: Actor,
    engine: Engine | None = None,
    at: datetime | None = None,
    text: str | None = None,
    value_fen: int | None = None,
) -> CallOut:
    """Take one lifecycle step (publish, open, close, review, award, contract, deliver,
    accept, withdraw); ``text`` is the delivery summary, acceptance conclusion or
    withdrawal reason, ``value_fen`` the contract value (default: the awarded price)."""
    if step not in STEPS:
        raise ScenarioError(f"unknown step {step!r}; steps: {', '.join(STEPS)}")
    when = history.as_shanghai(at)
    with session_scope(engine) as session:
        call = load_call(session, call_id, lock=True)
        _refuse_illegal(call, step, actor)
        detail = _prepare(session, call, step, actor, when, text=text, value_fen=value_fen)
        return _move(session, call, step, actor, when, detail)


def get_call(call_id: str, *, engine: Engine | None = None) -> CallOut:
    """One call."""
    with session_scope(engine) as session:
        return CallOut.model_validate(load_call(session, call_id))


def list_calls(
    *, engine: Engine | None = None, state: str | None = None, scenario_id: str | None = None
) -> list[CallOut]:
    """Calls, optionally in one state or for one scenario."""
    stmt = select(Call).order_by(Call.created_at, Call.id)
    if state:
        stmt = stmt.where(Call.state == state)
    if scenario_id:
        stmt = stmt.where(Call.scenario_id == scenario_id)
    with session_scope(engine) as session:
        return [CallOut.model_validate(c) for c in session.scalars(stmt)]


def timeline(call_id: str, *, engine: Engine | None = None) -> list[EventOut]:
    """The call's history, oldest first: every step and action, dated and signed."""
    with session_scope(engine) as session:
        load_call(session, call_id)
        return [EventOut.model_validate(e) for e in history.events_of(session, call_id)]


def verify_timeline(call_id: str, *, engine: Engine | None = None) -> list[int]:
    """Ids of events whose hash chain does not hold (empty: the history is intact)."""
    with session_scope(engine) as session:
        return history.chain_breaks(history.events_of(session, call_id))
