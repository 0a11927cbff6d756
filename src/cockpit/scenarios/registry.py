"""The registry: scenario needs, firms, and their solutions and products."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cockpit.db import session_scope
from cockpit.scenarios import history
from cockpit.scenarios.models import Firm, ScenarioNeed, Solution
from cockpit.scenarios.schemas import (
    FirmIn,
    FirmOut,
    ScenarioIn,
    ScenarioOut,
    SolutionIn,
    SolutionOut,
)
from cockpit.scenarios.vocab import Actor, NotFound, ScenarioError


def new_id(prefix: str) -> str:
    """A fresh id such as ``call-3f9a0c1b2d``."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _refuse_duplicate(session: Session, model: type, key: str) -> None:
    if session.get(model, key) is not None:
        raise ScenarioError(f"{model.__name__} {key!r} already exists")


def insert_scenario(
    session: Session, need: ScenarioIn, actor: Actor, when: datetime
) -> ScenarioNeed:
    """Add a scenario need within ``session`` (the caller owns the transaction)."""
    key = need.id or new_id("scn")
    _refuse_duplicate(session, ScenarioNeed, key)
    row = ScenarioNeed(
        **need.model_dump(exclude={"id"}), id=key, status="published", created_at=when
    )
    session.add(row)
    history.record(
        session,
        subject_type="scenario",
        subject_id=key,
        actor=actor,
        action="add_scenario",
        at=when,
        to_state="published",
        detail={"title_zh": need.title_zh},
    )
    return row


def insert_firm(session: Session, firm: FirmIn, actor: Actor, when: datetime) -> Firm:
    """Add a firm within ``session``."""
    key = firm.id or new_id("firm")
    _refuse_duplicate(session, Firm, key)
    row = Firm(**firm.model_dump(exclude={"id"}), id=key, created_at=when)
    session.add(row)
    history.record(
        session,
        subject_type="firm",
        subject_id=key,
        actor=actor,
        action="add_firm",
        at=when,
        detail={"name_zh": firm.name_zh},
    )
    return row


def insert_solution(
    session: Session, solution: SolutionIn, actor: Actor, when: datetime
) -> Solution:
    """Add a solution within ``session``; its firm must exist."""
    if session.get(Firm, solution.firm_id) is None:
        raise NotFound(f"no firm {solution.firm_id!r}")
    key = solution.id or new_id("sol")
    _refuse_duplicate(session, Solution, key)
    row = Solution(**solution.model_dump(exclude={"id"}), id=key, created_at=when)
    session.add(row)
    history.record(
        session,
        subject_type="solution",
        subject_id=key,
        actor=actor,
        action="add_solution",
        at=when,
        detail={"firm_id": solution.firm_id, "title_zh": solution.title_zh},
    )
    return row


def add_scenario(
    *, need: ScenarioIn, actor: Actor, engine: Engine | None = None, at: datetime | None = None
) -> ScenarioOut:
    """Publish a scenario need on the list (场景清单)."""
    with session_scope(engine) as session:
        row = insert_scenario(session, need, actor, history.as_shanghai(at))
        return ScenarioOut.model_validate(row)


def add_firm(
    *, firm: FirmIn, actor: Actor, engine: Engine | None = None, at: datetime | None = None
) -> FirmOut:
    """Register a firm."""
    with session_scope(engine) as session:
        return FirmOut.model_validate(insert_firm(session, firm, actor, history.as_shanghai(at)))


def add_solution(
    *, solution: SolutionIn, actor: Actor, engine: Engine | None = None, at: datetime | None = None
) -> SolutionOut:
    """Register a firm's solution or product."""
    with session_scope(engine) as session:
        row = insert_solution(session, solution, actor, history.as_shanghai(at))
        return SolutionOut.model_validate(row)


def list_scenarios(
    *,
    engine: Engine | None = None,
    sector: str | None = None,
    district: str | None = None,
    open_on: date | None = None,
) -> list[ScenarioOut]:
    """Scenario needs, filtered by sector, district, and (``open_on``) still open that day."""
    stmt = select(ScenarioNeed).order_by(ScenarioNeed.deadline, ScenarioNeed.id)
    if sector:
        stmt = stmt.where(ScenarioNeed.sector == sector)
    if district:
        stmt = stmt.where(ScenarioNeed.district_code == district)
    if open_on is not None:
        stmt = stmt.where(ScenarioNeed.status == "published", ScenarioNeed.deadline >= open_on)
    with session_scope(engine) as session:
        return [ScenarioOut.model_validate(r) for r in session.scalars(stmt)]


def get_scenario(scenario_id: str, *, engine: Engine | None = None) -> ScenarioOut:
    """One scenario need."""
    with session_scope(engine) as session:
        row = session.get(ScenarioNeed, scenario_id)
        if row is None:
            raise NotFound(f"no scenario {scenario_id!r}")
        return ScenarioOut.model_validate(row)


def list_firms(*, engine: Engine | None = None) -> list[FirmOut]:
    """Every registered firm, by id."""
    with session_scope(engine) as session:
        return [FirmOut.model_validate(r) for r in session.scalars(select(Firm).order_by(Firm.id))]


def get_firm(firm_id: str, *, engine: Engine | None = None) -> FirmOut:
    """One firm."""
    with session_scope(engine) as session:
        row = session.get(Firm, firm_id)
        if row is None:
            raise NotFound(f"no firm {firm_id!r}")
        return FirmOut.model_validate(row)


def list_solutions(
    *, engine: Engine | None = None, firm_id: str | None = None, sector: str | None = None
) -> list[SolutionOut]:
    """Solutions and products, optionally of one firm or one sector."""
    stmt = select(Solution).order_by(Solution.id)
    if firm_id:
        stmt = stmt.where(Solution.firm_id == firm_id)
    if sector:
        stmt = stmt.where(Solution.sector == sector)
    with session_scope(engine) as session:
        return [SolutionOut.model_validate(r) for r in session.scalars(stmt)]
