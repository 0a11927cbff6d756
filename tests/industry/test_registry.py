"""Loading the office lists: refused rows with their reasons, versions, one firm identity."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import Engine, select

from cockpit.db import session_scope
from cockpit.industry import credit_code_of, link_reference, load_list, references_of
from cockpit.industry.lists import ListFileError
from cockpit.industry.models import FirmRow, FirmVersionRow, RejectRow
from cockpit.industry.vocab import IndustryError, NotFound


def _xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_the_sample_bad_rows_are_refused_with_the_line_and_reason_the_truth_gives(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    with session_scope(loaded) as session:
        refused = {(r.source_file, r.line, r.reason) for r in session.scalars(select(RejectRow))}
    expected = {(Path(b["file"]).name, b["line"], b["reason"]) for b in truth["bad_rows"]}
    assert refused == expected


def test_every_good_firm_is_registered_once(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    with session_scope(loaded) as session:
        codes = list(session.scalars(select(FirmRow.credit_code)))
    assert len(codes) == len(set(codes)) == truth["firms"]


def test_a_changed_firm_keeps_its_earlier_version(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    changed = truth["changed_firms"][0]
    with session_scope(loaded) as session:
        firm = session.get(FirmRow, changed)
        assert firm is not None and firm.version == 2
        versions = session.scalars(
            select(FirmVersionRow)
            .where(FirmVersionRow.credit_code == changed)
            .order_by(FirmVersionRow.version)
        ).all()
        assert [v.version for v in versions] == [1, 2]
        assert versions[1].data["revenue_fen"] == firm.revenue_fen
        assert versions[0].data["revenue_fen"] != firm.revenue_fen
        assert versions[1].source_file.endswith("变更.xlsx")


def test_loading_the_same_list_again_changes_nothing(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    out, truth = city
    kind, rel = truth["load_order"][0]
    report = load_list(kind, out / rel, engine=loaded)
    assert report.added == 0
    assert report.changed == 5  # the later correction is undone by the older list…
    kind, rel = truth["load_order"][1]
    again = load_list(kind, out / rel, engine=loaded)
    assert again.changed == 5  # …and redone by the correction, each a new version
    with session_scope(loaded) as session:
        firm = session.get(FirmRow, truth["changed_firms"][0])
        assert firm is not None and firm.version == 4


def test_a_list_without_a_required_column_is_refused_naming_it(
    engine: Engine, tmp_path: Path
) -> None:
    path = _xlsx(tmp_path / "企业库.xlsx", ["统一社会信用代码", "企业名称"], [["x", "y"]])
    with pytest.raises(ListFileError, match=r"企业库.xlsx, line 1: no column for district_code"):
        load_list("firms", path, engine=engine)


def test_bad_values_are_refused_row_by_row_with_the_files_header(
    engine: Engine, tmp_path: Path
) -> None:
    header = ["统一社会信用代码", "企业名称", "区县代码", "企业规模", "营业收入(万元)"]
    rows: list[list[Any]] = [
        ["91350100M000100Y43", "甲公司", "500103", "中型", 1200],
        ["914403001922038216", "乙公司", "500103", "巨型", 10],
        ["91350100M000100Y43", "甲公司重复", "500103", "小型", 1],
        ["9135 0100 M000 100Y 43", "丙", "500103", "小型", "abc"],
    ]
    report = load_list("firms", _xlsx(tmp_path / "f.xlsx", header, rows), engine=engine)
    assert (report.added, report.rejected) == (1, 3)
    with session_scope(engine) as session:
        got = {(r.line, r.field, r.reason) for r in session.scalars(select(RejectRow))}
    assert got == {
        (3, "企业规模", "unknown_size"),
        (4, "统一社会信用代码", "duplicate_firm"),
        (5, "营业收入(万元)", "bad_amount"),
    }


def test_designations_of_firms_not_in_the_registry_are_refused(
    engine: Engine, tmp_path: Path
) -> None:
    header = ["统一社会信用代码", "认定类型", "认定级别", "认定日期"]
    path = _xlsx(
        tmp_path / "d.xlsx",
        header,
        [["91350100M000100Y43", "高新技术企业", "国家级", "2024-01-01"]],
    )
    report = load_list("designations", path, engine=engine)
    assert report.reasons == {"unknown_firm": 1}


def test_other_rooms_ids_point_at_one_registry_firm(
    loaded: Engine, city: tuple[Path, dict[str, Any]]
) -> None:
    code = credit_code_of("scenarios", "F01", engine=loaded)
    assert code is not None
    assert {"room": "scenarios", "ref_id": "F01"} in references_of(code, engine=loaded)
    assert credit_code_of("trade", "E0001", engine=loaded) is not None
    link_reference(room="programmes", ref_id="app-9", credit_code=code, engine=loaded)
    assert credit_code_of("programmes", "app-9", engine=loaded) == code
    with pytest.raises(NotFound):
        link_reference(
            room="programmes", ref_id="x", credit_code="91350100M000100Y43", engine=loaded
        )
    with pytest.raises(IndustryError):
        link_reference(room="nowhere", ref_id="x", credit_code=code, engine=loaded)


cell = st.one_of(
    st.text(max_size=25),
    st.sampled_from(["91350100M000100Y43", "914403001922038216", "500103", "510104", "=1+1"]),
    st.integers(-(10**12), 10**12).map(str),
    st.dates().map(str),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(cell, min_size=6, max_size=6), min_size=1, max_size=8))
def test_any_firm_list_is_loaded_refused_row_by_row_or_refused_whole(
    engine: Engine, tmp_path: Path, rows: list[list[str]]
) -> None:
    header = [
        "统一社会信用代码",
        "企业名称",
        "所在区县代码",
        "成立日期",
        "企业规模",
        "营业收入(万元)",
    ]
    path = tmp_path / "firms.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    try:
        report = load_list("firms", path, engine=engine)
    except ListFileError as exc:  # refused whole (e.g. a NUL byte: not a text file)
        assert str(path) in str(exc)
        return
    kept = report.added + report.changed + report.unchanged
    assert kept + report.rejected == report.rows_read
    with session_scope(engine) as session:
        for firm in session.scalars(select(FirmRow)):
            assert firm.credit_code in ("91350100M000100Y43", "914403001922038216")
            assert firm.district_code.startswith("500")
