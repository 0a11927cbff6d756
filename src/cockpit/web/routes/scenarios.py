"""HTTP API of the scenarios room: scenario lists, calls (揭榜挂帅), matching, cases, open data.

Reading is open: the lists, a call's timeline, matching results, cases and the OCDS
package are public information. Changing anything needs an API key of the right role
(unit, firm, reviewer, operator); the key's name signs the event, so a firm's key is named
with its firm id and a reviewer's with their reviewer id. Refusals are 4xx with
``{code, message, message_zh, field}`` (cockpit.web.errors) and change nothing.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from cockpit import reference, scenarios
from cockpit.access import Forbidden, Invalid
from cockpit.db import ensure_schema
from cockpit.scenarios import (
    Actor,
    ApplicationOut,
    CallOut,
    ConflictOfInterest,
    Criterion,
    FirmIn,
    FirmOut,
    IllegalTransition,
    NotAllowed,
    NotFound,
    Role,
    ScenarioError,
    ScenarioIn,
    ScenarioOut,
    SolutionIn,
    SolutionOut,
    shanghai_now,
)
from cockpit.web.auth import Principal, allow, permit
from cockpit.web.schemas import Answer, Page

router = APIRouter(prefix="/api/scenarios", tags=["scenarios"])
T = TypeVar("T")

Unit = Annotated[Principal, Depends(permit("scenarios.publish"))]
Firm = Annotated[Principal, Depends(permit("scenarios.answer"))]
FirmOrOperator = Annotated[Principal, Depends(permit("scenarios.register"))]
ReviewerOrOperator = Annotated[Principal, Depends(permit("scenarios.conflict"))]
ReviewerKey = Annotated[Principal, Depends(permit("scenarios.score"))]
Operator = Annotated[Principal, Depends(permit("scenarios.operate"))]
Signer = Annotated[Principal, Depends(permit("scenarios.sign"))]
Insider = Annotated[Principal, Depends(permit("scenarios.inside"))]
READ = [allow("cockpit.read")]
Reader = Annotated[Principal, Depends(permit("cockpit.read"))]
STATUS = {NotFound: 404, NotAllowed: 403, IllegalTransition: 409, ConflictOfInterest: 409}


def _ready() -> None:
    ensure_schema()


def _do(fn: Callable[..., T], **kwargs: Any) -> T:
    """Run a service call; its refusal becomes a 4xx naming the reason."""
    _ready()
    try:
        return fn(**kwargs)
    except ScenarioError as exc:
        code = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 422)
        raise HTTPException(code, {"code": type(exc).__name__, "message": str(exc)}) from exc
    except reference.ReferenceError as exc:  # a district or category code that is none
        field = "query.district" if "district" in str(exc) else ""
        raise Invalid(str(exc), field=field) from exc


def _actor(who: Principal) -> Actor:
    return Actor(Role(who.acts_as), who.name)


def _sees_secrets(call_id: str, who: Principal) -> bool:
    """Auditors read everything; otherwise the call's insiders, or anyone after the award."""
    insiders = _do(scenarios.insiders, call_id=call_id)
    if who.can("audit.read") or insiders.published:
        return True
    try:
        return insiders.admit(_actor(who))
    except ValueError:  # a role the scenarios room does not know: not an insider
        return False


def _page(items: list[Any]) -> dict[str, Any]:
    data = [i.model_dump(mode="json") if isinstance(i, BaseModel) else i for i in items]
    return {"data": data, "count": len(data)}


@router.get("", dependencies=READ, response_model=Page)
def list_scenarios(
    sector: Annotated[str | None, Query(description="industry, culture_tourism, ...")] = None,
    district: Annotated[str | None, Query(description="GB/T 2260 district code")] = None,
    open_only: Annotated[bool, Query(alias="open", description="Only needs still open")] = False,
) -> dict[str, Any]:
    """The scenario list (场景清单), filtered; ``{data, count}``."""
    today = shanghai_now().date() if open_only else None
    return _page(_do(scenarios.list_scenarios, sector=sector, district=district, open_on=today))


