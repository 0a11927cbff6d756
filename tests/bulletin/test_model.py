"""Periods, cell formatting and the workbook's guard against formulas."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.bulletin.excel import safe_text
from cockpit.bulletin.model import Cell
from cockpit.bulletin.periods import BadMonth, Release, recent_releases, release_of


@pytest.mark.parametrize("month", ["2026-01", "2026-02", "2026-01-02"])
def test_january_and_february_are_the_one_release(month: str) -> None:
    rel = release_of(month)
    assert rel.period == "2026-01-02" and rel.months == ("2026-01", "2026-02")
    assert rel.label("zh-CN") == "2026年1—2月" and rel.month_label("zh-CN") == ""


def test_a_month_release_has_its_year_to_date() -> None:
    rel = release_of("2026-10")
    assert rel.months == ("2026-10",) and len(rel.ytd_months) == 10
    assert [r.period for r in rel.year_releases][:2] == ["2026-01-02", "2026-03"]
    assert rel.label("en") == "January–October 2026" and rel.month_label("zh-CN") == "10月份"


def test_recent_releases_step_over_1_2() -> None:
    got = [r.period for r in recent_releases(Release(2026, 4), 5)]
    assert got == ["2025-11", "2025-12", "2026-01-02", "2026-03", "2026-04"]


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "26-10", "2026-03-02", "2026/10", ""])
def test_a_bad_month_is_refused(bad: str) -> None:
    with pytest.raises(BadMonth, match="--month"):
        release_of(bad)


def test_cells_print_as_the_bureau_does() -> None:
    assert Cell(143_582_000_000_00, "fen", "official").text == "1435.8"
    assert Cell(-0.04, "%", "official").text == "0.0"  # never "-0.0"
    assert Cell(7.46, "%", "official").text == "7.5"
    assert Cell(5.0, "%", "sample", suppressed=True).text == "…"
    assert Cell(None, "%", "sample").text == "—"
    assert Cell(float("nan"), "%", "sample").text == "—"
    assert Cell(3, "rank", "official").text == "3"


@given(st.integers(min_value=-(10**16), max_value=10**16))
def test_rounded_and_text_agree(fen: int) -> None:
    c = Cell(fen, "fen", "official")
    assert c.rounded is not None and f"{c.rounded:.1f}" == c.text and c.text != "-0.0"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_text_cells_never_become_formulas(tmp_path: Path, text: str) -> None:
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    safe_text(wb.active, 1, 1, text)
    wb.save(tmp_path / "x.xlsx")
    cell = load_workbook(tmp_path / "x.xlsx").active.cell(row=1, column=1)
    assert cell.data_type == "s" and cell.value == text and cell.quotePrefix
