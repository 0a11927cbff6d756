"""`cockpit ingest` and `cockpit quarantine`, run as an analyst would."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cockpit.cli import app
from tests.ingest.conftest import MERCHANT_HEADER, TXN_HEADER_ZH, write_text, zh_row

runner = CliRunner()


def _feeds(feeds: Path) -> Path:
    write_text(
        feeds / "交易流水_银联_2025.csv",
        [TXN_HEADER_ZH, zh_row("T1"), zh_row("T2", "2025-02-30 10:00:00"), "", ""],
        encoding="gb18030",
    )
    write_text(
        feeds / "merchants.csv",
        [MERCHANT_HEADER, "M000001,超市,500103,,RS01,线下,,2019-03-01,,是,2019-03-01"],
        encoding="utf-8-sig",
    )
    (feeds / "ground_truth.json").write_text("{}", "utf-8")
    return feeds


def test_ingest_a_folder_reports_each_file_as_json(cockpit_home: Path, feeds: Path) -> None:
    result = runner.invoke(app, ["ingest", str(_feeds(feeds)), "--json"])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)["data"]
    assert [(Path(r["file"]).name, r["outcome"], r.get("source")) for r in reports] == [
        ("ground_truth.json", "skipped", None),
        ("merchants.csv", "ingested", "merchants"),
        ("交易流水_银联_2025.csv", "ingested", "transactions"),
    ]
    assert reports[0]["reason"] == "not a feed file (.json)"
    txn = reports[2]
    assert (txn["rows_read"], txn["accepted"], txn["quarantined"], txn["duplicates"]) == (
        2,
        1,
        1,
        0,
    )
    assert txn["quarantined_by_reason"] == {"unparseable_date": 1}


def test_quiet_ingest_prints_one_line_per_file(cockpit_home: Path, feeds: Path) -> None:
    result = runner.invoke(app, ["ingest", str(_feeds(feeds)), "--quiet"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    assert "ground_truth.json: skipped: not a feed file" in lines[0]
    assert "read 2, accepted 1, quarantined 1, duplicates 0 (unparseable_date 1)" in lines[2]


def test_quarantine_list_show_and_export(cockpit_home: Path, feeds: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["ingest", str(_feeds(feeds)), "--quiet"])
    listed = json.loads(runner.invoke(app, ["quarantine", "list", "--json"]).stdout)["data"]
    assert [(r["reason"], r["rows"]) for r in listed] == [("unparseable_date", 1)]
    ingest_id = listed[0]["ingest_id"]
    shown = runner.invoke(app, ["quarantine", "show", ingest_id])
    assert "line 3, 交易时间: unparseable_date" in shown.stdout
    out = tmp_path / "fix.csv"
    exported = runner.invoke(app, ["quarantine", "export", ingest_id, "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    out.write_text(out.read_text("utf-8").replace("2025-02-30", "2025-02-28"), "utf-8")
    fixed = json.loads(runner.invoke(app, ["ingest", str(out), "--json"]).stdout)["data"]
    assert (fixed[0]["accepted"], fixed[0]["quarantined"]) == (1, 0)


def test_an_unreadable_file_fails_with_its_name_and_line(cockpit_home: Path, feeds: Path) -> None:
    path = write_text(feeds / "transactions_bad.csv", ["source,txn_id", "a,b"])
    result = runner.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 1
    assert "transactions_bad.csv, line 1: missing required column(s)" in result.output


def test_an_unknown_source_is_refused(cockpit_home: Path, feeds: Path) -> None:
    result = runner.invoke(app, ["ingest", str(_feeds(feeds)), "--source", "weather"])
    assert result.exit_code == 1
    assert "unknown source 'weather'" in result.output
