"""The catalogue, its generated document, and the CLI over it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cockpit.cli import app
from cockpit.indicators.catalogue import DIMENSIONS, INDICATORS, indicator
from cockpit.indicators.docs import DOC_PATH, render
from cockpit.indicators.synthetic import LakeSpec, write_lake
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION)
ROOT = Path(__file__).resolve().parents[2]


def test_each_indicator_is_declared_once_with_names_unit_and_dimensions() -> None:
    ids = [i.id for i in INDICATORS]
    assert len(ids) == len(set(ids))
    required = {
        "retail_sales",
        "goods_sales",
        "catering_sales",
        "online_share",
        "online_goods_share",
        "digital_consumption",
        "night_share",
        "visitor_sales",
        "foreign_visitor_sales",
        "ecny_share",
        "foreign_card_share",
        "transactions",
        "avg_ticket",
        "active_merchants",
        "new_merchants",
        "voucher_sales",
    }
    assert required <= set(ids)
    for ind in INDICATORS:
        assert ind.name_zh and ind.name_en and ind.definition and ind.unit
        assert set(ind.dimensions) <= set(DIMENSIONS)
        assert (ind.den is not None) == (ind.kind == "ratio")


def test_unknown_indicator_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="retail_sales"):
        indicator("retail_salez")


def test_docs_indicators_md_is_generated_from_the_catalogue() -> None:
    text = (ROOT / DOC_PATH).read_text(encoding="utf-8")
    assert text == render(), "docs/indicators.md drifted: run `cockpit indicators docs`"
    for ind in INDICATORS:
        assert f"### `{ind.id}`" in text


def test_cli_lists_the_catalogue_as_json() -> None:
    out = CliRunner().invoke(app, ["indicators", "list", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["count"] == len(INDICATORS)
    assert data["data"][0]["id"] == "retail_sales"


@pytest.mark.slow
def test_cli_builds_shows_and_exports(cockpit_home: Path, tmp_path: Path) -> None:
    write_lake(cockpit_home / "lake", LakeSpec(rows=800, merchants=20, months=14, districts=3))
    runner = CliRunner()
    built = runner.invoke(app, ["build", "--json"])
    assert built.exit_code == 0, built.output
    assert json.loads(built.output)["data"]["full"] is True

    shown = runner.invoke(
        app,
        ["indicators", "show", "retail_sales", "--by", "district", "--month", "2024-06", "--json"],
    )
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.output)["data"]
    assert {r["period"] for r in rows} == {"2024-06"} and len(rows) == 3

    as_csv = runner.invoke(app, ["indicators", "show", "online_share", "--month", "2024", "--csv"])
    assert as_csv.output.splitlines()[0].startswith("period,period_label,value")
    lines = as_csv.output.splitlines()
    assert len(lines) == 1 + 12 + 1  # header, twelve months, and 1–2月
    assert any(line.startswith("2024-01-02,2024年1–2月,") for line in lines)

    target = tmp_path / "values.parquet"
    exported = runner.invoke(
        app, ["indicators", "export", str(target), "--indicator", "avg_ticket"]
    )
    assert exported.exit_code == 0 and target.exists()

    bad = runner.invoke(app, ["indicators", "show", "online_share", "--by", "channel"])
    assert bad.exit_code == 2


@pytest.mark.slow
def test_demo_step_builds_the_indicators_and_reports_them(cockpit_home: Path) -> None:
    from rich.console import Console

    from cockpit.demo import DemoContext
    from cockpit.indicators.commands import demo_step

    write_lake(cockpit_home / "lake", LakeSpec(rows=800, merchants=20, months=14, districts=3))
    ctx = DemoContext(
        home=cockpit_home, sample_dir=cockpit_home, scale="tiny", seed=7, console=Console()
    )
    summary = demo_step(ctx)
    # The calibrated backtest was retired with the one official-series method (issue 22).
    assert summary.startswith("indicators: ") and "14 month(s)" in summary
    assert (cockpit_home / "lake" / "indicator_values").is_dir()
