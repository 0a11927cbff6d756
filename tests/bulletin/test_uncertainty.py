"""Sample figures carry the catalogue's error; programmes carry their evaluated effect.

The oracles read the lake's tables (indicator_values, programme_effects) with DuckDB, and
the effect's figures are compared in the PDF's text (pdftotext), the workbook's cells and
the HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from cockpit.bulletin.issue import issue_bulletin
from cockpit.bulletin.model import Z95
from tests.bulletin.conftest import pdf_text
from tests.bulletin.test_documents import row_tokens

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # the lake first: minutes
CAMPAIGN = "yuzhong-campaign-2026"


def catalogue(lake: Path, period_type: str, period: str, digital_type: str) -> tuple:
    """(value_cv, yoy, yoy_se, growth_withheld) of the city's digital consumption of a type."""
    return duckdb.execute(
        "SELECT value_cv, yoy, yoy_se, coalesce(growth_withheld, '') "
        f"FROM read_parquet('{lake}/indicator_values/*.parquet') "
        f"WHERE indicator_id = 'digital_consumption' AND period_type = '{period_type}' "
        f"AND period = '{period}' AND cut = 'digital_type' AND digital_type = '{digital_type}'"
    ).fetchall()[0]


def test_digital_figures_carry_the_catalogues_cv_and_margin(home: Path, built_lake: Path) -> None:
    from cockpit.bulletin.compute import compute_bulletin

    b = compute_bulletin(month="2026-09")
    printed = 0
    for row in b.table("digital").rows:
        if row.key == "digital_total":
            continue
        # per period: share, CV, estimate, growth, ± (the month, then 1—9月)
        for offset, (ptype, period) in ((0, ("month", "2026-09")), (5, ("ytd", "2026-09"))):
            share, cv, _, growth, margin = row.cells[offset : offset + 5]
            value_cv, yoy, yoy_se, withheld = catalogue(built_lake, ptype, period, row.key)
            if not share.suppressed:
                assert cv.text == f"{100 * value_cv:.1f}"
            if "yoy:" in withheld:  # the catalogue withholds it: so does the bulletin
                assert growth.text == margin.text == "…"
            elif yoy is not None:
                assert growth.text == f"{yoy:.1f}"
                assert margin.text == f"{Z95 * yoy_se:.1f}"
                printed += 1
    assert printed, "no published growth rate of a digital type in the test city"


def test_unpublished_district_totals_carry_the_nowcasts_band(home: Path, built_lake: Path) -> None:
    from cockpit.bulletin.compute import compute_bulletin

    b = compute_bulletin(month="2026-10")
    bands = dict(
        duckdb.execute(
            "SELECT region_code, (hi95 - lo95) / 2 FROM read_parquet("
            f"'{built_lake}/official_estimates/*.parquet') WHERE period = '2026-10' "
            "AND measure = 'retail_sales' AND coalesce(category_code, '') = '' "
            "AND status != 'published' QUALIFY row_number() OVER "
            "(PARTITION BY region_code ORDER BY run_id DESC) = 1"
        ).fetchall()
    )
    for row in b.table("districts").rows:
        month, margin = row.cells[:2]
        if row.key in bands and month.basis == "estimated":
            assert margin.text == f"{bands[row.key] / 1e10:.1f}"


@pytest.fixture
def campaign_home(own_lake_home: Path, sample_city: Path) -> Path:
    """The tiny city's campaign on the ledger and its events in the (copied) lake."""
    from cockpit.db import upgrade
    from cockpit.programmes.campaign import campaign_event, put_on_ledger
    from cockpit.programmes.export import export_events

    upgrade()
    event = campaign_event(sample_city)
    assert event is not None and event["programme_code"] == CAMPAIGN
    put_on_ledger(sample_city, own_lake_home / "lake", event)
    export_events(lake=own_lake_home / "lake")
    return own_lake_home


def _effect_row(html: str) -> str:
    table = html.split('data-table="effects"', 1)[1].split("</table>", 1)[0]
    return table.split(f'data-row="{CAMPAIGN}"', 1)[1].split("</tr>", 1)[0]


def test_a_programmes_effect_is_its_evaluation_in_every_format(
    campaign_home: Path, sample_city: Path
) -> None:
    from openpyxl import load_workbook

    from cockpit.programmes.campaign import campaign_event, evaluate

    lake = campaign_home / "lake"
    # Before any evaluation the programme's effect is "not evaluated", in words.
    before = issue_bulletin(month="2026-04", lang="zh-CN", home=campaign_home)
    row = next(r for r in before.bulletin.table("effects").rows if r.key == CAMPAIGN)
    assert [c.display("zh-CN") for c in row.cells] == ["未评估"] * 6
    assert [c.display("en") for c in row.cells] == ["not evaluated"] * 6
    assert "未评估" in re.sub(r"\s+", "", pdf_text(before.issued.file("pdf")))
    assert "未评估" in _effect_row(before.issued.file("html").read_text("utf-8"))

    event = campaign_event(sample_city)
    assert event is not None
    causal = evaluate(lake, event)  # recorded in programme_effects
    (uplift, lo, hi, mult, m_lo, m_hi) = duckdb.execute(
        "SELECT uplift, uplift_lo95, uplift_hi95, causal_multiplier, multiplier_lo95, "
        f"multiplier_hi95 FROM read_parquet('{lake}/programme_effects/*.parquet') "
        f"WHERE programme_code = '{CAMPAIGN}'"
    ).fetchall()[0]
    assert uplift == pytest.approx(causal["effect"]["uplift"])
    want = [f"{100 * v:.1f}" for v in (uplift, lo, hi)] + [f"{v:.1f}" for v in (mult, m_lo, m_hi)]

    for lang in ("zh-CN", "en"):
        result = issue_bulletin(month="2026-04", lang=lang, home=campaign_home)
        b = result.bulletin
        row = next(r for r in b.table("effects").rows if r.key == CAMPAIGN)
        assert [c.text for c in row.cells] == want
        assert all(c.basis == "sample" for c in row.cells)  # estimated from the sample
        # the PDF's text: the row's six figures after its label, under the table's title
        text = pdf_text(result.issued.file("pdf"))
        title = b.table("effects").title(lang)[:12]
        assert row_tokens(text, title, row, lang, 6) == want
        # the workbook's cells
        wb = load_workbook(result.issued.file("xlsx"))
        (name,) = [n for n in wb.sheetnames if b.table("effects").title(lang).startswith(n[:20])]
        ws = wb[name]
        found = [
            [ws.cell(row=i, column=j).value for j in range(2, 8)]
            for i in range(3, ws.max_row + 1)
            if str(ws.cell(row=i, column=1).value or "").strip() == row.label(lang)
        ]
        assert found == [[float(x) for x in want]]
        # the HTML
        cells = re.findall(
            r'<td class="num">([^<]*)', _effect_row(result.issued.file("html").read_text("utf-8"))
        )
        assert cells == want
        # money out and leverage stay apart, from the ledger
        ledger = next(r for r in b.table("programmes").rows if r.key == CAMPAIGN)
        assert all(c.basis == "programme" for c in ledger.cells)