@router.post("", status_code=201)
def add_scenario(body: ScenarioIn, who: Unit) -> ScenarioOut:
    """Publish a scenario need (unit or operator)."""
    return _do(scenarios.add_scenario, need=body, actor=_actor(who))


@router.get("/firms", dependencies=READ, response_model=Page)
def list_firms() -> dict[str, Any]:
    """Registered firms."""
    return _page(_do(scenarios.list_firms))


@router.post("/firms", status_code=201)
def add_firm(body: FirmIn, who: FirmOrOperator) -> FirmOut:
    """Register a firm (a firm key registers itself: its name is the firm id)."""
    if who.role == "firm":
        body = body.model_copy(update={"id": who.name})
    return _do(scenarios.add_firm, firm=body, actor=_actor(who))


@router.get("/firms/{firm_id}/matches", dependencies=READ, response_model=Page)
def firm_matches(firm_id: str, limit: int = 10) -> dict[str, Any]:
    """Open scenario needs ranked for a firm."""
    found = _do(
        scenarios.match_scenarios, firm_id=firm_id, open_on=shanghai_now().date(), limit=limit
    )
    return _page([asdict(m) for m in found])


@router.get("/solutions", dependencies=READ, response_model=Page)
def list_solutions(firm_id: str | None = None, sector: str | None = None) -> dict[str, Any]:
    """Solutions and products."""
    return _page(_do(scenarios.list_solutions, firm_id=firm_id, sector=sector))


@router.post("/solutions", status_code=201)
def add_solution(body: SolutionIn, who: FirmOrOperator) -> SolutionOut:
    """Register a solution or product (a firm only its own)."""
    if who.role == "firm" and body.firm_id != who.name:
        raise HTTPException(403, {"code": "NotAllowed", "message": "a firm adds only its own"})
    return _do(scenarios.add_solution, solution=body, actor=_actor(who))


@router.get("/calls", dependencies=READ, response_model=Page)
def list_calls(state: str | None = None, scenario_id: str | None = None) -> dict[str, Any]:
    """Calls, optionally in one state or for one scenario."""
    return _page(_do(scenarios.list_calls, state=state, scenario_id=scenario_id))


class CallIn(BaseModel):
    scenario_id: str
    call_id: str | None = None
    criteria: list[Criterion] | None = Field(None, description="Weights add up to 100")


@router.post("/calls", status_code=201)
def create_call(body: CallIn, who: Unit) -> CallOut:
    """Draft a call for a scenario need, with its review criteria."""
    return _do(
        scenarios.create_call,
        scenario_id=body.scenario_id,
        call_id=body.call_id,
        criteria=body.criteria,
        actor=_actor(who),
    )


@router.get("/calls/{call_id}", dependencies=READ)
def get_call(call_id: str) -> CallOut:
    """One call, with its award and the explanation of it."""
    return _do(scenarios.get_call, call_id=call_id)


@router.get("/calls/{call_id}/timeline", response_model=Page)
def call_timeline(call_id: str, who: Reader) -> dict[str, Any]:
    """The call's history, oldest first: each step dated and signed. Until the award, the
    details of bids, scores and conflicts are withheld from all but the call's insiders."""
    events = _do(scenarios.timeline, call_id=call_id)
    return _page(events if _sees_secrets(call_id, who) else scenarios.withhold(events))


class StepIn(BaseModel):
    text: str | None = Field(None, description="Delivery summary, acceptance or reason")
    value_fen: int | None = Field(None, description="Contract value in fen")


StepName = Literal[
    "publish", "open", "close", "review", "award", "contract", "deliver", "accept", "withdraw"
]


@router.post("/calls/{call_id}/steps/{step}")
def take_step(call_id: str, step: StepName, body: StepIn, who: Signer) -> CallOut:
    """Move the call one step; the step's own rules say which role may sign it."""
    return _do(
        scenarios.advance,
        call_id=call_id,
        step=step,
        actor=_actor(who),
        text=body.text,
        value_fen=body.value_fen,
    )


