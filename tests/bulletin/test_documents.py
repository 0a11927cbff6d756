"""The demo city's bulletin: every figure of the PDF and the workbook is the catalogue's.

The oracle reads the lake's tables directly (official_stats, official_estimates,
indicator_values) with DuckDB, sharing no code with the bulletin's sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from cockpit.bulletin.issue import IssueResult, issue_bulletin
from cockpit.bulletin.model import Bulletin, Lang, Row
from tests.bulletin.conftest import pdf_fonts, pdf_text, using_home

pytestmark = pytest.mark.slow
TOKEN = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?|…|—)(?![\w.])")


@pytest.fixture(scope="module")
def issued(
    built_lake: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, IssueResult]]:
    """September 2026 (published) in both languages, 1–2月 and October (not yet published)."""
    home = tmp_path_factory.mktemp("bulletin-docs")
    (home / "lake").symlink_to(built_lake, target_is_directory=True)
    with using_home(home):
        yield {
            "sep-zh": issue_bulletin(month="2026-09", lang="zh-CN", home=home),
            "sep-en": issue_bulletin(month="2026-09", lang="en", home=home),
            "feb": issue_bulletin(month="2026-02", lang="zh-CN", home=home),
            "oct": issue_bulletin(month="2026-10", lang="zh-CN", home=home),
        }


def official(
    lake: Path, period: str, region: str, category: str, measure: str
) -> tuple[float, float]:
    """(亿元 to one decimal, published growth) straight from official_stats."""
    row = duckdb.execute(
        f"SELECT value_fen, yoy_pct FROM read_parquet('{lake}/official_stats/**/*.parquet') "
        f"WHERE period = '{period}' AND region_code = '{region}' "
        f"AND coalesce(category_code, '') = '{category}' AND measure = '{measure}'"
    ).fetchall()[0]
    return round(row[0] / 1e10, 1), round(row[1], 1)


def row_tokens(text: str, title: str, row: Row, lang: Lang, n: int) -> list[str]:
    """The ``n`` figures printed after ``row``'s label, below the table's ``title``, in the
    PDF's layout text (a long label may wrap: its figures are on one of the next lines)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if title in line)
    label = row.label(lang)
    for i, line in enumerate(lines[start:], start=start):
        first = re.split(r"\s{2,}", line.strip())[0]
        if len(first) >= 2 and label.startswith(first):
            for candidate in lines[i : i + 3]:
                after = candidate.split(first, 1)[-1] if first in candidate else candidate
                found = TOKEN.findall(after)
                if len(found) >= n:
                    return found[-n:]
    raise AssertionError(f"row {row.label(lang)!r} not found in the PDF")


def pdf_figures(result: IssueResult, lang: Lang) -> dict[tuple[str, str], list[str]]:
    text = pdf_text(result.issued.file("pdf"))
    b = result.bulletin
    return {
        (t.key, r.key): row_tokens(text, t.title(lang)[:12], r, lang, len(r.cells))
        for t in b.tables
        for r in t.rows
    }


def expected(b: Bulletin) -> dict[tuple[str, str], list[str]]:
    return {(t.key, r.key): [c.text for c in r.cells] for t in b.tables for r in t.rows}


def test_every_pdf_figure_is_the_models(issued: dict[str, IssueResult]) -> None:
    cases: tuple[tuple[str, Lang], ...] = (("sep-zh", "zh-CN"), ("sep-en", "en"), ("oct", "zh-CN"))
    for key, lang in cases:
        got = pdf_figures(issued[key], lang)
        assert got == expected(issued[key].bulletin)


def test_published_month_figures_are_the_official_series(
    issued: dict[str, IssueResult], built_lake: Path
) -> None:
    b = issued["sep-zh"].bulletin
    got = pdf_figures(issued["sep-zh"], "zh-CN")
    month = official(built_lake, "2026-09", "500000", "", "retail_sales")
    ytd = official(built_lake, "2026-09", "500000", "", "retail_sales_ytd")
    assert [float(x) for x in got[("main", "total")]] == [*month, *ytd]
    catering = official(built_lake, "2026-09", "500000", "CT01", "retail_sales")
    assert [float(x) for x in got[("main", "catering")][:2]] == list(catering)
    food = official(built_lake, "2026-09", "500000", "RS01", "retail_sales_ytd")
    assert [float(x) for x in got[("categories", "RS01")][2:]] == list(food)
    for row in b.table("districts").rows:
        ytd_d = official(built_lake, "2026-09", row.key, "", "retail_sales_ytd")
        cells = got[("districts", row.key)]  # month, ±, growth, 1—9月, ±, growth, rank
        assert [float(cells[3]), float(cells[5])] == list(ytd_d)
        assert cells[1] == cells[4] == "—"  # published: no sampling error
    text = pdf_text(issued["sep-zh"].issued.file("pdf"))
    headline = f"1—9月，全市社会消费品零售总额{ytd[0]:.1f}亿元，同比增长{ytd[1]:.1f}%。"
    assert headline in re.sub(r"\s+", "", text)


def test_sample_shares_are_the_catalogues(issued: dict[str, IssueResult], built_lake: Path) -> None:
    num, den = duckdb.execute(
        f"SELECT sum(num), sum(den) FROM read_parquet('{built_lake}/indicator_values/*.parquet') "
        "WHERE indicator_id = 'online_goods_share' AND period_type = 'month' AND cut = '' "
        "AND period BETWEEN '2026-01' AND '2026-09' AND length(period) = 7"
    ).fetchall()[0]
    got = pdf_figures(issued["sep-zh"], "zh-CN")[("main", "online_goods_share")]
    assert float(got[2]) == round(100 * num / den, 1)


