"""The auditor's page: the audit trail with filters, its chain verified, CSV export."""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from cockpit.access import AUDIT_ACTIONS, Invalid, search_audit, verify_audit
from cockpit.web.auth import Principal, permit
from cockpit.web.deps import LangDep
from cockpit.web.routes.pages import render_page

router = APIRouter(include_in_schema=False)
Auditor = Annotated[Principal, Depends(permit("audit.read"))]
SHANGHAI = ZoneInfo("Asia/Shanghai")
COLUMNS = ("id", "at", "actor", "role", "address", "action", "target", "detail", "hash")


class Filters(BaseModel):
    actor: str = ""
    action: str = ""
    target: str = ""
    since: date | None = None
    until: date | None = None


def filters(
    actor: Annotated[str, Query(max_length=200)] = "",
    action: Annotated[str, Query(max_length=20)] = "",
    target: Annotated[str, Query(max_length=400)] = "",
    since: date | None = None,
    until: date | None = None,
) -> Filters:
    if action and action not in AUDIT_ACTIONS:
        raise Invalid(f"action {action!r}: one of {', '.join(AUDIT_ACTIONS)}", field="action")
    return Filters(actor=actor, action=action, target=target, since=since, until=until)


FiltersDep = Annotated[Filters, Depends(filters)]


def _day(d: date | None, *, end: bool = False) -> datetime | None:
    if d is None:
        return None
    start = datetime(d.year, d.month, d.day, tzinfo=SHANGHAI)
    return start + timedelta(days=1) if end else start


def _rows(f: Filters, limit: int) -> list[dict[str, Any]]:
    return search_audit(
        actor=f.actor, action=f.action, target=f.target, since=_day(f.since),
        until=_day(f.until, end=True), limit=limit,
    )  # fmt: skip


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, lang: LangDep, who: Auditor, f: FiltersDep) -> Response:
    shown = {k: ("" if v is None else str(v)) for k, v in f.model_dump().items()}
    return render_page(
        request, "audit.html", lang, "audit", rows=_rows(f, 500), f=shown,
        actions=AUDIT_ACTIONS, verdict=verify_audit(),
        query=urlencode({k: v for k, v in shown.items() if v}),
    )  # fmt: skip


@router.get("/audit/export.csv")
def audit_export(who: Auditor, f: FiltersDep) -> Response:
    """The filtered trail as CSV (UTF-8 with BOM, for spreadsheets); the export is audited."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in _rows(f, 100_000):
        writer.writerow({**row, "detail": json.dumps(row["detail"], ensure_ascii=False)})
    headers = {"Content-Disposition": 'attachment; filename="audit-trail.csv"'}
    return Response(
        "\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers
    )
