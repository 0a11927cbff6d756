"""HTTP API of the alerts room: list alerts, acknowledge and resolve them, the Order + List."""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field

from cockpit import alerts
from cockpit.access import scope_of
from cockpit.db import ensure_schema
from cockpit.web.auth import Principal, allow, permit
from cockpit.web.deps import ScopeDep
from cockpit.web.schemas import Page

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


def _ready() -> None:
    """Bring the database up to date once per process and database."""
    ensure_schema()


Operator = Annotated[Principal, Depends(permit("alerts.write"))]
# Ids are database integers: anything past 64 bits is refused as input, not a server error.
AlertId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Reader = Annotated[Principal, Depends(permit("records.read"))]


class StepIn(BaseModel):
    """A comment on an acknowledgement or resolution."""

    comment: str = Field(default="", max_length=2000)


class AlertList(BaseModel):
    data: list[alerts.AlertPublic]
    count: int


@router.get(
    "",
    summary="Alerts, most severe and newest first",
    response_model=AlertList,
    dependencies=[allow("cockpit.read")],
)
def list_alerts(
    scope: ScopeDep,
    status: Annotated[Literal["open", "acknowledged", "resolved"] | None, Query()] = None,
    severity: Annotated[Literal["info", "warning", "critical"] | None, Query()] = None,
    rule_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> AlertList:
    """Alerts about firms of other districts are left out for a district official."""
    _ready()
    wide = limit if scope.whole_city else 2000
    found = alerts.list_alerts(status=status, severity=severity, rule_id=rule_id, limit=wide)
    data = [a for a in found if scope.sees_alert(a.subject, a.evidence)][:limit]
    return AlertList(data=data, count=len(data))


@router.get(
    "/orderlist",
    summary="The Order + List: every key exporter with its trend",
    response_model=Page,
)
def orderlist(who: Reader, months: Annotated[int, Query(ge=1, le=36)] = 12) -> dict[str, Any]:
    from cockpit.alerts import orderlist_rows
    from cockpit.config import get_settings

    rows = orderlist_rows(home=get_settings().ensure_home(), months=months)
    data = scope_of(who).keep(rows, "district_code")
    return {"data": data, "count": len(data)}


@router.get(
    "/{alert_id}",
    summary="One alert with its history",
    response_model=alerts.AlertPublic,
    dependencies=[allow("cockpit.read")],
)
def get_alert(alert_id: AlertId, scope: ScopeDep) -> alerts.AlertPublic:
    _ready()
    try:
        found = alerts.get_alert(alert_id=alert_id)
    except alerts.AlertNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    if not scope.sees_alert(found.subject, found.evidence):
        # Another district's firm: answered as if there were no such alert.
        raise HTTPException(404, f"no alert {alert_id}")
    return found


def _step(action: str, alert_id: int, body: StepIn, who: Principal) -> alerts.AlertPublic:
    _ready()
    step = alerts.acknowledge if action == "ack" else alerts.resolve
    try:
        return step(alert_id=alert_id, actor=who.name, comment=body.comment)
    except alerts.AlertNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except alerts.InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from exc


@router.post(
    "/{alert_id}/ack",
    summary="Acknowledge an open alert (operator key)",
    response_model=alerts.AlertPublic,
)
def acknowledge(alert_id: AlertId, body: StepIn, who: Operator) -> alerts.AlertPublic:
    return _step("ack", alert_id, body, who)


@router.post(
    "/{alert_id}/resolve",
    summary="Resolve an alert (operator key)",
    response_model=alerts.AlertPublic,
)
def resolve(alert_id: AlertId, body: StepIn, who: Operator) -> alerts.AlertPublic:
    return _step("resolve", alert_id, body, who)
