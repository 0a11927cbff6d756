"""The case library (典型案例库), the excellent-product catalogue (优秀产品目录), and counts.

Plans read the counts ("打造15个元宇宙典型应用场景"): ``count_cases``, ``count_scenarios``,
``count_products`` and ``counts_by`` take a sector and/or a GB/T 2260 district.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, Select, select

from cockpit import reference
from cockpit.db import session_scope
from cockpit.scenarios import history
from cockpit.scenarios.models import (
    Application,
    Case,
    CatalogueEntry,
    Firm,
    ScenarioNeed,
    Solution,
)
from cockpit.scenarios.panel import load_call
from cockpit.scenarios.registry import new_id
from cockpit.scenarios.vocab import (
    Actor,
    CallState,
    NotAllowed,
    NotFound,
    Role,
    ScenarioError,
    check_sector,
    check_tags,
)


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    call_id: str
    scenario_id: str
    firm_id: str
    solution_id: str | None
    sector: str
    district_code: str
    title_zh: str
    title_en: str | None
    results_zh: str
    results_en: str | None
    metrics: dict[str, Any]
    tags: list[str]
    benchmark: bool
    promoted_at: datetime


class CatalogueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    solution_id: str
    year: int
    reason_zh: str
    reason_en: str | None
    listed_at: datetime


def _operator(actor: Actor, what: str) -> None:
    if actor.role is not Role.OPERATOR:
        raise NotAllowed(f"{what} is for an operator, not a {actor.role.value}")


def promote_case(
    *,
    call_id: str,
    results_zh: str,
    actor: Actor,
    results_en: str | None = None,
    metrics: dict[str, Any] | None = None,
    benchmark: bool = False,
    engine: Engine | None = None,
    at: datetime | None = None,
) -> CaseOut:
    """Promote an accepted delivery to the case library, with its results
    (``benchmark``: also a 标杆场景)."""
    _operator(actor, "promoting a case")
    if len(results_zh.strip()) < 4:
        raise ScenarioError("a case needs its results in Chinese")
    when = history.as_shanghai(at)
    with session_scope(engine) as session:
        call = load_call(session, call_id, lock=True)
        if call.state != CallState.ACCEPTED:
            raise ScenarioError(
                f"call {call_id} is {call.state}: only accepted deliveries become cases"
            )
        if session.scalar(select(Case.id).where(Case.call_id == call_id)) is not None:
            raise ScenarioError(f"call {call_id} is already in the case library")
        need = session.get(ScenarioNeed, call.scenario_id)
        app = session.get(Application, call.award_application_id or "")
        assert need is not None and app is not None
        case = Case(
            id=new_id("case"),
            call_id=call_id,
            scenario_id=need.id,
            firm_id=app.firm_id,
            solution_id=app.solution_id,
            sector=need.sector,
            district_code=need.district_code,
            title_zh=need.title_zh,
            title_en=need.title_en,
            results_zh=results_zh,
            results_en=results_en,
            metrics=metrics or {},
            tags=list(need.tags),
            benchmark=benchmark,
            promoted_at=when,
        )
        session.add(case)
        history.record(
            session,
            subject_type="call",
            subject_id=call_id,
            actor=actor,
            action="promote_case",
            at=when,
            detail={"case_id": case.id, "benchmark": benchmark},
        )
        return CaseOut.model_validate(case)


def add_to_catalogue(
    *,
    solution_id: str,
    year: int,
    reason_zh: str,
    actor: Actor,
    reason_en: str | None = None,
    engine: Engine | None = None,
    at: datetime | None = None,
) -> CatalogueOut:
    """List a solution or product in the excellent-product catalogue of ``year``."""
    _operator(actor, "listing a product")
    when = history.as_shanghai(at)
    with session_scope(engine) as session:
        if session.get(Solution, solution_id) is None:
            raise NotFound(f"no solution {solution_id!r}")
        taken = select(CatalogueEntry.id).where(
            CatalogueEntry.solution_id == solution_id, CatalogueEntry.year == year
        )
        if session.scalar(taken) is not None:
            raise ScenarioError(f"{solution_id} is already in the {year} catalogue")
        entry = CatalogueEntry(
            solution_id=solution_id,
            year=year,
            reason_zh=reason_zh,
            reason_en=reason_en,
            listed_at=when,
        )
        session.add(entry)
        history.record(
            session,
            subject_type="solution",
            subject_id=solution_id,
            actor=actor,
            action="list_in_catalogue",
            at=when,
            detail={"year": year},
        )
        return CatalogueOut.model_validate(entry)


def list_cases(
    *, engine: Engine | None = None, sector: str | None = None, district: str | None = None
) -> list[CaseOut]:
    """The case library, newest first."""
    stmt = _where(select(Case), Case, sector, district).order_by(Case.promoted_at.desc())
    with session_scope(engine) as session:
        return [CaseOut.model_validate(c) for c in session.scalars(stmt)]


def list_catalogue(*, engine: Engine | None = None, year: int | None = None) -> list[CatalogueOut]:
    """The excellent-product catalogue, by year then solution."""
    stmt = select(CatalogueEntry).order_by(CatalogueEntry.year, CatalogueEntry.solution_id)
    if year is not None:
        stmt = stmt.where(CatalogueEntry.year == year)
    with session_scope(engine) as session:
        return [CatalogueOut.model_validate(e) for e in session.scalars(stmt)]


def _where(stmt: Select[Any], model: Any, sector: str | None, district: str | None) -> Select[Any]:
    if sector is not None:
        stmt = stmt.where(model.sector == check_sector(sector))
    if district is not None:
        stmt = stmt.where(model.district_code == reference.current_district_code(district))
    return stmt


def _count(stmt: Select[Any], engine: Engine | None, tag: str | None, tags: Any) -> int:
    """Rows of ``stmt``, those carrying ``tag`` only (JSON lists are filtered here, the
    same on SQLite and PostgreSQL; registries hold hundreds of rows, not millions)."""
    if tag is not None:
        check_tags([tag])
    with session_scope(engine) as session:
        if tag is None:
            return len(session.execute(stmt).all())
        rows = session.execute(stmt.add_columns(tags)).all()
        return sum(1 for _key, carried in rows if tag in (carried or []))


def count_cases(
    *,
    sector: str | None = None,
    district: str | None = None,
    tag: str | None = None,
    benchmark_only: bool = False,
    engine: Engine | None = None,
) -> int:
    """Typical cases in the library (``benchmark_only``: the 标杆场景 among them)."""
    stmt = _where(select(Case.id), Case, sector, district)
    if benchmark_only:
        stmt = stmt.where(Case.benchmark.is_(True))
    return _count(stmt, engine, tag, Case.tags)


def count_scenarios(
    *,
    sector: str | None = None,
    district: str | None = None,
    tag: str | None = None,
    status: str | None = "published",
    engine: Engine | None = None,
) -> int:
    """Scenario needs on the list (``status=None``: whatever their status)."""
    stmt = _where(select(ScenarioNeed.id), ScenarioNeed, sector, district)
    if status is not None:
        stmt = stmt.where(ScenarioNeed.status == status)
    return _count(stmt, engine, tag, ScenarioNeed.tags)


def count_products(
    *,
    sector: str | None = None,
    district: str | None = None,
    year: int | None = None,
    engine: Engine | None = None,
) -> int:
    """Distinct solutions in the excellent-product catalogue (district: the firm's)."""
    stmt = (
        select(CatalogueEntry.solution_id)
        .distinct()
        .join(Solution, Solution.id == CatalogueEntry.solution_id)
        .join(Firm, Firm.id == Solution.firm_id)
    )
    if sector is not None:
        stmt = stmt.where(Solution.sector == check_sector(sector))
    if district is not None:
        stmt = stmt.where(Firm.district_code == reference.current_district_code(district))
    if year is not None:
        stmt = stmt.where(CatalogueEntry.year == year)
    return _count(stmt, engine, None, None)


def count_for_plans(*, registry: str, engine: Engine | None = None, **filters: Any) -> int:
    """The count a plan target names: ``registry`` scenarios, cases or products, with the
    target's filters (sector, district, tag; year for products)."""
    counters: dict[str, Any] = {
        "scenarios": count_scenarios,
        "cases": count_cases,
        "products": count_products,
    }
    if registry not in counters:
        raise ScenarioError(f"unknown registry {registry!r}; use scenarios, cases or products")
    try:
        return int(counters[registry](engine=engine, **filters))
    except TypeError as exc:
        raise ScenarioError(f"filters {sorted(filters)} do not apply to {registry}") from exc


def counts_by(kind: str, by: str, *, engine: Engine | None = None) -> dict[str, int]:
    """``kind`` (scenarios, cases) counted by ``by`` (sector, district_code)."""
    model: Any = {"scenarios": ScenarioNeed, "cases": Case}.get(kind)
    if model is None or by not in ("sector", "district_code"):
        raise ScenarioError("counts_by takes kind scenarios|cases and by sector|district_code")
    with session_scope(engine) as session:
        values = session.scalars(select(getattr(model, by)))
        return dict(sorted(Counter(values).items()))
