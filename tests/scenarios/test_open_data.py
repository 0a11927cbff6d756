"""OCDS release packages validate against the shipped schema; CSV and Excel exports."""

from __future__ import annotations

import copy
import csv
import json
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine

from cockpit.scenarios import calls, exports, ocds
from tests.scenarios.conftest import UNIT


def test_schema_files_are_shipped_and_name_their_source() -> None:
    package_schema, release_schema = ocds.schemas()
    assert "1.1.5" in release_schema["description"] and "1.1" in package_schema["description"]
    assert release_schema["required"] == ["ocid", "id", "date", "tag", "initiationType"]


def test_package_of_an_accepted_call_validates_and_carries_award_and_contract(
    sample_engine: Engine,
) -> None:
    package = ocds.release_package(engine=sample_engine, published=datetime(2026, 8, 1, 9, 0))
    assert ocds.validate_package(package) == []
    release = next(r for r in package["releases"] if r["tender"]["id"] == "C-2026-001")
    assert release["ocid"] == f"{ocds.OCID_PREFIX}-C-2026-001"
    assert release["tag"] == ["tender", "award", "contract", "implementation"]
    assert release["tender"]["numberOfTenderers"] == 3
    assert release["awards"][0]["suppliers"][0]["id"] == "F06"
    assert release["awards"][0]["value"] == {"amount": 720000.0, "currency": "CNY"}
    assert release["contracts"][0]["status"] == "terminated"
    assert release["date"].endswith("+08:00")
    json.dumps(package, ensure_ascii=False)  # serialisable as it stands


def test_package_of_a_withdrawn_call_validates(engine: Engine, open_call: str) -> None:
    calls.advance(call_id=open_call, step="withdraw", actor=UNIT, engine=engine, text="预算调整")
    package = ocds.release_package(engine=engine)
    assert ocds.validate_package(package) == []
    assert package["releases"][0]["tag"] == ["tenderCancellation"]
    assert package["releases"][0]["tender"]["status"] == "cancelled"


def test_validation_catches_broken_releases(sample_engine: Engine) -> None:
    good = ocds.release_package(engine=sample_engine)
    broken = copy.deepcopy(good)
    del broken["releases"][0]["ocid"]
    broken["releases"][0]["tag"] = ["notATag"]
    broken["releases"][0]["tender"]["status"] = "open"
    broken["releases"][0]["date"] = "2026-03-01 09:00"
    errors = ocds.validate_package(broken)
    text = "\n".join(errors)
    assert "'ocid' is a required property" in text
    assert "notATag" in text and "'open' is not one of" in text
    assert "is not a 'date-time'" in text


def test_csv_and_excel_exports_have_one_row_per_call(sample_engine: Engine, tmp_path: Path) -> None:
    assert exports.write_csv(tmp_path / "calls.csv", engine=sample_engine) == 1
    with (tmp_path / "calls.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["awarded_firm_id"] == "F06" and rows[0]["district_zh"] == "渝中区"
    assert rows[0]["award_value_fen"] == "72000000"
    assert exports.write_excel(tmp_path / "calls.xlsx", engine=sample_engine) == 1
    sheet = load_workbook(tmp_path / "calls.xlsx").active
    assert sheet.cell(1, 1).value == "榜单编号" and sheet.cell(2, 1).value == "call_id"
    assert sheet.cell(3, 1).value == "C-2026-001"
