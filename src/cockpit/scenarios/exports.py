"""Calls and awards as flat tables: CSV (UTF-8 with BOM, so Excel reads the Chinese) and
Excel workbooks. Money stays in integer fen, as everywhere in the product."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from cockpit import reference
from cockpit.db import session_scope
from cockpit.scenarios.models import Application, Call, Firm, ScenarioNeed
from cockpit.scenarios.ocds import OCID_PREFIX
from cockpit.scenarios.vocab import STATE_LABELS, CallState

COLUMNS: tuple[tuple[str, str], ...] = (
    ("call_id", "榜单编号"),
    ("ocid", "OCDS编号"),
    ("title_zh", "场景名称"),
    ("title_en", "Title"),
    ("sector", "领域"),
    ("district_code", "区县代码"),
    ("district_zh", "区县"),
    ("contact_unit_zh", "发榜单位"),
    ("state", "状态代码"),
    ("state_zh", "状态"),
    ("budget_min_fen", "预算下限（分）"),
    ("budget_max_fen", "预算上限（分）"),
    ("applications", "揭榜数"),
    ("awarded_firm_id", "中榜企业编号"),
    ("awarded_firm_zh", "中榜企业"),
    ("award_value_fen", "中榜金额（分）"),
    ("award_decided_by", "定榜依据"),
    ("contract_value_fen", "合同金额（分）"),
    ("contract_signed_at", "签约时间"),
    ("updated_at", "更新时间"),
)


def _row(call: Call, need: ScenarioNeed, apps: int, firm: Firm | None) -> dict[str, Any]:
    decided = (call.award_explanation or {}).get("decided_by", {})
    return {
        "call_id": call.id,
        "ocid": f"{OCID_PREFIX}-{call.id}",
        "title_zh": call.title_zh,
        "title_en": call.title_en or "",
        "sector": need.sector,
        "district_code": need.district_code,
        "district_zh": reference.district(need.district_code).name_zh,
        "contact_unit_zh": need.contact_unit_zh,
        "state": call.state,
        "state_zh": STATE_LABELS[CallState(call.state)][0],
        "budget_min_fen": need.budget_min_fen,
        "budget_max_fen": need.budget_max_fen,
        "applications": apps,
        "awarded_firm_id": firm.id if firm else "",
        "awarded_firm_zh": firm.name_zh if firm else "",
        "award_value_fen": call.award_value_fen,
        "award_decided_by": decided.get("zh", ""),
        "contract_value_fen": call.contract_value_fen,
        "contract_signed_at": call.contract_signed_at.isoformat()
        if call.contract_signed_at
        else "",
        "updated_at": call.updated_at.isoformat(),
    }


def call_rows(*, engine: Engine | None = None) -> list[dict[str, Any]]:
    """One row per call with its award, oldest call first."""
    with session_scope(engine) as session:
        counts = dict(
            session.execute(
                select(Application.call_id, func.count()).group_by(Application.call_id)
            ).all()
        )
        rows = []
        for call in session.scalars(select(Call).order_by(Call.created_at, Call.id)):
            need = session.get(ScenarioNeed, call.scenario_id)
            assert need is not None
            winner = session.get(Application, call.award_application_id or "")
            firm = session.get(Firm, winner.firm_id) if winner else None
            rows.append(_row(call, need, int(counts.get(call.id, 0)), firm))
        return rows


def write_csv(path: Path, *, engine: Engine | None = None) -> int:
    """Write the calls to ``path`` as CSV; returns the number of rows."""
    rows = call_rows(engine=engine)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[c for c, _ in COLUMNS])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def write_excel(path: Path, *, engine: Engine | None = None) -> int:
    """Write the calls to ``path`` as an Excel workbook (Chinese header row, then codes)."""
    from openpyxl import Workbook

    rows = call_rows(engine=engine)
    book = Workbook()
    sheet = book.active
    sheet.title = "榜单 Calls"
    sheet.append([zh for _, zh in COLUMNS])
    sheet.append([code for code, _ in COLUMNS])
    for row in rows:
        sheet.append([row[code] for code, _ in COLUMNS])
    sheet.freeze_panes = "A3"
    book.save(path)
    return len(rows)
