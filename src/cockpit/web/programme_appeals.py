"""HTTP API of programme appeals: a claimant, merchant or firm contests a decision, and
reviewers take it up and decide it (four eyes). See ``cockpit.programmes.appeals``.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, field_validator

from cockpit import programmes
from cockpit.programmes import ProgrammeError, pseudonym_of
from cockpit.web.auth import Principal
from cockpit.web.programme_api import (
    Applicant,
    ClaimantApp,
    Code,
    DocumentKind,
    FiniteJSONRoute,
    Merchant,
    Reviewer,
    RoundNo,
    _document,
    _ready,
    _refuse,
    _round_id,
    caller_of,
)

# Included by ``cockpit.web.routes.programmes`` under its prefix (/api/programmes).
router = APIRouter(tags=["programmes"], route_class=FiniteJSONRoute)


class AppealIn(BaseModel):
    """An appeal: its grounds (and, from the claimant app, who appeals)."""

    grounds: str = Field(min_length=1, max_length=4000)
    id_kind: DocumentKind = Field("resident_id", description="Claimant app: document kind")
    id_number: str | None = Field(
        None, min_length=4, max_length=64, description="Claimant app: the appellant's document"
    )

    _id_number = field_validator("id_number")(_document("id_kind"))


class DecideIn(BaseModel):
    outcome: Literal["upheld", "dismissed"]
    reason: str = Field(min_length=1, max_length=4000)


def _appellant(who: Principal, body: AppealIn) -> str:
    caller = caller_of(who)
    if who.role == "claimant_app":
        if body.id_number is None:
            raise HTTPException(
                422,
                [
                    {
                        "loc": ["body", "id_number"],
                        "msg": "the appellant's document is needed",
                        "type": "missing",
                    }
                ],
            )
        return pseudonym_of(body.id_number)
    return caller.firm() if who.role == "firm" else caller.party


def _lodge(kind: str, subject: Callable[[], str], appellant: str, grounds: str) -> Any:
    _ready()
    try:
        return programmes.lodge_appeal(
            subject_kind=kind, subject_id=subject(), appellant=appellant, grounds=grounds
        )
    except ProgrammeError as exc:
        raise _refuse(exc) from None


@router.post(
    "/{code}/rounds/{no}/appeals",
    status_code=201,
    summary="Appeal the refusal of one's claim in a round (claimant app)",
)
def appeal_refusal(code: Code, no: RoundNo, body: AppealIn, who: ClaimantApp) -> Any:
    person = _appellant(who, body)
    return _lodge(
        "refused_claim",
        lambda: programmes.refusal_of(_round_id(code, no), person),
        person,
        body.grounds,
    )


@router.post(
    "/refunds/{refund_id}/appeals",
    status_code=201,
    summary="Appeal the claw-back a refund caused (the merchant)",
)
def appeal_clawback(refund_id: str, body: AppealIn, who: Merchant) -> Any:
    merchant = _appellant(who, body)
    return _lodge("clawback", lambda: programmes.clawback_of(refund_id), merchant, body.grounds)


@router.post(
    "/applications/{application_id}/appeals",
    status_code=201,
    summary="Appeal the refusal of one's application (the firm, or the person through the app)",
)
def appeal_application(application_id: str, body: AppealIn, who: Applicant) -> Any:
    try:
        appellant = _appellant(who, body)
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    return _lodge("refused_application", lambda: application_id, appellant, body.grounds)


@router.post(
    "/applications/{application_id}/claw-back/appeals",
    status_code=201,
    summary="Appeal the claw-back of one's paid subsidy (the firm, or the person through the app)",
)
def appeal_recovery(application_id: str, body: AppealIn, who: Applicant) -> Any:
    try:
        appellant = _appellant(who, body)
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    return _lodge(
        "clawback", lambda: programmes.recovery_of(application_id), appellant, body.grounds
    )


@router.get("/appeals/all", summary="Every appeal with its stage, deadline and decision")
def list_appeals(who: Reviewer) -> dict[str, Any]:
    _ready()
    rows = programmes.list_appeals()
    return {"data": rows, "count": len(rows)}


@router.post("/appeals/{appeal_id}/take-up", summary="Take a lodged appeal up for review")
def take_up_appeal(appeal_id: str, who: Reviewer) -> Any:
    _ready()
    try:
        return programmes.take_up_appeal(appeal_id=appeal_id, officer=caller_of(who).party)
    except ProgrammeError as exc:
        raise _refuse(exc) from None


@router.post(
    "/appeals/{appeal_id}/decide",
    summary="Propose, or (a second reviewer) confirm, the decision on an appeal",
)
def decide_appeal(appeal_id: str, body: DecideIn, who: Reviewer) -> Any:
    _ready()
    try:
        return programmes.decide_appeal(
            appeal_id=appeal_id,
            outcome=body.outcome,
            reason=body.reason,
            officer=caller_of(who).party,
        )
    except ProgrammeError as exc:
        raise _refuse(exc) from None
