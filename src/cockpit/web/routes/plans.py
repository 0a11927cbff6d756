"""HTTP API of the plans room: progress of every target, manual figures, Excel export."""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from cockpit.db import ensure_schema, session_scope
from cockpit.web.auth import Principal, allow, permit

router = APIRouter(prefix="/api/plans", tags=["plans"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FigureIn(BaseModel):
    """A manual figure for a target, in the target's unit (yuan, percent or count)."""

    value: float
    as_of: date
    source: str = Field(min_length=1, max_length=500)


class FigureOut(BaseModel):
    plan_id: str
    target_id: str
    value: float
    as_of: date
    source: str
    entered_by: str


def _progress() -> list[Any]:
    from cockpit.plans import all_progress

    ensure_schema()
    with session_scope() as session:
        return all_progress(session=session)


@router.get(
    "", dependencies=[allow("cockpit.read")], summary="Every plan with the progress of each target"
)
def list_progress() -> dict[str, Any]:
    data = [p.to_dict() for p in _progress()]
    return {"data": data, "count": len(data)}


@router.get(
    "/headline",
    dependencies=[allow("cockpit.read")],
    summary="The headline targets the overview's gauges show",
)
def headline() -> dict[str, Any]:
    from cockpit.plans import headline_progress

    ensure_schema()
    with session_scope() as session:
        data = [t.to_dict() for t in headline_progress(session=session)]
    return {"data": data, "count": len(data)}


@router.get(
    "/export.xlsx",
    dependencies=[allow("cockpit.read")],
    response_class=FileResponse,
    responses={200: {"content": {XLSX: {}}, "description": "The workbook"}},
    summary="Every target's status as an Excel workbook",
)
def export_workbook() -> FileResponse:
    from cockpit.plans import write_workbook

    folder = Path(tempfile.mkdtemp(prefix="cockpit-plans-"))
    path = write_workbook(_progress(), folder / "plan-status.xlsx")
    return FileResponse(
        path,
        filename="plan-status.xlsx",
        media_type=XLSX,
    )


@router.post(
    "/{plan_id}/targets/{target_id}/figures",
    status_code=201,
    summary="Enter a manual figure (operators only); earlier figures stay as history",
)
def enter_figure(
    plan_id: str,
    target_id: str,
    body: FigureIn,
    who: Annotated[Principal, Depends(permit("plans.write"))],
) -> FigureOut:
    from cockpit.plans import enter_figure as record

    ensure_schema()
    try:
        record(
            plan_id=plan_id,
            target_id=target_id,
            value=body.value,
            as_of=body.as_of,
            source=body.source,
            entered_by=who.name,
        )
    except KeyError as err:
        raise HTTPException(status_code=404, detail=str(err.args[0])) from err
    except ValueError as err:
        raise HTTPException(status_code=422, detail=str(err)) from err
    return FigureOut(
        plan_id=plan_id,
        target_id=target_id,
        value=body.value,
        as_of=body.as_of,
        source=body.source,
        entered_by=who.name,
    )