def test_unpublished_month_is_the_nowcast_and_says_so(
    issued: dict[str, IssueResult], built_lake: Path
) -> None:
    estimate, low, high = duckdb.execute(
        "SELECT value_fen, lo95, hi95 "
        f"FROM read_parquet('{built_lake}/official_estimates/*.parquet') "
        "WHERE period = '2026-10' AND measure = 'retail_sales' AND region_code = '500000' "
        "AND coalesce(category_code, '') = '' ORDER BY run_id DESC LIMIT 1"
    ).fetchall()[0]
    b = issued["oct"].bulletin
    total = b.table("main").rows[0].cells[0]
    assert total.basis == "estimated" and total.text == f"{estimate / 1e10:.1f}"
    text = re.sub(r"\s+", "", pdf_text(issued["oct"].issued.file("pdf")))
    assert f"10月份社会消费品零售总额{estimate / 1e10:.1f}亿元（估算）" in text
    # How reliable: the nowcast's 95 % band is stated under the table.
    assert f"95%区间{low / 1e10:.1f}—{high / 1e10:.1f}亿元" in text


def test_january_and_february_are_one_release(
    issued: dict[str, IssueResult], built_lake: Path
) -> None:
    b = issued["feb"].bulletin
    assert b.period == "2026-01-02"
    assert [len(r.cells) for r in b.table("main").rows] == [2] * len(b.table("main").rows)
    text = re.sub(r"\s+", "", pdf_text(issued["feb"].issued.file("pdf")))
    ytd = official(built_lake, "2026-01-02", "500000", "", "retail_sales_ytd")
    assert f"1—2月，全市社会消费品零售总额{ytd[0]:.1f}亿元，同比增长{ytd[1]:.1f}%。" in text
    assert "2月份" not in text and "1月份" not in text


def test_excel_cells_are_the_pdfs_numbers(issued: dict[str, IssueResult]) -> None:
    from openpyxl import load_workbook

    for key in ("sep-zh", "oct"):
        result = issued[key]
        wb = load_workbook(result.issued.file("xlsx"))
        b = result.bulletin
        for t in b.tables:
            ws = wb[_sheet(wb, t.title("zh-CN"))]
            for i, row in enumerate(t.rows, start=3):
                for j, cell in enumerate(row.cells, start=2):
                    value = ws.cell(row=i, column=j).value
                    assert value == (cell.rounded if cell.rounded is not None else cell.text)
                    if isinstance(value, float):
                        assert ws.cell(row=i, column=j).number_format in ("0.0", "0")


def _sheet(wb: Any, title: str) -> str:
    (name,) = [n for n in wb.sheetnames if title.startswith(n[:20])]
    return str(name)


def test_english_and_chinese_carry_the_same_numbers(issued: dict[str, IssueResult]) -> None:
    zh = pdf_figures(issued["sep-zh"], "zh-CN")
    en = pdf_figures(issued["sep-en"], "en")
    assert zh == en
    assert issued["sep-zh"].bulletin.figures() == issued["sep-en"].bulletin.figures()


def test_fonts_are_embedded_and_no_glyph_is_missing(issued: dict[str, IssueResult]) -> None:
    from fontTools.ttLib import TTCollection

    from cockpit.bulletin.charts import cjk_font

    for key in ("sep-zh", "sep-en"):
        fonts = pdf_fonts(issued[key].issued.file("pdf"))
        assert fonts, "the PDF names no font"
        assert all(f[-5] == "yes" for f in fonts), fonts  # emb column
        assert not any(f[1] == "Type" and f[2] == "3" for f in fonts)
    _, path = cjk_font()
    collection = TTCollection(str(path))
    cmap = collection.fonts[0].getBestCmap()
    html = issued["sep-zh"].issued.file("html").read_text("utf-8")
    visible = re.sub(r"<style.*?</style>|<svg.*?</svg>|<[^>]+>", "", html, flags=re.S)
    missing = {ch for ch in visible if not ch.isspace() and ord(ch) not in cmap}
    assert not missing, f"characters without a glyph in {path.name}: {sorted(missing)}"


def test_a_districts_digital_types_are_the_catalogues(home: Path, built_lake: Path) -> None:
    from cockpit.bulletin.compute import compute_bulletin
    from cockpit.indicators.query import compute

    b = compute_bulletin(month="2026-09", region="500103")
    row = next(r for r in b.table("digital").rows if r.key == "digital_channels")
    live = compute(
        "digital_consumption", by=["month", "district", "digital_type"], period="2026", home=home
    )
    mine = live[(live["district"] == "500103") & (live["digital_type"] == "digital_channels")]
    part = mine[mine["month"] <= "2026-09"]["num"].sum()
    (whole,) = duckdb.execute(
        f"SELECT sum(num) FROM read_parquet('{built_lake}/indicator_values/*.parquet') "
        "WHERE indicator_id = 'retail_sales' AND period_type = 'month' AND cut = 'district' "
        "AND district = '500103' AND period BETWEEN '2026-01' AND '2026-09' "
        "AND length(period) = 7"
    ).fetchall()[0]
    assert row.cells[5].text == f"{100 * part / whole:.1f}"  # 1—9月 share of retail sales