class ApplicationIn(BaseModel):
    proposal_zh: str
    proposal_en: str | None = None
    price_fen: int = Field(gt=0)
    solution_id: str | None = None


@router.post("/calls/{call_id}/applications", status_code=201)
def apply(call_id: str, body: ApplicationIn, who: Firm) -> ApplicationOut:
    """Take up the call (揭榜) as the firm the key belongs to."""
    return _do(
        scenarios.apply, call_id=call_id, firm_id=who.name, actor=_actor(who), **body.model_dump()
    )


@router.get("/calls/{call_id}/applications", response_model=Page)
def list_applications(call_id: str, who: Insider) -> dict[str, Any]:
    """The proposals: until the award, only the call's owner unit and seated reviewers."""
    if not _sees_secrets(call_id, who):
        raise Forbidden(
            "until the award, proposals are for the call's owner unit and its reviewers",
            code="call_secret",
        )
    return _page(_do(scenarios.list_applications, call_id=call_id))


class SeatIn(BaseModel):
    reviewer_id: str
    name: str | None = Field(None, description="Adds the reviewer to the pool if new")
    organisation: str = ""


class SeatOut(BaseModel):
    call_id: str
    reviewer_id: str


@router.post("/calls/{call_id}/panel", status_code=201, response_model=SeatOut)
def seat_reviewer(call_id: str, body: SeatIn, who: Operator) -> dict[str, str]:
    """Seat a reviewer on the panel (adding them to the pool first when a name is given)."""
    if body.name:
        _do(
            scenarios.add_reviewer,
            reviewer_id=body.reviewer_id,
            name=body.name,
            organisation=body.organisation,
            actor=_actor(who),
        )
    _do(scenarios.seat_reviewer, call_id=call_id, reviewer_id=body.reviewer_id, actor=_actor(who))
    return {"call_id": call_id, "reviewer_id": body.reviewer_id}


class ConflictIn(BaseModel):
    reason: str
    firm_id: str | None = Field(None, description="None: conflicted with the whole call")
    reviewer_id: str | None = Field(None, description="Default: the reviewer the key names")


class ConflictOut(BaseModel):
    reviewer_id: str
    scores_withdrawn: int


@router.post("/calls/{call_id}/conflicts", status_code=201, response_model=ConflictOut)
def declare_conflict(call_id: str, body: ConflictIn, who: ReviewerOrOperator) -> dict[str, Any]:
    """Declare a conflict of interest; scores it touches are withdrawn."""
    reviewer_id = body.reviewer_id or who.name
    withdrawn = _do(
        scenarios.declare_conflict,
        call_id=call_id,
        reviewer_id=reviewer_id,
        firm_id=body.firm_id,
        reason=body.reason,
        actor=_actor(who),
    )
    return {"reviewer_id": reviewer_id, "scores_withdrawn": withdrawn}


class SheetIn(BaseModel):
    sheet: dict[str, int] = Field(description="criterion code → score 0–100")


class ScoreOut(BaseModel):
    application_id: str
    reviewer_id: str


@router.post(
    "/calls/{call_id}/applications/{application_id}/scores",
    status_code=201,
    response_model=ScoreOut,
)
def score(call_id: str, application_id: str, body: SheetIn, who: ReviewerKey) -> dict[str, str]:
    """Score an application as the reviewer the key names."""
    _do(
        scenarios.score_application,
        call_id=call_id,
        application_id=application_id,
        reviewer_id=who.name,
        sheet=body.sheet,
        actor=_actor(who),
    )
    return {"application_id": application_id, "reviewer_id": who.name}


class CaseIn(BaseModel):
    results_zh: str
    results_en: str | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    benchmark: bool = False


@router.post("/calls/{call_id}/case", status_code=201)
def promote_case(call_id: str, body: CaseIn, who: Operator) -> scenarios.CaseOut:
    """Promote an accepted delivery to the case library."""
    return _do(scenarios.promote_case, call_id=call_id, actor=_actor(who), **body.model_dump())


@router.get("/cases", dependencies=READ, response_model=Page)
def list_cases(sector: str | None = None, district: str | None = None) -> dict[str, Any]:
    """The case library (典型案例)."""
    return _page(_do(scenarios.list_cases, sector=sector, district=district))


class CatalogueIn(BaseModel):
    solution_id: str
    year: int = Field(ge=2000, le=2100)
    reason_zh: str
    reason_en: str | None = None


@router.get("/catalogue", dependencies=READ, response_model=Page)
def list_catalogue(year: int | None = None) -> dict[str, Any]:
    """The excellent-product catalogue (优秀产品目录)."""
    return _page(_do(scenarios.list_catalogue, year=year))


@router.post("/catalogue", status_code=201)
def add_to_catalogue(body: CatalogueIn, who: Operator) -> scenarios.CatalogueOut:
    """List a solution in the catalogue of a year."""
    return _do(scenarios.add_to_catalogue, actor=_actor(who), **body.model_dump())


@router.get("/counts", dependencies=READ, response_model=Answer)
def counts(
    sector: str | None = None, district: str | None = None, tag: str | None = None
) -> dict[str, Any]:
    """Counts the plans and the cockpit read, with the same filters."""
    return {
        "scenarios": _do(scenarios.count_scenarios, sector=sector, district=district, tag=tag),
        "cases": _do(scenarios.count_cases, sector=sector, district=district, tag=tag),
        "products": _do(scenarios.count_products, sector=sector, district=district),
        "scenarios_by_sector": _do(scenarios.counts_by, kind="scenarios", by="sector"),
        "cases_by_district": _do(scenarios.counts_by, kind="cases", by="district_code"),
    }


@router.get("/ocds", response_class=JSONResponse, dependencies=READ, response_model=Answer)
def ocds_package() -> dict[str, Any]:
    """Every published call as an OCDS 1.1 release package."""
    return _do(scenarios.release_package)


@router.get("/export.csv", response_class=PlainTextResponse, dependencies=READ)
def export_csv() -> PlainTextResponse:
    """Calls and awards as CSV (UTF-8)."""
    import csv
    import io

    rows = _do(scenarios.call_rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[c for c, _ in scenarios.CALL_COLUMNS])
    writer.writeheader()
    writer.writerows(rows)
    return PlainTextResponse(buffer.getvalue(), media_type="text/csv; charset=utf-8")


@router.get("/vocab", dependencies=READ, response_model=Answer)
def vocabulary() -> dict[str, Any]:
    """Labels (zh, en) of sectors, capability tags, plan tags, call states and steps."""

    def labels(items: Any) -> list[dict[str, str]]:
        return [{"code": i.code, "zh": i.name_zh, "en": i.name_en} for i in items]

    return {
        "sectors": labels(scenarios.SECTORS),
        "capabilities": labels(scenarios.capabilities()),
        "tags": labels(scenarios.TAGS),
        "states": [
            {"code": s.value, "zh": zh, "en": en} for s, (zh, en) in scenarios.STATE_LABELS.items()
        ],
        "steps": [
            {
                "name": st.name,
                "to": st.target.value,
                "from": [x.value for x in st.source],
                "roles": sorted(r.value for r in st.roles),
            }
            for st in scenarios.STEPS.values()
        ],
    }


@router.get("/{scenario_id}", dependencies=READ)
def get_scenario(scenario_id: str) -> ScenarioOut:
    """One scenario need."""
    return _do(scenarios.get_scenario, scenario_id=scenario_id)


@router.get("/{scenario_id}/matches", dependencies=READ, response_model=Page)
def scenario_matches(
    scenario_id: str,
    kind: Annotated[Literal["solutions", "firms"], Query()] = "solutions",
    limit: int = 10,
) -> dict[str, Any]:
    """Solutions (or firms) ranked for a need, each with the parts of its score."""
    fn = scenarios.match_firms if kind == "firms" else scenarios.match_solutions
    return _page([asdict(m) for m in _do(fn, scenario_id=scenario_id, limit=limit)])
